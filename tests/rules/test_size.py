from __future__ import annotations

from tests.conftest import fired, lint
from tests.pki import PKI, Issued


def test_bundle_too_large_counts_ca_certificates_on_alb(pki: PKI) -> None:
    roots = [pki.cert(f"Size root {i}") for i in range(26)]
    data = b"".join(r.pem for r in roots)
    (finding,) = fired(lint(data, profile="alb"), "bundle-too-large")
    assert "26 CA certificates; the alb limit is 25" in finding.message
    assert not fired(lint(b"".join(r.pem for r in roots[:25]), profile="alb"), "bundle-too-large")
    assert not fired(lint(data), "bundle-too-large")  # apigateway: no documented quota


def test_bundle_too_large_counts_bytes_on_cloudfront(root: Issued) -> None:
    padding = b"# " + b"x" * 70 + b"\n"
    data = root.pem + padding * 1000
    (finding,) = fired(lint(data, profile="cloudfront"), "bundle-too-large")
    assert "the cloudfront limit is 65536" in finding.message


def test_certificate_too_large_fires_above_16_kb(pki: PKI, root: Issued) -> None:
    from cryptography import x509

    big_name = x509.Name(
        [x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Big"), *(
            x509.NameAttribute(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME, "u" * 60)
            for _ in range(250)
        )]
    )  # fmt: skip
    big = pki.cert("Big CA", subject=big_name)
    (finding,) = fired(lint(big.pem, profile="alb"), "certificate-too-large")
    assert "limit is 16384" in finding.message
    assert not fired(lint(big.pem), "certificate-too-large")
    assert not fired(lint(root.pem, profile="alb"), "certificate-too-large")
