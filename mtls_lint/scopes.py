"""Which config governs each file, and the settings it gives (SPEC section 6, per-path).

The nearest ``.mtls-lint.yaml`` (or ``.yml``) at or above a file's directory, up to the
repository root, governs the file, and governs it whole: nothing is merged from a config
further up, as with ruff's and black's nearest ``pyproject.toml``. So ``alb/.mtls-lint.yaml``
saying ``profile: alb`` makes every bundle under ``alb/`` an ALB truststore, whatever the
root's config says, and a directory's owners read one file to know how it is linted.
``--config FILE`` governs every file, and ``--no-config`` leaves every file to the defaults.

Every door asks the same :class:`Scopes`: ``check`` and the hook (a file's scope), the walk
(a directory's, with no extra system call: a config is seen in the directory's listing),
``diff --base``, ``inspect`` and the Action, which with ``config-from: base`` reads the configs
at the base ref instead of the tree's (:class:`RefConfigs`).
"""

import datetime as dt
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import NamedTuple, Protocol

from mtls_lint.config import CONFIG_NAMES, Config
from mtls_lint.discover import Globs, display_path
from mtls_lint.files import is_repository_root
from mtls_lint.settings import CheckOptions, RunSettings, resolve


class Scope(NamedTuple):
    """A config, the settings it gives, and the files it governs: those under ``directory``
    but not under a directory with a config of its own."""

    config: Config
    run: RunSettings
    #: What discovery matches in it: include (and revocation-lists), exclude, their base.
    globs: Globs
    #: The resolved directory the config governs (its own); None for a config governing
    #: every file (--config, --no-config, no config found).
    directory: Path | None


class ConfigSource(Protocol):
    def in_directory(self, directory: Path) -> Config | None:
        """The config file in ``directory`` (resolved), if it has one."""

    def below(self, directory: str, names: Collection[str]) -> Config | None:
        """The config file in ``directory``, a walked directory whose entries are ``names``:
        called for every directory of a walk, so it must be cheap when there is none."""


class FileConfigs:
    """The configs in the working tree."""

    def in_directory(self, directory: Path) -> Config | None:
        return self._load(directory) if directory.is_dir() else None

    def below(self, directory: str, names: Collection[str]) -> Config | None:
        if not any(name in names for name in CONFIG_NAMES):
            return None
        return self._load(Path(directory))

    def _load(self, directory: Path) -> Config | None:
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                from mtls_lint.config_file import load  # PyYAML: only when there is a file

                return load(candidate, display_path(candidate))
        return None


class RefConfigs:
    """The configs at a git ref (``config-from: base``), each read as if it were in its place
    in the working tree; the tree's own configs are not read. Raises GitError."""

    def __init__(self, ref: str) -> None:
        from mtls_lint.gitsource import config_files

        self.ref = ref
        #: The directory (resolved) of each config at the ref, and the config's git path.
        self.files: dict[Path, str] = {}
        for directory, name in config_files(ref, CONFIG_NAMES):
            self.files.setdefault(directory, name)  # .yaml before .yml, as in the tree
        self._names = {directory.name for directory in self.files}

    def in_directory(self, directory: Path) -> Config | None:
        name = self.files.get(directory)
        if name is None:
            return None
        from mtls_lint.config_file import read_at

        return read_at(self.ref, name, directory / name.rsplit("/", 1)[-1])

    def below(self, directory: str, names: Collection[str]) -> Config | None:
        if os.path.basename(directory) not in self._names:  # most directories: no realpath
            return None
        return self.in_directory(Path(os.path.realpath(directory)))


class Scopes:
    """The scope of every directory of a run, each found once and kept."""

    def __init__(
        self,
        options: CheckOptions,
        source: ConfigSource | None = None,
        fixed: Config | None = None,
    ) -> None:
        """``fixed``: one config for every file; else each directory's from ``source``
        (default the working tree)."""
        # one instant for the whole run, whichever config a file is linted with
        self.options = options._replace(now=options.now or dt.datetime.now(dt.timezone.utc))
        self.source = source or FileConfigs()
        self.fixed = None if fixed is None else self._scope(fixed, None)
        self._by_config: dict[Path | None, Scope] = {}
        self._by_directory: dict[Path, Scope] = {}  # by real path
        self._by_name: dict[Path, Scope] = {}  # by the path :meth:`at` was given
        #: Every scope the run used, in the order first met.
        self.used: dict[Path | None, Scope] = {}

    def _scope(self, config: Config, directory: Path | None) -> Scope:
        run = resolve(self.options, config)
        base = run.base.resolve()
        globs = Globs((*run.include, *run.revocation_lists), run.exclude, base)
        return Scope(config, run, globs, directory)

    def _of(self, config: Config | None, directory: Path | None) -> Scope:
        key = directory if config is not None else None
        scope = self._by_config.get(key)
        if scope is None:
            scope = self._scope(config or Config(), key)
            self._by_config[key] = scope
        self.used.setdefault(key, scope)
        return scope

    def at(self, directory: Path) -> Scope:
        """The scope of ``directory`` (need not exist): the nearest config at or above it.
        Each directory, as named, is looked up once: pre-commit and ``diff --base`` name
        hundreds of files in a few directories, and each lookup is a realpath and a walk up."""
        if self.fixed is not None:
            self.used.setdefault(None, self.fixed)
            return self.fixed
        found = self._by_name.get(directory)
        if found is None:
            found = self._by_name[directory] = self._look_up(directory)
        return found

    def _look_up(self, directory: Path) -> Scope:
        start = Path(os.path.realpath(directory))
        chain: list[Path] = []
        found: Scope | None = None
        for place in (start, *start.parents):
            found = self._by_directory.get(place)
            if found is not None:
                break
            chain.append(place)
            config = self.source.in_directory(place)
            if config is not None:
                found = self._of(config, place)
                break
            if is_repository_root(place):
                break
        if found is None:
            found = self._of(None, None)
        for place in chain:
            self._by_directory[place] = found
        self.used.setdefault(found.directory, found)
        return found

    def below(self, scope: Scope, directory: str, names: Collection[str]) -> Scope:
        """The scope of a walked subdirectory of ``scope``'s: its own config's, else
        ``scope``."""
        if self.fixed is not None:
            return scope
        config = self.source.below(directory, names)
        if config is None:
            return scope
        return self._of(config, Path(os.path.realpath(directory)))

    def top(self) -> Scope:
        """The working directory's scope: the run's own settings (its ``--now``, the
        profile a report names)."""
        return self.at(Path.cwd())

    def __iter__(self) -> Iterator[Scope]:
        return iter(self.used.values())
