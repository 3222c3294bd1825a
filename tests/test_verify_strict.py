"""verify --strict: what openssl verify -x509_strict refuses, in OpenSSL's words."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, openssl_verify

ROOT = Path(__file__).parent.parent
openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def verdict(store: Path, client: Path, *flags: str, capsys) -> dict:
    main(["verify", "--now", NOW_ISO, "--format", "json", *flags, "--truststore", str(store),
          str(client)])  # fmt: skip
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def files(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA without keyUsage (as many are) and one with every extension -x509_strict asks."""
    work = tmp_path_factory.mktemp("strict")
    loose = pki.cert("strict loose CA", key_usage=None)
    tight = pki.cert("strict tight CA")
    for name, ca in (("loose", loose), ("tight", tight)):
        (work / f"{name}.pem").write_bytes(ca.pem)
        client = pki.cert(f"strict client of {name}", issuer=ca, ca=False)
        (work / f"{name}-client.pem").write_bytes(client.pem)
    return {p.stem: p for p in work.iterdir()}


def test_strict_denies_a_ca_without_key_usage_and_plain_verify_admits_it(
    files: dict[str, Path], capsys
) -> None:
    assert verdict(files["loose"], files["loose-client"], capsys=capsys)["allowed"] is True
    strict = verdict(files["loose"], files["loose-client"], "--strict", capsys=capsys)
    assert strict["allowed"] is False
    assert strict["reason"] == "CA cert does not include key usage extension"
    assert strict["documented_by_aws"] is False
    assert "-x509_strict" in strict["fix"]


def test_strict_admits_a_ca_with_every_extension(files: dict[str, Path], capsys) -> None:
    assert verdict(files["tight"], files["tight-client"], "--strict", capsys=capsys)["allowed"]


@pytest.mark.slow
@openssl
@pytest.mark.parametrize(("store", "client"), [("loose", "loose-client"),
                                                ("tight", "tight-client")])  # fmt: skip
def test_strict_agrees_with_openssl_x509_strict(
    files: dict[str, Path], store: str, client: str, capsys
) -> None:
    ours = verdict(files[store], files[client], "--strict", capsys=capsys)
    theirs = openssl_verify(files[store], files[client], "-x509_strict")
    assert ours["allowed"] == (theirs.returncode == 0)
    if not ours["allowed"]:
        assert ours["reason"] in theirs.stdout + theirs.stderr


@pytest.mark.slow
@openssl
def test_the_examples_clean_bundle_passes_strict_as_with_openssl(capsys) -> None:
    """examples/generate.py gives every CA keyUsage and both key identifiers."""
    store, client = ROOT / "examples/clean/bundle.pem", ROOT / "examples/clients/good.pem"
    assert verdict(store, client, "--strict", capsys=capsys)["allowed"] is True
    assert openssl_verify(store, client, "-x509_strict").returncode == 0


@pytest.mark.slow
@openssl
def test_a_v1_intermediate_is_an_invalid_ca_as_openssl_says(tmp_path: Path, capsys) -> None:
    """OpenSSL uses an X.509 v1 certificate as an issuer only when it is the trust anchor.
    cryptography cannot build v1 certificates, so the openssl command makes them."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tmp_path, capture_output=True, check=True)

    for name in ("root", "int", "client"):
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key")
    run("req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=v3 root", "-days", "3650",
        "-addext", "keyUsage=critical,keyCertSign", "-out", "root.pem")  # fmt: skip
    for name, issuer, serial in (("int", "root", "5"), ("client", "int", "6")):
        run("req", "-new", "-key", f"{name}.key", "-subj", f"/CN={name}", "-out", f"{name}.csr")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey",
            f"{issuer}.key", "-set_serial", serial, "-days", "3650",
            "-out", f"{name}.pem")  # fmt: skip
    (tmp_path / "store.pem").write_bytes(
        (tmp_path / "root.pem").read_bytes() + (tmp_path / "int.pem").read_bytes()
    )
    main(["verify", "--format", "json", "--truststore", str(tmp_path / "store.pem"),
          str(tmp_path / "client.pem")])  # fmt: skip
    ours = json.loads(capsys.readouterr().out)
    theirs = subprocess.run(["openssl", "verify", "-CAfile", "store.pem", "client.pem"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)  # fmt: skip
    assert ours["allowed"] is False
    assert ours["reason"] == "invalid CA certificate"
    assert theirs.returncode != 0
    assert "invalid CA certificate" in theirs.stdout + theirs.stderr


@pytest.mark.slow
@openssl
def test_a_pinned_v1_client_is_told_to_pin_a_v3_one(tmp_path: Path, capsys) -> None:
    """A self-signed v1 client pinned in the truststore: OpenSSL (and API Gateway, which does
    not document a version) accept it; ALB and CloudFront take X.509 v3 only. There is no CA
    to re-issue it, so the fix is a v3 certificate for the same key, pinned in its place."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tmp_path, capture_output=True, check=True)

    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client.key")
    run("req", "-new", "-key", "client.key", "-subj", "/CN=pinned v1", "-out", "client.csr")
    run("x509", "-req", "-in", "client.csr", "-signkey", "client.key", "-days", "3650",
        "-out", "client.pem")  # fmt: skip
    client = tmp_path / "client.pem"

    def today(profile: str) -> dict:  # openssl x509 -req starts the validity now
        main(["verify", "--format", "json", "--profile", profile, "--truststore", str(client),
              str(client)])  # fmt: skip
        return json.loads(capsys.readouterr().out)

    theirs = subprocess.run(["openssl", "verify", "-CAfile", "client.pem", "client.pem"],
                            cwd=tmp_path, capture_output=True, check=False)  # fmt: skip
    assert theirs.returncode == 0
    assert today("apigateway")["allowed"] is True
    alb = today("alb")
    assert alb["allowed"] is False
    assert (alb["reason"], alb["cause"]) == (
        "ClientCertTypeUnsupported",
        "not an X.509 v3 certificate",
    )
    assert "is pinned (a self-signed client certificate in" in alb["fix"]
    assert "make a v3 certificate for the same key and pin it instead" in alb["fix"]
    assert "-extfile" not in alb["fix"]  # the advice for a CA-issued certificate
    purpose = next(c for c in alb["checks"] if c["name"] == "purpose")
    assert purpose["detail"] == "no extendedKeyUsage: any purpose, clientAuth included"
