"""``--format text``: one line per finding, then a summary line (SPEC section 5)."""

from __future__ import annotations

from mtls_lint.escape import printable
from mtls_lint.findings import Finding, Severity
from mtls_lint.reporters import Report

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTICE: "\x1b[36m"}
_RESET = "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def finding_line(finding: Finding, color: bool = False) -> str:
    """``path:line: severity [rule] message (CN=..., sha256 abcd1234…)``, escaped."""
    severity = finding.severity.label
    if color:
        severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
    line = f"{printable(finding.path)}:{finding.line}: {severity} [{finding.rule}] "
    line += printable(finding.message)
    cert = finding.certificate
    if cert is not None:
        line += f" ({printable(cert.short_name)}, sha256 {cert.sha256[:8]}…)"
    return line


def summary_line(report: Report) -> str:
    return (
        f"{_plural(report.number_of(Severity.ERROR), 'error')}, "
        f"{_plural(report.number_of(Severity.WARNING), 'warning')}, "
        f"{_plural(report.number_of(Severity.NOTICE), 'notice')} in "
        f"{_plural(len(report.files), 'file')} ({_plural(report.certificates, 'certificate')})"
        + (f"; {report.waived} waived" if report.waived else "")
    )


def render(report: Report) -> str:
    lines = [finding_line(f, report.color) for f in report.findings]
    if report.summary:
        lines.append(summary_line(report))
    return "".join(line + "\n" for line in lines)
