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


def _long_named_cas(pki, count: int) -> bytes:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    pems = []
    for i in range(count):
        units = [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{i} unit {j} " + "x" * 90)
                 for j in range(20)]  # fmt: skip
        subject = x509.Name([x509.RelativeDistinguishedName([u]) for u in units])
        pems.append(pki.cert(f"long-named CA {i}", subject=subject).pem)
    return b"".join(pems)


def test_ca_names_too_large_fires_over_albs_10000_bytes(pki) -> None:
    bundle = _long_named_cas(pki, 5)  # 5 x ~2,300 bytes of names
    (finding,) = fired(lint(bundle, profile="alb"), "ca-names-too-large")
    assert "the 5 CA subject names take" in finding.message
    assert "the alb limit is 10,000" in finding.message
    assert not fired(lint(_long_named_cas(pki, 4), profile="alb"), "ca-names-too-large")


def test_ca_names_too_large_is_albs_quota_only(pki) -> None:
    bundle = _long_named_cas(pki, 5)
    for profile in ("apigateway", "cloudfront"):
        assert not fired(lint(bundle, profile=profile), "ca-names-too-large")


def test_a_raised_ca_names_quota_is_set_in_config(pki, tmp_path) -> None:
    from mtls_lint.cli import main

    (tmp_path / "bundle.pem").write_bytes(_long_named_cas(pki, 5))
    (tmp_path / ".mtls-lint.yaml").write_text("profile: alb\nlimits: {ca-subject-bytes: 20000}\n")
    bundle, config = str(tmp_path / "bundle.pem"), str(tmp_path / ".mtls-lint.yaml")
    select = ["--select", "ca-names-too-large"]
    assert main(["check", "--no-config", "--profile", "alb", *select, bundle]) == 1
    assert main(["check", "--config", config, *select, bundle]) == 0
