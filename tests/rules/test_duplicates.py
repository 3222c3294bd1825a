from __future__ import annotations

from cryptography import x509

from tests.conftest import fired, lint
from tests.pki import PKI, Issued, name


def test_duplicate_certificate_points_at_the_first_copy(root: Issued, intermediate: Issued) -> None:
    findings = lint(root.pem + intermediate.pem + root.pem)
    (finding,) = fired(findings, "duplicate-certificate")
    assert finding.certificate is not None
    assert finding.certificate.index == 3
    assert "copy of certificate #1 (line 1)" in finding.message
    assert not fired(findings, "duplicate-subject")


def test_duplicate_subject_fires_for_a_renewed_ca(pki: PKI, root: Issued) -> None:
    renewed = pki.cert("Root CA renewed", subject=root.cert.subject)
    (finding,) = fired(lint(root.pem + renewed.pem), "duplicate-subject")
    assert finding.severity.label == "notice"
    assert "same subject as certificate #1" in finding.message


def test_different_subjects_are_not_duplicates(pki: PKI) -> None:
    a = pki.cert("Dup A", subject=name("Same CN", "Org A"))
    b = pki.cert("Dup B", subject=name("Same CN", "Org B"))
    assert isinstance(a.cert.subject, x509.Name)
    assert not fired(lint(a.pem + b.pem), "duplicate-subject")
