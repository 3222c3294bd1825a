"""The validity chart: Mermaid gantt in inspect's Markdown and the step summary."""

from __future__ import annotations

import datetime as dt

from mtls_lint.reporters.gantt import MAX_BARS, Bar, chart

UTC = dt.timezone.utc
NOW = dt.datetime(2027, 1, 1, tzinfo=UTC)


def day(year: int, month: int = 1) -> dt.datetime:
    return dt.datetime(year, month, 1, tzinfo=UTC)


def test_expired_and_soon_are_marked_and_now_is_a_milestone() -> None:
    lines = chart([("ts.pem", [
        Bar("CN=Old", day(2020), day(2026)),
        Bar("CN=Soon", day(2020), NOW + dt.timedelta(days=10)),
        Bar("CN=Fine", day(2020), day(2040)),
    ])], NOW, window=30)  # fmt: skip
    assert lines[0] == "```mermaid"
    assert lines[-1] == "```"
    assert "    CN=Old :crit, c1, 2020-01-01, 2026-01-01" in lines
    assert "    CN=Soon :active, c2, 2020-01-01, 2027-01-11" in lines
    assert "    CN=Fine :c3, 2020-01-01, 2040-01-01" in lines
    assert "    2027-01-01 :milestone, now, 2027-01-01, 0d" in lines


def test_hostile_names_cannot_leave_the_chart_or_run_a_command() -> None:
    evil = "CN=x :crit, c9, 1999-01-01\n```\n::error::pwned ##[add-mask]y; #%%{init}"
    lines = chart([("a`b:c.pem\n::warning::", [Bar(evil, day(2020), day(2030))])], NOW, 30)
    body = lines[1:-1]
    assert not [line for line in body if "`" in line or "#" in line or line.startswith("::")]
    assert all(line.count(":") <= 1 for line in body if "milestone" not in line)
    assert sum(1 for line in lines if line.startswith("```")) == 2


def test_a_chart_is_capped() -> None:
    bars = [Bar(f"CN={i}", day(2020), day(2030)) for i in range(MAX_BARS + 5)]
    lines = chart([("ts.pem", bars)], NOW, 30)
    assert sum(1 for line in lines if line.startswith("    CN=")) == MAX_BARS
    assert lines[-1] == f"_5 more certificates are not drawn (at most {MAX_BARS})._"


def test_nothing_to_draw_is_no_chart() -> None:
    assert chart([("ts.pem", [])], NOW, 30) == []


def test_inspect_markdown_and_the_step_summary_draw_it(tmp_path, monkeypatch, capsys) -> None:
    from pathlib import Path

    from mtls_lint.cli import main

    examples = Path(__file__).parent.parent.parent / "examples"
    assert main(["inspect", "--format", "markdown", "--now", "2027-01-01",
                 str(examples / "broken" / "bundle.pem")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "```mermaid\ngantt\n" in out
    assert "CN=Example Old Issuing CA :crit, " in out
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    main(["check", "--no-config", "--format", "github", "--now", "2027-01-01",
          str(examples / "broken" / "bundle.pem")])  # fmt: skip
    capsys.readouterr()
    assert "```mermaid\ngantt\n" in summary.read_text()
