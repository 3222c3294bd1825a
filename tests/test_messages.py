"""Messages people can act on: names shown the same way in every command, words not OIDs,
articles that fit, and a key file called a key file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mtls_lint.cli import main
from mtls_lint.escape import article
from tests.conftest import lint
from tests.pki import NOW, NOW_ISO, PKI, Issued


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_an_empty_subject_is_shown_the_same_way_everywhere(
    here: Path, pki: PKI, root: Issued, capsys
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    blank = (
        x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(root.cert.subject)
        .public_key(key.public_key()).serial_number(9)
        .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=9))
        .sign(root.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )  # fmt: skip
    (here / "store.pem").write_bytes(root.pem)
    (here / "client.pem").write_bytes(blank)
    (here / "bundle.pem").write_bytes(blank)
    main(["verify", "--now", NOW_ISO, "--truststore", "store.pem", "client.pem"])
    verify_out = capsys.readouterr().out
    main(["inspect", "--now", NOW_ISO, "bundle.pem"])
    inspect_out = capsys.readouterr().out
    main(["verify", "--format", "json", "--now", NOW_ISO, "--truststore", "store.pem",
          "client.pem"])  # fmt: skip
    verdict = json.loads(capsys.readouterr().out)
    assert "<empty subject>" in verify_out
    assert "<empty subject>" in inspect_out
    assert verdict["chain"][0]["subject"] == "<empty subject>"


def test_email_address_is_named_not_an_oid(here: Path, pki: PKI, root: Issued, capsys) -> None:
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "mail client"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ops@example.com"),
    ])  # fmt: skip
    client = pki.cert("messages email client", subject=subject, issuer=root, ca=False)
    (here / "bundle.pem").write_bytes(client.pem)
    main(["inspect", "--format", "json", "--now", NOW_ISO, "bundle.pem"])
    out = capsys.readouterr().out
    assert "emailAddress=ops@example.com" in out
    assert "1.2.840.113549.1.9.1" not in out


@pytest.mark.parametrize(("word", "expected"), [
    ("RSA 4096", "an"), ("EC secp256k1", "an"), ("ED25519", "an"), ("DSA 2048", "a"),
    ("unknown (no curve)", "an"), ("PRIVATE KEY", "a"), ("X509 CRL", "an"), ("", "a"),
])  # fmt: skip
def test_the_article_fits_the_word_as_said(word: str, expected: str) -> None:
    assert article(word) == expected


def test_a_key_outside_the_profile_reads_an_rsa(pki: PKI) -> None:
    """CloudFront documents RSA 2048, 3072 and 4096 only."""
    odd = pki.cert("messages rsa 2304 root", key="rsa-2304")
    (finding,) = lint(odd.pem, profile="cloudfront", select=["unsupported-key-type"])
    assert "has an RSA 2304 key" in finding.message


def test_a_file_holding_only_a_private_key_says_so(here: Path, root: Issued, capsys) -> None:
    (here / "client.pem").write_bytes(root.key_pem())
    assert main(["check", "--no-config", "--now", NOW_ISO, "client.pem"]) == 1
    out = capsys.readouterr().out
    assert "it holds only a PRIVATE KEY block (a key file, not a truststore)" in out
    assert "it is empty" not in out


def test_explain_prints_plain_text_for_every_rule(capsys) -> None:
    from mtls_lint.rules import RULES

    for rule_id in RULES:
        assert main(["explain", rule_id]) == 0
        out = capsys.readouterr().out
        assert "``" not in out, rule_id
    main(["explain", "missing-issuer"])
    out = capsys.readouterr().out
    assert "Show it: openssl verify -CAfile FILE -partial_chain FILE" in out
    assert "403 'Could not find issuer for certificate'" in out
