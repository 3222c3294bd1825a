"""The body of the GitHub Action (``action.yml``): inputs in, annotations and outputs out.

Inputs arrive as environment variables set by the action's ``env:`` block -- never spliced
into a shell script -- and are split with :func:`shlex.split`, so a path such as
``x; touch /tmp/pwned`` is a file name, not a command. Run as ``python -m mtls_lint.github_action``.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from mtls_lint.cli import EXIT_ERROR, UsageError, build_parser, emit, execute_check
from mtls_lint.findings import Severity


def check_argv(env: Mapping[str, str]) -> list[str]:
    """The ``mtls-lint check`` command line the inputs describe."""
    argv = ["check", "--format", "github"]
    for option, variable in (
        ("--config", "INPUT_CONFIG"),
        ("--profile", "INPUT_PROFILE"),
        ("--fail-on", "INPUT_FAIL_ON"),
    ):
        value = env.get(variable, "").strip()
        if value:
            argv += [option, value]
    argv += shlex.split(env.get("INPUT_ARGS", ""))
    return [*argv, "--", *shlex.split(env.get("INPUT_PATHS", "") or ".")]


def write_outputs(path: str, values: Mapping[str, str]) -> None:
    """Append ``name<<delimiter`` blocks to ``$GITHUB_OUTPUT`` (safe for any value)."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"mtls_lint_{secrets.token_hex(8)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def main(env: Mapping[str, str] = os.environ) -> int:
    try:
        argv = check_argv(env)
    except ValueError as exc:  # unbalanced quotes in an input
        print(f"mtls-lint: error: cannot split the action's inputs: {exc}", file=sys.stderr)
        return EXIT_ERROR
    args = build_parser().parse_args(argv)
    sarif_file = env.get("INPUT_SARIF_FILE", "").strip()
    try:
        outcome = execute_check(args, "github")
        emit(outcome, "github", None)
        if sarif_file:
            emit(outcome, "sarif", sarif_file)
    except UsageError as exc:
        print(f"mtls-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if env.get("GITHUB_OUTPUT"):
        report = outcome.report
        write_outputs(
            env["GITHUB_OUTPUT"],
            {
                "errors": str(report.count(Severity.ERROR)),
                "warnings": str(report.count(Severity.WARNING)),
                "sarif-file": str(Path(sarif_file).resolve()) if sarif_file else "",
            },
        )
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
