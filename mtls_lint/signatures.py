"""Signature algorithms: what a certificate's algorithm is called, and checking a signature
with an issuer's key -- SHA-1 and MD5 included, which ``cryptography``'s own issuer check
refuses but a truststore linter must still place in their chain."""

import enum
from typing import NamedTuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

# Signature algorithm OID -> (family, hash). Only needed for algorithms cryptography does not
# name itself (MD2, MD4, old OIDs); everything else comes from the parsed certificate.
LEGACY_SIGNATURES: dict[str, tuple[str, str]] = {
    "1.2.840.113549.1.1.2": ("rsa-pkcs1", "md2"),
    "1.2.840.113549.1.1.3": ("rsa-pkcs1", "md4"),
    "1.2.840.113549.1.1.4": ("rsa-pkcs1", "md5"),
    "1.2.840.113549.1.1.5": ("rsa-pkcs1", "sha1"),
    "1.3.14.3.2.29": ("rsa-pkcs1", "sha1"),
    "1.2.840.10040.4.3": ("dsa", "sha1"),
    "1.2.840.10045.4.1": ("ecdsa", "sha1"),
}
_RSA_PSS = "1.2.840.113549.1.1.10"
_NIST_SIGNATURES = "2.16.840.1.101.3.4.3."  # .1-.8 DSA, .9-.12 ECDSA, .13-.16 RSA, SHA-2/SHA-3


def signature_family(oid: str) -> str:
    if oid == _RSA_PSS:
        return "rsa-pss"
    if oid.startswith("1.2.840.113549.1.1."):
        return "rsa-pkcs1"
    if oid.startswith("1.2.840.10045.4."):
        return "ecdsa"
    if oid.startswith("1.2.840.10040.4."):
        return "dsa"
    if oid.startswith(_NIST_SIGNATURES) and oid[len(_NIST_SIGNATURES) :].isdigit():
        arc = int(oid[len(_NIST_SIGNATURES) :])
        if arc <= 16:
            return "dsa" if arc <= 8 else "ecdsa" if arc <= 12 else "rsa-pkcs1"
    return {"1.3.101.112": "ed25519", "1.3.101.113": "ed448"}.get(oid, "unknown")


#: The hash of the signature algorithms cryptography names, for certificates it cannot read.
_HASHES: dict[str, str] = {
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
    "2.16.840.1.101.3.4.3.1": "sha224",
    "2.16.840.1.101.3.4.3.2": "sha256",
    "2.16.840.1.101.3.4.3.3": "sha384",
    "2.16.840.1.101.3.4.3.4": "sha512",
    **{
        f"{_NIST_SIGNATURES}{start + offset}": f"sha3-{bits}"
        for start in (5, 9, 13)  # DSA, ECDSA, RSA with SHA3-224 ... SHA3-512
        for offset, bits in enumerate((224, 256, 384, 512))
    },
}


def signature_algorithm(oid: str, pss_hash: str | None = None) -> "SignatureAlgorithm":
    """The algorithm an OID names, without ``cryptography``'s certificate object: for a
    certificate only the lenient reader can read. ``pss_hash`` comes from RSA-PSS parameters."""
    if oid in LEGACY_SIGNATURES:
        return SignatureAlgorithm(oid, *LEGACY_SIGNATURES[oid])
    family = signature_family(oid)
    return SignatureAlgorithm(oid, family, pss_hash if family == "rsa-pss" else _HASHES.get(oid))


class SignatureAlgorithm(NamedTuple):
    oid: str
    #: ``rsa-pkcs1``, ``rsa-pss``, ``ecdsa``, ``dsa``, ``ed25519``, ``ed448`` or ``unknown``.
    family: str
    #: Hash name as cryptography spells it (``sha256``, ``sha1``, ``md5``); None for EdDSA or
    #: when unknown.
    hash: str | None

    def __str__(self) -> str:
        if self.family == "unknown":
            return f"unknown algorithm {self.oid}"
        return f"{self.family}-{self.hash}" if self.hash else self.family


class SignatureCheck(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    #: Nothing here can check this algorithm (MD2, unknown OIDs).
    UNCHECKABLE = "uncheckable"


#: The answer for a signature that verifies: one tuple, shared by every such answer a large
#: bundle remembers.
VERIFIED = (SignatureCheck.VALID, "")


def check_signature(cert: x509.Certificate, issuer_key: object) -> tuple[SignatureCheck, str]:
    """Verify ``cert``'s signature with ``issuer_key``, SHA-1 and MD5 included.

    ``Certificate.verify_directly_issued_by`` refuses SHA-1 and MD5, yet those are exactly the
    certificates a truststore linter must place in their chain, so the key's own ``verify`` is
    called with the padding and hash the certificate names. Returns a reason for non-VALID.
    """
    try:
        hash_algorithm = cert.signature_hash_algorithm
        params = cert.signature_algorithm_parameters
    except (UnsupportedAlgorithm, ValueError) as exc:  # ValueError: unreadable RSA-PSS parameters
        return SignatureCheck.UNCHECKABLE, str(exc)
    return _verify(issuer_key, cert.signature, cert.tbs_certificate_bytes, hash_algorithm, params)


_HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3-224": hashes.SHA3_224,
    "sha3-256": hashes.SHA3_256,
    "sha3-384": hashes.SHA3_384,
    "sha3-512": hashes.SHA3_512,
}


def check_raw_signature(
    signature: bytes, data: bytes, algorithm: SignatureAlgorithm, issuer_key: object
) -> tuple[SignatureCheck, str]:
    """:func:`check_signature` for a certificate ``cryptography`` cannot load: the signed
    bytes, the signature and the algorithm as the lenient reader found them."""
    if algorithm.family == "rsa-pss":
        return SignatureCheck.UNCHECKABLE, "RSA-PSS signatures are not checked on such certificates"
    if algorithm.family in ("ed25519", "ed448"):
        return _verify(issuer_key, signature, data, None, None)
    hash_class = _HASH_CLASSES.get(algorithm.hash or "")
    if hash_class is None or algorithm.family == "unknown":
        return SignatureCheck.UNCHECKABLE, f"nothing here checks {algorithm}"
    return _verify(issuer_key, signature, data, hash_class(), None)


def _verify(
    issuer_key: object, signature: bytes, data: bytes, hash_algorithm: object, params: object
) -> tuple[SignatureCheck, str]:
    try:
        if isinstance(issuer_key, rsa.RSAPublicKey):
            if not isinstance(hash_algorithm, hashes.HashAlgorithm):
                return SignatureCheck.INVALID, "RSA signature without a hash"
            pad = params if isinstance(params, padding.AsymmetricPadding) else padding.PKCS1v15()
            issuer_key.verify(signature, data, pad, hash_algorithm)
        elif isinstance(issuer_key, ec.EllipticCurvePublicKey):
            if not isinstance(hash_algorithm, hashes.HashAlgorithm):
                return SignatureCheck.INVALID, "ECDSA signature without a hash"
            issuer_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif isinstance(issuer_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            issuer_key.verify(signature, data)
        elif isinstance(issuer_key, dsa.DSAPublicKey):
            if not isinstance(hash_algorithm, hashes.HashAlgorithm):
                return SignatureCheck.INVALID, "DSA signature without a hash"
            issuer_key.verify(signature, data, hash_algorithm)
        else:
            return SignatureCheck.UNCHECKABLE, f"unsupported issuer key {type(issuer_key).__name__}"
    except InvalidSignature:
        return SignatureCheck.INVALID, "the signature does not verify with the issuer's key"
    except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
        # a key type that cannot have made this signature (RSA key, ECDSA signature, ...)
        return SignatureCheck.INVALID, f"the issuer's key cannot have made this signature ({exc})"
    return VERIFIED
