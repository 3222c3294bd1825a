from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import fired, lint
from tests.pki import PKI, Issued, openssl_verify


def openssl(*args: str) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def v1_and_negative(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """A v1 root (``x509 -req`` without extensions) and one with serial -5."""
    d: Path = tmp_path_factory.mktemp("fields")
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(d / "k.pem"))
    openssl("req", "-new", "-key", str(d / "k.pem"), "-subj", "/CN=v1 root", "-out", str(d / "r"))
    openssl("x509", "-req", "-in", str(d / "r"), "-signkey", str(d / "k.pem"), "-days", "3650",
            "-out", str(d / "v1.pem"))  # fmt: skip
    openssl("req", "-x509", "-key", str(d / "k.pem"), "-subj", "/CN=negative", "-days", "3650",
            "-set_serial", "-5", "-out", str(d / "neg.pem"))  # fmt: skip
    return (d / "v1.pem").read_bytes(), (d / "neg.pem").read_bytes()


def test_not_x509v3_fires_on_v1(v1_and_negative: tuple[bytes, bytes]) -> None:
    v1, _ = v1_and_negative
    (finding,) = fired(lint(v1, select=["not-x509v3"]), "not-x509v3")
    assert "X.509 v1, not v3" in finding.message
    assert finding.severity.label == "warning"
    (alb,) = fired(lint(v1, profile="alb", select=["not-x509v3"]), "not-x509v3")
    assert alb.severity.label == "error"


def test_v1_root_is_not_a_self_signed_leaf(v1_and_negative: tuple[bytes, bytes]) -> None:
    v1, _ = v1_and_negative
    assert not fired(lint(v1, select=["self-signed-leaf"]), "self-signed-leaf")


def test_negative_serial_fires(v1_and_negative: tuple[bytes, bytes]) -> None:
    _, negative = v1_and_negative
    (finding,) = fired(lint(negative, select=["negative-serial"]), "negative-serial")
    assert "serial number -5" in finding.message


def test_positive_serial_is_quiet(root: Issued) -> None:
    assert not fired(lint(root.pem), "negative-serial")


@pytest.fixture(scope="module")
def loose_ca(pki: PKI) -> Issued:
    """A CA whose basicConstraints is not critical (keyUsage present, so that is all
    -x509_strict can object to)."""
    return pki.cert("loose bc root", bc_critical=False, key_usage=True)


def test_basic_constraints_not_critical_fires_on_a_ca(loose_ca: Issued) -> None:
    (finding,) = fired(lint(loose_ca.pem), "basic-constraints-not-critical")
    assert finding.severity.label == "warning"
    assert "not marked critical" in finding.message


def test_a_critical_basic_constraints_or_a_leaf_is_fine(pki: PKI, root: Issued) -> None:
    leaf = pki.cert("loose bc leaf", issuer=root, ca=False, bc_critical=False)
    assert not fired(lint(root.pem + leaf.pem), "basic-constraints-not-critical")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_x509_strict_refuses_the_ca_and_plain_verify_does_not(
    pki: PKI, loose_ca: Issued, tmp_path
) -> None:
    client = pki.cert("loose bc client", issuer=loose_ca, ca=False)
    (tmp_path / "ca.pem").write_bytes(loose_ca.pem)
    (tmp_path / "client.pem").write_bytes(client.pem)

    store, client_file = tmp_path / "ca.pem", tmp_path / "client.pem"
    # a warning, not an error: a plain verify, and AWS, say nothing
    assert openssl_verify(store, client_file).returncode == 0
    strict = openssl_verify(store, client_file, "-x509_strict")
    assert strict.returncode != 0
    assert "Basic Constraints of CA cert not marked critical" in strict.stdout + strict.stderr
