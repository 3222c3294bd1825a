"""``mtls-lint inspect``: every certificate of a bundle and its trust tree."""

from __future__ import annotations

import argparse
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mtls_lint.cli.common import (
    EXIT_OK,
    UsageError,
    add_config_options,
    add_limit_options,
    now_of,
    read_file,
    wants_color,
    whole_number,
    write_out,
)

if TYPE_CHECKING:
    from mtls_lint.cli.common import Commands
    from mtls_lint.discover import Found
    from mtls_lint.scopes import Scope, Scopes


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.lint_settings import DEFAULT_EXPIRY_DAYS
    from mtls_lint.profiles import PROFILES
    from mtls_lint.reporters.inspect import RENDERERS

    inspect = commands.add_parser(name, help=summary)
    inspect.set_defaults(run=run)
    inspect.add_argument("bundles", nargs="+", metavar="BUNDLE|DIR", help="bundles, or "
                         "directories walked as check walks them (include, exclude)")  # fmt: skip
    inspect.add_argument("--format", choices=tuple(RENDERERS), default="text")
    inspect.add_argument("--profile", choices=sorted(PROFILES), help="also say which "
                         "certificates that service refuses for algorithm or key")  # fmt: skip
    add_limit_options(inspect)
    add_config_options(inspect)
    inspect.add_argument("--now", metavar="ISO-8601")
    inspect.add_argument("--expiry-days", type=whole_number("expiry-days"), metavar="N",
                         default=DEFAULT_EXPIRY_DAYS, help="days-left below this are shown in "
                         f"yellow (default {DEFAULT_EXPIRY_DAYS})")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from mtls_lint.cli.check import config_errors
    from mtls_lint.cli.common import run_scopes
    from mtls_lint.discover import display_path
    from mtls_lint.inventory import take_inventory
    from mtls_lint.pem_reader import read_bundle
    from mtls_lint.profiles import PROFILES
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.inspect import RENDERERS, InspectReport
    from mtls_lint.settings import CheckOptions

    now = now_of(args)  # a bad --now is reported before any file is read
    options = CheckOptions(now=now, max_file_bytes=args.max_file_bytes,
                           max_file_certificates=args.max_certificates)  # fmt: skip
    scopes = run_scopes(args, options=options)
    inventories = []
    with config_errors():
        for found in _bundles(args, scopes):
            limits = found.scope.run.file_limits  # the caps of the config governing it
            data = read_file(found.path, limits, found.within, walked=found.walked)
            inventories.append(take_inventory(read_bundle(display_path(found.path), data)))
    color = args.format == "text" and wants_color()
    profile = PROFILES[args.profile] if args.profile else None
    report = InspectReport(inventories, now, color=color, window=args.expiry_days, profile=profile)
    write_out(RENDERERS[args.format](report), KINDS[args.format])
    return EXIT_OK


class _Bundles(NamedTuple):
    """The scopes of a run, with revocation lists left out of what a walk matches."""

    scopes: Scopes

    def at(self, directory: Path) -> Scope:
        return self._without_lists(self.scopes.at(directory))

    def below(self, scope: Scope, directory: str, names: Collection[str]) -> Scope:
        return self._without_lists(self.scopes.below(scope, directory, names))

    @staticmethod
    def _without_lists(scope: Scope) -> Scope:
        globs = scope.globs
        include = tuple(g for g in globs.include if g != "*.crl"
                        and g not in scope.run.revocation_lists)  # fmt: skip
        return scope._replace(globs=globs._replace(include=include))


def _bundles(args: argparse.Namespace, scopes: Scopes) -> list[Found]:
    """The files named, and the bundles of the directories named, found as ``check`` finds
    them (each directory's config's include and exclude; revocation lists left out)."""
    from mtls_lint.discover import find

    bundles = _Bundles(scopes)
    found: list[Found] = []
    for name in args.bundles:
        these = list(find([name], scopes=bundles))
        if not these:
            include = ", ".join(bundles.at(Path(name)).globs.include)
            raise UsageError(f"{name}: no bundle to inspect (include: {include})")
        found += these
    return found
