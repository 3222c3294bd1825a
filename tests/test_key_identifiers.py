"""A same-name CA with another key is no issuer: as OpenSSL's X509_check_issued decides."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, openssl_verify


@pytest.fixture(scope="module")
def rekeyed(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A truststore holding only the new key of a re-keyed CA, and a client of the old key."""
    old = pki.cert("Rekey CA old")
    new = pki.cert("Rekey CA new", subject=old.cert.subject)
    client = pki.cert("Rekey client", issuer=old, ca=False)
    work = tmp_path_factory.mktemp("rekey")
    (work / "store.pem").write_bytes(new.pem)
    (work / "client.pem").write_bytes(client.pem)
    return work


def test_verify_denies_with_could_not_find_issuer_and_names_both_key_ids(
    rekeyed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "--now", NOW_ISO, "--format", "json", "--truststore",
                 str(rekeyed / "store.pem"), str(rekeyed / "client.pem")])  # fmt: skip
    verdict = json.loads(capsys.readouterr().out)
    assert code == 1
    assert verdict["reason"] == "Could not find issuer for certificate"
    assert verdict["documented_by_aws"] is True
    assert any("a CA of that name with another key is there" in n for n in verdict["notes"])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_does_not_take_the_re_keyed_ca_as_the_issuer_either(rekeyed: Path) -> None:
    result = openssl_verify(rekeyed / "store.pem", rekeyed / "client.pem")
    assert result.returncode != 0
    assert "unable to get local issuer certificate" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def reissued(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA re-issued with the same key and a new serial, and a client whose
    authorityKeyIdentifier names the old CA certificate by issuer and serial number."""
    old = pki.cert("Reissue CA", serial=100)
    new = pki.cert("Reissue CA again", subject=old.cert.subject, same_key_as=old, serial=200)
    client = pki.cert("Reissue client", issuer=old, ca=False, aki_names=old)
    work = tmp_path_factory.mktemp("reissue")
    (work / "new.pem").write_bytes(new.pem)
    (work / "both.pem").write_bytes(new.pem + old.pem)
    (work / "client.pem").write_bytes(client.pem)
    (work / "bundle.pem").write_bytes(new.pem + client.pem)
    return work


def verify_json(store: Path, client: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    main(["verify", "--now", NOW_ISO, "--format", "json", "--truststore", str(store),
          str(client)])  # fmt: skip
    return json.loads(capsys.readouterr().out)


def test_a_ca_the_authority_serial_rules_out_is_no_issuer(
    reissued: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = verify_json(reissued / "new.pem", reissued / "client.pem", capsys)
    assert verdict["reason"] == "Could not find issuer for certificate"
    assert any("names the CA certificate with serial 0x64" in n for n in verdict["notes"])
    assert any("serial 0xc8" in n for n in verdict["notes"])


def test_the_ca_the_authority_serial_names_is_taken_among_others(
    reissued: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify_json(reissued / "both.pem", reissued / "client.pem", capsys)["allowed"] is True


def test_check_says_missing_issuer_not_bad_signature(reissued: Path) -> None:
    from tests.conftest import fired, lint

    findings = lint((reissued / "bundle.pem").read_bytes())
    (missing,) = fired(findings, "missing-issuer")
    assert "authorityKeyIdentifier names the CA certificate with serial 0x64" in missing.message
    assert not fired(findings, "bad-signature")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize(("store", "admitted"), [("new.pem", False), ("both.pem", True)])
def test_openssl_matches_the_authority_serial_too(
    reissued: Path, store: str, admitted: bool
) -> None:
    result = openssl_verify(reissued / store, reissued / "client.pem")
    assert (result.returncode == 0) is admitted
    if not admitted:
        assert "unable to get local issuer certificate" in result.stdout + result.stderr
