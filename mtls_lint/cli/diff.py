"""``mtls-lint diff OLD NEW`` and ``mtls-lint diff --base GIT_REF [PATH...]``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mtls_lint.bundle_diff import FileDiff, diff_bundle
from mtls_lint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_run_options,
    complain,
    exit_code,
    output_format,
    read_file,
    refuse_over_limits,
    run_scopes,
    write_out,
)
from mtls_lint.discover import display_path, unicode_name

if TYPE_CHECKING:
    from mtls_lint.cli.common import Commands
    from mtls_lint.scopes import Scope, Scopes


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.reporters.diff import RENDERERS

    diff = commands.add_parser(name, help=summary)
    diff.set_defaults(run=run)
    diff.add_argument(
        "paths", nargs="*", metavar="PATH", help="OLD NEW, or with --base what to compare"
    )
    diff.add_argument("--base", metavar="GIT_REF", help="compare the working tree with this ref")
    diff.add_argument("--format", choices=tuple(RENDERERS))
    diff.add_argument("--summary", action="store_true",
                      help="also append the Markdown report to $GITHUB_STEP_SUMMARY")  # fmt: skip
    add_run_options(diff)


def _pairs_from_git(
    args: argparse.Namespace, scopes: Scopes
) -> list[tuple[str, bytes | None, bytes | None, Scope, str]]:
    """The files that differ from ``--base``: three git processes in all (one rev-parse, one
    ls-tree, one cat-file --batch), and an unchanged file is told by its object id, never
    read from git."""
    from mtls_lint.files import Confinement, over_byte_limit, repository_root
    from mtls_lint.gitsource import GitError, blobs, changed_files, check_ref

    try:
        check_ref(args.base)
        names = changed_files(args.base, args.paths, scopes)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    changed = []
    # every name is git's, so inside the repository: a directory the pull request replaced
    # with a link out of it is not read through (its own boundary would be the link's target)
    confinement = Confinement(repository_root(Path(os.getcwd())))
    for name, (scope, entry) in names.items():
        limits = scope.run.file_limits
        if entry is not None:
            if entry.what is not None:  # a symlink in git is its target's name, not a bundle
                raise UsageError(f"{args.base}:{name}: {entry.what}; not read")
            if entry.size is not None and entry.size > limits.max_bytes:
                limit = over_byte_limit(limits.max_bytes)
                raise UsageError(f"{args.base}:{name}: {entry.size} bytes, {limit}")
        path = Path(name)
        if os.path.lexists(path):
            within, walked = confinement.of(path)
            new = read_file(path, limits, within, walked=walked)
        else:
            new = None
        if entry is not None and new is not None and entry.holds(new):
            continue  # the same blob: nothing to compare
        changed.append((name, scope, entry, new))
    wanted = [entry.object for _, _, entry, _ in changed if entry is not None]
    pairs = []
    try:
        old_blobs = blobs(wanted)
        for name, scope, entry, new in changed:
            old = next(old_blobs) if entry is not None else None
            if old is not None:
                refuse_over_limits(f"{args.base}:{name}", old, scope.run.file_limits)
            if old != new:
                pairs.append((unicode_name(name), old, new, scope,
                              f"{args.base}:{unicode_name(name)}"))  # fmt: skip
        old_blobs.close()  # git's process ends with it
    except GitError as exc:
        raise UsageError(str(exc)) from None
    return pairs


def _diffs(pairs: list[tuple[str, bytes | None, bytes | None, Scope, str]]) -> list[FileDiff]:
    """Each pair's diff; many (a pull request's truststores against ``--base``) are shared
    with a forked child per further CPU, as ``check`` shares its files."""
    from mtls_lint.forked import share_out, workers_for

    def diffed(pair: tuple[str, bytes | None, bytes | None, Scope, str]) -> FileDiff:
        name, old, new, scope, old_name = pair
        return diff_bundle(name, old, new, scope.run.lint, old_name)

    return share_out(pairs, diffed, workers_for(len(pairs)))


def run(args: argparse.Namespace) -> int:
    from mtls_lint.cli.check import config_errors
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.diff import RENDERERS, render_markdown
    from mtls_lint.reporters.step_summary import append_markdown

    scopes = run_scopes(args)
    with config_errors():
        if args.base is not None:
            pairs = _pairs_from_git(args, scopes)
        elif len(args.paths) == 2:
            old_path, new_path = (Path(p) for p in args.paths)
            scope = scopes.at(new_path.parent)
            limits = scope.run.file_limits
            pairs = [(display_path(new_path), read_file(old_path, limits),
                      read_file(new_path, limits), scope, display_path(old_path))]  # fmt: skip
        else:
            raise UsageError("give OLD NEW, or --base GIT_REF [PATH...]")
    diffs = _diffs(pairs)

    fmt = output_format(args)
    top = scopes.top().run.lint
    if fmt == "markdown":
        write_out(render_markdown(diffs, now=top.now, window=top.expiry_days), "markdown")
    else:
        write_out(RENDERERS[fmt](diffs), KINDS[fmt])
    if fmt == "github" or args.summary:
        # the Action's check report, above it in the summary, lists the findings already
        above = getattr(args, "findings_above", False)
        problem = append_markdown(lambda _budget: render_markdown(
            diffs, findings_above=above, now=top.now, window=top.expiry_days
        ))  # fmt: skip
        if problem:
            complain("warning", problem)
    scopes_of = (scope for *_, scope, _old in pairs)
    failed = any(
        exit_code(d.introduced, scope.run.fail_on)
        for d, scope in zip(diffs, scopes_of, strict=True)
    )
    return EXIT_FINDINGS if failed else EXIT_OK
