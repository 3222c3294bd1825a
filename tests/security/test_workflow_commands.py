"""No line any command prints, in any format, can be read by a runner as a workflow command
(SPEC section 8). Commands and formats are read from the parser, so one added later is
covered here, or fails :func:`test_every_command_has_a_hostile_scenario` until it is."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from mtls_lint.cli import build_parser, main
from tests.pki import NOW_ISO
from tests.security.conftest import BROKEN_LINK, BUNDLE, KEY
from tests.security.runner import foreign_commands

HOSTILE = f"store/{BUNDLE}"

#: For each command, command lines (after the command and ``--format``) that feed it the
#: workspace's hostile inputs.
SCENARIOS: dict[str, list[list[str]]] = {
    "check": [
        ["--no-config", "--now", NOW_ISO, "store"],
        ["--no-config", "--now", NOW_ISO, "--diff", "store"],  # the file's own text, diffed
    ],
    "verify": [
        ["--now", NOW_ISO, "--truststore", HOSTILE, "client.pem"],
        ["--now", NOW_ISO, "--truststore", HOSTILE, "--access-log", "access.log"],
        ["--now", NOW_ISO, "--truststore", f"store/{BROKEN_LINK}", "client.pem"],
    ],
    "match": [["client.pem", KEY]],
    "logs": [
        ["--now", NOW_ISO, "--truststore", HOSTILE, "access.log"],
        ["--now", NOW_ISO, "--truststore", HOSTILE, "connection.log"],
        ["--now", NOW_ISO, "--truststore", HOSTILE, "cloudfront.log"],
    ],
    "inspect": [["--now", NOW_ISO, HOSTILE], ["--now", NOW_ISO, f"store/{BROKEN_LINK}"]],
    "diff": [
        ["--no-config", "--now", NOW_ISO, "store/old.pem", HOSTILE],
        ["--no-config", "--now", NOW_ISO, "--base", "HEAD", "store"],
    ],
    "rules": [[]],
    "explain": [["stray-text"]],
    # before any AWS call (tests/test_aws.py runs the hostile answers of a stubbed AWS)
    "aws": [["cloudfront", "--bundle", "s3://\t::error::x/##[add-mask]y?z=1"]],
}
#: Commands whose scenarios must show the hostile names (proof the input reached the output).
SHOWS_INPUT = {"check", "verify", "match", "inspect", "diff", "logs"}
#: How each encoding shows ``##[`` or a leading ``::`` (Markdown cells escape ``[`` anyway).
ESCAPES = ("\\x23[", "\\u0023[", "\\x3a:", "#\\[")


def registered() -> dict[str, tuple[str | None, ...]]:
    """Every command the parser knows, with the values of its ``--format`` (None: none)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: dict[str, tuple[str | None, ...]] = {}
    for name, sub in commands.choices.items():
        option = next((a for a in sub._actions if "--format" in a.option_strings), None)
        found[name] = tuple(option.choices) if option is not None and option.choices else (None,)
    return found


def test_every_command_has_a_hostile_scenario() -> None:
    assert set(SCENARIOS) == set(registered())


CASES = [(command, fmt) for command, formats in registered().items() for fmt in formats]


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], call: Callable[[], int] | None = None
) -> tuple[int, str, str]:
    code = call() if call is not None else main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_inert(text: str, where: str) -> None:
    assert "##[" not in text, f"{where}: legacy command syntax:\n{text}"
    foreign = foreign_commands(text)
    assert not foreign, f"{where}: a runner would run {foreign}"


@pytest.mark.parametrize(("command", "fmt"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_no_output_line_is_a_workflow_command(
    workspace: Path,
    command: str,
    fmt: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(workspace)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    shown = ""
    for scenario in SCENARIOS[command]:
        argv = [command, *(["--format", fmt] if fmt else []), *scenario]
        code, out, err = run(argv, capsys)
        assert code in (0, 1, 2), argv
        assert "Traceback" not in err, err
        assert "internal error" not in err, err
        assert_inert(out, f"{argv} stdout")
        assert_inert(err, f"{argv} stderr")
        shown += out + err
    if summary.exists():
        assert_inert(summary.read_text(), "step summary")
    if command in SHOWS_INPUT:
        # the hostile text reached the output, escaped: the test did not pass by losing it
        assert any(mark in shown for mark in ESCAPES), shown


@pytest.mark.parametrize("command", sorted(registered()))
def test_usage_errors_echo_arguments_inert(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, *SCENARIOS[command][0], "--no-such-option=\t::error::x##[add-mask]y"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert len(err.splitlines()) == 1, err  # one line, as every other mistake
    assert_inert(err, "usage error")
    assert "#\\x23[add-mask]" in err


def test_the_action_writes_only_its_own_commands(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mtls_lint.cli import github_action

    monkeypatch.chdir(workspace)
    summary = tmp_path / "summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(workspace),
        "INPUT_PATHS": "store",
        "INPUT_DIFF_BASE": "HEAD",
        "INPUT_ARGS": f"--now {NOW_ISO} --no-config",
        "GITHUB_EVENT_NAME": "pull_request",  # diff-base runs on pull requests only
    }
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = run([], capsys, lambda: github_action.main(env))
    assert code in (1, 2)
    assert_inert(out, "action stdout")
    assert_inert(err, "action stderr")
    assert_inert(summary.read_text(), "step summary")
    assert "::group::mtls-lint diff" in out
