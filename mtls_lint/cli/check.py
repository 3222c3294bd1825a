"""``mtls-lint check``: lint bundles, apply waivers, report, and map the outcome to an exit
code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mtls_lint.cli.common import (
    EXIT_ERROR,
    UsageError,
    add_run_options,
    complain,
    exit_code,
    output_format,
    read_file,
    rule_list,
    run_settings,
    write_out,
    write_report,
)

if TYPE_CHECKING:
    from mtls_lint.cli.common import Commands
    from mtls_lint.config import Config
    from mtls_lint.findings import FileResult
    from mtls_lint.reporters import Report
    from mtls_lint.settings import RunSettings


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.reporters import FORMATS

    check = commands.add_parser(name, help=summary)
    check.set_defaults(run=run)
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default .)")
    check.add_argument("--format", choices=FORMATS, help="report format (default text, or "
                       "github when GITHUB_ACTIONS=true)")  # fmt: skip
    check.add_argument("--output", metavar="FILE", help="write the report to FILE")
    check.add_argument("--select", type=rule_list, metavar="RULE,...", help="run only these")
    check.add_argument("--ignore", type=rule_list, metavar="RULE,...", default=[])
    add_run_options(check)


def lint_files(paths: Sequence[str], run: RunSettings) -> tuple[list[FileResult], int]:
    """Lint every file found; I/O errors are printed and counted, never fatal."""
    from mtls_lint.discover import display_path, find
    from mtls_lint.engine import lint_bundle
    from mtls_lint.pem_reader import read_bundle

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
        if self.io_errors:
            return EXIT_ERROR
        return exit_code(self.report.findings, self.run.fail_on)


def execute_check(args: argparse.Namespace, fmt: str, config: Config | None = None) -> CheckOutcome:
    """Lint what ``args`` names and apply waivers: the report, nothing printed yet.
    ``config``: use this instead of the one ``args`` names (the base ref's, in the Action)."""
    from mtls_lint.discover import repository_prefix
    from mtls_lint.reporters import Report
    from mtls_lint.waiving import apply_waivers

    summary = fmt == "github" and bool(os.environ.get("GITHUB_STEP_SUMMARY"))
    run = run_settings(args, config, inventory=summary)

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
        from mtls_lint.reporters.step_summary import append_step_summary

        problem = append_step_summary(outcome.report, outcome.run.lint.now)
        if problem:
            complain("warning", problem)


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    outcome = execute_check(args, fmt)
    emit(outcome, fmt, args.output)
    return outcome.exit_code
