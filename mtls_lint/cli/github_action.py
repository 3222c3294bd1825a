"""The body of the GitHub Action (``action.yml``): inputs in, annotations and outputs out.

Inputs arrive as environment variables set by the action's ``env:`` block -- never spliced
into a shell script -- and are split with :func:`shlex.split`, so a path such as
``x; touch /tmp/pwned`` is a file name, not a command. Run as
``python -m mtls_lint.cli.github_action``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mtls_lint.cli import build_parser
from mtls_lint.cli.check import emit, execute_check
from mtls_lint.cli.common import EXIT_ERROR, UsageError, complain
from mtls_lint.escape import inert_legacy, workflow_data
from mtls_lint.findings import Severity

if TYPE_CHECKING:
    from mtls_lint.config import Config


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
    try:
        argv, diff = check_argv(env), diff_argv(env)
    except ValueError as exc:  # unbalanced quotes in an input
        complain("error", f"cannot split the action's inputs: {exc}")
        return EXIT_ERROR
    parser = build_parser(("check", "diff"))
    try:
        args = parser.parse_args(argv)
    except SystemExit as stopped:  # a bad option (said already), or --help / --version
        if stopped.code == 0:
            complain("error", "the args input stopped mtls-lint before it linted anything")
        return EXIT_ERROR
    config_from = env.get("INPUT_CONFIG_FROM", "").strip() or "head"
    if config_from not in ("head", "base"):
        complain("error", f"config-from: {config_from!r} is not head or base")
        return EXIT_ERROR
    try:
        base_config = review_config(env, args, config_from)
    except UsageError as exc:
        complain("error", str(exc))
        return EXIT_ERROR
    sarif_file = env.get("INPUT_SARIF_FILE", "").strip()
    workspace = env.get("GITHUB_WORKSPACE")
    within = Path(os.path.realpath(workspace)) if workspace else None
    try:
        outcome = execute_check(args, "github", base_config)
        emit(outcome, "github", None)
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
    base = inert_legacy(workflow_data(env["INPUT_DIFF_BASE"].strip()))
    print(f"::group::mtls-lint diff --base {base}", flush=True)
    diff_code = run_diff(parser.parse_args(diff))
    print("::endgroup::", flush=True)
    return max(outcome.exit_code, diff_code)


def review_config(
    env: Mapping[str, str], args: argparse.Namespace, config_from: str
) -> Config | None:
    """On a pull request, warn about what the change does to the config; returns the base
    ref's config when ``config-from: base`` asks to lint with it (else None: the tree's)."""
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
        found = review(ref, args)
    except (ConfigError, GitError) as exc:
        if config_from == "base":
            raise UsageError(f"config-from: base: {exc}") from None
        complain("warning", f"cannot compare the config with {ref}: {exc}")
        return None
    for line in annotation_lines(found):
        print(line, flush=True)
    if found.relaxed:
        problem = append_markdown(lambda _budget: markdown(found))
        if problem:
            complain("warning", problem)
    return found.base if config_from == "base" else None


def run_diff(args: argparse.Namespace) -> int:
    from mtls_lint.cli.diff import run as diff

    try:
        return diff(args)
    except UsageError as exc:
        complain("error", str(exc))
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
