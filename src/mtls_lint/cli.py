"""The command line: parse options, wire config, engine and reporter, map to an exit code.

Exit codes (all commands): 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or I/O error, with a one-line message on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from mtls_lint import __version__

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from mtls_lint.config import Config
    from mtls_lint.findings import FileResult
    from mtls_lint.reporters import Report
    from mtls_lint.resolve import FileLimits, RunSettings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A mistake in what the user asked for, or a file that cannot be read: exit 2."""


def complain(level: str, message: str) -> None:
    """One line on stderr; file names in it may come from a pull request, so it is escaped
    (a newline followed by ``::``, or ``##[`` anywhere, would run a workflow command)."""
    from mtls_lint.escape import inert_text, printable

    print(f"mtls-lint: {level}: {inert_text(printable(message))}", file=sys.stderr)


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


class Parser(argparse.ArgumentParser):
    """argparse, with its messages made inert and ``--opt=--`` taken literally."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # usage errors echo what was typed, which in CI may be a pull request's file name
        from mtls_lint.escape import inert_text, printable

        if message:
            (file or sys.stderr).write(inert_text(printable(message, keep="\n")))

    def error(self, message: str) -> NoReturn:
        """One line, as every other mistake gets; ``--help`` shows the usage."""
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

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

    ids = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [i for i in ids if i not in RULES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown rule id {', '.join(unknown)} (see `mtls-lint rules`)"
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


def build_parser() -> argparse.ArgumentParser:
    from mtls_lint.findings import FAIL_ON
    from mtls_lint.profiles import DEFAULT_PROFILE, PROFILES
    from mtls_lint.reporters import FORMATS

    parser = Parser(
        prog="mtls-lint",
        description="Lint the PEM truststore bundles of AWS mutual-TLS endpoints.",
    )
    parser.add_argument("--version", action="version", version=f"mtls-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="lint truststore bundles")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default .)")
    check.add_argument("--format", choices=FORMATS, help="report format (default text, or "
                       "github when GITHUB_ACTIONS=true)")  # fmt: skip
    check.add_argument("--output", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--profile", choices=sorted(PROFILES), help=f"default {DEFAULT_PROFILE}, or the config's"
    )
    check.add_argument("--select", type=rule_list, metavar="RULE,...", help="run only these")
    check.add_argument("--ignore", type=rule_list, metavar="RULE,...", default=[])
    check.add_argument("--fail-on", choices=FAIL_ON, help="default error, or the config's")
    check.add_argument("--now", type=str, metavar="ISO-8601", help="judge validity at this time")
    check.add_argument(
        "--expiry-days",
        type=whole_number("expiry-days"),
        metavar="N",
        help="default 30, or the config's",
    )
    add_limit_options(check, config_key=True)
    config = check.add_mutually_exclusive_group()
    config.add_argument("--config", metavar="FILE", help="config file (default: "
                        ".mtls-lint.yaml found from here up to the repository root)")  # fmt: skip
    config.add_argument("--no-config", action="store_true", help="ignore config files")

    verify = commands.add_parser("verify", help="would API Gateway admit this client certificate?")
    verify.add_argument("client", nargs="?", metavar="CLIENT_CERT",
                        help="client certificate, PEM or DER (further certificates in the file "
                        "are what the client sends along)")  # fmt: skip
    verify.add_argument("--truststore", required=True, metavar="BUNDLE")
    verify.add_argument("--untrusted", metavar="FILE",
                        help="intermediates to search, as openssl verify -untrusted")  # fmt: skip
    verify.add_argument("--key", metavar="KEY", help="check that this private key belongs to "
                        "the client certificate")  # fmt: skip
    verify.add_argument("--password-env", metavar="VAR", help="environment variable holding "
                        "the password of an encrypted key")  # fmt: skip
    verify.add_argument("--access-log", metavar="FILE", help="diagnose every client certificate "
                        "in API Gateway access-log JSON lines (- for stdin)")  # fmt: skip
    verify.add_argument("--now", metavar="ISO-8601")
    verify.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE)
    verify.add_argument("--format", choices=("text", "json"), default="text")
    add_limit_options(verify)

    match = commands.add_parser("match", help="do these keys and certificates share a key?")
    match.add_argument("files", nargs="+", metavar="KEY_OR_CERT")
    match.add_argument("--password-env", metavar="VAR")
    match.add_argument("--format", choices=("text", "json"), default="text")

    inspect = commands.add_parser("inspect", help="show every certificate and the trust tree")
    inspect.add_argument("bundles", nargs="+", metavar="BUNDLE")
    inspect.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    add_limit_options(inspect)
    inspect.add_argument("--now", metavar="ISO-8601")
    inspect.add_argument("--expiry-days", type=whole_number("expiry-days"), metavar="N", default=30,
                         help="days-left below this are shown in yellow (default 30)")  # fmt: skip

    diff = commands.add_parser(
        "diff", help="what a change does to a truststore: diff OLD NEW, or diff --base REF"
    )
    diff.add_argument(
        "paths", nargs="*", metavar="PATH", help="OLD NEW, or with --base what to compare"
    )
    diff.add_argument("--base", metavar="GIT_REF", help="compare the working tree with this ref")
    diff.add_argument("--format", choices=("text", "json", "markdown", "github"))
    diff.add_argument("--summary", action="store_true",
                      help="also append the Markdown report to $GITHUB_STEP_SUMMARY")  # fmt: skip
    diff.add_argument("--profile", choices=sorted(PROFILES))
    diff.add_argument("--fail-on", choices=FAIL_ON)
    diff.add_argument("--now", metavar="ISO-8601")
    diff.add_argument("--expiry-days", type=whole_number("expiry-days"), metavar="N")
    add_limit_options(diff, config_key=True)
    diff_config = diff.add_mutually_exclusive_group()
    diff_config.add_argument("--config", metavar="FILE")
    diff_config.add_argument("--no-config", action="store_true")

    commands.add_parser("rules", help="list every rule")
    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="RULE")
    return parser


def load_run_config(args: argparse.Namespace) -> Config:
    """The config in force: ``--config``, none with ``--no-config``, else the one found."""
    from mtls_lint.config import Config, ConfigError, find_config, load_config
    from mtls_lint.discover import display_path

    if args.no_config:
        return Config()
    path = Path(args.config) if args.config else find_config(Path.cwd())
    if path is None:
        return Config()
    try:
        return load_config(path, display_path(path))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def lint_files(paths: Sequence[str], run: RunSettings) -> tuple[list[FileResult], int]:
    """Lint every file found; I/O errors are printed and counted, never fatal."""
    from mtls_lint.bundle import read_bundle
    from mtls_lint.discover import display_path, find
    from mtls_lint.engine import lint_bundle

    results: list[FileResult] = []
    errors = 0
    for path, within, walked in find(paths, run.include, run.exclude, run.base):
        try:
            data = read_file(path, run.file_limits, within, walked=walked)
        except UsageError as exc:
            complain("error", str(exc))
            errors += 1
            continue
        bundle = read_bundle(display_path(path), data)
        del data  # the blocks hold what the rules need, not the whole file a second time
        results.append(lint_bundle(bundle, run.lint))
    return results, errors


class CheckOutcome(NamedTuple):
    report: Report
    run: RunSettings
    #: Files that could not be read (each already reported on stderr).
    io_errors: int

    @property
    def exit_code(self) -> int:
        from mtls_lint.findings import Severity

        if self.io_errors:
            return EXIT_ERROR
        if self.run.fail_on == "never":
            return EXIT_OK
        threshold = Severity.parse(self.run.fail_on)
        failing = any(f.severity >= threshold for f in self.report.findings)
        return EXIT_FINDINGS if failing else EXIT_OK


def output_format(args: argparse.Namespace) -> str:
    return args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")


def execute_check(args: argparse.Namespace, fmt: str, config: Config | None = None) -> CheckOutcome:
    """Lint what ``args`` names and apply waivers: the report, nothing printed yet.
    ``config``: use this instead of the one ``args`` names (the base ref's, in the Action)."""
    from mtls_lint.discover import repository_prefix
    from mtls_lint.reporters import Report
    from mtls_lint.resolve import CheckOptions, resolve
    from mtls_lint.waivers import apply_waivers

    options = CheckOptions(
        profile=args.profile,
        select=args.select,
        ignore=args.ignore,
        fail_on=args.fail_on,
        now=parse_now(args.now) if args.now else None,
        expiry_days=args.expiry_days,
        max_file_bytes=args.max_file_bytes,
        max_file_certificates=args.max_certificates,
        inventory=fmt == "github" and bool(os.environ.get("GITHUB_STEP_SUMMARY")),
    )
    run = resolve(options, config if config is not None else load_run_config(args))

    results, errors = lint_files(args.paths, run)
    if not results and not errors:
        complain("warning", "no files to lint")
    # only a run over whole directories can tell that a waiver matched nothing
    whole_tree = all(Path(p).is_dir() for p in args.paths)
    waived = apply_waivers(
        results, run.waivers, run.lint.now, run.lint.rules, whole_tree=whole_tree
    )
    color = (
        fmt == "text"
        and args.output is None
        and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
    )
    report = Report(
        waived.files,
        waived.config_findings,
        waived.hidden,
        color=color,
        profile=run.lint.profile.name,
        repo_prefix=repository_prefix(Path.cwd()),
    )
    return CheckOutcome(report, run, errors)


def emit(outcome: CheckOutcome, fmt: str, output: str | None, within: Path | None = None) -> None:
    """Write the report in ``fmt`` to ``output`` (or stdout), inside ``within`` when given;
    the step summary for github."""
    from mtls_lint.escape import ENCODERS
    from mtls_lint.reporters import KINDS, reporter_by_name

    text = reporter_by_name()[fmt](outcome.report)
    if output:
        write_report(output, ENCODERS[KINDS[fmt]](text), within)
    else:
        write_out(text, KINDS[fmt])
    if fmt == "github":
        from mtls_lint.summary import append_step_summary

        problem = append_step_summary(outcome.report, outcome.run.lint.now)
        if problem:
            complain("warning", problem)


def run_check(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    outcome = execute_check(args, fmt)
    emit(outcome, fmt, args.output)
    return outcome.exit_code


def run_rules(args: argparse.Namespace) -> int:
    from mtls_lint.rules import RULES

    width = max(len(rule_id) for rule_id in RULES)
    lines = [f"{'RULE':<{width}}  {'APIGW':<7} {'ALB':<7} {'CF':<7}  SUMMARY"]
    for rule in RULES.values():
        levels = [(s.label if s is not None else "off") for s in rule.severity.values()]
        options = ""
        if rule.options:
            options = (
                " [options: "
                + ", ".join(f"{name}: {kind.__name__}" for name, kind in rule.options.items())
                + "]"
            )
        lines.append(f"{rule.id:<{width}}  {levels[0]:<7} {levels[1]:<7} {levels[2]:<7}  "
                     f"{rule.summary}{options}")  # fmt: skip
    write_out("\n".join(lines) + "\n", "text")
    return EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    from mtls_lint.rules import RULES

    rule = RULES.get(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule {args.rule!r} (see `mtls-lint rules`)")
    levels = ", ".join(
        f"{profile}: {s.label if s is not None else 'off'}" for profile, s in rule.severity.items()
    )
    lines = [f"{rule.id}: {rule.summary}", "", f"Severity: {levels}"]
    for name, kind in rule.options.items():
        lines.append(f"Option: {name} ({kind.__name__}, default {rule.defaults.get(name)})")
    lines += ["", rule.doc, "", f"Source: {rule.citation}"]
    write_out("\n".join(lines) + "\n", "text")
    return EXIT_OK


def run_inspect(args: argparse.Namespace) -> int:
    from mtls_lint.bundle import read_bundle
    from mtls_lint.discover import display_path
    from mtls_lint.inspect_report import render_json, render_markdown, render_text
    from mtls_lint.inventory import take_inventory
    from mtls_lint.resolve import FileLimits

    now = parse_now(args.now) if args.now else dt.datetime.now(dt.timezone.utc)
    limits = FileLimits.chosen(args.max_file_bytes, args.max_certificates)
    inventories = []
    for name in args.bundles:
        path = Path(name)
        data = read_file(path, limits)
        inventories.append(take_inventory(read_bundle(display_path(path), data)))
    if args.format == "json":
        write_out(render_json(inventories, now), "json")
    elif args.format == "markdown":
        write_out(render_markdown(inventories, now), "markdown")
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        write_out(render_text(inventories, now, color=color, window=args.expiry_days), "text")
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    from mtls_lint.diff_cli import run_diff

    return run_diff(args)


def run_verify(args: argparse.Namespace) -> int:
    from mtls_lint.verify_cli import run_verify

    return run_verify(args)


def run_match(args: argparse.Namespace) -> int:
    from mtls_lint.verify_cli import run_match

    return run_match(args)


COMMANDS = {
    "check": run_check,
    "rules": run_rules,
    "explain": run_explain,
    "verify": run_verify,
    "match": run_match,
    "inspect": run_inspect,
    "diff": run_diff,
}


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with a usage message on bad options
    try:
        with cyclic_gc_paused():
            return COMMANDS[args.command](args)
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
