"""Opening what a pull request put in the tree, and writing reports beside it.

In CI every file name and symlink was chosen by whoever opened the pull request. A symlink
``ts/s.pem -> /etc/shadow`` (or ``-> ../.git/config``, where ``actions/checkout`` keeps the
job's token) would print another file into a public log; a FIFO would hang the job. So every
input is opened through :func:`read_confined`: its real path must lie inside the *boundary*
-- the git repository holding it, or, outside any repository, the directory named on the
command line -- and outside ``.git``; it is opened without following a last symlink and
without blocking, and must then be a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: The directory no input is read from, whatever links point there: git's own files.
GIT_DIRECTORY = ".git"
#: A read loop's chunk: a cap of a gigabyte is never allocated up front.
CHUNK = 1 << 20


class UnsafePath(Exception):
    """An input that must not be read (or a report that must not be written): exit 2."""


def is_repository_root(directory: Path) -> bool:
    """Whether ``directory`` holds ``.git`` (a directory, or the file of a worktree)."""
    return os.path.lexists(directory / GIT_DIRECTORY)


def repository_root(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` (a real path) holding ``.git``."""
    for candidate in (directory, *directory.parents):
        if is_repository_root(candidate):
            return candidate
    return None


def boundary(given: Path) -> Path:
    """The real directory ``given`` may not be read outside of: the root of the repository it
    is named in, else the directory itself (for a directory) or the directory holding it (for
    a file).

    Found from where ``given`` is written, not from where a link in it points: going down
    ``given``'s directories from ``/``, the repository is the last directory holding
    ``.git`` before the first link below one. So ``linked/x.pem``, where ``linked`` leads out
    of the repository (or into another one), is bounded by the repository holding
    ``linked``, and refused; a link above every repository (a home directory on another
    disk) bounds nothing.
    """
    absolute = Path(os.path.abspath(given))
    place = (
        absolute if os.path.isdir(absolute) and not os.path.islink(absolute) else absolute.parent
    )
    return Path(os.path.realpath(named_repository(place) or place))


def named_repository(place: Path) -> Path | None:
    """The repository the absolute path ``place`` is written in (see :func:`boundary`), as
    written: a link in it may lead elsewhere."""
    root: Path | None = None
    for directory in (*reversed(place.parents), place):
        if root is not None and os.path.islink(directory):
            break  # what is below was reached through a link the repository holds
        if is_repository_root(directory):
            root = directory
    return root


class Confinement:
    """Where each of many named files may be read from, worked out once per directory:
    pre-commit and ``diff --base`` name hundreds of files in a few directories, and each
    boundary costs a realpath and a walk up.

    :meth:`of` a file is its :func:`boundary` and whether it may be opened as a walked one
    (``walked`` of :func:`open_confined`): when its directory, as written, is its own real
    path and not in ``.git``, only a link in the last component could lead out, and the
    open refuses that. A file below a link gets the whole check.

    ``within``: one boundary for every file, when the caller knows it (``diff --base``
    reads what git names: all of it inside the repository, whatever links the working tree
    holds in place of its directories)."""

    def __init__(self, within: Path | None = None) -> None:
        self._within = within
        self._directories: dict[str, tuple[Path, bool]] = {}

    def of(self, path: Path) -> tuple[Path, bool]:
        directory = os.path.dirname(os.path.abspath(path))  # as boundary() reads it
        known = self._directories.get(directory)
        if known is None:
            real = os.path.realpath(directory) == directory
            known = (
                self._within or boundary(path),
                real and GIT_DIRECTORY not in Path(directory).parts,
            )
            self._directories[directory] = known
        return known


def real_path(path: Path, within: Path) -> Path:
    """``path``'s real path, refused when it leaves ``within`` or enters ``.git``."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(f"{path}: a symbolic link loop; not read") from None
        if os.path.islink(path):
            raise UnsafePath(f"{path}: a symbolic link to nothing (broken); not read") from None
        raise UnsafePath(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not real.is_relative_to(within):
        where = "the repository" if repository_root(within) == within else str(within)
        raise UnsafePath(
            f"{path}: a symbolic link to a file outside {where}; not read (name the file "
            "itself to lint it)"
        )
    if GIT_DIRECTORY in real.relative_to(within).parts:
        if GIT_DIRECTORY in Path(os.path.abspath(path)).parts:  # named there, not linked
            raise UnsafePath(f"{path}: in {GIT_DIRECTORY}/, git's own files; not read")
        raise UnsafePath(f"{path}: a symbolic link into {GIT_DIRECTORY}/; not read")
    return real


_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def read_confined(
    path: Path, max_bytes: int, within: Path | None = None, *, walked: bool = False
) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_confined`): at most
    ``max_bytes`` + 1 of them, so the caller can tell a file over its cap without reading
    the rest."""
    with open_confined(path, within, walked=walked) as handle:
        # first, as much as the file says it holds (never more than the cap), in one piece:
        # pieces of CHUNK, joined, held a 9 MB bundle twice and took 12 to 17 ms, now 6.5
        size = os.fstat(handle.fileno()).st_size
        chunks = [handle.read(min(size, max_bytes) + 1)]
        left = max_bytes + 1 - len(chunks[0])
        while left > 0:  # a file that grew since, or whose size says nothing (/proc)
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def open_confined(path: Path, within: Path | None = None, *, walked: bool = False) -> BinaryIO:
    """The regular file ``path``, opened for reading inside ``within`` (default: its
    boundary), without following a last symlink and without blocking on a FIFO.

    ``walked``: found by walking real directories inside ``within``, so only a link in the
    last component can lead out -- and ``O_NOFOLLOW`` refuses that, sending it to the full
    check. That keeps a walk of 100,000 files at one open each.
    """
    fd = None
    if walked:
        try:
            fd = os.open(path, _READ)
        except OSError:
            fd = None  # a link (ELOOP), or gone: the full check says which
    if fd is None:
        real = real_path(path, within or boundary(path))
        try:
            fd = os.open(real, _READ)
        except OSError as exc:
            raise UnsafePath(f"{path}: cannot read: {exc.strerror or exc}") from None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO, a device, a directory
        handle.close()
        raise UnsafePath(f"{path}: not a regular file")
    return handle


def bounded_lines(stream: BinaryIO, max_line: int) -> Iterator[bytes | None]:
    """The lines of ``stream``, each read with at most ``max_line`` bytes held; a longer
    line is skipped to its end and stands as None. Memory stays bounded whatever the input
    (``/dev/zero`` has no line end at all, which is why stdin must not be a device)."""
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return
        if len(line) <= max_line or line.endswith(b"\n"):
            yield line
            continue
        while True:  # the rest of the overlong line, a chunk at a time
            rest = stream.readline(CHUNK)
            if not rest or rest.endswith(b"\n"):
                break
        yield None


def standard_input() -> BinaryIO:
    """stdin for reading lines: a pipe, a file or a terminal, never a device that never
    ends (``< /dev/zero``)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):  # not a file descriptor at all (io.UnsupportedOperation)
        mode = 0
    if stat.S_ISCHR(mode) and not sys.stdin.isatty():
        raise UnsafePath("-: standard input is a device, not a log")
    return sys.stdin.buffer


def over_byte_limit(limit: int) -> str:
    return (
        f"over the {limit}-byte limit for one file "
        "(raise it with --max-file-bytes or limits.file-bytes)"
    )


def write_confined(path: Path, text: str | bytes, within: Path | None = None) -> None:
    """Write ``text`` to ``path`` without following a symlink: not at the last component
    (``O_NOFOLLOW``), and not in the directories above it where they lie inside the
    repository (a pull request can add ``reports -> ~/.ssh``). ``within``, when given, is a
    directory the file must lie in (the action's workspace)."""
    absolute = Path(os.path.abspath(path))
    parent = absolute.parent
    real_parent = Path(os.path.realpath(parent))
    root = within or named_repository(parent)
    if within is not None and not absolute.is_relative_to(within):
        raise UnsafePath(f"{path}: outside {within}; not written")
    if root is not None and parent.is_relative_to(root):
        real_root = Path(os.path.realpath(root))
        if not real_parent.is_relative_to(real_root) or (
            GIT_DIRECTORY in real_parent.relative_to(real_root).parts
        ):
            raise UnsafePath(f"{path}: its directory is a symbolic link out of {root}; not written")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a FIFO with no reader fails, never blocks
    try:
        fd = os.open(real_parent / absolute.name, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(f"{path}: a symbolic link; not written through") from None
        raise UnsafePath(f"{path}: cannot write: {exc.strerror or exc}") from None
    os.set_blocking(fd, True)  # O_NONBLOCK was for the open (a FIFO nobody reads fails)
    if isinstance(text, bytes):
        with os.fdopen(fd, "wb") as raw:
            raw.write(text)
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:  # /dev/null and /dev/stdout work
        handle.write(text)
