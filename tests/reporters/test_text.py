from __future__ import annotations

from mtls_lint.findings import CertificateRef, FileResult, Finding, Severity
from mtls_lint.reporters import Report
from mtls_lint.reporters.text import render

CERT = CertificateRef(2, "ab" * 32, "CN=evil\x1b[2J", "CN=x", "2030-01-01T00:00:00Z", "evil\x1b[2J")


def test_text_line_shape_and_summary() -> None:
    finding = Finding("expired", Severity.ERROR, "b.pem", 12, 24, "it expired", CERT)
    out = render(Report((FileResult("b.pem", 2, (finding,)),)))
    first, summary = out.splitlines()
    assert first == "b.pem:12: error [expired] it expired (CN=evil\\x1b[2J, sha256 abababab…)"
    assert summary == "1 error, 0 warnings, 0 notices in 1 file (2 certificates)"


def test_control_characters_are_escaped_everywhere() -> None:
    finding = Finding("stray-text", Severity.WARNING, "a\nb.pem", 1, 1, "text 'x\r\u202ey'", None)
    out = render(Report((FileResult("a\nb.pem", 0, (finding,)),)))
    assert out.splitlines()[0] == "a\\x0ab.pem:1: warning [stray-text] text 'x\\x0d\\u202ey'"
