from __future__ import annotations

import pytest

from tests.conftest import fired, lint
from tests.pki import Issued


def test_not_pem_fires_on_der_and_still_lints_the_certificate(pki, root: Issued) -> None:
    expired = pki.cert("Old DER root", not_after=root.cert.not_valid_before_utc)
    findings = lint(expired.der, path="root.cer")
    (finding,) = fired(findings, "not-pem")
    assert "openssl x509 -inform DER -in root.cer -out root.cer.pem" in finding.message
    assert fired(findings, "expired")


def test_not_pem_fires_on_binary() -> None:
    findings = lint(b"\x00\x01\x02\xff\xfe")
    assert [f.rule for f in findings] == ["not-pem"]


def test_malformed_pem_fires_for_each_broken_block(root: Issued, intermediate: Issued) -> None:
    truncated = b"".join(intermediate.pem.splitlines(keepends=True)[:4])
    data = root.pem + b"-----END CERTIFICATE-----\n" + truncated
    findings = fired(lint(data), "malformed-pem")
    n = root.pem.count(b"\n")
    assert [(f.line, f.end_line) for f in findings] == [(n + 1, n + 1), (n + 2, n + 5)]
    assert "without a -----BEGIN" in findings[0].message
    assert "truncated" in findings[1].message


def test_malformed_pem_fires_on_bad_base64(root: Issued) -> None:
    data = root.pem.replace(b"\n", b"\n@@\n", 1)
    (finding,) = fired(lint(data), "malformed-pem")
    assert "invalid base64 at line 2" in finding.message


def test_unparsable_certificate_carries_the_parsers_reason(root: Issued) -> None:
    data = b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n" + root.pem
    (finding,) = fired(lint(data), "unparsable-certificate")
    assert (finding.line, finding.end_line) == (1, 3)
    assert finding.message.startswith("certificate #1 cannot be parsed: ")
    assert len(finding.message) > len("certificate #1 cannot be parsed: ")


def test_private_key_fires_and_never_echoes_the_key(root: Issued) -> None:
    key_pem = root.key_pem()
    findings = lint(root.pem + key_pem)
    (finding,) = fired(findings, "private-key-in-bundle")
    assert "leaked" in finding.message
    body = b"".join(key_pem.splitlines()[1:-1]).decode()
    for f in findings:
        for chunk in (body[i : i + 16] for i in range(0, len(body) - 16, 16)):
            assert chunk not in f.message


def test_non_certificate_block_fires_on_other_labels(root: Issued) -> None:
    csr = b"-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n"
    findings = fired(lint(root.pem + csr), "non-certificate-block")
    assert len(findings) == 1
    assert "CERTIFICATE REQUEST" in findings[0].message


@pytest.mark.parametrize("profile", ["apigateway", "alb", "cloudfront"])
def test_a_crl_inside_a_ca_bundle_is_an_error_on_every_profile(root: Issued, profile) -> None:
    """ALB takes CRLs as revocation files beside the bundle, never in it (AWS-SERVICES.md 4)."""
    crl = b"-----BEGIN X509 CRL-----\nMAMCAQA=\n-----END X509 CRL-----\n"
    (finding,) = fired(lint(root.pem + crl, profile=profile), "non-certificate-block")
    assert finding.severity.label == "error"
    assert "revocation-list file of its own" in finding.message


def test_empty_bundle_fires_on_empty_text_and_all_broken_files() -> None:
    assert fired(lint(b""), "empty-bundle")
    (text,) = fired(lint(b"nothing here\n"), "empty-bundle")
    assert "only text" in text.message
    broken = b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n"
    (finding,) = fired(lint(broken), "empty-bundle")
    assert "none of its 1 certificate blocks" in finding.message


def test_a_file_with_cr_only_line_endings_never_quotes_its_key(root: Issued) -> None:
    # one "line" from -----BEGIN to the last -----: taken for a label, it printed the key
    key_pem = root.key_pem()
    findings = lint((root.pem + key_pem).replace(b"\n", b"\r"))
    assert fired(findings, "stray-text")
    body = b"".join(key_pem.splitlines()[1:-1]).decode()
    for f in findings:
        for chunk in (body[i : i + 16] for i in range(0, len(body) - 16, 8)):
            assert chunk not in f.message
