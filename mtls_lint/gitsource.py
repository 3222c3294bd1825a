"""Old versions of files from git, for ``diff --base REF``: ``git show REF:./PATH``.

Paths are relative to the working directory, as the user typed them; git resolves ``./``
against it. Every failure becomes a clear :class:`GitError` (exit 2), never a traceback.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from mtls_lint.discover import discover, matches


class GitError(Exception):
    pass


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None


def check_ref(ref: str) -> None:
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        raise GitError("--base needs a git repository: the working directory is not inside one")
    if (
        ref.startswith("-")
        or _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode
    ):
        raise GitError(f"--base {ref}: no such commit, branch or tag (fetched it?)")


class Entry(NamedTuple):
    """A path in a commit's tree: its mode (``100644``, ``120000`` for a symlink, ...) and
    its size in bytes (None for what is not a blob)."""

    mode: str
    size: int | None

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
        mode, _kind, _object, size = info.split(maxsplit=3)
        entries[name] = Entry(mode, int(size) if size.strip().isdigit() else None)
    return entries


def files_at(ref: str, paths: Sequence[str]) -> list[str]:
    """Files tracked at ``ref`` under ``paths``, relative to the working directory."""
    return list(tree(ref, paths))


def show(ref: str, path: str) -> bytes | None:
    """The file's bytes at ``ref``, or None when it is not there."""
    result = _git("show", f"{ref}:./{path}")
    return result.stdout if result.returncode == 0 else None


def changed_files(
    ref: str, paths: Sequence[str], include: Sequence[str], exclude: Sequence[str], base: Path
) -> list[str]:
    """Truststore files under ``paths`` in the working tree or at ``ref``, sorted.

    A path named explicitly must exist on one side; directories are walked on both.
    """
    candidates: set[str] = set()
    for given in paths or ["."]:
        at_ref = files_at(ref, [given])
        on_disk = Path(given)
        if on_disk.is_file():
            candidates.add(on_disk.as_posix())
        elif on_disk.is_dir():
            candidates.update(p.as_posix() for p in discover([given], include, exclude, base))
            candidates.update(
                name for name in at_ref if matches(name, include) and not matches(name, exclude)
            )
        elif at_ref:
            candidates.update(at_ref if len(at_ref) == 1 else
                              [n for n in at_ref if matches(n, include)])  # fmt: skip
        else:
            raise GitError(f"{given}: not in the working tree and not tracked at {ref}")
    return sorted(candidates)
