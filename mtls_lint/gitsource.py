"""Old versions of files from git, for ``diff --base REF``: ``git show REF:./PATH``.

Paths are relative to the working directory, as the user typed them; git resolves ``./``
against it. Every failure becomes a clear :class:`GitError` (exit 2), never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from mtls_lint.discover import Globs, Scopes, find, matches, relative_to


class GitError(Exception):
    pass


if TYPE_CHECKING:
    import subprocess


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    # imported here: every check run imports this module (for GitError), few run git
    import subprocess

    try:
        return subprocess.run(["git", *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None


def check_ref(ref: str) -> None:
    """That the working directory is in a git work tree and ``ref`` names a commit: one git
    process for both (``rev-parse`` answers ``true`` or ``false`` for the first, whatever
    becomes of the second)."""
    if ref.startswith("-"):  # never an option of git's
        raise GitError(f"--base {ref}: no such commit, branch or tag (fetched it?)")
    result = _git("rev-parse", "--is-inside-work-tree", "--verify", "--quiet", f"{ref}^{{commit}}")
    where = result.stdout.split(b"\n", 1)[0]
    if where == b"false":  # in .git/, or in a bare repository: no files to compare with
        raise GitError("--base needs a git work tree: the working directory is in a repository's "
                       "own files, not inside one")  # fmt: skip
    if where != b"true":
        raise GitError("--base needs a git repository: the working directory is not inside one")
    if result.returncode != 0:
        raise GitError(f"--base {ref}: no such commit, branch or tag (fetched it?)")


class Entry(NamedTuple):
    """A path in a commit's tree: its mode (``100644``, ``120000`` for a symlink, ...), its
    size in bytes (None for what is not a blob) and its object id."""

    mode: str
    size: int | None
    object: str = ""

    def holds(self, data: bytes) -> bool:
        """Whether the blob is ``data``, by git's own object id (SHA-1, or SHA-256 in a
        repository of that format): an unchanged file costs a hash, not a git process."""
        import hashlib

        header = b"blob %d\0" % len(data)
        digest = hashlib.sha1 if len(self.object) == 40 else hashlib.sha256
        return digest(header + data).hexdigest() == self.object

    @property
    def what(self) -> str | None:
        """Why the entry is not a file to read, or None when it is one."""
        if self.mode in ("100644", "100755"):
            return None
        if self.mode == "120000":
            return "a symbolic link in git, not a file"
        if self.mode == "160000":
            return "a submodule, not a file"
        return f"not a regular file in git (mode {self.mode})"


def tree(ref: str, paths: Sequence[str]) -> dict[str, Entry]:
    """Every file tracked at ``ref`` under ``paths``, relative to the working directory,
    with its mode and size: one git process however many files there are."""
    result = _git("ls-tree", "-r", "-z", "--long", ref, "--", *paths)
    if result.returncode != 0:
        raise GitError(f"git ls-tree {ref}: {result.stderr.decode(errors='replace').strip()}")
    entries = {}
    for record in result.stdout.decode(errors="surrogateescape").split("\0"):
        if not record:
            continue
        info, _, name = record.partition("\t")
        entries[name] = _entry(info)
    return entries


def _entry(info: str) -> Entry:
    """The entry of one ``ls-tree --long`` record, the part before its tab."""
    mode, _kind, object_id, size = info.split(maxsplit=3)
    return Entry(mode, int(size) if size.strip().isdigit() else None, object_id)


def blobs(object_ids: Sequence[str]) -> Generator[bytes, None, None]:
    """The bytes of each blob, in order, from one ``git cat-file --batch`` process however
    many there are: read one at a time, so memory holds one blob, not all of them."""
    import subprocess
    import threading

    if not object_ids:
        return
    try:
        process = subprocess.Popen(["git", "cat-file", "--batch"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    stdin, stdout = process.stdin, process.stdout
    if stdin is None or stdout is None:  # pipes were asked for: cannot happen
        raise GitError("git cat-file: no pipes")
    request = "".join(f"{object_id}\n" for object_id in object_ids).encode()
    # written from a thread: git answers while it reads, and a full pipe would stall both
    writer = threading.Thread(target=_feed, args=(stdin, request), daemon=True)
    writer.start()
    try:
        for object_id in object_ids:
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob" or not header[2].isdigit():
                raise GitError(f"git cat-file: no blob {object_id}")
            data = stdout.read(int(header[2]))
            stdout.read(1)  # the newline after each object
            yield data
    finally:
        stdout.close()
        process.kill()
        process.wait()
        writer.join()


def _feed(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:  # git exited first
        pass


def toplevel() -> Path:
    """The working tree's root, resolved."""
    top = _git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GitError("not inside a git repository")
    return Path(os.path.realpath(top.stdout.decode(errors="surrogateescape").strip()))


def config_files(ref: str, names: Sequence[str]) -> list[tuple[Path, str]]:
    """The directory in the working tree (resolved) and the path from the repository's root
    of every file called one of ``names`` tracked at ``ref``, in the order ``names`` gives
    them: one ``git ls-tree`` of the whole tree, wherever the working directory is."""
    root = toplevel()
    result = _git("ls-tree", "-r", "-z", "--name-only", "--full-tree", ref)
    if result.returncode != 0:
        raise GitError(f"git ls-tree {ref}: {result.stderr.decode(errors='replace').strip()}")
    return _named(root, result.stdout, names)


def worktree_files(names: Sequence[str]) -> list[tuple[Path, str]]:
    """Like :func:`config_files`, for the working tree: tracked and untracked files that git
    does not ignore."""
    root = toplevel()
    result = _git("-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if result.returncode != 0:
        raise GitError(f"git ls-files: {result.stderr.decode(errors='replace').strip()}")
    return _named(root, result.stdout, names)


def _named(root: Path, listing: bytes, names: Sequence[str]) -> list[tuple[Path, str]]:
    found = []
    for name in set(listing.decode(errors="surrogateescape").split("\0")):
        base = name.rsplit("/", 1)[-1]
        if base in names:
            found.append((names.index(base), (root / name).parent, name))
    return [(directory, name) for _, directory, name in sorted(found)]


def entry_from_root(ref: str, name: str) -> Entry | None:
    """The tree entry of ``name`` (a path from the repository's root) at ``ref``."""
    result = _git("ls-tree", "-z", "--long", "--full-tree", ref, "--", name)
    for record in result.stdout.decode(errors="surrogateescape").split("\0"):
        info, _, listed = record.partition("\t")
        if listed == name:
            return _entry(info)
    return None


def show_from_root(ref: str, name: str) -> bytes | None:
    """The bytes of ``name`` (a path from the repository's root) at ``ref``."""
    result = _git("show", f"{ref}:{name}")
    return result.stdout if result.returncode == 0 else None


def show(ref: str, path: str) -> bytes | None:
    """The file's bytes at ``ref``, or None when it is not there."""
    result = _git("show", f"{ref}:./{path}")
    return result.stdout if result.returncode == 0 else None


def changed_files(
    ref: str, paths: Sequence[str], scopes: Scopes
) -> dict[str, tuple[Any, Entry | None]]:
    """Truststore files under ``paths`` in the working tree or at ``ref``, sorted, each with
    its scope (``scopes`` decides which files of a directory are truststores, for both) and
    its entry at ``ref`` (None when it is not there): one ``git ls-tree`` for every path.

    A path named explicitly must exist on one side; directories are walked on both.
    """
    given_paths = list(paths or ["."])
    listed = tree(ref, given_paths)
    candidates: dict[str, Any] = {}
    for given in given_paths:
        at_ref = [name for name in listed if _under(name, given)]
        on_disk = Path(given)
        if on_disk.is_file():
            candidates[on_disk.as_posix()] = scopes.at(on_disk.parent)
        elif on_disk.is_dir():
            for found in find([given], scopes=scopes):
                candidates[found.path.as_posix()] = found.scope
            for name in at_ref:
                scope = scopes.at(Path(name).parent)
                if name not in candidates and _governed(name, scope.globs):
                    candidates[name] = scope
        elif at_ref:
            for name in at_ref:
                scope = scopes.at(Path(name).parent)
                if len(at_ref) == 1 or _governed(name, scope.globs, exclude=False):
                    candidates[name] = scope
        else:
            raise GitError(f"{given}: not in the working tree and not tracked at {ref}")
    return {name: (scope, listed.get(name)) for name, scope in sorted(candidates.items())}


def _under(name: str, given: str) -> bool:
    """Whether ``name`` (as ls-tree lists it, below the working directory) is ``given`` or
    in it."""
    prefix = os.path.normpath(given)
    return prefix == "." or name == prefix or name.startswith(prefix.rstrip("/") + "/")


def _governed(name: str, globs: Globs, *, exclude: bool = True) -> bool:
    """Whether ``name`` (below the working directory) is a truststore by ``globs``."""
    relative = relative_to(Path(name), globs.base) or name
    return matches(relative, globs.include, any_case=True) and not (
        exclude and matches(relative, globs.exclude)
    )
