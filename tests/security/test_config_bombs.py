"""A config from a pull request: bombs and wrong types are config errors at file:line."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from mtls_lint.cli import main

#: Nine aliases nested nine deep, in one flow sequence: 9**9 leaves if anything expands it.
BOMB = (
    "[&a0 [x, x, x, x, x, x, x, x, x], "
    + ", ".join(f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10))
    + "]"
)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize(
    "value",
    [
        "expiry-days: {}",
        "profile: {}",
        "fail-on: {}",
        "rules: {{expired: {}}}",
        "rules: {{expired: {{severity: {}}}}}",
        "limits: {{certificates: {}}}",
        "waivers: [{{sha256: {}, rules: [expired], reason: r}}]",
        "waivers: [{{sha256: '" + "0" * 64 + "', rules: [expired], reason: r, until: {}}}]",
        "waivers: [{{sha256: '" + "0" * 64 + "', rules: [expired, {}], reason: r}}]",
        "rules: {{expired: {{days: {}}}}}",
    ],
)
def test_an_alias_bomb_in_a_bad_value_is_reported_briefly(tmp_path: Path, value: str) -> None:
    (tmp_path / "c.yaml").write_text(value.format(BOMB) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "mtls_lint", "check", "--config", "c.yaml", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("mtls-lint: error: c.yaml:")
    assert len(result.stderr) < 400, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("profile: [alb]", 1, "profile: must be one of"),
        ("fail-on: [never]", 1, "fail-on: must be one of"),
        ("include: [[x]]", 1, "include: must be a list of glob patterns"),
        ("waivers:\n  - sha256: '" + "0" * 64 + "'\n    rules: [[expired]]\n    reason: r", 3,
         "waivers[0].rules[0]: unknown rule id ['expired']"),
        ("rules:\n  expired: {severity: [error]}", 2, "must be off, error, warning or notice"),
        ("limits: {file-bytes: 1e23}", 1, "limits.file-bytes: must be a whole number"),
        ("limits: {file-bytes: 100000000000000000000000}", 1,
         "limits.file-bytes: must be at most 1073741824"),
        ("limits: {certificates: 100000000000000000000000}", 1, "must be at most 2147483647"),
        ("expiry-days: 1000000000000", 1, "expiry-days: must be at most 36500"),
        ("rules: {1: off}", 1, "unknown rule id"),
        ("x" * 1000 + ": 1", 1, "x" * 60),
    ],
)  # fmt: skip
def test_wrong_types_and_huge_numbers_are_config_errors(
    tmp_path: Path, text: str, line: int, says: str, monkeypatch, capsys
) -> None:
    (tmp_path / ".mtls-lint.yaml").write_text(text + "\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mtls-lint: error: .mtls-lint.yaml:{line}: "), err
    assert says in err
    assert len(err) < 400
