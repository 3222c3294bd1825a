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
from typing import TYPE_CHECKING, NamedTuple

from mtls_lint.config import CONFIG_NAMES, Config, find_config
from mtls_lint.config_change import Relaxation, relaxations
from mtls_lint.discover import display_path
from mtls_lint.escape import printable
from mtls_lint.reporters.github import workflow_annotation
from mtls_lint.reporters.step_summary import cell

if TYPE_CHECKING:
    from mtls_lint.scopes import RefConfigs

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


class Review(NamedTuple):
    base_ref: str
    #: The config file the relaxations are on, as reports name it.
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
    """The config file the run reads for the working directory (or would, were it there)."""
    if args.config:
        return Path(args.config)
    return find_config(Path.cwd()) or Path(CONFIG_NAMES[0])


class Reviewed(NamedTuple):
    reviews: list[Review]
    #: The configs at the ref, when every directory's were compared (``config-from: base``
    #: lints with them: read once).
    at_ref: RefConfigs | None = None


def review(ref: str, args: argparse.Namespace) -> Reviewed:
    """Compare the configs in the tree with those at ``ref``: with ``--config``, that one
    file; else, for every directory with a config on either side (within the run's paths),
    the config governing it at ``ref`` with the one governing it now -- so a config added in
    a subdirectory, or one deleted to leave a laxer parent in charge, is compared too.
    Raises ConfigError (a config is not valid) or GitError (``ref`` cannot be read)."""
    from mtls_lint.gitsource import check_ref
    from mtls_lint.scopes import RefConfigs

    check_ref(ref)
    if args.config:
        return Reviewed([_one_file(ref, Path(args.config), args.no_config)])
    if args.no_config:
        return Reviewed([])
    at_ref = RefConfigs(ref)
    return Reviewed(_every_directory(ref, args, at_ref), at_ref)


def _one_file(ref: str, path: Path, no_config: bool) -> Review:
    from mtls_lint.config_file import load, read_at
    from mtls_lint.discover import relative_to
    from mtls_lint.gitsource import GitError, toplevel

    shown = display_path(path)
    name = relative_to(path, toplevel())  # the file's own name kept: a link is git's link
    if name is None:
        raise GitError(f"{shown}: outside the repository, so not at {ref}")
    base = read_at(ref, name, Path(os.path.abspath(path))) or Config()
    head = Config()
    if not no_config and os.path.lexists(path):
        head = load(path, shown)
    return Review(ref, shown, base, relaxations(base, head))


def _every_directory(ref: str, args: argparse.Namespace, at_ref: RefConfigs) -> list[Review]:
    from mtls_lint.gitsource import worktree_files
    from mtls_lint.scopes import Scopes
    from mtls_lint.settings import CheckOptions

    directories = set(at_ref.files)
    directories.update(d for d, _ in worktree_files(CONFIG_NAMES))
    named = [Path(os.path.realpath(p)) for p in args.paths or ["."] if p != "-"]

    def in_reach(directory: Path) -> bool:
        return any(
            directory == p or directory in p.parents or p in directory.parents for p in named
        )

    base_scopes, head_scopes = Scopes(CheckOptions(), at_ref), Scopes(CheckOptions())
    reviews: list[Review] = []
    compared: set[tuple[Path | None, Path | None]] = set()
    for directory in sorted(d for d in directories if in_reach(d)):
        base, head = base_scopes.at(directory), head_scopes.at(directory)
        if (base.directory, head.directory) in compared:
            continue
        compared.add((base.directory, head.directory))
        relaxed = relaxations(base.config, head.config)
        if not relaxed:
            continue
        if head.config.path is not None:
            shown = display_path(head.config.path)
        else:  # no config governs it now: the one that did is gone
            shown = display_path(base.config.path or directory / CONFIG_NAMES[0])
        if head.directory != directory:  # its own config is gone: a parent's governs it
            under = display_path(directory)
            relaxed = [r._replace(message=f"under {under}/ (its own config is gone): "
                                  f"{r.message}") for r in relaxed]  # fmt: skip
        reviews.append(Review(ref, shown, base.config, relaxed))
    return reviews


def annotation_lines(reviews: list[Review]) -> list[str]:
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
        for found in reviews
        for item in found.relaxed
    ]


def markdown(reviews: list[Review]) -> str:
    """The step summary's section: every relaxation, for the reviewer."""
    lines = ["", "## mtls-lint config change"]
    for found in reviews:
        if not found.relaxed:
            continue
        lines += [
            "",
            f"This pull request changes `{cell(found.shown)}` so that it checks less than "
            f"`{cell(found.base_ref)}` does:",
            "",
            *(f"- line {item.line}: {cell(item.message)}" for item in found.relaxed),
        ]
    return "\n".join([*lines, ""]) if len(lines) > 2 else ""
