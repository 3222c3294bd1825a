"""Which files ``check`` lints: paths named on the command line, directories walked."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

DEFAULT_INCLUDE = ("*.pem", "*.crt", "*.cer")
SKIPPED_DIRECTORIES = frozenset({".git"})


def matches(relative: str, patterns: Iterable[str]) -> bool:
    """Glob match on a ``/``-separated relative path.

    A pattern without ``/`` matches the file name anywhere (``*.pem``); a pattern with ``/``
    matches the whole path, where ``**/`` also matches no directory at all.
    """
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        if "/" not in pattern:
            if fnmatch.fnmatchcase(name, pattern):
                return True
            continue
        if fnmatch.fnmatchcase(relative, pattern):
            return True
        while pattern.startswith("**/"):
            pattern = pattern[3:]
            if fnmatch.fnmatchcase(relative, pattern):
                return True
    return False


def is_repository_root(directory: Path) -> bool:
    return (directory / ".git").exists()


def repository_prefix(start: Path) -> str:
    """``start`` relative to the repository containing it, as a URI prefix ("" or "a/b/")."""
    directory = start.resolve()
    for candidate in (directory, *directory.parents):
        if is_repository_root(candidate):
            relative = directory.relative_to(candidate).as_posix()
            return "" if relative == "." else relative + "/"
    return ""


def relative_to(path: Path, base: Path, fallback: Path) -> str:
    """``path`` relative to ``base`` when inside it, else relative to ``fallback``, with /."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.relative_to(fallback).as_posix()


def display_path(path: Path) -> str:
    """Paths as reports show them: relative to the working directory when inside it, with /."""
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return unicode_name(shown)


def unicode_name(name: str) -> str:
    """``name`` with the bytes that are not UTF-8 written as ``\\xNN``.

    POSIX file names are bytes; Python carries the undecodable ones as lone surrogates, which
    no UTF-8 report (JSON, SARIF, a fingerprint's hash input) can hold.
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file system produced
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def discover(
    paths: Sequence[str],
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    base: Path | None = None,
) -> Iterator[Path]:
    """Yield files to lint, in a stable order. A file named explicitly is always linted.

    Globs match paths relative to ``base`` (the config file's directory) when the file is
    inside it, else relative to the directory being walked. Missing paths are yielded too, so
    the caller reports them as I/O errors in order.
    """
    anchor = base or Path.cwd()
    for given in paths or ["."]:
        root = Path(given)
        if not root.is_dir():
            yield root
            continue
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(
                d
                for d in subdirs
                if d not in SKIPPED_DIRECTORIES
                and not _excluded_directory(relative_to(Path(directory, d), anchor, root), exclude)
            )
            for name in sorted(files):
                file = Path(directory, name)
                relative = relative_to(file, anchor, root)
                if matches(relative, include) and not matches(relative, exclude):
                    yield file


def _excluded_directory(relative: str, exclude: Sequence[str]) -> bool:
    """``tests/fixtures/**`` excludes the directory ``tests/fixtures`` itself."""
    return (
        matches(relative, exclude)
        or matches(relative + "/", exclude)
        or any(pattern.endswith("/**") and matches(relative, [pattern[:-3]]) for pattern in exclude)
    )
