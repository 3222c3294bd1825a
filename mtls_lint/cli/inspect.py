"""``mtls-lint inspect``: every certificate of a bundle and its trust tree."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mtls_lint.cli.common import (
    EXIT_OK,
    add_limit_options,
    now_of,
    read_file,
    whole_number,
    write_out,
)

if TYPE_CHECKING:
    from mtls_lint.cli.common import Commands


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.engine import DEFAULT_EXPIRY_DAYS
    from mtls_lint.profiles import PROFILES
    from mtls_lint.reporters.inspect import RENDERERS

    inspect = commands.add_parser(name, help=summary)
    inspect.set_defaults(run=run)
    inspect.add_argument("bundles", nargs="+", metavar="BUNDLE")
    inspect.add_argument("--format", choices=tuple(RENDERERS), default="text")
    inspect.add_argument("--profile", choices=sorted(PROFILES), help="also say which "
                         "certificates that service refuses for algorithm or key")  # fmt: skip
    add_limit_options(inspect)
    inspect.add_argument("--now", metavar="ISO-8601")
    inspect.add_argument("--expiry-days", type=whole_number("expiry-days"), metavar="N",
                         default=DEFAULT_EXPIRY_DAYS, help="days-left below this are shown in "
                         f"yellow (default {DEFAULT_EXPIRY_DAYS})")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from mtls_lint.discover import display_path
    from mtls_lint.inventory import take_inventory
    from mtls_lint.pem_reader import read_bundle
    from mtls_lint.profiles import PROFILES
    from mtls_lint.reporters import KINDS
    from mtls_lint.reporters.inspect import RENDERERS, InspectReport
    from mtls_lint.settings import FileLimits

    now = now_of(args)  # a bad --now is reported before any file is read
    limits = FileLimits.chosen(args.max_file_bytes, args.max_certificates)
    inventories = []
    for name in args.bundles:
        path = Path(name)
        data = read_file(path, limits)
        inventories.append(take_inventory(read_bundle(display_path(path), data)))
    color = args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    profile = PROFILES[args.profile] if args.profile else None
    report = InspectReport(inventories, now, color=color, window=args.expiry_days, profile=profile)
    write_out(RENDERERS[args.format](report), KINDS[args.format])
    return EXIT_OK
