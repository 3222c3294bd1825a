"""Certificates ``cryptography`` refuses to parse but OpenSSL reads, built at test time.

Each is a real certificate from the session's PKI, decoded with ``pyasn1``, changed in one
field, and signed again with its issuer's key, so ``openssl verify`` judges it on its merits.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyasn1.codec.der import decoder, encoder
from pyasn1.type import univ, useful
from pyasn1_modules import rfc5280

from tests.pki import Issued

#: OIDs of the signature algorithms :func:`resign` can write.
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
ECDSA_SHA1 = "1.2.840.10045.4.1"
RSA_SHA256 = "1.2.840.113549.1.1.11"
RSA_SHA1 = "1.2.840.113549.1.1.5"
_HASHES = {ECDSA_SHA256: hashes.SHA256, ECDSA_SHA1: hashes.SHA1,
           RSA_SHA256: hashes.SHA256, RSA_SHA1: hashes.SHA1}  # fmt: skip

Change = Callable[[rfc5280.TBSCertificate], None]


def resign(cert: Issued, issuer: Issued, change: Change, signature: str | None = None) -> bytes:
    """``cert``'s DER with ``change`` applied to its TBSCertificate, signed by ``issuer``'s key
    with ``signature`` (default: ECDSA or RSA with SHA-256, after the key)."""
    decoded, _ = decoder.decode(cert.der, asn1Spec=rfc5280.Certificate())
    tbs = decoded["tbsCertificate"]
    key = issuer.key
    if signature is None:
        signature = ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else RSA_SHA256
    algorithm = rfc5280.AlgorithmIdentifier()
    algorithm["algorithm"] = univ.ObjectIdentifier(signature)
    if signature in (RSA_SHA256, RSA_SHA1):
        algorithm["parameters"] = encoder.encode(univ.Null(""))
    tbs["signature"] = algorithm
    change(tbs)
    data = encoder.encode(tbs)
    digest = _HASHES[signature]()
    if isinstance(key, rsa.RSAPrivateKey):
        raw = key.sign(data, PKCS1v15(), digest)
    else:
        raw = key.sign(data, ec.ECDSA(digest))
    out = rfc5280.Certificate()
    out["tbsCertificate"] = tbs
    out["signatureAlgorithm"] = algorithm
    out["signature"] = univ.BitString.fromOctetString(raw)
    return encoder.encode(out)


def bad_not_after(tbs: rfc5280.TBSCertificate) -> None:
    """A notAfter of the 32nd month: OpenSSL reads the rest, cryptography refuses it all."""
    tbs["validity"]["notAfter"]["utcTime"] = useful.UTCTime("291332000000Z")


def version_5(tbs: rfc5280.TBSCertificate) -> None:
    tbs["version"] = 4  # 'v5': no such version


def duplicate_extension(tbs: rfc5280.TBSCertificate) -> None:
    extensions = tbs["extensions"]
    extensions.append(extensions[0])


def ec_null_parameters(tbs: rfc5280.TBSCertificate) -> None:
    """The EC key's algorithm parameters NULL instead of a named curve."""
    tbs["subjectPublicKeyInfo"]["algorithm"]["parameters"] = encoder.encode(univ.Null(""))


def pem(der: bytes) -> bytes:
    import base64
    import textwrap

    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()


def absent_parameters(tbs: rfc5280.TBSCertificate) -> None:
    """The key's algorithm parameters left out (a DSA key inheriting its issuer's)."""
    tbs["subjectPublicKeyInfo"]["algorithm"]["parameters"] = univ.Any()
