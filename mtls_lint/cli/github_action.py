"""The body of the GitHub Action (``action.yml``): inputs in, annotations and outputs out.

Inputs arrive as environment variables set by the action's ``env:`` block -- never spliced
into a shell script -- and are split with :func:`shlex.split`, so a path such as
``x; touch /tmp/pwned`` is a file name, not a command. Run as
``python -m mtls_lint.cli.github_action``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import secrets
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtls_lint.cli import build_parser
from mtls_lint.cli.check import emit, execute_check
from mtls_lint.cli.common import EXIT_ERROR, UsageError, complain
from mtls_lint.escape import inert_legacy, workflow_data
from mtls_lint.findings import Severity

if TYPE_CHECKING:
    from mtls_lint.config import Config
    from mtls_lint.scopes import ConfigSource


def _options(env: Mapping[str, str]) -> list[str]:
    argv = []
    for option, variable in (
        ("--config", "INPUT_CONFIG"),
        ("--profile", "INPUT_PROFILE"),
        ("--fail-on", "INPUT_FAIL_ON"),
    ):
        value = env.get(variable, "").strip()
        if value:
            argv += [option, value]
    return argv


def _paths(env: Mapping[str, str]) -> list[str]:
    return shlex.split(env.get("INPUT_PATHS", "") or ".")


def check_argv(env: Mapping[str, str]) -> list[str]:
    """The ``mtls-lint check`` command line the inputs describe."""
    argv = ["check", "--format", "github", *_options(env), *shlex.split(env.get("INPUT_ARGS", ""))]
    return [*argv, "--", *_paths(env)]


def diff_argv(env: Mapping[str, str]) -> list[str] | None:
    """The ``mtls-lint diff --base`` command line, when the ``diff-base`` input is set."""
    base = env.get("INPUT_DIFF_BASE", "").strip()
    if not base:
        return None
    return ["diff", "--format", "github", f"--base={base}", *_options(env), "--", *_paths(env)]


def write_outputs(path: str, values: Mapping[str, str]) -> None:
    """Append ``name<<delimiter`` blocks to ``$GITHUB_OUTPUT`` (safe for any value)."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"mtls_lint_{secrets.token_hex(8)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def main(env: Mapping[str, str] = os.environ) -> int:
    """Run the Action's step; every error that keeps mtls-lint from linting (exit 2) is also
    an ``::error`` annotation (on the file it names, when it names one) and a line of the
    step summary, since a runner shows neither stderr in the pull request nor its reason."""
    from mtls_lint.cli.common import errors_collected

    with errors_collected() as errors:
        reported = Reported()
        code = _run(env, errors, reported)
    for message in errors:
        print(error_annotation(message), flush=True)
    unsaid = errors[reported.errors :] if reported.summary else errors
    if unsaid:
        from mtls_lint.reporters.step_summary import append_markdown, could_not_run

        heading = [] if reported.summary else ["## mtls-lint", ""]
        section = "\n".join([*heading, *could_not_run(unsaid)])
        problem = append_markdown(lambda _budget: section)
        if problem:
            complain("warning", problem)
    return code


#: The title of the annotation of an error that kept mtls-lint from linting (exit 2).
ERROR_TITLE = "mtls-lint could-not-run"


class Reported:
    """What the step summary says so far: the check's report, and how many errors in it."""

    summary = False
    errors = 0


def error_annotation(message: str) -> str:
    """``message`` (printable) as an error annotation: on the file and line it starts with
    (``path:line: ...``, ``path: ...``) when that file exists, else on none."""
    from mtls_lint.reporters.github import workflow_annotation

    place = re.match(r"([^:]+?)(?::([0-9]+))?: ", message)
    if place and os.path.lexists(place[1]):
        line = int(place[2] or 1)
        return workflow_annotation("error", place[1], line, line, ERROR_TITLE, message)
    return inert_legacy(f"::error title={ERROR_TITLE}::{workflow_data(message)}")


def _parse(parser: argparse.ArgumentParser, argv: list[str], errors: list[str]) -> Any:
    """``argv`` parsed, or None (a bad option, said on stderr and kept in ``errors``)."""
    from mtls_lint.escape import printable

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return parser.parse_args(argv)
    except SystemExit as stopped:  # a bad option, or --help / --version
        sys.stderr.write(said.getvalue())
        if stopped.code == 0:
            complain("error", "the args input stopped mtls-lint before it linted anything")
        else:  # argparse's own line, without its "mtls-lint: error: "
            errors.append(re.sub(r"^[^:]*: error: ", "", printable(said.getvalue().strip())))
        return None


def _run(env: Mapping[str, str], errors: list[str], reported: Reported) -> int:
    from mtls_lint.config_review import PULL_REQUEST_EVENTS

    try:
        argv, diff = check_argv(env), diff_argv(env)
    except ValueError as exc:  # unbalanced quotes in an input
        complain("error", f"cannot split the action's inputs: {exc}")
        return EXIT_ERROR
    parser = build_parser(("check", "diff"))
    args = _parse(parser, argv, errors)
    if args is None:
        return EXIT_ERROR
    config_from = env.get("INPUT_CONFIG_FROM", "").strip() or "head"
    if config_from not in ("head", "base"):
        complain("error", f"config-from: {config_from!r} is not head or base")
        return EXIT_ERROR
    try:
        base_configs = review_config(env, args, config_from)
    except UsageError as exc:
        complain("error", str(exc))
        return EXIT_ERROR
    sarif_file = env.get("INPUT_SARIF_FILE", "").strip()
    workspace = env.get("GITHUB_WORKSPACE")
    within = Path(os.path.realpath(workspace)) if workspace else None
    try:
        outcome = execute_check(args, "github", base_configs)
        emit(outcome, "github", None, errors=errors)
        reported.summary, reported.errors = bool(os.environ.get("GITHUB_STEP_SUMMARY")), len(errors)
        if sarif_file:  # never outside the workspace, never through a link
            emit(outcome, "sarif", sarif_file, within)
    except UsageError as exc:
        complain("error", str(exc))
        return EXIT_ERROR
    if env.get("GITHUB_OUTPUT"):
        report = outcome.report
        write_outputs(
            env["GITHUB_OUTPUT"],
            {
                "errors": str(report.number_of(Severity.ERROR)),
                "warnings": str(report.number_of(Severity.WARNING)),
                "sarif-file": str(Path(sarif_file).resolve()) if sarif_file else "",
            },
        )
    if diff is None:
        return outcome.exit_code
    if env.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS:
        event = env.get("GITHUB_EVENT_NAME")
        where = f"on a {workflow_data(event)} event" if event else "outside a pull request"
        notice = f"diff-base compares a pull request with its base; not run {where}"
        print(inert_legacy(f"::notice title=mtls-lint diff-base::{notice}"), flush=True)
        return outcome.exit_code
    base = inert_legacy(workflow_data(env["INPUT_DIFF_BASE"].strip()))
    print(f"::group::mtls-lint diff --base {base}", flush=True)
    diff_args = _parse(parser, diff, errors)
    diff_code = EXIT_ERROR if diff_args is None else run_diff(diff_args)
    print("::endgroup::", flush=True)
    return max(outcome.exit_code, diff_code)


def review_config(
    env: Mapping[str, str], args: argparse.Namespace, config_from: str
) -> ConfigSource | Config | None:
    """On a pull request, warn about what the change does to the configs; returns the base
    ref's configs when ``config-from: base`` asks to lint with them (the one ``--config``
    names, else every directory's), else None: the tree's."""
    from mtls_lint.config import ConfigError
    from mtls_lint.config_review import annotation_lines, base_ref, markdown, review
    from mtls_lint.gitsource import GitError
    from mtls_lint.reporters.step_summary import append_markdown

    ref = base_ref(env)
    if ref is None:
        if config_from == "base":
            complain("warning", "config-from: base applies to pull requests; linting with "
                     "the config in the tree")  # fmt: skip
        return None
    try:
        reviewed = review(ref, args)
        found = reviewed.reviews
        base: ConfigSource | Config | None = None
        if config_from == "base":
            base = found[0].base if args.config else reviewed.at_ref
    except (ConfigError, GitError) as exc:
        if config_from == "base":
            raise UsageError(f"config-from: base: {exc}") from None
        complain("warning", f"cannot compare the config with {ref}: {exc}")
        return None
    for line in annotation_lines(found):
        print(line, flush=True)
    if any(r.relaxed for r in found):
        problem = append_markdown(lambda _budget: markdown(found))
        if problem:
            complain("warning", problem)
    return base


def run_diff(args: argparse.Namespace) -> int:
    from mtls_lint.cli.diff import run as diff

    args.findings_above = True  # the check's table, above in the summary, lists the findings
    try:
        return diff(args)
    except UsageError as exc:
        complain("error", str(exc))
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
