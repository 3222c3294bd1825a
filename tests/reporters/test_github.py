from __future__ import annotations

import re
from pathlib import Path

import pytest

from mtls_lint.cli import main
from mtls_lint.escape import workflow_data, workflow_property
from mtls_lint.findings import FileResult, Finding, Severity
from mtls_lint.reporters import Report
from mtls_lint.reporters.github import annotation, render
from tests.pki import NOW_ISO, PKI, name

HOSTILE_CN = "evil\n::add-mask::secret\r\n::stop-commands::abc%25,x:y"


def test_escaping_matches_actions_toolkit() -> None:
    assert workflow_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert workflow_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


def test_annotation_shape() -> None:
    finding = Finding("expired", Severity.WARNING, "certs/b.pem", 3, 9, "50% gone", None)
    assert annotation(finding) == (
        "::warning file=certs/b.pem,line=3,endLine=9,title=mtls-lint expired::50%25 gone"
    )


def test_worst_first_then_everything_as_inert_text() -> None:
    findings = (
        Finding("pem-hygiene", Severity.NOTICE, "a.pem", 1, 1, "n", None),
        Finding("stray-text", Severity.WARNING, "a.pem", 2, 2, "w", None),
        Finding("expired", Severity.ERROR, "a.pem", 3, 3, "e", None),
    )
    out = render(Report((FileResult("a.pem", 1, findings),)), token="t0k")
    lines = out.splitlines()
    assert [line.split(" ")[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]
    assert lines[3] == "::stop-commands::t0k"
    assert lines[4:7] == [
        "a.pem:1: notice [pem-hygiene] n",
        "a.pem:2: warning [stray-text] w",
        "a.pem:3: error [expired] e",
    ]
    assert lines[7] == "::t0k::"


def test_the_token_is_fresh_each_run() -> None:
    report = Report(())
    tokens = {re.search(r"::stop-commands::(\w+)", render(report)).group(1) for _ in range(3)}  # type: ignore[union-attr]
    assert len(tokens) == 3
    assert all(len(t) >= 32 for t in tokens)


def test_long_messages_are_cut_to_4096_characters() -> None:
    finding = Finding("stray-text", Severity.WARNING, "a.pem", 1, 1, "x" * 5000, None)
    message = annotation(finding).split("::", 2)[2]
    assert len(message) == 4096


@pytest.fixture
def hostile_run(pki: PKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> str:
    """A pinned certificate with a hostile CN, in a file with a hostile name."""
    monkeypatch.chdir(tmp_path)
    cert = pki.cert("hostile", ca=False, subject=name(HOSTILE_CN))
    hostile_file = "x,y:z%25\n::error::pwned.pem"
    (tmp_path / hostile_file).write_bytes(cert.pem)
    assert main(["check", "--format", "github", "--now", NOW_ISO, hostile_file]) == 1
    return capsys.readouterr().out


def test_hostile_subjects_and_file_names_cannot_start_a_command(hostile_run: str) -> None:
    lines = hostile_run.splitlines()
    stop = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[stop].split("::")[2]
    resume = lines.index(f"::{token}::")
    for line in lines[:stop]:
        assert re.match(r"::(error|warning|notice) file=", line), line
    for line in lines[resume + 1 :]:
        assert not line.startswith("::")
    assert "add-mask" not in "".join(line[:15] for line in lines)


def test_hostile_file_name_is_escaped_as_a_property(hostile_run: str) -> None:
    first = hostile_run.splitlines()[0]
    assert first.startswith("::error file=x%2Cy%3Az%2525%0A%3A%3Aerror%3A%3Apwned.pem,line=1,")
    assert "evil\\x0a::add-mask::secret\\x0d\\x0a::stop-commands::abc%2525,x:y" in first
