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


def test_a_negative_serial_is_read_without_a_warning(v1_and_negative: tuple[bytes, bytes]) -> None:
    """cryptography warns of negative serials; the rule says it, Python's warning never does:
    neither through a bundle's parse nor through one certificate's (an access log's)."""
    import warnings

    from mtls_lint.certificate import ParsedCertificate, parse_certificates
    from mtls_lint.pem_reader import read_bundle

    _, negative = v1_and_negative
    (block,) = read_bundle("neg.pem", negative).blocks
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed, unreadable = parse_certificates([block])
        assert (len(parsed), unreadable) == (1, [])
        assert ParsedCertificate.parse(block, block.der or b"").sha256 == parsed[0].sha256


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


def strict_refusal(tmp_path: Path, store: bytes, client: Issued) -> str:
    """What ``openssl verify -x509_strict`` says of ``client`` against ``store``, after
    checking that a plain ``openssl verify`` admits it (so each rule is a warning)."""
    (tmp_path / "store.pem").write_bytes(store)
    (tmp_path / "client.pem").write_bytes(client.pem)
    assert openssl_verify(tmp_path / "store.pem", tmp_path / "client.pem").returncode == 0
    strict = openssl_verify(tmp_path / "store.pem", tmp_path / "client.pem", "-x509_strict")
    assert strict.returncode != 0
    return strict.stdout + strict.stderr


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def test_ca_key_usage_fires_on_a_ca_without_key_usage(pki: PKI) -> None:
    ca = pki.cert("no keyUsage root", key_usage=None)
    (finding,) = fired(lint(ca.pem), "ca-key-usage")
    assert finding.severity.label == "warning"
    assert "CA without keyUsage" in finding.message


def test_ca_key_usage_is_quiet_on_a_ca_with_key_cert_sign_and_on_a_leaf(
    pki: PKI, root: Issued
) -> None:
    leaf = pki.cert("no keyUsage leaf", issuer=root, ca=False, key_usage=None)
    assert not fired(lint(root.pem + leaf.pem), "ca-key-usage")


def test_ca_key_usage_fires_once_for_a_ca_that_may_not_sign(pki: PKI, root: Issued) -> None:
    """keyUsage without keyCertSign: ca-key-usage while the CA issued nothing in the bundle,
    issuer-not-ca (and not both) once it did."""
    barren = pki.cert("no keyCertSign CA", issuer=root, key_usage=False)
    (finding,) = fired(lint(root.pem + barren.pem), "ca-key-usage")
    assert "lacks keyCertSign" in finding.message

    below = pki.cert("below no keyCertSign CA", issuer=barren)
    findings = lint(root.pem + barren.pem + below.pem)
    assert not fired(findings, "ca-key-usage")
    assert len(fired(findings, "issuer-not-ca")) == 1


@pytest.mark.slow
@needs_openssl
def test_openssl_x509_strict_refuses_a_ca_without_key_usage(pki: PKI, tmp_path: Path) -> None:
    ca = pki.cert("no keyUsage root", key_usage=None)
    client = pki.cert("client of no keyUsage root", issuer=ca, ca=False)
    assert "CA cert does not include key usage extension" in strict_refusal(
        tmp_path, ca.pem, client
    )


@pytest.mark.slow
@needs_openssl
def test_openssl_refuses_clients_of_a_ca_without_key_cert_sign(pki: PKI, tmp_path: Path) -> None:
    ca = pki.cert("no keyCertSign root", key_usage=False)
    client = pki.cert("client of no keyCertSign root", issuer=ca, ca=False)
    (tmp_path / "store.pem").write_bytes(ca.pem)
    (tmp_path / "client.pem").write_bytes(client.pem)
    plain = openssl_verify(tmp_path / "store.pem", tmp_path / "client.pem")
    assert plain.returncode != 0
    assert "invalid CA certificate" in plain.stdout + plain.stderr
    (finding,) = fired(lint(ca.pem), "ca-key-usage")
    assert "'invalid CA certificate'" in finding.message


@pytest.mark.parametrize(
    ("ski", "aki", "missing"),
    [(False, True, "no subjectKeyIdentifier"), (True, False, "no authorityKeyIdentifier"),
     (False, False, "no subjectKeyIdentifier and no authorityKeyIdentifier")],
)  # fmt: skip
def test_missing_key_identifier_fires_on_an_intermediate(
    pki: PKI, root: Issued, ski: bool, aki: bool, missing: str
) -> None:
    ca = pki.cert(f"intermediate ski={ski} aki={aki}", issuer=root, ski=ski, aki=aki)
    (finding,) = fired(lint(root.pem + ca.pem), "missing-key-identifier")
    assert finding.line > 1  # the intermediate, not the root
    assert finding.severity.label == "warning"
    assert missing in finding.message


def test_missing_key_identifier_asks_no_aki_of_a_root_nor_an_ski_of_a_leaf(
    pki: PKI, root: Issued
) -> None:
    bare_root = pki.cert("root without AKI", aki=False)
    leaf = pki.cert("leaf without SKI", issuer=bare_root, ca=False, ski=False)
    assert not fired(lint(bare_root.pem + leaf.pem), "missing-key-identifier")


def test_missing_key_identifier_fires_on_a_root_without_ski(pki: PKI) -> None:
    bare_root = pki.cert("root without SKI", ski=False)
    (finding,) = fired(lint(bare_root.pem), "missing-key-identifier")
    assert "no subjectKeyIdentifier" in finding.message


@pytest.mark.slow
@needs_openssl
@pytest.mark.parametrize(
    ("ski", "aki", "words"),
    [(False, True, "Missing Subject Key Identifier"),
     (True, False, "Missing Authority Key Identifier")],
)  # fmt: skip
def test_openssl_x509_strict_refuses_an_intermediate_without_a_key_identifier(
    pki: PKI, root: Issued, tmp_path: Path, ski: bool, aki: bool, words: str
) -> None:
    ca = pki.cert(f"intermediate ski={ski} aki={aki}", issuer=root, ski=ski, aki=aki)
    client = pki.cert(f"client below ski={ski} aki={aki}", issuer=ca, ca=False)
    assert words in strict_refusal(tmp_path, root.pem + ca.pem, client)
