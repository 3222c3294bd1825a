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

#: Files (a small bundle's work each) from which a run shares them out: fewer are linted
#: faster than a child starts, pays again for what a first file costs (imports, caches)
#: and sends its answers back.
WORTH_SHARING_FROM = 16


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(count: int) -> int:
    """How many processes share ``count`` files: one per CPU from
    :data:`WORTH_SHARING_FROM` files on, else one."""
    return cpus() if count >= WORTH_SHARING_FROM else 1


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
    shares = range(1, min(workers, len(items)))
    children: list[tuple[int, int, int]] = []  # (share, pid, read end of its pipe)
    try:
        for share in shares:
            try:
                pid, end = _fork()  # our end of the pipe between us
            except OSError:  # no memory or no process left for one (a container's limits)
                break  # the parent does the shares no child took
            if pid == 0:  # the child: its share, pickled, then gone without a trace
                status = 1
                try:
                    done = [work(item) for item in items[share::workers]]
                    with os.fdopen(end, "wb") as pipe:
                        pickle.dump(done, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                    status = 0
                finally:
                    os._exit(status)
            children.append((share, pid, end))
        taken_by_children = {share for share, _, _ in children}
        for share in (0, *(s for s in shares if s not in taken_by_children)):
            answers[share::workers] = [work(item) for item in items[share::workers]]
        while children:
            share, pid, read = children[0]
            taken: list[R] | None = _taken(pid, read, len(items[share::workers]))
            del children[0]
            answers[share::workers] = taken or [work(item) for item in items[share::workers]]
    finally:
        for _, pid, read in children:  # the parent's own share raised: leave no child behind
            _end(pid, read)
    return answers


def _fork() -> tuple[int, int]:
    """Fork with a pipe from the child to the parent: (0, the write end) in the child, (its
    pid, the read end) in the parent. Raises OSError, with nothing left open, when either
    cannot be had."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    os.close(read if pid == 0 else write)
    return pid, write if pid == 0 else read


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
