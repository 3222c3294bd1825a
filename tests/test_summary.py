"""The step summary: Markdown for findings and for none, escaped, and cut before 1 MiB."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from mtls_lint.cli import main
from mtls_lint.findings import FileResult, Finding, Severity
from mtls_lint.reporters import Report
from mtls_lint.reporters.step_summary import STEP_SUMMARY_LIMIT, cell, markdown
from tests.engine_helpers import result_for
from tests.pki import NOW, NOW_ISO, PKI, Issued


def test_findings_table_and_expiring_certificates(pki: PKI, root: Issued) -> None:
    soon = pki.cert("Summary soon CA", issuer=root, not_after=NOW.replace(day=21))
    text = markdown(Report((result_for(root.pem + soon.pem + b"note\n", "certs/b.pem"),)), NOW)
    assert text.startswith("## mtls-lint\n\n**0 errors, 2 warnings, 0 notices in 1 file")
    assert "| Severity | File | Line | Rule | Certificate | Message |" in text
    line = root.pem.count(b"\n") + 1
    assert f"| 🟡 warning | certs/b.pem | {line} | expires-soon | CN=Summary soon CA |" in text
    expiring = text.split("### Certificates expiring soonest")[1]
    rows = [line for line in expiring.splitlines() if line.startswith("| CN=")]
    assert rows[0] == "| CN=Summary soon CA | certs/b.pem | 2026-06-21 | 20 |"
    assert rows[1].startswith("| CN=Root CA | certs/b.pem | 2030-01-01 | 1310 |")


def test_no_findings(clean_bundle: bytes) -> None:
    text = markdown(Report((result_for(clean_bundle, "b.pem"),)), NOW)
    assert "No findings." in text
    assert "| Severity |" not in text
    assert "### Certificates expiring soonest" in text


def test_expired_certificates_say_so(pki: PKI, root: Issued) -> None:
    old = pki.cert("Summary expired CA", issuer=root, not_after=NOW.replace(month=5, day=22))
    text = markdown(Report((result_for(root.pem + old.pem, "b.pem"),)), NOW)
    assert "| CN=Summary expired CA | b.pem | 2026-05-22 | expired 10 days ago |" in text


def test_a_year_before_1000_is_written_in_four_digits_and_summarised(pki: PKI) -> None:
    # the builder refuses dates before 1950, a parser does not: GeneralizedTime year 0050
    made = pki.cert("Summary year-50 CA", not_after=dt.datetime(2050, 1, 1, tzinfo=dt.timezone.utc))
    der = made.der.replace(b"20500101000000Z", b"00500101000000Z")
    assert der != made.der
    pem = (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )
    result = result_for(pem, "b.pem")
    assert result.inventory[0].not_after == "0050-01-01T00:00:00Z"  # strftime gave 50-01-01
    (expired,) = [f for f in result.findings if f.rule == "expired"]
    assert "0050-01-01 00:00 UTC" in expired.message
    text = markdown(Report((result,)), NOW)  # which fromisoformat refused: an internal error
    assert "| CN=Summary year-50 CA | b.pem | 0050-01-01 | expired " in text


def test_hostile_fields_cannot_inject_markdown_or_html() -> None:
    assert cell("a|b") == "a\\|b"
    assert cell("![x](https://evil)") == "!\\[x\\](https://evil)"
    assert cell("<img src=x>") == "&lt;img src=x&gt;"
    assert cell("line\nbreak") == "line\\\\x0abreak"  # shown as line\x0abreak
    assert cell("`code` *bold*") == "\\`code\\` \\*bold\\*"


def test_a_huge_report_is_truncated_with_a_note() -> None:
    findings = tuple(
        Finding("stray-text", Severity.WARNING, "big.pem", i, i, "x" * 200, None)
        for i in range(1, 20_001)
    )
    text = markdown(Report((FileResult("big.pem", 0, findings),)), NOW)
    assert len(text.encode()) <= STEP_SUMMARY_LIMIT
    assert "more findings are not shown:** GitHub limits a step summary to 1 MiB" in text
    shown = text.count("| 🟡 warning |")
    assert 1000 < shown < 20_000
    assert f"**{20_000 - shown} more findings are not shown" in text


def test_the_budget_accounts_for_what_the_step_already_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intermediate: Issued
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step output\n" + "y" * (STEP_SUMMARY_LIMIT - 3000))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    for i in range(30):
        (tmp_path / f"b{i}.pem").write_bytes(intermediate.pem)
    main(["check", "--format", "github", "--now", NOW_ISO])
    assert summary.stat().st_size <= STEP_SUMMARY_LIMIT
    assert "more findings are not shown" in summary.read_text()


def test_only_the_github_format_writes_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intermediate: Issued
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (tmp_path / "b.pem").write_bytes(intermediate.pem)
    main(["check", "--format", "text", "--now", NOW_ISO, "b.pem"])
    assert not summary.exists()
    main(["check", "--format", "github", "--now", NOW_ISO, "b.pem"])
    main(["check", "--format", "github", "--now", NOW_ISO, "b.pem"])
    assert summary.read_text().count("## mtls-lint") == 2  # appended, never overwritten
    assert "missing-issuer" in summary.read_text()


def test_an_unwritable_summary_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_bundle: bytes, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no" / "such" / "dir.md"))
    (tmp_path / "b.pem").write_bytes(clean_bundle)
    assert main(["check", "--format", "github", "--now", NOW_ISO, "b.pem"]) == 0
    assert "cannot write the step summary" in capsys.readouterr().err
