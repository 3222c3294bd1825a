"""``--format json``: the shape of SPEC section 5, for other tools to read."""

from __future__ import annotations

from typing import Any

from mtls_lint import __version__, jsonout
from mtls_lint.findings import Finding, Severity
from mtls_lint.reporters import Report


def finding_json(finding: Finding) -> dict[str, Any]:
    cert = finding.certificate
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "path": finding.path,
        "line": finding.line,
        "end_line": finding.end_line,
        "message": finding.message,
        "certificate": None
        if cert is None
        else {
            "index": cert.index,
            "sha256": cert.sha256,
            "subject": cert.subject,
            "issuer": cert.issuer,
            "not_after": cert.not_after,
        },
    }


def render(report: Report) -> str:
    document = {
        "tool": {"name": "mtls-lint", "version": __version__},
        "files": [{"path": r.path, "certificates": r.certificates} for r in report.files],
        "findings": [finding_json(f) for f in report.findings],
        "summary": {
            **{s.label: report.number_of(s) for s in reversed(Severity)},
            "waived": report.waived,
        },
    }
    return jsonout.dumps(document) + "\n"  # json.dumps(indent=2, ensure_ascii=False), faster
