"""The command line: find the command, build only its parser, run it, map to an exit code.

The hook runs on every commit, so start-up matters: the registry below names each command's
module, and only the invoked one is imported and builds its options (``rules``, ``explain``
and ``--version`` never import cryptography). A command module provides
``add_parser(commands, name, help)``, which sets ``run`` on the parsed arguments.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
import warnings
from collections.abc import Collection, Sequence
from typing import NoReturn

from mtls_lint import __version__
from mtls_lint.cli.common import EXIT_ERROR, Parser, UsageError, complain, cyclic_gc_paused

#: Every command: the module under ``mtls_lint.cli`` that runs it, and its one-line help.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "lint truststore bundles"),
    "verify": ("verify", "would the service (API Gateway, ALB, CloudFront) admit this client?"),
    "match": ("verify", "do these keys and certificates share a key?"),
    "logs": ("verify", "diagnose every client certificate in API Gateway logs"),
    "inspect": ("inspect", "show every certificate and the trust tree"),
    "diff": ("diff", "what a change does to a truststore: diff OLD NEW, or diff --base REF"),
    "aws": ("aws", "lint the truststores API Gateway, ALB and CloudFront hold ([aws] extra)"),
    "rules": ("rules", "list every rule"),
    "explain": ("rules", "print a rule's documentation"),
}


def build_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the options of the commands in ``only`` (default: all of them).
    With no command named (``only`` empty), every command is listed by name and help alone;
    with one named, the others are left out: its run never reads them."""
    parser = Parser(
        prog="mtls-lint",
        description="Lint the PEM truststore bundles of AWS mutual-TLS endpoints.",
    )
    parser.add_argument("--version", action="version", version=f"mtls-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, summary) in COMMANDS.items():
        if only is None or name in only:
            importlib.import_module(f"mtls_lint.cli.{module}").add_parser(commands, name, summary)
        elif not only:
            commands.add_parser(name, help=summary)
    return parser


def invoked(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return word if word in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # paused from the start: the modules a command imports (cryptography's among them) live
    # as long as the process, and the collections their imports set off cost 3% of a run
    # over Mozilla's bundle
    with cyclic_gc_paused():
        command = invoked(argv)
        parser = build_parser([command] if command else ())
        args = parser.parse_args(argv)  # exits 2 with a one-line message on bad options
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The parsed command, run, with every failure mapped to an exit code."""
    try:
        with warnings.catch_warnings():
            # what a warning would say (a negative serial, an odd encoding) is a finding of
            # its own; Python's warning text is for developers, never for the user's stderr
            warnings.simplefilter("ignore")
            return int(args.run(args))
    except UsageError as exc:
        complain("error", str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`mtls-lint check | head`); nothing left to say
        sys.stderr.close()
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a bug: one inert line, not a traceback
        complain("error", f"internal error: {type(exc).__name__}: {str(exc)[:200]}; please "
                 "report it with the command that caused it")  # fmt: skip
        return EXIT_ERROR


def run() -> NoReturn:
    """The console script and ``python -m mtls_lint``: :func:`main`, then out of the process
    without the interpreter's teardown.

    Tearing down frees every object of every module one at a time, after a garbage
    collection: about 11 ms once ``cryptography.x509`` is imported and 15 ms after a check of
    one file, a tenth of such a run (the hook's common case) spent on memory the kernel takes
    back anyway. Nothing is lost: every file mtls-lint writes is closed by a ``with`` block
    before :func:`main` returns, the exit below runs after Python has joined the threads and
    called every other exit handler registered while :func:`main` ran, and it flushes the
    standard streams itself. When argparse exits (``--help``, ``--version``, a bad option)
    the process leaves the usual way: those runs never import cryptography.

    The cyclic garbage collector stays paused past :func:`main` (which pauses it only while
    it runs). Resumed, it would collect at the next allocation, scanning every object made
    since it paused -- 8 ms after the hook's 200 files -- just before the exit below lets
    them all go at once.

    For the same reason the engine leaves the parse of the last file linted to the exit
    (:mod:`mtls_lint.leftovers`): freeing 10,000 parsed certificates one object at a time
    takes 30 to 45 ms."""
    from mtls_lint import leftovers

    returned: list[int] = []
    atexit.register(_leave_without_teardown, returned)  # first in, so it is called last
    gc.disable()
    leftovers.leaving_by_exit()
    returned.append(main())
    sys.exit(returned[0])


def _leave_without_teardown(returned: list[int]) -> None:
    if not returned:  # argparse's own exit, or an exception main() does not map
        return
    code = returned[0]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader went away, or main() closed the stream
            code = code or EXIT_ERROR
    os._exit(code)
