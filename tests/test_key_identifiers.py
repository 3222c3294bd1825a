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
