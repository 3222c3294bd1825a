"""The truststore's validity windows as a Mermaid ``gantt`` chart, which GitHub renders in
Markdown: a reviewer sees at a glance which CA runs out when.

Certificate names come from the pull request, so only letters, digits and a few harmless
characters reach the chart (Mermaid's ``:``, ``;`` and ``#`` would change its meaning, and a
backtick fence would end the code block). Expired certificates are ``crit``, those inside the
expiry window ``active``; ``--now`` is a milestone, so the chart says what the run judged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from mtls_lint.dates import day

#: Bars per chart: more would be unreadable (and a summary has a size cap).
MAX_BARS = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9 =.,()_+/-]")


class Bar(NamedTuple):
    name: str
    not_before: dt.datetime
    not_after: dt.datetime


def _safe(text: str, limit: int = 60) -> str:
    cleaned = _UNSAFE.sub("_", text).strip() or "_"
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "_"


def chart(
    sections: Sequence[tuple[str, Sequence[Bar]]], now: dt.datetime, window: int
) -> list[str]:
    """The Markdown lines of one chart: a section per file, a bar per certificate; [] when
    there is nothing to draw."""
    if not any(bars for _, bars in sections):
        return []
    lines = [
        "```mermaid",
        "gantt",
        "    title Validity of the truststore's certificates",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %Y",
        "    todayMarker off",
    ]
    drawn, left_out = 0, 0
    soon = now + dt.timedelta(days=window)
    for path, bars in sections:
        if drawn >= MAX_BARS:
            left_out += len(bars)
            continue
        lines.append(f"    section {_safe(path)}")
        for bar in bars:
            if drawn >= MAX_BARS:
                left_out += 1
                continue
            drawn += 1
            tag = "crit, " if bar.not_after < now else "active, " if bar.not_after < soon else ""
            lines.append(
                f"    {_safe(bar.name)} :{tag}c{drawn}, {day(bar.not_before)}, {day(bar.not_after)}"
            )
    lines += ["    section now", f"    {day(now)} :milestone, now, {day(now)}, 0d", "```"]
    if left_out:
        lines.append(f"_{left_out} more certificates are not drawn (at most {MAX_BARS})._")
    return lines
