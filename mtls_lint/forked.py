"""Independent pieces of work shared with forked children: the files of a run on every CPU.

Linting a file is Python from end to end, so threads would take turns holding the GIL; a
process of its own per CPU does not. ``multiprocessing`` would do it at a price a hook run
cannot pay: its import and a pool's start cost more than linting 50 small files. So a run of
many files forks: child ``k`` of ``n`` does items ``k, k + n, ...``, the parent does the
items from 0 meanwhile, and each child sends its answers back pickled on a pipe of its own.

The children inherit the items (nothing is sent to them) and are this run's own processes,
so their pickles are as trusted as the run's memory. A child leaves with ``os._exit``: it
never runs the parent's exit handlers nor flushes the parent's buffered output. Answers do
not depend on a child: where one fails (a crash, a signal, a pickle that cannot be read),
the parent does its share again, and the answers are the serial run's in every case.
"""

import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forking is safe here: on Linux (elsewhere, system libraries may not survive a
    fork without exec; macOS's Python defaults to spawn for that reason), with no other
    Python thread alive (a lock a thread holds at the fork stays held in the child)."""
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def share_out(items: Sequence[T], work: Callable[[T], R], workers: int) -> list[R]:
    """``[work(item) for item in items]``, shared with ``workers - 1`` forked children where
    forking is safe; ``work`` must print nothing (a child's output would interleave) and
    return what ``pickle`` can carry."""
    if workers < 2 or len(items) < 2 or not can_fork():
        return [work(item) for item in items]
    import pickle

    answers: list[R] = [None] * len(items)  # type: ignore[list-item]
    children: list[tuple[int, int, int]] = []  # (share, pid, read end of its pipe)
    try:
        for share in range(1, min(workers, len(items))):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: its share, pickled, then gone without a trace
                status = 1
                try:
                    os.close(read)
                    done = [work(item) for item in items[share::workers]]
                    with os.fdopen(write, "wb") as pipe:
                        pickle.dump(done, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write)
            children.append((share, pid, read))
        answers[0::workers] = [work(item) for item in items[0::workers]]
        while children:
            share, pid, read = children[0]
            taken: list[R] | None = _taken(pid, read, len(items[share::workers]))
            del children[0]
            answers[share::workers] = taken or [work(item) for item in items[share::workers]]
    finally:
        for _, pid, read in children:  # the parent's own share raised: leave no child behind
            _end(pid, read)
    return answers


def _taken(pid: int, read: int, count: int) -> list[R] | None:
    """A child's answers, or None if it did not give all ``count`` of them."""
    import pickle

    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        answers = pickle.loads(data)  # noqa: S301 - written by this run's own child
    except Exception:  # noqa: BLE001 - a child cut short: the parent does its share
        return None
    return answers if isinstance(answers, list) and len(answers) == count else None


def _end(pid: int, read: int) -> None:
    """Close a child's pipe, kill it and reap it: each step may find it done already."""
    import contextlib
    import signal

    with contextlib.suppress(OSError):
        os.close(read)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
