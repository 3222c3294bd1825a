"""What a run is done with, left for the process's exit to reclaim instead of Python.

The console script leaves by ``os._exit`` (:func:`mtls_lint.cli.run`), and so does every
child a run forks (:mod:`mtls_lint.forked`): the kernel takes the memory back whole. Python,
freeing a parsed bundle as its last reference goes, visits each of its objects: 30 to 45 ms
for 10,000 certificates, paid after the last rule and before the report is written. So the
engine leaves the parse of the file it has just linted here (:func:`leave`), and it is freed
only when the next file's work begins (:func:`let_go`, before that file is read, so a run of
many large files holds no more at once than before) -- or never, by the exit.

Nothing is kept until the process says it leaves by ``os._exit`` (:func:`leaving_by_exit`):
in-process callers of :func:`mtls_lint.cli.main`, the tests among them, keep nothing.
"""

from __future__ import annotations

_left: list[object] = []
_by_exit = False


def leaving_by_exit() -> None:
    """Say that this process ends with ``os._exit``: from now on, :func:`leave` keeps what
    it is given. A forked child inherits the promise, and keeps it."""
    global _by_exit
    _by_exit = True


def leave(done_with: object) -> None:
    """Keep ``done_with`` (in place of what was left before) until :func:`let_go`, if the
    process leaves by ``os._exit``; else do nothing, and it is freed as usual."""
    if _by_exit:
        _left[:] = [done_with]


def let_go() -> None:
    """Free what was left, now: before the next piece of work builds its own."""
    _left.clear()
