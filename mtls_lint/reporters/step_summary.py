"""The Markdown report appended to ``$GITHUB_STEP_SUMMARY`` under ``--format github``.

GitHub caps a step's summary at 1 MiB and rejects the whole summary above it, so rows are added
only while they fit, and a note says how many were left out.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from mtls_lint.certificate import days_left
from mtls_lint.escape import inert_text, printable
from mtls_lint.findings import CertificateRef, Severity
from mtls_lint.reporters import Report
from mtls_lint.reporters.text import summary_line

STEP_SUMMARY_LIMIT = 1024 * 1024
EXPIRING_ROWS = 10
#: Errors listed in the summary; the job log has all of them.
MAX_ERRORS = 50
_ICONS = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟡 warning", Severity.NOTICE: "🔵 notice"}
#: Enough to stop emphasis, code spans, links, images and table breaks inside a cell.
_MARKDOWN_SPECIAL = "\\`*_[]|~"


def cell(text: str) -> str:
    """Table-cell text: escaped so a certificate field cannot inject Markdown or HTML."""
    text = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)


def markdown(
    report: Report, now: dt.datetime, budget: int = STEP_SUMMARY_LIMIT, errors: Sequence[str] = ()
) -> str:
    """The report; ``errors``: what could not be linted (exit 2), said first."""
    findings = sorted(report.findings, key=lambda f: (-f.severity, f.sort_key()))
    head = [
        "## mtls-lint",
        "",
        *could_not_run(errors),
        f"**{cell(summary_line(report))}**",
        "",
    ]
    tail = _expiring(report, now)
    drawn = _chart(report, now)
    if drawn and _size(head) + _size(tail) + _size(drawn) + 2048 < budget:
        tail += ["", *drawn]  # only when it fits: the findings come first
    if not findings:
        head.append("No findings in the files that could be read." if errors else "No findings.")
        return "\n".join([*head, "", *tail]) + "\n"
    head += [
        "| Severity | File | Line | Rule | Certificate | Message |",
        "|---|---|---|---|---|---|",
    ]
    note_room = 400
    used = _size(head) + _size(tail) + note_room
    rows: list[str] = []
    for finding in findings:
        cert = finding.certificate
        row = (
            f"| {_ICONS[finding.severity]} | {cell(finding.path)} | {finding.line} "
            f"| {cell(finding.rule)} | {cell(cert.short_name) if cert else ''} "
            f"| {cell(finding.message)} |"
        )
        if used + len(row.encode()) + 1 > budget:
            break
        rows.append(row)
        used += len(row.encode()) + 1
    lines = head + rows
    left_out = len(findings) - len(rows)
    if left_out:
        lines += [
            "",
            f"> **{left_out} more findings are not shown:** GitHub limits a step summary to "
            "1 MiB. The job log lists every finding.",
        ]
    return "\n".join([*lines, "", *tail]) + "\n"


def could_not_run(errors: Sequence[str]) -> list[str]:
    """A line for each error that stopped mtls-lint, or a file from being linted."""
    lines = [f"**Could not run:** {cell(error)}" for error in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        lines.append(f"**Could not run:** and {len(errors) - MAX_ERRORS} more (see the job log)")
    return [line for error in lines for line in (error, "")]


def _expiring(report: Report, now: dt.datetime) -> list[str]:
    seen: dict[str, tuple[CertificateRef, str]] = {}
    for result in report.files:
        for cert in result.inventory:
            seen.setdefault(cert.sha256, (cert, result.path))
    if not seen:
        return []
    soonest = sorted(seen.values(), key=lambda item: item[0].not_after)[:EXPIRING_ROWS]
    lines = [
        "### Certificates expiring soonest",
        "",
        "| Certificate | File | Not after | Days left |",
        "|---|---|---|---|",
    ]
    for cert, path in soonest:
        not_after = dt.datetime.fromisoformat(cert.not_after.replace("Z", "+00:00"))
        days = days_left(not_after, now)
        left = str(days) if not_after >= now else f"expired {-days} days ago"
        lines.append(f"| {cell(cert.short_name)} | {cell(path)} | {cert.not_after[:10]} | {left} |")
    return lines


def _chart(report: Report, now: dt.datetime) -> list[str]:
    """The validity chart of the run's certificates, each once, by file."""
    from mtls_lint.reporters.gantt import Bar, chart

    seen: set[str] = set()
    sections = []
    for result in report.files:
        bars = []
        for cert in result.inventory:
            if cert.sha256 in seen or not cert.not_before or not cert.not_after:
                continue
            seen.add(cert.sha256)
            bars.append(Bar(cert.short_name, _moment(cert.not_before), _moment(cert.not_after)))
        sections.append((result.path, bars))
    return chart(sections, now, window=30)


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _size(lines: list[str]) -> int:
    return sum(len(line.encode()) + 1 for line in lines)


def append_step_summary(report: Report, now: dt.datetime, errors: Sequence[str] = ()) -> str | None:
    """Append the check report to ``$GITHUB_STEP_SUMMARY``; returns a warning, or None."""
    return append_markdown(lambda budget: markdown(report, now, budget, errors))


def append_markdown(render: Callable[[int], str]) -> str | None:
    """Append ``render(budget)`` to the file ``$GITHUB_STEP_SUMMARY`` names, if any.

    ``budget`` is what is left of GitHub's 1 MiB (less a margin); text still over it is cut
    at a line with a note. Returns a warning when the file cannot be written, else None.
    """
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    try:
        existing = path.stat().st_size if path.exists() else 0
        budget = max(0, STEP_SUMMARY_LIMIT - existing - 1024)
        text = render(budget)
        if existing and not text.startswith("\n"):
            text = "\n" + text  # a heading right after the section before would join it
        if len(text.encode()) > budget:
            cut = text.encode()[: max(0, budget - 200)].decode(errors="ignore").rsplit("\n", 1)[0]
            text = f"{cut}\n\n> Cut here: GitHub limits a step summary to 1 MiB.\n"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(inert_text(text))
    except OSError as exc:
        return f"cannot write the step summary to {target}: {exc.strerror or exc}"
    return None
