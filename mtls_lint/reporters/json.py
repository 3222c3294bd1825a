"""``--format json``: the shape of SPEC section 5, for other tools to read."""

from __future__ import annotations

from typing import Any

from mtls_lint import __version__, jsonout
from mtls_lint.findings import CertificateRef, Finding, Severity
from mtls_lint.reporters import Report

#: A finding's keys, in the order the report writes them, and its certificate's.
FINDING_KEYS = ("rule", "severity", "path", "line", "end_line", "message", "certificate")
CERTIFICATE_KEYS = ("index", "sha256", "subject", "issuer", "not_after")


def _finding_values(finding: Finding) -> tuple[Any, ...]:
    """The values of :data:`FINDING_KEYS` but the last (the certificate's)."""
    return (
        finding.rule, finding.severity.label, finding.path, finding.line,
        finding.end_line, finding.message,
    )  # fmt: skip


def _certificate_values(cert: CertificateRef) -> tuple[Any, ...]:
    return cert.index, cert.sha256, cert.subject, cert.issuer, cert.not_after


def finding_json(finding: Finding) -> dict[str, Any]:
    cert = finding.certificate
    certificate = (
        None
        if cert is None
        else dict(zip(CERTIFICATE_KEYS, _certificate_values(cert), strict=True))
    )
    return dict(zip(FINDING_KEYS, (*_finding_values(finding), certificate), strict=True))


#: A finding as :func:`render` places it (in the list of findings), and its certificate: one
#: ``%`` a finding, not a step of :func:`~mtls_lint.jsonout.dumps` per value.
_FINDING = jsonout.object_template(FINDING_KEYS, depth=2, numbers=("line", "end_line"))
_CERTIFICATE = jsonout.object_template(CERTIFICATE_KEYS, depth=3, numbers=("index",))


def _finding_text(finding: Finding) -> jsonout.Text:
    """The text ``jsonout.dumps`` writes for :func:`finding_json` at its place in a report:
    each field written as the type it has, a string quoted and a number by ``%d``."""
    cert, quote = finding.certificate, jsonout.quote
    certificate = "null"
    if cert is not None:
        subject, issuer, not_after = quote(cert.subject), quote(cert.issuer), quote(cert.not_after)
        certificate = _CERTIFICATE % (cert.index, quote(cert.sha256), subject, issuer, not_after)
    rule, severity, path = quote(finding.rule), quote(finding.severity.label), quote(finding.path)
    lines = finding.line, finding.end_line
    return jsonout.Text(
        _FINDING % (rule, severity, path, *lines, quote(finding.message), certificate)
    )


def render(report: Report) -> str:
    document = {
        "tool": {"name": "mtls-lint", "version": __version__},
        "files": [{"path": r.path, "certificates": r.certificates} for r in report.files],
        "findings": [_finding_text(f) for f in report.findings],
        "summary": {
            **{s.label: report.number_of(s) for s in reversed(Severity)},
            "waived": report.waived,
        },
    }
    return jsonout.dumps(document) + "\n"  # json.dumps(indent=2, ensure_ascii=False), faster
