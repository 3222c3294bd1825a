"""Load private keys, public keys and certificates to compare their public keys.

Only the SHA-256 of the SubjectPublicKeyInfo is ever shown: never key material. The general
form of comparing ``openssl rsa -modulus`` with ``openssl x509 -modulus``, for RSA and EC alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from mtls_lint.bundle import BOM, FileKind
from mtls_lint.pem_reader import read_bundle

_PRIVATE = "private key"
_PUBLIC = "public key"
_CERTIFICATE = "certificate"


class KeyFileError(Exception):
    """A file that holds no usable key or certificate; the message names the file."""


@dataclass(frozen=True)
class PublicKeyInfo:
    path: str
    kind: str  # "private key", "public key" or "certificate"
    spki_sha256: str
    spki: bytes


def spki_of(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _info(path: str, kind: str, public_key: object) -> PublicKeyInfo:
    spki = spki_of(public_key)
    return PublicKeyInfo(path, kind, hashlib.sha256(spki).hexdigest(), spki)


def load_public_key(shown: str, data: bytes, password: bytes | None = None) -> PublicKeyInfo:
    """The public key of the first key or certificate in ``data`` (PEM or DER), the bytes of
    the file called ``shown``."""
    bundle = read_bundle(shown, data)
    if bundle.kind is not FileKind.PEM:
        return _from_der(shown, data, password)
    blocks = [b for b in bundle.blocks if b.problem is None or b.is_private_key]
    if bundle.blocks and not blocks:
        raise KeyFileError(f"{shown}:{bundle.blocks[0].begin_line}: {bundle.blocks[0].problem}")
    if not blocks:
        raise KeyFileError(f"{shown}: no PEM block in the file")
    block = blocks[0]
    lines = data.removeprefix(BOM).split(b"\n")
    pem = b"\n".join(lines[block.begin_line - 1 : block.end_line]) + b"\n"
    return _from_pem(shown, block.label, pem, password, block.begin_line)


def _from_pem(
    shown: str, label: str, pem: bytes, password: bytes | None, line: int
) -> PublicKeyInfo:
    where = f"{shown}:{line}"
    try:
        if label == "CERTIFICATE":
            return _info(shown, _CERTIFICATE, x509.load_pem_x509_certificate(pem).public_key())
        if label.endswith("PUBLIC KEY"):
            return _info(shown, _PUBLIC, serialization.load_pem_public_key(pem))
        if label.endswith("PRIVATE KEY"):
            key = serialization.load_pem_private_key(pem, password)
            return _info(shown, _PRIVATE, key.public_key())
    except TypeError as exc:
        raise KeyFileError(f"{where}: {_password_problem(exc, password)}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(
            f"{where}: cannot read the {label} block: {_reason(exc, password)}"
        ) from None
    raise KeyFileError(f"{where}: a {label} block holds no key or certificate")


def _from_der(shown: str, data: bytes, password: bytes | None) -> PublicKeyInfo:
    try:
        return _info(shown, _CERTIFICATE, x509.load_der_x509_certificate(data).public_key())
    except ValueError:
        pass
    try:
        return _info(shown, _PUBLIC, serialization.load_der_public_key(data))
    except (ValueError, UnsupportedAlgorithm):
        pass
    try:
        key = serialization.load_der_private_key(data, password)
    except TypeError as exc:
        raise KeyFileError(f"{shown}: {_password_problem(exc, password)}") from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(
            f"{shown}: no PEM block, and not a DER certificate, public key or private key"
        ) from None
    return _info(shown, _PRIVATE, key.public_key())


def _password_problem(exc: TypeError, password: bytes | None) -> str:
    if password is None:
        return "the private key is encrypted: give its password with --password-env VAR"
    return "the private key is not encrypted, but a password was given"


def _reason(exc: Exception, password: bytes | None) -> str:
    text = str(exc)
    if password is not None and ("decrypt" in text.lower() or "password" in text.lower()):
        return "wrong password"
    return text.splitlines()[0] if text else type(exc).__name__
