"""The Action's look at the pull request's own config: what it relaxes, and the base's config.

On pull-request events the config in the tree was written by the pull request's author.
:func:`review` reads the base ref's version of the same file from git, and the Action shows
each relaxation (:mod:`mtls_lint.config_change`) as a warning annotation on the config's
line and in the step summary; with ``config-from: base`` it lints with the base's config.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from mtls_lint.config import CONFIG_NAMES, Config, ConfigError, find_config
from mtls_lint.config_change import Relaxation, relaxations
from mtls_lint.discover import display_path
from mtls_lint.escape import printable
from mtls_lint.reporters.github import workflow_annotation
from mtls_lint.reporters.step_summary import cell

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


class Review(NamedTuple):
    base_ref: str
    #: The config file as reports name it (relative to the working directory).
    shown: str
    base: Config
    relaxed: list[Relaxation]


def base_ref(env: Mapping[str, str]) -> str | None:
    """The ref a pull request merges into: the ``diff-base`` input, else
    ``origin/$GITHUB_BASE_REF``; None on other events."""
    if env.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS:
        return None
    given = env.get("INPUT_DIFF_BASE", "").strip()
    if given:
        return given
    branch = env.get("GITHUB_BASE_REF", "").strip()
    return f"origin/{branch}" if branch else None


def config_path(args: argparse.Namespace) -> Path:
    """The config file the run reads (or would read, were it there)."""
    if args.config:
        return Path(args.config)
    return find_config(Path.cwd()) or Path(CONFIG_NAMES[0])


def review(ref: str, args: argparse.Namespace) -> Review:
    """Compare the config in the tree with the one at ``ref``. Raises ConfigError (either
    file is not a valid config) or GitError (``ref`` cannot be read)."""
    from mtls_lint.config_file import MAX_CONFIG_BYTES, load, parse
    from mtls_lint.gitsource import GitError, check_ref, show, tree

    path = config_path(args)
    shown = display_path(path)
    relative = Path(os.path.relpath(os.path.abspath(path))).as_posix()
    check_ref(ref)
    entry = tree(ref, [relative]).get(relative)
    base = Config()
    if entry is not None:
        if entry.what is not None:
            raise GitError(f"{ref}:{relative}: {entry.what}; not read")
        if entry.size is not None and entry.size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{ref}:{relative}: over {MAX_CONFIG_BYTES} bytes")
        raw = show(ref, relative)
        if raw is not None:
            base = parse(raw, Path(os.path.abspath(path)), f"{ref}:{relative}")
    head = Config()
    if not args.no_config and os.path.lexists(path):
        head = load(path, shown)
    return Review(ref, shown, base, relaxations(base, head))


def annotation_lines(found: Review) -> list[str]:
    """One warning annotation per relaxation, on the config's line."""
    return [
        workflow_annotation(
            "warning",
            found.shown,
            item.line,
            item.line,
            "mtls-lint config-relaxed",
            printable(
                f"this pull request relaxes the config against {found.base_ref}: {item.message}"
            ),
        )
        for item in found.relaxed
    ]


def markdown(found: Review) -> str:
    """The step summary's section: every relaxation, for the reviewer."""
    if not found.relaxed:
        return ""
    rows = [f"- line {item.line}: {cell(item.message)}" for item in found.relaxed]
    return "\n".join(
        [
            "",
            "## mtls-lint config change",
            "",
            f"This pull request changes `{cell(found.shown)}` so that it checks less than "
            f"`{cell(found.base_ref)}` does:",
            "",
            *rows,
            "",
        ]
    )
