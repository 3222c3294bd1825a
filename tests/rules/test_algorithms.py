from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes

from tests.conftest import fired, lint
from tests.pki import PKI, SHA256_RSA, Issued, relabelled

INSECURE = "Client cert using an insecure Signature Algorithm"


@pytest.mark.parametrize(("digest", "shown"), [("sha1", "SHA-1"), ("md5", "MD5")])
def test_weak_signature_hash_fires_on_openssl_made_roots(pki: PKI, digest: str, shown: str) -> None:
    weak = pki.openssl_cert(f"{digest} root", digest=digest)
    (finding,) = fired(lint(weak.pem, select=["weak-signature-hash"]), "weak-signature-hash")
    assert f"signed with {shown};" in finding.message
    assert INSECURE in finding.message


def test_weak_signature_hash_fires_on_sha224(pki: PKI) -> None:
    weak = pki.cert("SHA-224 root", hash_algorithm=hashes.SHA224())
    assert fired(lint(weak.pem), "weak-signature-hash")


def test_strong_hashes_are_not_weak(pki: PKI, root: Issued) -> None:
    sha512 = pki.cert("SHA-512 root", hash_algorithm=hashes.SHA512())
    assert not fired(lint(root.pem + sha512.pem), "weak-signature-hash")


def test_unsupported_signature_algorithm_rsa_pss_depends_on_profile(pki: PKI) -> None:
    pss = pki.cert("PSS root", key="rsa-2048", rsa_pss=True)
    (finding,) = fired(lint(pss.pem), "unsupported-signature-algorithm")
    assert finding.severity.label == "warning"
    assert "rsa-pss-sha256" in finding.message
    assert not fired(lint(pss.pem, profile="alb"), "unsupported-signature-algorithm")


def test_unsupported_signature_algorithm_ed25519_is_an_error_on_cloudfront(pki: PKI) -> None:
    ed = pki.cert("Ed25519 root", key="ed25519")
    (finding,) = fired(lint(ed.pem, profile="cloudfront"), "unsupported-signature-algorithm")
    assert finding.severity.label == "error"
    assert not fired(lint(ed.pem), "weak-signature-hash")


def test_weak_hash_is_not_also_reported_as_unsupported(pki: PKI) -> None:
    weak = pki.openssl_cert("sha1 root", digest="sha1")
    assert not fired(lint(weak.pem), "unsupported-signature-algorithm")


def test_an_unknown_signature_algorithm_is_said_to_be_uncheckable(pki: PKI) -> None:
    root = pki.cert("Unknown-algorithm root", key="rsa-2048")
    unknown = SHA256_RSA[:-1] + b"\x7f"  # 1.2.840.113549.1.1.127
    findings = lint(relabelled(root, unknown))
    (finding,) = fired(findings, "unsupported-signature-algorithm")
    assert "1.2.840.113549.1.1.127" in finding.message
    assert "cannot be checked" in finding.message
