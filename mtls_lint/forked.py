"""Independent pieces of work shared with forked children: the files of a run on every CPU.

Linting a file is Python from end to end, so threads would take turns holding the GIL; a
process of its own per CPU does not. ``multiprocessing`` would do it at a price a hook run
cannot pay: its import and a pool's start cost more than linting 50 small files. So a run of
many files forks: the parent and each child claim the next items from one pipe as each
finishes the last, and each child sends its answers back pickled on a pipe of its own.

The children inherit the items, and a child that works beside the parent
(:class:`Background`) may also be sent more as the parent finds it; both ends are this run's
own processes, so their pickles are as trusted as the run's memory. A child leaves with
``os._exit``: it never runs the parent's exit handlers nor flushes the parent's buffered
output. Answers do not depend on a child: where one fails (a crash, a signal, a pickle that
cannot be read), the parent does its share again, and the answers are the serial run's in
every case.
"""

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, BinaryIO, Generic, NoReturn, TypeVar

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


def share_out(
    items: Sequence[T],
    work: Callable[[T], R],
    workers: int,
    first: Callable[[], object] | None = None,
) -> list[R]:
    """``[work(item) for item in items]``, shared with ``workers - 1`` forked children where
    forking is safe; ``work`` must print nothing (a child's output would interleave) and
    return what ``pickle`` can carry.

    The items are not split up front: each process claims the next few as it finishes the
    last (:func:`_claims`), so one that a shared machine runs slower, or that meets the
    harder files, does fewer. ``first`` is called in the parent before it claims any: the
    children make a start on the items meanwhile (where none is forked, it is called before
    the work is done here)."""
    if workers < 2 or len(items) < 2 or not can_fork():
        return _serially(items, work, first)
    try:
        claims, step = _claims(len(items))
    except OSError:  # no descriptor left for the pipe (a container's limits)
        return _serially(items, work, first)
    answers: list[Any] = [_UNDONE] * len(items)
    children: list[tuple[int, int]] = []  # (pid, the file or pipe of its answers)
    try:
        for _ in range(min(workers, len(items)) - 1):
            try:
                pid, end = _fork_to_file()  # the file the child writes its answers to
            except OSError:  # no memory or no process left for one (a container's limits)
                break  # the parent claims what no child does
            if pid == 0:  # the child: what it claims, pickled, then gone without a trace
                _child(end, partial(_dump, partial(_claimed, work, items, claims, step)))
            children.append((pid, end))
        if first is not None:
            first()
        _place(_claimed(work, items, claims, step), answers)
        while children:
            pid, read = children[0]
            taken = _taken(pid, read)
            del children[0]
            if isinstance(taken, list):  # else the child failed: its claims are done below
                _place(taken, answers)
    finally:
        os.close(claims)
        for pid, read in children:  # the parent's own share raised: leave no child behind
            _end(pid, read)
    return [work(items[n]) if a is _UNDONE else a for n, a in enumerate(answers)]


def _serially(
    items: Sequence[T], work: Callable[[T], R], first: Callable[[], object] | None
) -> list[R]:
    if first is not None:
        first()
    return [work(item) for item in items]


#: An answer not given yet (None may be one).
_UNDONE: Any = object()
#: At most this many claims of items are made: their 4-byte records fill one page, which any
#: pipe holds whole, so they are all written before the first is read.
MAX_CLAIMS = 1024
_CLAIM = 4


def _claims(count: int) -> tuple[int, int]:
    """A pipe holding every claim of ``count`` items, ``step`` at a time, and that step: the
    read end (the write end closed, so a process reading past the last claim reads its end).
    Linux reads a pipe under a lock, so each claim's bytes are read whole, by one process.
    Raises OSError, with nothing left open, when no pipe can be had."""
    step = -(-count // MAX_CLAIMS)
    read, write = os.pipe()
    try:
        records = b"".join(n.to_bytes(_CLAIM, "little") for n in range(0, count, step))
        os.write(write, records)  # at most a page: a pipe takes it whole, at once
    except OSError:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read, step


def _claimed(
    work: Callable[[T], R], items: Sequence[T], claims: int, step: int
) -> Iterator[tuple[int, list[R]]]:
    """Claim the items ``step`` at a time from the pipe ``claims`` until none is left, and
    give each claim's first place with its answers."""
    while len(record := os.read(claims, _CLAIM)) == _CLAIM:
        start = int.from_bytes(record, "little")
        yield start, [work(item) for item in items[start : start + step]]


def _place(taken: Iterable[tuple[int, list[Any]]], answers: list[Any]) -> None:
    """Put answers (:func:`_claimed`'s: the parent's own, or a child's, as a list) in their
    places."""
    for start, done in taken:
        answers[start : start + len(done)] = done


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


def _fork_to_file() -> tuple[int, int]:
    """Fork with a file in memory (``memfd``) the child writes its answers to: (0, the file)
    in the child, (its pid, the file) in the parent, which reads it once the child is gone.
    A pipe would hold the child until the parent reads: answers of megabytes (a large
    bundle's pieces) would be written only once the parent has done its own share. Falls
    back to :func:`_fork` where no such file can be had."""
    try:
        file = os.memfd_create("mtls-lint-answers", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # not Linux, or an old kernel
        return _fork()
    try:
        pid = os.fork()
    except OSError:
        os.close(file)
        raise
    return pid, file


def _child(end: int, write: Callable[[BinaryIO], None]) -> NoReturn:
    """In a child: ``write`` to ``end`` (the write end of a pipe, or a share_out child's
    file in memory), then gone without a trace (exit status 1 if anything failed)."""
    status = 1
    try:
        with os.fdopen(end, "wb") as out:
            write(out)
        status = 0
    finally:
        os._exit(status)


def _dump(work: Callable[[], Iterable[object]], out: BinaryIO) -> None:
    """``work()``'s answer, pickled: what a child of :func:`share_out` writes."""
    import pickle

    pickle.dump(list(work()), out, protocol=pickle.HIGHEST_PROTOCOL)


#: What :func:`_taken` gives for a child that failed.
FAILED = object()


def _taken(pid: int, read: int) -> object:
    """A child's answer, or :data:`FAILED` if it did not give one whole."""
    import pickle

    with os.fdopen(read, "rb") as answers:
        if stat.S_ISFIFO(os.fstat(read).st_mode):
            data = answers.read()  # to its end: the child is gone
            _, status = os.waitpid(pid, 0)
        else:  # a file in memory (_fork_to_file): written whole once the child is gone
            _, status = os.waitpid(pid, 0)
            answers.seek(0)  # the child's writes moved the offset the two share
            data = answers.read()
    if status != 0:
        return FAILED
    try:
        return pickle.loads(data)  # noqa: S301 - written by this run's own child
    except Exception:  # noqa: BLE001 - a child cut short: the caller does the work
        return FAILED


class Background(Generic[R]):
    """A forked child (:meth:`fed`) that works while the parent goes on with something
    else, and tells how far it got as it goes: each item its generator yields is sent on
    the pipe as a frame of its own, and the parent takes the frames written so far without
    waiting (:meth:`poll`). A child that fails sends nothing more; the frames it sent hold.

    The child takes work as it comes: what the parent sends (:meth:`send`) goes on a second
    pipe, whose end (:meth:`close`) ends the child's input. The parent never waits to send:
    what the pipe cannot take yet waits in the parent and goes at its next :meth:`send` or
    :meth:`poll`. A child whose parent goes away reads the end of its input and leaves."""

    def __init__(self, pid: int, read: int, write: int) -> None:
        os.set_blocking(read, False)
        self._child: tuple[int, int] | None = (pid, read)
        self._buffer = bytearray()
        #: The write end of the child's input (None once closed), and what waits to go on it.
        self._input: int | None = write
        self._unsent = bytearray()
        self._closing = False
        os.set_blocking(write, False)

    @classmethod
    def fed(cls, frames: Callable[[Iterator[Any]], Iterator[R]]) -> "Background[R] | None":
        """The child sending what ``frames(received)`` yields, each item something
        ``pickle`` can carry (it must print nothing), where ``received`` gives what the
        parent sends, item by item, as it comes (each unpickled), until the parent closes
        the input or goes away. None where forking is unsafe (:func:`can_fork`) or fails."""
        if not can_fork():
            return None
        try:
            taken, given = os.pipe()  # the child's input: it reads ``taken``
        except OSError:
            return None
        import fcntl

        with contextlib.suppress(OSError, AttributeError):  # Linux; else the default size
            fcntl.fcntl(given, fcntl.F_SETPIPE_SZ, INPUT_PIPE_BYTES)
        try:
            pid, end = _fork()
        except OSError:
            os.close(taken)
            os.close(given)
            return None
        if pid == 0:
            os.close(given)  # else the child's input never ends
            _child(end, partial(_send_each, partial(_fed_frames, frames, taken)))
        os.close(taken)
        return cls(pid, end, given)

    def send(self, item: object) -> None:
        """Send ``item`` (something ``pickle`` can carry) to the child, without waiting;
        dropped once the child is gone."""
        import pickle

        if self._input is None or self._closing:
            return
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self._unsent += len(data).to_bytes(_LENGTH, "little")
        self._unsent += data
        self._flush()

    def close(self) -> None:
        """End the child's input, once what waits to go on it has gone."""
        self._closing = True
        self._flush()

    def _flush(self) -> None:
        """Write what the input pipe takes now of what waits to go; close it when asked
        to and nothing waits."""
        if self._input is None:
            return
        try:
            while self._unsent:
                written = os.write(self._input, self._unsent)
                del self._unsent[:written]
        except BlockingIOError:
            return  # the pipe is full: the rest goes at the next send or poll
        except OSError:  # the child is gone (a broken pipe): nothing more goes
            self._unsent.clear()
            self._close_input()
        if self._closing and not self._unsent:
            self._close_input()

    def _close_input(self) -> None:
        if self._input is not None:
            with contextlib.suppress(OSError):
                os.close(self._input)
            self._input = None

    def poll(self) -> list[R]:
        """The frames that came whole since the last call; none once the child is done."""
        import pickle

        self._flush()
        if self._child is None:
            return []
        read = self._child[1]
        while True:
            try:
                chunk = os.read(read, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:  # the child is done (or gone): its frames so far are all
                self.cancel()
                break
            self._buffer += chunk
        frames = []
        buffer, at = self._buffer, 0
        while len(buffer) - at >= _LENGTH:
            end = at + _LENGTH + int.from_bytes(buffer[at : at + _LENGTH], "little")
            if len(buffer) < end:
                break  # the rest of this frame is still on its way
            frames.append(pickle.loads(buffer[at + _LENGTH : end]))  # noqa: S301 - our child's
            at = end
        del buffer[:at]  # once per call: taking frames costs their size, however many
        return frames

    def cancel(self) -> None:
        """Kill and reap the child, done or not (its pipes are closed)."""
        self._close_input()
        self._unsent.clear()
        if self._child is not None:
            _end(*self._child)
            self._child = None


#: The size asked for a fed child's input pipe (Linux allows an unprivileged process up to
#: 1 MiB): what a parent sends while the child is busy waits in the pipe, not in the parent.
INPUT_PIPE_BYTES = 1 << 20


#: Bytes of a frame's length before it on a :class:`Background` child's pipe.
_LENGTH = 4


def _send_each(frames: Callable[[], Iterator[object]], pipe: BinaryIO) -> None:
    """Each item of ``frames()``, pickled and sent at once: what a :class:`Background`
    child sends."""
    import pickle

    for frame in frames():
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        pipe.write(len(data).to_bytes(_LENGTH, "little") + data)
        pipe.flush()


def _fed_frames(frames: Callable[[Iterator[Any]], Iterator[R]], taken: int) -> Iterator[R]:
    """In a fed child: ``frames`` of what comes on the input pipe ``taken``."""
    with os.fdopen(taken, "rb") as pipe:
        yield from frames(_received(pipe))


def _received(pipe: BinaryIO) -> Iterator[Any]:
    """Each frame on ``pipe``, unpickled, until it ends (a frame cut short ends it too)."""
    import pickle

    while len(head := pipe.read(_LENGTH)) == _LENGTH:
        size = int.from_bytes(head, "little")
        data = pipe.read(size)
        if len(data) != size:
            return
        yield pickle.loads(data)  # noqa: S301 - our parent's, sent after the fork


def _end(pid: int, read: int) -> None:
    """Close a child's pipe, kill it and reap it: each step may find it done already."""
    import signal

    with contextlib.suppress(OSError):
        os.close(read)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
