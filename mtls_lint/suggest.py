""" "Did you mean" for a mistyped rule id, option, profile or config key."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(given: object, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest of ``known`` to ``given``, or "" (nothing
    close, or ``given`` not text)."""
    if not isinstance(given, str):
        return ""
    import difflib  # a mistyped name is rare: its 2 ms are paid only then

    close = difflib.get_close_matches(given[:100], list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
