"""Which files ``check`` lints: paths named on the command line, directories walked."""

import fnmatch
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

DEFAULT_INCLUDE = ("*.pem", "*.crt", "*.cer", "*.ca-bundle", "*.crl")
SKIPPED_DIRECTORIES = frozenset({".git"})


def matches(relative: str, patterns: Iterable[str], *, any_case: bool = False) -> bool:
    """Glob match on a ``/``-separated relative path.

    A pattern without ``/`` matches the file name anywhere (``*.pem``); a pattern with ``/``
    matches the whole path, where ``**/`` also matches no directory at all. ``any_case``
    ignores case (the include globs: ``ROOT.PEM`` is a ``*.pem``, as the hook's ``(?i)`` has
    it).
    """
    if any_case:
        relative, patterns = relative.casefold(), [p.casefold() for p in patterns]
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


def repository_prefix(start: Path) -> str:
    """``start`` relative to the repository containing it, as a URI prefix ("" or "a/b/")."""
    from mtls_lint.files import repository_root

    directory = start.resolve()
    root = repository_root(directory)
    if root is None:
        return ""
    relative = directory.relative_to(root).as_posix()
    return "" if relative == "." else relative + "/"


def display_path(path: Path) -> str:
    """Paths as reports show them: relative to the working directory when inside it, with /.

    Lexical, never through a link: a finding on ``current.pem -> v2.pem`` is on the line of
    ``current.pem`` in the pull request, and resolving every file would cost a system call
    per directory above it.
    """
    absolute = Path(os.path.abspath(path))
    try:
        shown = absolute.relative_to(os.getcwd()).as_posix()
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


class Globs(NamedTuple):
    """What a directory's files are matched against: the globs of the config governing it."""

    include: Sequence[str]
    exclude: Sequence[str]
    #: The resolved directory the globs are relative to (the config file's).
    base: Path


class Scopes(Protocol):
    """Which globs govern each directory (:mod:`mtls_lint.scopes` answers with whole
    settings, one per config file). A scope is anything with a ``globs`` attribute."""

    def at(self, directory: Path) -> Any:
        """The scope of ``directory``, found from it upward (for paths named by the user)."""

    def below(self, scope: Any, directory: str, names: Collection[str]) -> Any:
        """The scope of ``directory``, a subdirectory walked in ``scope``, whose entries are
        ``names``: ``scope`` itself, unless the directory has a config of its own."""


class _Fixed(NamedTuple):
    """One set of globs for every directory."""

    globs: Globs

    def at(self, directory: Path) -> "_Fixed":
        return self

    def below(self, scope: Any, directory: str, names: Collection[str]) -> "_Fixed":
        return self


class Found(NamedTuple):
    """A file to lint, and how far it may be trusted to stay inside its boundary."""

    path: Path
    #: The directory it may not be read outside of (:func:`mtls_lint.files.boundary`).
    within: Path
    #: Reached by walking real directories only: no symlink above it, so its real path is
    #: its path unless the file itself is a link.
    walked: bool
    #: The scope governing it, from the :class:`Scopes` given to :func:`find`.
    scope: Any = None


def relative_to(path: Path, anchor: Path) -> str | None:
    """``path`` as globs see it: relative to ``anchor`` (resolved), None when outside it.
    The file's own name is kept as given (a link is matched by its name, not its target)."""
    return _relative(_real(path.parent), path.name, anchor)


def _real(directory: Path) -> Path | None:
    """``directory`` resolved; None where it cannot be (a link loop)."""
    try:
        return directory.resolve()
    except (OSError, RuntimeError):
        return None


def _relative(real_parent: Path | None, name: str, anchor: Path) -> str | None:
    """:func:`relative_to` of the file ``name`` in the directory whose real path is
    ``real_parent``."""
    if real_parent is None:
        return None
    try:
        return (real_parent / name).relative_to(anchor).as_posix()
    except ValueError:
        return None


def find(
    paths: Sequence[str],
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    base: Path | None = None,
    *,
    force_exclude: bool = False,
    scopes: Scopes | None = None,
) -> Iterator[Found]:
    """Yield files to lint, in a stable order. A file named explicitly is always linted,
    unless ``force_exclude`` and an exclude glob matches it (pre-commit names every staged
    file: without it, the config's excludes would not hold in the hook).

    Each directory's files are matched against the globs of its scope: ``scopes`` when given
    (a config per directory), else ``include`` and ``exclude`` relative to ``base``. Globs
    match paths relative to their base when the file is inside it, else relative to the
    directory being walked. Missing paths are yielded too, so the caller reports them as I/O
    errors in order. Directories are walked without recursion (a tree 10,000 deep is still a
    tree) and symlinked directories are not entered.
    """
    from mtls_lint.files import Confinement, UnsafePath, boundary, real_path

    if scopes is None:
        scopes = _Fixed(Globs(include, exclude, (base or Path.cwd()).resolve()))
    confinement = Confinement()  # named files: their boundaries, once per directory
    # pre-commit names hundreds of files in a few directories: the real path of each
    # directory above a named path, worked out once per directory
    real_paths: dict[Path, Path | None] = {}
    for given in paths or ["."]:
        root = Path(given)
        is_dir = root.is_dir()
        scope = scopes.at(root if is_dir else root.parent)
        if force_exclude and _force_excluded(root, scope.globs, real_paths):
            continue
        if not is_dir:
            within, real = confinement.of(root)
            yield Found(root, within, walked=real, scope=scope)
            continue
        within = boundary(root)
        try:
            real_path(root, within)  # `ts -> /etc` is not walked
        except UnsafePath:
            yield Found(root, within, walked=False, scope=scope)  # reading it reports why
            continue
        yield from _walk(root, within, scope, scopes)


def _force_excluded(root: Path, globs: Globs, real_paths: dict[Path, Path | None]) -> bool:
    """Whether an exclude glob matches ``root``, a path named on the command line.
    ``real_paths``: directories resolved so far, by their path as named."""
    if not globs.exclude:
        return False
    parent = root.parent
    if parent not in real_paths:
        real_paths[parent] = _real(parent)
    relative = _relative(real_paths[parent], root.name, globs.base)
    return relative is not None and (
        matches(relative, globs.exclude) or _excluded_directory(relative, globs.exclude)
    )


def _prefix(directory: Path, base: Path) -> str:
    """What globs put before a name in ``directory``: its path below ``base`` and a ``/``,
    "" at the base or outside it."""
    try:
        prefix = directory.resolve().relative_to(base).as_posix() + "/"
    except ValueError:
        return ""
    return "" if prefix == "./" else prefix


def _walk(root: Path, within: Path, scope: Any, scopes: Scopes) -> Iterator[Found]:
    """Files under ``root`` in sorted order, depth first. Each directory carries its scope
    and its path below that scope's base (``prefix``), which with a name is what globs see;
    a directory with a config of its own starts a scope, and a prefix, of its own."""
    stack: list[tuple[str, str, Any]] = [(os.fspath(root), _prefix(root, scope.globs.base), scope)]
    first = True
    while stack:
        directory, prefix, scope = stack.pop()
        try:
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue  # unreadable or vanished: nothing to lint in it
        if not first:
            inner = scopes.below(scope, directory, [e.name for e in listed])
            if inner is not scope:
                scope, prefix = inner, ""
        first = False
        include, exclude = scope.globs.include, scope.globs.exclude
        subdirectories = []
        for entry in listed:
            shown = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRECTORIES and not _excluded_directory(
                    shown, exclude
                ):
                    subdirectories.append((entry.path, shown + "/", scope))
                continue
            if matches(shown, include, any_case=True) and not matches(shown, exclude):
                yield Found(Path(entry.path), within, walked=True, scope=scope)
        stack.extend(reversed(subdirectories))


def _excluded_directory(relative: str, exclude: Sequence[str]) -> bool:
    """``tests/fixtures/**`` excludes the directory ``tests/fixtures`` itself."""
    return (
        matches(relative, exclude)
        or matches(relative + "/", exclude)
        or any(pattern.endswith("/**") and matches(relative, [pattern[:-3]]) for pattern in exclude)
    )
