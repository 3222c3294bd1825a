"""Certificates ``cryptography`` refuses but OpenSSL reads, read field by field with ``pyasn1``.

``cryptography`` refuses a whole certificate for one bad field -- an ASN.1 time of the 32nd
month, a version that does not exist, an extension given twice -- where OpenSSL reads the rest
and refuses, or even accepts, the certificate on its merits. A :class:`LenientCertificate`
offers the fields the facts-based rules read (signature algorithm, key, validity, names) as
far as they can be read, so such a certificate still gets those findings beside
``unparsable-certificate``, and ``verify`` can give it the verdict the service would.

The DER is decoded with ``pyasn1`` against ``pyasn1-modules``' RFC 5280 structures: nothing
here parses ASN.1 itself. ``pyasn1`` is slow -- half a millisecond for a common certificate,
but some 70 microseconds for every element of a hostile one (a name of 150,000 attributes
takes 11 s) -- so a bundle reads at most LENIENT_BYTES of DER leniently, in certificates of
at most LENIENT_CERTIFICATE_BYTES (the ALB and CloudFront limit for one certificate).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import char, univ
from pyasn1_modules import rfc4055, rfc5280

from mtls_lint.bundle import PemBlock
from mtls_lint.certificate import KeyInfo, key_info, name_text
from mtls_lint.dates import iso
from mtls_lint.findings import CertificateRef
from mtls_lint.memo import cached_property
from mtls_lint.names import Canonical, canonical
from mtls_lint.profiles import BAD_NOT_AFTER, BAD_NOT_BEFORE
from mtls_lint.signatures import SignatureAlgorithm, signature_algorithm

#: DER bytes of one bundle read leniently (about a hundred common certificates); the rest
#: get unparsable-certificate only.
LENIENT_BYTES = 128 * 1024
#: A larger certificate is not read leniently (16 KiB: the ALB and CloudFront limit).
LENIENT_CERTIFICATE_BYTES = 16 * 1024

_KEY_TYPES = {
    "1.2.840.113549.1.1.1": "rsa",
    "1.2.840.10045.2.1": "ec",
    "1.2.840.10040.4.1": "dsa",
    "1.3.101.112": "ed25519",
    "1.3.101.113": "ed448",
}
_STRING_TYPES = (
    char.UTF8String,
    char.PrintableString,
    char.IA5String,
    char.TeletexString,
    char.BMPString,
    char.UniversalString,
    char.VisibleString,
)


class LenientCertificate:
    """The readable fields of a certificate ``cryptography`` refused for ``reason``.

    Every field that cannot be read is None (a time) or says so (a name, a key), so the
    rules that read facts run on what is there.
    """

    def __init__(
        self, block: PemBlock, der: bytes, decoded: rfc5280.Certificate, reason: str
    ) -> None:
        self.block = block
        self.index = block.cert_index or 1
        self.der = der
        self.reason = reason
        self._decoded = decoded
        self._tbs = decoded["tbsCertificate"]

    @classmethod
    def read(cls, block: PemBlock, der: bytes, reason: str) -> LenientCertificate | None:
        """The certificate in ``der``, or None when not even its structure can be read."""
        try:
            decoded, rest = decoder.decode(der, asn1Spec=rfc5280.Certificate())
        except (PyAsn1Error, ValueError, TypeError, RecursionError):
            return None
        if rest:
            return None
        return cls(block, der, decoded, reason)

    def __repr__(self) -> str:
        return f"LenientCertificate(#{self.index}, line {self.block.begin_line})"

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def version(self) -> int:
        """The version field as written: 0 for v1, 2 for v3; other values are invalid."""
        return int(self._tbs["version"])

    @property
    def is_v3(self) -> bool:
        return self.version == 2

    @cached_property
    def serial_number(self) -> int:
        """The serial number, as revocation lists name the certificate."""
        return int(self._tbs["serialNumber"])

    @cached_property
    def tbs_der(self) -> bytes:
        """The signed bytes. The input was DER, so encoding the decoded value gives them back."""
        return bytes(encoder.encode(self._tbs))

    @cached_property
    def signature(self) -> bytes:
        return bytes(self._decoded["signature"].asOctets())

    @cached_property
    def repeated_extensions(self) -> list[str]:
        """OIDs of extensions given more than once, which OpenSSL takes for an invalid
        certificate (RFC 5280 section 4.2: at most one instance of an extension)."""
        seen: set[str] = set()
        repeated: list[str] = []
        extensions = self._tbs["extensions"]
        for extension in extensions if extensions.isValue else ():
            oid = str(extension["extnID"])
            if oid in seen and oid not in repeated:
                repeated.append(oid)
            seen.add(oid)
        return repeated

    # names

    @cached_property
    def subject_der(self) -> bytes:
        return bytes(encoder.encode(self._tbs["subject"]))

    @cached_property
    def issuer_der(self) -> bytes:
        return bytes(encoder.encode(self._tbs["issuer"]))

    @cached_property
    def subject_name(self) -> x509.Name | None:
        return _name(self._tbs["subject"])

    @cached_property
    def issuer_name(self) -> x509.Name | None:
        return _name(self._tbs["issuer"])

    @cached_property
    def subject(self) -> str:
        return name_text(self.subject_name) if self.subject_name is not None else "<unreadable>"

    @cached_property
    def issuer(self) -> str:
        return name_text(self.issuer_name) if self.issuer_name is not None else "<unreadable>"

    @cached_property
    def issuer_canon(self) -> Canonical | None:
        return canonical(self.issuer_name) if self.issuer_name is not None else None

    @cached_property
    def common_name(self) -> str:
        if self.subject_name is None:
            return ""
        values = self.subject_name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(values[0].value) if values else ""

    @property
    def is_self_issued(self) -> bool:
        return self.subject_der == self.issuer_der

    # validity

    @cached_property
    def not_before(self) -> dt.datetime | None:
        """None when the time does not follow RFC 5280 (``not_before_error`` says so)."""
        return _time(self._tbs["validity"]["notBefore"])

    @cached_property
    def not_after(self) -> dt.datetime | None:
        return _time(self._tbs["validity"]["notAfter"])

    @property
    def validity_error(self) -> str | None:
        """OpenSSL's words for the first time it could not read, or None."""
        if self.not_before is None:
            return BAD_NOT_BEFORE
        if self.not_after is None:
            return BAD_NOT_AFTER
        return None

    # algorithms and keys

    @cached_property
    def signature_algorithm(self) -> SignatureAlgorithm:
        identifier = self._decoded["signatureAlgorithm"]
        return signature_algorithm(str(identifier["algorithm"]), _pss_hash(identifier))

    @cached_property
    def spki(self) -> bytes:
        return bytes(encoder.encode(self._tbs["subjectPublicKeyInfo"]))

    @cached_property
    def public_key(self) -> object:
        """The key as ``cryptography`` reads it (raises as it does when it cannot)."""
        return serialization.load_der_public_key(self.spki)

    @cached_property
    def key(self) -> KeyInfo:
        try:
            return key_info(self.public_key)
        except (UnsupportedAlgorithm, ValueError):
            oid = str(self._tbs["subjectPublicKeyInfo"]["algorithm"]["algorithm"])
            kind = _KEY_TYPES.get(oid)
            return KeyInfo(type=f"{kind} (cannot be decoded)" if kind else f"unknown ({oid})")

    def ref(self) -> CertificateRef:
        return CertificateRef(
            index=self.index,
            sha256=self.sha256,
            subject=self.subject,
            issuer=self.issuer,
            not_after=iso(self.not_after) if self.not_after is not None else "",
            common_name=self.common_name,
            not_before=iso(self.not_before) if self.not_before is not None else "",
        )


def read_leniently(
    unparsable: list[tuple[PemBlock, str]],
) -> list[LenientCertificate]:
    """The ``unparsable`` blocks that can be read, in order, until LENIENT_BYTES are spent."""
    found = []
    budget = LENIENT_BYTES
    for block, reason in unparsable:
        der = block.der
        if der is None or len(der) > LENIENT_CERTIFICATE_BYTES:
            continue
        if len(der) > budget:
            break
        budget -= len(der)
        cert = LenientCertificate.read(block, der, reason)
        if cert is not None:
            found.append(cert)
    return found


def _name(value: rfc5280.Name) -> x509.Name | None:
    """The name as ``cryptography`` models it, or None when an attribute cannot be."""
    try:
        rdns = []
        for rdn in value.getComponent():
            attributes = []
            for attribute in rdn:
                oid = x509.ObjectIdentifier(str(attribute["type"]))
                attributes.append(x509.NameAttribute(oid, _attribute_value(attribute["value"])))
            rdns.append(x509.RelativeDistinguishedName(attributes))
        return x509.Name(rdns)
    except (PyAsn1Error, ValueError, TypeError, UnicodeError):
        return None


def _attribute_value(raw: univ.Any) -> str:
    """An attribute value's text (the value is an open type, any string type). The type is
    not kept: names are compared as OpenSSL does, string types unified."""
    for kind in _STRING_TYPES:
        try:
            value, rest = decoder.decode(bytes(raw), asn1Spec=kind())
        except PyAsn1Error:
            continue
        if not rest:
            return str(value)
    raise ValueError("an attribute value that is not a string")


def _time(value: rfc5280.Time) -> dt.datetime | None:
    """RFC 5280 section 4.1.2.5: ``YYMMDDHHMMSSZ`` (years 50-99 are 19xx) or
    ``YYYYMMDDHHMMSSZ``; anything else is unreadable, as OpenSSL finds it."""
    try:
        kind = value.getName()
        text = str(value.getComponent())
        if kind == "utcTime":
            moment = dt.datetime.strptime(text, "%y%m%d%H%M%SZ")
            year = moment.year % 100
            moment = moment.replace(year=(1900 if year >= 50 else 2000) + year)
        else:
            moment = dt.datetime.strptime(text, "%Y%m%d%H%M%SZ")
    except (PyAsn1Error, ValueError):
        return None
    return moment.replace(tzinfo=dt.timezone.utc)


def _pss_hash(identifier: rfc5280.AlgorithmIdentifier) -> str | None:
    """The hash an RSASSA-PSS identifier's parameters name (SHA-1 when absent, RFC 4055)."""
    if str(identifier["algorithm"]) != str(rfc4055.id_RSASSA_PSS):
        return None
    if not identifier["parameters"].isValue:
        return "sha1"
    try:
        params, _ = decoder.decode(
            bytes(identifier["parameters"]), asn1Spec=rfc4055.RSASSA_PSS_params()
        )
        hash_oid = params["hashAlgorithm"]["algorithm"]
    except PyAsn1Error:
        return None
    return _PSS_HASHES.get(str(hash_oid)) if hash_oid.isValue else "sha1"


_PSS_HASHES = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
