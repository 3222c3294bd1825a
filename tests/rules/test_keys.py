from __future__ import annotations

import pytest

from tests.conftest import fired, lint
from tests.pki import PKI, Issued


def test_weak_rsa_key_fires_below_2048_bits(pki: PKI) -> None:
    weak = pki.cert("RSA-1024 root", key="rsa-1024")
    (finding,) = fired(lint(weak.pem), "weak-rsa-key")
    assert "1024-bit RSA key" in finding.message
    assert "insecure Signature Algorithm" in finding.message
    assert not fired(lint(weak.pem), "unsupported-key-type")


def test_rsa_2048_is_not_weak(pki: PKI) -> None:
    ok = pki.cert("RSA-2048 root", key="rsa-2048")
    assert not fired(lint(ok.pem), "weak-rsa-key")


@pytest.mark.parametrize("curve", ["p192", "p224"])
def test_weak_ec_key_fires_below_256_bits(pki: PKI, curve: str) -> None:
    weak = pki.cert(f"EC {curve} root", key=f"ec-{curve}")
    (finding,) = fired(lint(weak.pem), "weak-ec-key")
    assert "-bit EC key" in finding.message


def test_p521_is_fine_on_apigateway_and_alb_and_an_error_on_cloudfront(pki: PKI) -> None:
    p521 = pki.cert("P-521 root", key="ec-p521")
    assert not fired(lint(p521.pem), "unsupported-key-type")
    assert not fired(lint(p521.pem, profile="alb"), "unsupported-key-type")
    (finding,) = fired(lint(p521.pem, profile="cloudfront"), "unsupported-key-type")
    assert finding.severity.label == "error"


@pytest.mark.parametrize(("key", "expected"), [("ed25519", "ED25519"), ("ec-k256", "secp256k1")])
def test_unsupported_key_type_warns_on_apigateway(pki: PKI, key: str, expected: str) -> None:
    cert = pki.cert(f"{key} key root", key=key)
    (finding,) = fired(lint(cert.pem), "unsupported-key-type")
    assert finding.severity.label == "warning"
    assert expected in finding.message


def test_rsa_sizes_outside_cloudfronts_list(pki: PKI, root: Issued) -> None:
    odd = pki.cert("RSA-2560 root", key="rsa-2560")
    assert fired(lint(odd.pem, profile="cloudfront"), "unsupported-key-type")
    assert not fired(lint(odd.pem, profile="alb"), "unsupported-key-type")
    assert not fired(lint(root.pem, profile="cloudfront"), "unsupported-key-type")


def test_unusual_rsa_exponent_fires_and_no_signature_is_checked_with_the_key(
    pki: PKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtls_lint import trust_graph

    ca = pki.cert("huge exponent CA", key="rsaexp-3071")
    child = pki.cert("under the huge exponent", issuer=ca)
    checked_with: list[object] = []
    original = trust_graph.check_signature

    def spy(cert, key):
        checked_with.append(key.public_numbers().e if hasattr(key, "public_numbers") else key)
        return original(cert, key)

    monkeypatch.setattr(trust_graph, "check_signature", spy)
    findings = lint(ca.pem + child.pem)
    (finding,) = fired(findings, "unusual-rsa-exponent")
    assert "a 3071-bit number" in finding.message
    assert finding.certificate is not None
    assert finding.certificate.sha256 == ca.sha256
    assert not [e for e in checked_with if isinstance(e, int) and e.bit_length() > 256]
    assert not fired(findings, "bad-signature")  # accepted on name and key identifiers


def test_a_standard_exponent_is_not_unusual(root: Issued, pki: PKI) -> None:
    rsa_root = pki.cert("standard rsa root", key="rsa-2048")
    assert not fired(lint(rsa_root.pem + root.pem), "unusual-rsa-exponent")
