"""Hostile ASN.1 inside well-formed armour: cryptography's parser refuses it, we report it.

Deep nesting and lengths that claim more than the data holds are what a fuzzer or an attacker
reaches first; huge but valid fields must parse and lint like any other certificate.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from tests.conftest import fired, lint
from tests.pki import NOT_AFTER, NOT_BEFORE, PKI, Issued, name, pem_of


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element (definite length, short or long form)."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def nested(depth: int) -> bytes:
    der = b""
    for _ in range(depth):
        der = tlv(0x30, der)
    return der


HOSTILE_DER = {
    "100,000 nested SEQUENCEs": nested(100_000),
    "a length of 2**62 bytes": b"\x30\x88" + (2**62).to_bytes(8, "big") + b"\x30\x00",
    "50,000 nested indefinite lengths (BER)": b"\x30\x80" * 50_000 + b"\x00\x00" * 50_000,
    "a tag number 10,000 bytes long": b"\x3f" + b"\xff" * 10_000 + b"\x01\x00",
    "a length of 127 length octets": b"\x30\xfe" + b"\xff" * 126,
}


@pytest.mark.parametrize("der", HOSTILE_DER.values(), ids=HOSTILE_DER.keys())
def test_hostile_der_in_armour_is_one_unparsable_certificate(der: bytes, root: Issued) -> None:
    data = pem_of(der) + root.pem
    findings = lint(data)
    (finding,) = fired(findings, "unparsable-certificate")
    assert (finding.line, finding.end_line) == (1, pem_of(der).count(b"\n"))
    assert finding.message.startswith("certificate #1 cannot be parsed: ")
    assert not [f for f in findings if f.message.startswith("internal error")]


@pytest.mark.parametrize("der", HOSTILE_DER.values(), ids=HOSTILE_DER.keys())
def test_hostile_der_without_armour_is_not_pem(der: bytes) -> None:
    assert [f.rule for f in lint(der, path="store.der")] == ["not-pem"]


def _build(pki: PKI, builder: x509.CertificateBuilder) -> bytes:
    key = pki.key("ec-p256", "huge")
    return pem_of(
        builder.public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )


def test_a_huge_valid_extension_parses_and_lints(pki: PKI) -> None:
    names = [x509.DNSName(f"host{i}.example.com") for i in range(20_000)]
    data = _build(
        pki,
        x509.CertificateBuilder()
        .subject_name(name("Huge SAN"))
        .issuer_name(name("Huge SAN"))
        .add_extension(x509.SubjectAlternativeName(names), critical=False),
    )
    assert len(data) > 400_000
    findings = lint(data)
    assert not fired(findings, "unparsable-certificate")
    assert fired(findings, "self-signed-leaf")  # the rules ran on it


def test_a_name_of_thousands_of_attributes_parses_and_lints(pki: PKI) -> None:
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"unit {i}") for i in range(5_000)]
    )
    data = _build(
        pki,
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(name("Somebody Else"))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True),
    )
    findings = lint(data, now=NOT_BEFORE + dt.timedelta(days=1))
    (finding,) = fired(findings, "missing-issuer")
    assert not [f for f in findings if f.message.startswith("internal error")]
    assert finding.certificate is not None
    assert len(finding.certificate.subject) > 50_000  # JSON and SARIF carry it whole
    assert len(finding.certificate.short_name) == 120  # the text line does not
