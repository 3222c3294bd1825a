"""Certificates cryptography refuses but OpenSSL reads: their readable fields are still linted.

Each case is one field changed in an otherwise good certificate, signed again (tests/refused.py),
and compared with ``openssl verify`` where the command exists.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from cryptography import x509

from mtls_lint.cli import main
from mtls_lint.lenient import LENIENT_BYTES, LENIENT_CERTIFICATE_BYTES
from tests import refused
from tests.conftest import fired, lint, rules_of
from tests.pki import NOW_ISO, PKI, Issued, openssl_verify

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def rsa_root(pki: PKI) -> Issued:
    return pki.cert("lenient RSA root", key="rsa-2048")


@pytest.fixture(scope="module")
def cases(pki: PKI, root: Issued, rsa_root: Issued) -> dict[str, bytes]:
    """name -> PEM of a client certificate cryptography cannot load."""
    expired = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    plans = {
        "bad-time-sha1": (rsa_root, refused.bad_not_after, refused.RSA_SHA1, {}),
        "v5": (root, refused.version_5, None, {}),
        "duplicate-sha1": (root, refused.duplicate_extension, refused.ECDSA_SHA1, {}),
        "duplicate-rsa-1024": (root, refused.duplicate_extension, None, {"key": "rsa-1024"}),
        "v5-expired": (root, refused.version_5, None, {"not_after": expired}),
        "duplicate": (root, refused.duplicate_extension, None, {}),
        "ec-null": (root, refused.ec_null_parameters, None, {}),
        "dsa-inherited": (root, refused.absent_parameters, None, {"key": "dsa-2048"}),
    }
    made = {}
    for name, (issuer, change, signature, options) in plans.items():
        cert = pki.cert(f"lenient {name}", issuer=issuer, ca=False, **options)
        made[name] = refused.pem(refused.resign(cert, issuer, change, signature))
    return made


def load(pem: bytes) -> None:
    x509.load_pem_x509_certificate(pem).extensions  # noqa: B018 - duplicates fail here


@pytest.mark.parametrize(
    "name", ["bad-time-sha1", "v5", "duplicate-sha1", "duplicate-rsa-1024", "dsa-inherited"]
)
def test_cryptography_refuses_every_case(cases: dict[str, bytes], name: str) -> None:
    with pytest.raises((ValueError, x509.InvalidVersion, x509.DuplicateExtension)):
        load(cases[name])


@pytest.mark.parametrize(
    ("name", "facts"),
    [("bad-time-sha1", ["weak-signature-hash"]), ("v5", []),
     ("duplicate-sha1", ["weak-signature-hash"]), ("duplicate-rsa-1024", ["weak-rsa-key"]),
     ("v5-expired", ["expired"]), ("dsa-inherited", ["unsupported-key-type"])],
)  # fmt: skip
def test_the_readable_fields_get_their_findings_beside_unparsable_certificate(
    root: Issued, rsa_root: Issued, cases: dict[str, bytes], name: str, facts: list[str]
) -> None:
    findings = lint(root.pem + rsa_root.pem + cases[name])
    assert sorted(set(rules_of(findings)) - {"leaf-in-truststore"}) == sorted(
        ["unparsable-certificate", *facts]
    )
    (unparsable,) = fired(findings, "unparsable-certificate")
    assert f"read field by field instead (CN=lenient {name}," in unparsable.message
    for finding in findings:
        if finding.rule in facts:
            assert finding.line == unparsable.line
            assert finding.certificate is not None
            assert finding.certificate.common_name == f"lenient {name}"


def test_an_unreadable_time_is_said_in_openssls_words(
    rsa_root: Issued, cases: dict[str, bytes]
) -> None:
    (finding,) = fired(lint(rsa_root.pem + cases["bad-time-sha1"]), "unparsable-certificate")
    assert "OpenSSL refuses it too: 'format error in certificate's notAfter field'" in (
        finding.message
    )


@pytest.mark.slow
@needs_openssl
@pytest.mark.parametrize(
    ("name", "openssl_says"),
    [("bad-time-sha1", "format error in certificate's notAfter field"),
     # Where OpenSSL is more lenient than cryptography: it verifies a 'v5' certificate. We keep
     # the error, as AWS documents v3 only (ALB, CloudFront).
     ("v5", None)],
)  # fmt: skip
def test_openssl_reads_what_cryptography_refuses(
    root: Issued,
    rsa_root: Issued,
    cases: dict[str, bytes],
    tmp_path: Path,
    name: str,
    openssl_says: str | None,
) -> None:
    (tmp_path / "store.pem").write_bytes(root.pem + rsa_root.pem)
    (tmp_path / "client.pem").write_bytes(cases[name])
    result = openssl_verify(tmp_path / "store.pem", tmp_path / "client.pem")
    if openssl_says is None:
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert openssl_says in result.stdout + result.stderr


def test_a_hostile_file_is_read_leniently_only_so_far(
    root: Issued, cases: dict[str, bytes]
) -> None:
    """pyasn1 costs ~70 us an element: a file pays it for LENIENT_BYTES of DER at most."""
    one = cases["duplicate-sha1"]
    size = len(x509_der(one))
    count = LENIENT_BYTES // size + 3
    findings = lint(root.pem + one * count)
    assert len(fired(findings, "unparsable-certificate")) == count
    assert len(fired(findings, "weak-signature-hash")) == LENIENT_BYTES // size


def test_a_certificate_over_16_kib_is_not_read_leniently(pki: PKI, root: Issued) -> None:
    from cryptography.x509.oid import NameOID

    attributes = [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"unit {i}") for i in
                  range(LENIENT_CERTIFICATE_BYTES // 16)]  # fmt: skip
    subject = x509.Name([x509.RelativeDistinguishedName(attributes)])
    big = pki.cert("lenient big", issuer=root, ca=False, subject=subject)
    der = refused.resign(big, root, refused.version_5, refused.ECDSA_SHA1)
    assert len(der) > LENIENT_CERTIFICATE_BYTES
    findings = lint(root.pem + refused.pem(der))
    assert fired(findings, "unparsable-certificate")
    assert not fired(findings, "weak-signature-hash")


def x509_der(pem: bytes) -> bytes:
    import base64

    return base64.b64decode(b"".join(pem.splitlines()[1:-1]))


def test_garbage_under_a_certificate_label_is_not_read(root: Issued) -> None:
    import base64

    body = base64.encodebytes(b"\x30\x03\x02\x01\x05 not a certificate").decode()
    garbage = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n".encode()
    (finding,) = fired(lint(root.pem + garbage), "unparsable-certificate")
    assert "read field by field" not in finding.message


@pytest.fixture(scope="module")
def files(
    cases: dict[str, bytes], root: Issued, rsa_root: Issued, tmp_path_factory
) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("lenient")
    (work / "store.pem").write_bytes(root.pem + rsa_root.pem)
    (work / "rsa-only.pem").write_bytes(rsa_root.pem)
    for name, pem in cases.items():
        (work / f"{name}.pem").write_bytes(pem)
    return {p.stem: p for p in work.iterdir()}


def verdict_of(files: dict[str, Path], name: str, capsys, store: str = "store") -> dict:
    code = main(["verify", "--now", NOW_ISO, "--format", "json", "--truststore",
                 str(files[store]), str(files[name])])  # fmt: skip
    verdict = json.loads(capsys.readouterr().out)
    assert code == (0 if verdict["allowed"] else 1)
    return verdict


#: name -> the reason verify gives (None: allowed) and whether openssl verify admits it.
VERDICTS = {
    "bad-time-sha1": ("format error in certificate's notAfter field", False),
    "v5": (None, True),
    "duplicate": ("unable to get local issuer certificate", False),
    # The service is documented to refuse SHA-1 whatever else is wrong, and says so first;
    # OpenSSL, which accepts SHA-1 at its default security level, stops at the extension.
    "duplicate-sha1": ("Client cert using an insecure Signature Algorithm", False),
    "v5-expired": ("certificate has expired", False),
    "ec-null": ("unable to decode the client certificate's public key", False),
}


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_verify_gives_a_verdict_not_exit_2(files: dict[str, Path], name: str, capsys) -> None:
    verdict = verdict_of(files, name, capsys)
    reason, _ = VERDICTS[name]
    assert verdict["reason"] == reason
    assert verdict["allowed"] is (reason is None)
    if name != "ec-null":  # cryptography reads that one; only its key is unreadable
        assert any("read field by field" in note for note in verdict["notes"])


@pytest.mark.slow
@needs_openssl
@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_verify_agrees_with_openssl(files: dict[str, Path], name: str, capsys) -> None:
    reason, admitted = VERDICTS[name]
    result = openssl_verify(files["store"], files[name])
    assert (result.returncode == 0) is admitted
    said = result.stdout + result.stderr
    if reason is not None and name not in ("duplicate-sha1", "ec-null"):
        assert reason in said  # OpenSSL's own words
    if name == "ec-null":
        assert "decode error" in said


def test_a_leniently_read_client_needs_its_issuer(files: dict[str, Path], capsys) -> None:
    verdict = verdict_of(files, "v5", capsys, store="rsa-only")
    assert verdict["reason"] == "Could not find issuer for certificate"


def test_a_leniently_read_client_needs_its_issuers_signature(
    pki: PKI, root: Issued, files: dict[str, Path], tmp_path: Path, capsys
) -> None:
    impostor = pki.cert("lenient impostor root", subject=root.cert.subject)
    (tmp_path / "impostor.pem").write_bytes(impostor.pem)
    files = {**files, "impostor": tmp_path / "impostor.pem"}
    verdict = verdict_of(files, "v5", capsys, store="impostor")
    assert verdict["reason"] == "certificate signature failure"
