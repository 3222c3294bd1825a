"""What a run is done with is left for the exit only by a process that leaves by
``os._exit``, and one thing at a time (the behaviour through ``mtls-lint check`` is in
test_cli.py)."""

from __future__ import annotations

import weakref

import pytest

from mtls_lint import leftovers


class _Parse:
    """A stand-in for a parsed bundle: anything a weak reference can watch."""


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leftovers, "_left", [])


@pytest.fixture
def by_exit(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leftovers, "_by_exit", True)


def _left(parse: _Parse) -> weakref.ref[_Parse]:
    """Leave ``parse`` and return a weak reference to it: dead once it is freed."""
    watched = weakref.ref(parse)
    leftovers.leave(parse)
    return watched


@pytest.mark.usefixtures("fresh")
def test_a_process_that_exits_the_usual_way_keeps_nothing() -> None:
    watched = _left(_Parse())
    assert watched() is None


@pytest.mark.usefixtures("by_exit")
def test_what_is_left_is_kept_until_let_go() -> None:
    watched = _left(_Parse())
    assert watched() is not None
    leftovers.let_go()
    assert watched() is None


@pytest.mark.usefixtures("by_exit")
def test_only_the_last_thing_left_is_kept() -> None:
    first = _left(_Parse())
    second = _left(_Parse())
    assert first() is None
    assert second() is not None
