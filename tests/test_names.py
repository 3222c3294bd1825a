"""Issuer names are compared as OpenSSL compares them: case, spaces and string type aside.

Each case builds a CA and a certificate whose issuer field names it with other bytes, and
checks what mtls-lint says against ``openssl verify`` where the command exists.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from mtls_lint.names import _ASCII_LOWER, _RUNS, _WHITESPACE, _value, canonical
from tests.conftest import fired, lint
from tests.pki import NOW_ISO, PKI, Issued, openssl_verify


def cn(value: str, kind: _ASN1Type = _ASN1Type.UTF8String, org: str = "Names Inc") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org, _type=kind),
        x509.NameAttribute(NameOID.COMMON_NAME, value, _type=kind),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (cn("Example CA"), cn("example ca")),
        (cn("Example CA"), cn("  Example    CA ")),
        (cn("Example CA", _ASN1Type.PrintableString), cn("Example CA")),
        (cn("Example CA", org="Names\tInc"), cn("Example CA", org="names inc")),
    ],
)
def test_names_equal_after_normalisation(a: x509.Name, b: x509.Name) -> None:
    assert a.public_bytes() != b.public_bytes()
    assert canonical(a) == canonical(b)


def test_non_ascii_case_is_not_folded_as_openssl_does_not() -> None:
    # RFC 5280's StringPrep would fold it: here OpenSSL's canonical form decides
    assert canonical(cn("Ärzte CA")) != canonical(cn("ärzte CA"))


#: Whitespace of every kind, ASCII and not, and letters whose case Unicode folds.
_TRICKY = st.text(st.sampled_from(" \t\n\x0b\x0c\r\x1c\x85\xa0\u2003aZ9-ÄäİßK\u212a"))


@given(st.one_of(_TRICKY, st.text()))
def test_a_value_is_canonical_as_the_plain_definition_has_it(value: str) -> None:
    # the definition _value's shortcuts must agree with: trim, collapse, lower ASCII only
    plain = _RUNS.sub(" ", value.strip(_WHITESPACE)).translate(_ASCII_LOWER)
    assert _value(value) == plain


def test_different_names_stay_different() -> None:
    assert canonical(cn("Example CA")) != canonical(cn("Example CA 2"))
    assert canonical(cn("Example CA")) != canonical(cn("Example CA", org="Other"))


ISSUER_NAMES = {
    "case": cn("example ca"),
    "spaces": cn("Example  CA"),
    "string type": cn("Example CA", _ASN1Type.PrintableString),
}


@pytest.fixture(scope="module")
def ca(pki: PKI) -> Issued:
    return pki.cert("names CA", subject=cn("Example CA"))


@pytest.mark.parametrize("how", sorted(ISSUER_NAMES))
def test_an_issuer_named_with_other_bytes_is_found_and_noticed(
    pki: PKI, ca: Issued, how: str
) -> None:
    child = pki.cert(f"names child {how}", issuer=ca, issuer_name=ISSUER_NAMES[how],
                     subject=cn(f"Child {how}"))  # fmt: skip
    findings = lint(ca.pem + child.pem)
    assert not fired(findings, "missing-issuer")
    assert not fired(findings, "bad-signature")
    (notice,) = fired(findings, "issuer-name-not-identical")
    assert notice.certificate is not None
    assert notice.certificate.sha256 == child.sha256
    assert child.cert.issuer.public_bytes().hex() in notice.message


def test_an_identical_issuer_name_is_not_noticed(pki: PKI, ca: Issued) -> None:
    child = pki.cert("names child exact", issuer=ca, subject=cn("Child exact"))
    assert not fired(lint(ca.pem + child.pem), "issuer-name-not-identical")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("how", sorted(ISSUER_NAMES))
def test_verify_and_openssl_agree_on_a_client_named_with_other_bytes(
    pki: PKI, ca: Issued, how: str, tmp_path: Path, capsys
) -> None:
    from mtls_lint.cli import main

    client = pki.cert(f"names client {how}", issuer=ca, ca=False,
                      issuer_name=ISSUER_NAMES[how], subject=cn(f"client {how}"))  # fmt: skip
    (tmp_path / "store.pem").write_bytes(ca.pem)
    (tmp_path / "client.pem").write_bytes(client.pem)
    code = main(["verify", "--now", NOW_ISO, "--truststore", str(tmp_path / "store.pem"),
                 str(tmp_path / "client.pem")])  # fmt: skip
    assert code == 0, capsys.readouterr().out
    openssl = openssl_verify(tmp_path / "store.pem", tmp_path / "client.pem")
    assert openssl.returncode == 0, openssl.stdout + openssl.stderr
