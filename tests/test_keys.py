"""match, and verify --key: public keys compared by SPKI SHA-256, never key material shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, Issued


@pytest.fixture(scope="module")
def rsa_leaf(pki: PKI, root: Issued) -> Issued:
    return pki.cert("keys rsa leaf", key="rsa-2048", issuer=root, ca=False)


@pytest.fixture(scope="module")
def ec_leaf(pki: PKI, root: Issued) -> Issued:
    return pki.cert("keys ec leaf", issuer=root, ca=False)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name)


def encrypted(issued: Issued, password: bytes) -> bytes:
    return issued.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )


@pytest.mark.parametrize("leaf_name", ["rsa_leaf", "ec_leaf"])
def test_match_key_and_certificate(
    leaf_name: str, request: pytest.FixtureRequest, tmp_path: Path, capsys
) -> None:
    leaf: Issued = request.getfixturevalue(leaf_name)
    key = write(tmp_path, "k.pem", leaf.key_pem())
    cert = write(tmp_path, "c.pem", leaf.pem)
    public = write(tmp_path, "p.pem", leaf.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    assert main(["match", key, cert, public]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "all match: they share one public key"
    assert len({line.split()[0] for line in out.splitlines()[:3]}) == 1
    body = b"".join(leaf.key_pem().splitlines()[1:-1]).decode()
    assert body[:20] not in out


def test_match_mismatch_exits_1(rsa_leaf: Issued, ec_leaf: Issued, tmp_path: Path, capsys) -> None:
    key = write(tmp_path, "k.pem", rsa_leaf.key_pem())
    cert = write(tmp_path, "c.pem", ec_leaf.pem)
    assert main(["match", "--format", "json", key, cert]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["match"] is False
    assert [f["kind"] for f in document["files"]] == ["private key", "certificate"]


def test_match_reads_der(ec_leaf: Issued, tmp_path: Path) -> None:
    der_key = ec_leaf.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert (
        main(["match", write(tmp_path, "k.der", der_key), write(tmp_path, "c.der", ec_leaf.der)])
        == 0
    )


def test_encrypted_key_with_password_env(
    ec_leaf: Issued, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    key = write(tmp_path, "k.pem", encrypted(ec_leaf, b"s3cret"))
    cert = write(tmp_path, "c.pem", ec_leaf.pem)
    assert main(["match", key, cert]) == 2
    assert "encrypted: give its password with --password-env VAR" in capsys.readouterr().err
    monkeypatch.setenv("KEY_PASSWORD", "wrong")
    assert main(["match", "--password-env", "KEY_PASSWORD", key, cert]) == 2
    err = capsys.readouterr().err
    assert "k.pem:1: cannot read the ENCRYPTED PRIVATE KEY block: wrong password" in err
    assert "Traceback" not in err
    monkeypatch.setenv("KEY_PASSWORD", "s3cret")
    assert main(["match", "--password-env", "KEY_PASSWORD", key, cert]) == 0
    assert main(["match", "--password-env", "UNSET_VARIABLE", key, cert]) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello\n", "no PEM block, and not a DER certificate, public key or private key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "cannot read"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "no -----END line"),
    ],
)
def test_match_unreadable_input_exits_2(
    ec_leaf: Issued, tmp_path: Path, capsys, data: bytes, message: str
) -> None:
    assert (
        main(["match", write(tmp_path, "bad.pem", data), write(tmp_path, "c.pem", ec_leaf.pem)])
        == 2
    )
    err = capsys.readouterr().err
    assert "bad.pem" in err
    assert message in err


@pytest.mark.parametrize("leaf_name", ["rsa_leaf", "ec_leaf"])
def test_verify_key_match_and_mismatch(
    leaf_name: str, request: pytest.FixtureRequest, root: Issued, intermediate: Issued,
    tmp_path: Path, capsys,
) -> None:  # fmt: skip
    leaf: Issued = request.getfixturevalue(leaf_name)
    store = write(tmp_path, "store.pem", root.pem)
    cert = write(tmp_path, "c.pem", leaf.pem)
    good = write(tmp_path, "good.pem", leaf.key_pem())
    bad = write(tmp_path, "bad.pem", intermediate.key_pem())
    base = ["verify", "--format", "json", "--now", NOW_ISO, "--truststore", store]
    assert main([*base, "--key", good, cert]) == 0
    capsys.readouterr()
    assert main([*base, "--key", bad, cert]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["reason"] == "private key does not match certificate"
    assert verdict["documented_by_aws"] is False
    assert "mtls-lint match KEY" in verdict["fix"]


def test_verify_key_of_a_pinned_client_checks_the_truststore_copy(
    pki: PKI, root: Issued, tmp_path: Path, capsys
) -> None:
    pinned = pki.cert("keys pinned", ca=False)
    reissued = pki.cert("keys pinned reissued", ca=False, subject=pinned.cert.subject)
    store = write(tmp_path, "store.pem", root.pem + pinned.pem)
    key = write(tmp_path, "k.pem", reissued.key_pem())
    cert = write(tmp_path, "c.pem", reissued.pem)
    code = main(["verify", "--format", "json", "--now", NOW_ISO, "--truststore", store,
                 "--key", key, cert])  # fmt: skip
    verdict = json.loads(capsys.readouterr().out)
    assert code == 1
    assert verdict["reason"] == "self signed certificate"
    assert "a different certificate with this subject is at line" in verdict["checks"][0]["detail"]
    assert verdict["checks"][1] == {
        "name": "key", "ok": True, "subject": reissued.cert.subject.rfc4514_string(),
        "sha256": reissued.sha256,
        "detail": f"the private key in {key} belongs to the client certificate",
    }  # fmt: skip


def test_match_refuses_a_fifo_instead_of_hanging(ec_leaf: Issued, tmp_path: Path, capsys) -> None:
    os.mkfifo(tmp_path / "pipe.pem")
    assert main(["match", str(tmp_path / "pipe.pem"), write(tmp_path, "c.pem", ec_leaf.pem)]) == 2
    assert "pipe.pem: not a regular file" in capsys.readouterr().err
