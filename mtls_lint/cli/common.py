"""What every command shares: exit codes, messages, option types, reading inputs, config
loading and the policies each written once (``--now``, ``--format`` and ``--fail-on``).

Exit codes (all commands): 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or I/O error, with a one-line message on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from typing import TypeAlias

    from _typeshed import SupportsWrite

    from mtls_lint.config import Config
    from mtls_lint.findings import Finding
    from mtls_lint.scopes import ConfigSource, Scopes
    from mtls_lint.settings import CheckOptions, FileLimits

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

if TYPE_CHECKING:
    #: What a command module's ``add_parser`` adds its parser to.
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


class UsageError(Exception):
    """A mistake in what the user asked for, or a file that cannot be read: exit 2."""


#: The errors said while :func:`errors_collected` runs (the Action annotates them).
_collected: list[list[str]] = []


def complain(level: str, message: str) -> None:
    """One line on stderr; file names in it may come from a pull request, so it is escaped
    (a newline followed by ``::``, or ``##[`` anywhere, would run a workflow command)."""
    from mtls_lint.escape import inert_text, printable

    if level == "error" and _collected:
        _collected[-1].append(printable(message))
    print(f"mtls-lint: {level}: {inert_text(printable(message))}", file=sys.stderr)


@contextmanager
def errors_collected() -> Iterator[list[str]]:
    """The messages of every error :func:`complain` says inside the block, printable."""
    errors: list[str] = []
    _collected.append(errors)
    try:
        yield errors
    finally:
        _collected.pop()


def write_out(text: str, kind: str) -> None:
    """Print a report whose format is of ``kind`` (``text``, ``markdown`` or ``json``) with
    its would-be workflow commands encoded: the one way reports reach stdout."""
    from mtls_lint.escape import ENCODERS

    sys.stdout.write(ENCODERS[kind](text))


def write_report(output: str, text: str, within: Path | None = None) -> None:
    """Write a report to the file ``--output`` names, never through a symlink."""
    from mtls_lint.files import UnsafePath, write_confined

    try:
        write_confined(Path(output), text, within)
    except UnsafePath as exc:
        raise UsageError(str(exc)) from None


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``$COLUMNS``, else stdout's terminal, else 80.

    argparse builds a help formatter for every option added (to check its metavar), and each
    imports shutil -- with bz2 and lzma, a tenth of a one-file hook run's own start-up -- to
    ask this. So this module asks it without shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
        width: int | None = None,
    ) -> None:  # fmt: skip
        if width is None:
            width = terminal_columns() - 2  # as argparse does
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """argparse, with its messages made inert and ``--opt=--`` taken literally."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # usage errors echo what was typed, which in CI may be a pull request's file name
        from mtls_lint.escape import inert_text, printable

        if message:
            (file or sys.stderr).write(inert_text(printable(message, keep="\n")))

    def error(self, message: str) -> NoReturn:
        """One line, as every other mistake gets, with the closest option or choice to a
        mistyped one; ``--help`` shows the usage."""
        self.exit(
            EXIT_ERROR,
            f"{self.prog}: error: {message}{self._suggestion(message)} (see `{self.prog} "
            "--help`)\n",
        )

    def _suggestion(self, message: str) -> str:
        import re

        from mtls_lint.suggest import did_you_mean

        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            return did_you_mean(choice[1], re.findall(r"'([^']*)'", choice[2]) or
                                [c.strip() for c in choice[2].split(",")])  # fmt: skip
        unknown = re.search(r"unrecognized arguments: (-\S+)", message)
        if unknown:
            options = [o for a in self._actions for o in a.option_strings]
            subparsers = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
            for sub in subparsers:  # the top-level parser: the command's options count too
                options += [o for p in sub.choices.values() for a in p._actions
                            for o in a.option_strings]  # fmt: skip
            return did_you_mean(unknown[1].split("=", 1)[0], options)
        return ""

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # Before Python 3.13, `--base=--` dropped the value and stored [] in its place,
        # which then crashed whatever read the option.
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


def parse_now(text: str) -> dt.datetime:
    """ISO 8601 date or date-time; a trailing ``Z`` and naive times mean UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--now: {text!r} is not an ISO 8601 date or time (e.g. 2027-03-01 or "
            "2027-03-01T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise UsageError(f"--now: {text!r} is outside the years 1 to 9999 in UTC") from None


def rule_list(text: str) -> list[str]:
    from mtls_lint.rules import RULES
    from mtls_lint.suggest import did_you_mean

    ids = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [i for i in ids if i not in RULES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown rule id {', '.join(unknown)}{did_you_mean(unknown[0], RULES)} (see "
            "`mtls-lint rules`)"
        )
    return ids


def whole_number(ceiling: str) -> Callable[[str], int]:
    """An option's type: a whole number from 0 to the config key ``ceiling``'s ceiling."""
    from mtls_lint.config import CEILINGS

    maximum = CEILINGS[ceiling]

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if not 0 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from 0 to {maximum}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its messages
    return parse


def read_file(
    path: Path, limits: FileLimits, within: Path | None = None, *, walked: bool = False
) -> bytes:
    """The file's bytes, read inside its boundary (never through a symlink out of the
    repository), refusing special files (a FIFO would hang) and files over a limit."""
    from mtls_lint.files import UnsafePath, read_confined

    try:
        data = read_confined(path, limits.max_bytes, within, walked=walked)
    except UnsafePath as exc:
        raise UsageError(str(exc)) from None
    refuse_over_limits(str(path), data, limits)
    return data


CERTIFICATE_ARMOUR = b"-----BEGIN CERTIFICATE-----"


def refuse_over_limits(shown: str, data: bytes, limits: FileLimits) -> None:
    """Refuse ``data`` (the file ``shown``) before any parsing when it is over a limit.

    Certificates are counted as armour lines in the bytes (a superset of what the splitter
    accepts), so refusing costs one scan, whatever the file holds.
    """
    if len(data) > limits.max_bytes:
        from mtls_lint.files import over_byte_limit

        raise UsageError(f"{shown}: {over_byte_limit(limits.max_bytes)}")
    limit = limits.max_certificates
    if data.count(CERTIFICATE_ARMOUR) <= limit:
        return
    at = -1
    for _ in range(limit + 1):
        at = data.find(CERTIFICATE_ARMOUR, at + 1)
    line = data.count(b"\n", 0, at) + 1
    raise UsageError(
        f"{shown}:{line}: certificate {limit + 1}, over the limit of {limit} certificates "
        "for one file (raise it with --max-certificates or limits.file-certificates)"
    )


def add_limit_options(parser: argparse.ArgumentParser, *, config_key: bool = False) -> None:
    where = ", or the config's limits.{}" if config_key else ""
    parser.add_argument(
        "--max-file-bytes", type=whole_number("file-bytes"), metavar="N",
        help="refuse larger files (default 10 MiB" + where.format("file-bytes") + ")",
    )  # fmt: skip
    parser.add_argument(
        "--max-certificates", type=whole_number("file-certificates"), metavar="N",
        help="refuse files holding more certificates (default 10000"
        + where.format("file-certificates") + ")",
    )  # fmt: skip


def load_named_config(name: str) -> Config:
    """The config file ``--config`` names (it governs every file of the run)."""
    from mtls_lint.config import ConfigError
    from mtls_lint.discover import display_path

    path = Path(name)
    try:
        from mtls_lint.config_file import load  # PyYAML: only when there is a file

        return load(path, display_path(path))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def wants_color(choice: str = "auto", to_stdout: bool = True) -> bool:
    """Whether to colour a text report: ``always``, ``never``, or (``auto``) when it goes to
    a terminal and NO_COLOR is not set to a non-empty value (no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return to_stdout and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def now_of(args: argparse.Namespace) -> dt.datetime:
    """``--now`` if given, else the current time, in UTC."""
    return parse_now(args.now) if args.now else dt.datetime.now(dt.timezone.utc)


def output_format(args: argparse.Namespace) -> str:
    """``--format`` if given, else ``github`` under GitHub Actions, else ``text``."""
    return args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")


def exit_code(findings: Iterable[Finding], fail_on: str) -> int:
    """EXIT_FINDINGS when a finding is at or above ``fail_on``, else EXIT_OK."""
    from mtls_lint.findings import Severity

    if fail_on == "never":
        return EXIT_OK
    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_OK


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """What ``check`` and ``diff`` lint with: the profile, the bar, the instant, the window,
    the file caps and the config."""
    from mtls_lint.findings import FAIL_ON
    from mtls_lint.lint_settings import DEFAULT_EXPIRY_DAYS
    from mtls_lint.profiles import DEFAULT_PROFILE, PROFILES

    parser.add_argument(
        "--profile", choices=sorted(PROFILES), help=f"default {DEFAULT_PROFILE}, or the config's"
    )
    parser.add_argument("--fail-on", choices=FAIL_ON, help="default error, or the config's")
    parser.add_argument("--now", metavar="ISO-8601", help="judge validity at this time")
    parser.add_argument("--expiry-days", type=whole_number("expiry-days"), metavar="N",
                        help=f"default {DEFAULT_EXPIRY_DAYS}, or the config's")  # fmt: skip
    add_limit_options(parser, config_key=True)
    add_config_options(parser)


def check_options(args: argparse.Namespace, *, inventory: bool = False) -> CheckOptions:
    """What the command line says of a ``check`` or ``diff`` run: the options
    :func:`add_run_options` adds (and check's ``--select``/``--ignore``)."""
    from mtls_lint.settings import CheckOptions

    return CheckOptions(
        profile=args.profile,
        select=getattr(args, "select", None),
        ignore=getattr(args, "ignore", ()),
        fail_on=args.fail_on,
        now=parse_now(args.now) if args.now else None,
        expiry_days=args.expiry_days,
        max_file_bytes=args.max_file_bytes,
        max_file_certificates=args.max_certificates,
        inventory=inventory,
    )


def run_scopes(
    args: argparse.Namespace,
    configs: ConfigSource | Config | None = None,
    *,
    inventory: bool = False,
    options: CheckOptions | None = None,
) -> Scopes:
    """Each file's settings: the command line over the config governing it -- the one
    ``--config`` names, none with ``--no-config``, else the nearest one above the file.
    ``configs`` replaces what ``args`` says: one config for every file, or where to read
    each directory's (default the working tree)."""
    from mtls_lint.config import Config
    from mtls_lint.scopes import Scopes

    if options is None:
        options = check_options(args, inventory=inventory)
    if isinstance(configs, Config):
        return Scopes(options, fixed=configs)
    if args.no_config:
        return Scopes(options, fixed=Config())
    if args.config:
        return Scopes(options, fixed=load_named_config(args.config))
    return Scopes(options, configs)


def add_config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", metavar="FILE", help="one config file for every file "
                       "(default: each file's nearest .mtls-lint.yaml, up to the repository "
                       "root)")  # fmt: skip
    group.add_argument("--no-config", action="store_true", help="ignore config files")


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one command.

    A run's objects (parsed certificates, the trust graph) live until it ends and form no
    cycles, so the collector only re-scans them, more often the more there are: about 10%
    of a 10,000-certificate run and 25% of a 100,000 one, which made time grow faster than
    the bundle. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
