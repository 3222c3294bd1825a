"""Read ``.mtls-lint.yaml`` (SPEC section 6); :mod:`mtls_lint.config_schema` validates it.

The file is read with ``yaml.safe_load``; it is also composed (``yaml.compose`` with the safe
loader: nodes only, no objects) to know the line of every key and value, so each mistake is
reported as ``file:line: message`` and exits 2 -- never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mtls_lint.config import Config, ConfigError
from mtls_lint.config_schema import Validator
from mtls_lint.files import UnsafePath, read_confined

#: A config file is a few hundred bytes; a pull request may still replace it with anything.
MAX_CONFIG_BYTES = 1024 * 1024


def load_config(path: Path, shown_as: str | None = None) -> Config:
    """Read and validate the config file at ``path``; raises :class:`ConfigError`."""
    return load(path, shown_as or str(path))


def load(path: Path, shown: str) -> Config:
    try:
        # a symlink out of the repository would echo another file's lines in our messages
        raw = read_confined(path, MAX_CONFIG_BYTES)
    except UnsafePath as exc:
        raise ConfigError(str(exc).replace(str(path), shown, 1)) from None
    return parse(raw, path, shown)


def read_at(ref: str, name: str, path: Path) -> Config | None:
    """The config ``name`` (a path from the repository's root) at the git ref ``ref``, read
    as if it were ``path``; None when ``ref`` has no such file. Raises ConfigError, or
    GitError when git cannot say."""
    from mtls_lint.gitsource import GitError, entry_from_root, show_from_root

    shown = f"{ref}:{name}"
    entry = entry_from_root(ref, name)
    if entry is None:
        return None
    if entry.what is not None:
        raise GitError(f"{shown}: {entry.what}; not read")
    if entry.size is not None and entry.size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{shown}: over {MAX_CONFIG_BYTES} bytes: not a config file")
    raw = show_from_root(ref, name)
    if raw is None:
        raise GitError(f"{shown}: cannot be read")
    return parse(raw, path, shown)


def parse(raw: bytes, path: Path, shown: str) -> Config:
    """The config in ``raw``, as if read from ``path`` (its globs are relative to that
    file's directory): for a config taken from another commit."""
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{shown}: over {MAX_CONFIG_BYTES} bytes: not a config file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(part for part in (exc.problem, exc.context and f"({exc.context})") if part)
        raise ConfigError(f"{shown}:{line}: invalid YAML: {what}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError(f"{shown}:{line}: invalid YAML: {exc.reason}") from None
    except ValueError as exc:  # a scalar the safe constructor rejects, e.g. 2027-13-01
        line = _bad_scalar_line(node) if node is not None else 1
        raise ConfigError(f"{shown}:{line}: invalid value: {exc}") from None
    except RecursionError:  # PyYAML composes recursively: [[[[... thousands deep
        raise ConfigError(f"{shown}: nested too deeply to be a config file") from None
    return Validator(shown, node).config(path, data)


def _bad_scalar_line(node: yaml.Node) -> int:
    """The line of the first scalar the safe constructor cannot build (dates out of range)."""
    stack = [node]
    visited: set[int] = set()  # aliases share nodes: without this, a bomb is 9**24 visits
    while stack:
        current = stack.pop(0)
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(current)
            except ValueError:
                return int(current.start_mark.line) + 1
        elif isinstance(current, yaml.MappingNode):
            stack.extend(item for pair in current.value for item in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return 1
