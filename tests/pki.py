"""Build test PKIs with cryptography, at test time.

A :class:`PKI` makes keys and certificates on demand and remembers them by name, so a
session-scoped instance builds each one once however many tests use it. SHA-1 and MD5
certificates, which cryptography refuses to sign, come from the ``openssl`` command line.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
import subprocess
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

#: The instant tests judge validity at (``--now``).
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
NOW_ISO = "2026-06-01T00:00:00Z"
NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
NOT_AFTER = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)

PrivateKey = Any


@dataclass(frozen=True)
class Issued:
    name: str
    cert: x509.Certificate
    key: PrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    def key_pem(self) -> bytes:
        return private_pem(self.key)


def private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def name(common_name: str, organization: str = "mtls-lint tests") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class PKI:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._keys: dict[str, PrivateKey] = {}
        self._certs: dict[str, Issued] = {}

    def key(self, spec: str = "ec-p256", label: str = "") -> PrivateKey:
        """A key by spec (``rsa-2048``, ``ec-p256``, ``dsa-2048``, ``ed25519``...), cached by
        spec+label."""
        cache_key = f"{spec}/{label}"
        if cache_key not in self._keys:
            kind, _, param = spec.partition("-")
            if kind == "rsa":
                key: PrivateKey = rsa.generate_private_key(65537, int(param))
            elif kind == "ec":
                curve = {
                    "p192": ec.SECP192R1(),
                    "p224": ec.SECP224R1(),
                    "p256": ec.SECP256R1(),
                    "p384": ec.SECP384R1(),
                    "p521": ec.SECP521R1(),
                    "k256": ec.SECP256K1(),
                    "bp256": ec.BrainpoolP256R1(),
                }[param]
                key = ec.generate_private_key(curve)
            elif kind == "dsa":
                # deprecated in cryptography, and that is the point: truststores still hold
                # DSA CAs, and the tests show what each service says of them
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                    key = dsa.generate_private_key(int(param))
            elif kind == "ed25519":
                key = ed25519.Ed25519PrivateKey.generate()
            elif kind == "rsaexp":  # rsaexp-BITS: RSA 3072 whose public exponent has BITS bits
                key = rsa_with_exponent_bits(int(param))
            else:
                raise ValueError(spec)
            self._keys[cache_key] = key
        return self._keys[cache_key]

    def cert(
        self,
        label: str,
        *,
        issuer: Issued | None = None,
        ca: bool | None = True,
        key: str = "ec-p256",
        subject: x509.Name | None = None,
        path_length: int | None = None,
        key_usage: bool | None = True,
        not_before: dt.datetime = NOT_BEFORE,
        not_after: dt.datetime = NOT_AFTER,
        hash_algorithm: hashes.HashAlgorithm | None = None,
        serial: int | None = None,
        key_ids: bool = True,
        ski: bool = True,
        aki: bool = True,
        aki_names: Issued | None = None,
        rsa_pss: bool = False,
        same_key_as: Issued | None = None,
        issuer_name: x509.Name | None = None,
        bc_critical: bool = True,
        eku: list[x509.ObjectIdentifier] | None = None,
    ) -> Issued:
        """A certificate, cached by ``label``: self-signed unless ``issuer`` is given.

        ``ca=None`` leaves basicConstraints out. keyUsage is digitalSignature, with keyCertSign
        and cRLSign on a CA, as RFC 5280 asks; ``key_usage=False`` leaves keyCertSign and cRLSign
        off a CA, ``None`` leaves keyUsage out. ``same_key_as`` reuses another
        certificate's key (cross-signing, renewal with the same key); ``issuer_name`` writes
        another issuer name than the issuer's subject (same text, other case or encoding).
        ``key_ids=False`` leaves out both key identifiers, ``ski``/``aki=False`` one of them;
        ``aki_names`` writes an authorityKeyIdentifier that also names that certificate's
        issuer and serial number (as some Windows CAs do).
        """
        if label in self._certs:
            return self._certs[label]
        private = same_key_as.key if same_key_as is not None else self.key(key, label)
        subject = subject or name(label)
        signer_key = issuer.key if issuer else private
        issuer_name = issuer_name or (issuer.cert.subject if issuer else subject)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(private.public_key())
            .serial_number(serial if serial is not None else x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
        )
        if ca is not None:
            builder = builder.add_extension(
                x509.BasicConstraints(ca=ca, path_length=path_length if ca else None),
                critical=bc_critical,
            )
        if key_usage is not None:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=bool(ca and key_usage),
                    crl_sign=bool(ca and key_usage),
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        if eku is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
        if key_ids and ski:
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False
            )
        if key_ids and aki:
            identifier = x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key())
            if aki_names is not None:
                identifier = x509.AuthorityKeyIdentifier(
                    identifier.key_identifier,
                    [x509.DirectoryName(aki_names.cert.issuer)],
                    aki_names.cert.serial_number,
                )
            builder = builder.add_extension(identifier, critical=False)
        if isinstance(signer_key, ed25519.Ed25519PrivateKey):
            cert = builder.sign(signer_key, None)
        elif rsa_pss:
            from cryptography.hazmat.primitives.asymmetric import padding

            cert = builder.sign(
                signer_key,
                hashes.SHA256(),
                rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), 32),
            )
        else:
            cert = builder.sign(signer_key, hash_algorithm or hashes.SHA256())
        issued = Issued(label, cert, private)
        self._certs[label] = issued
        return issued

    def chain(self, prefix: str, cas: int) -> list[Issued]:
        """A root and ``cas - 1`` CAs below it, each issuing the next: ``prefix 0`` is the root."""
        certs = [self.cert(f"{prefix} 0")]
        for i in range(1, cas):
            certs.append(self.cert(f"{prefix} {i}", issuer=certs[-1]))
        return certs

    # -- certificates cryptography will not sign ---------------------------------------------

    def openssl_cert(
        self,
        label: str,
        *,
        digest: str,
        issuer: Issued | None = None,
        ca: bool = True,
        key: str = "rsa-2048",
        serial: int = 2,
    ) -> Issued:
        """A certificate signed with ``digest`` (``sha1``, ``md5``) by the openssl CLI.

        Valid for ten years from the real current time (openssl 3.0 cannot set dates).
        """
        if label in self._certs:
            return self._certs[label]
        if shutil.which("openssl") is None:
            import pytest

            pytest.skip("the openssl command is needed to make SHA-1/MD5 certificates")
        private = self.key(key, label)
        directory = self.workdir / label
        directory.mkdir(parents=True, exist_ok=True)
        key_file = directory / "key.pem"
        key_file.write_bytes(private_pem(private))
        ext = directory / "ext.cnf"
        ext.write_text(
            "[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier=hash\n"
            if ca
            else "[v3]\nbasicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\n"
        )
        out = directory / "cert.pem"
        subj = f"/O=mtls-lint tests/CN={label}"
        csr = directory / "req.csr"
        _openssl("req", "-new", "-key", str(key_file), "-subj", subj, "-out", str(csr))
        signing = ["-signkey", str(key_file)]
        if issuer is not None:
            ca_file, ca_key = directory / "ca.pem", directory / "ca-key.pem"
            ca_file.write_bytes(issuer.pem)
            ca_key.write_bytes(issuer.key_pem())
            signing = ["-CA", str(ca_file), "-CAkey", str(ca_key)]
        _openssl(
            "x509", "-req", "-in", str(csr), *signing, f"-{digest}", "-days", "3650",
            "-set_serial", str(serial), "-extfile", str(ext), "-extensions", "v3",
            "-out", str(out),
        )  # fmt: skip
        cert = x509.load_pem_x509_certificate(out.read_bytes())
        issued = Issued(label, cert, private)
        self._certs[label] = issued
        return issued


SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")
MD2_RSA = bytes.fromhex("06092a864886f70d010102")


def relabelled(issued: Issued, oid: bytes) -> bytes:
    """The RSA certificate with its signature algorithm OID replaced (same length), as PEM.

    No tool here signs with MD2 any more; relabelling gives a certificate whose signature
    cannot be checked, which is what the fallback is for.
    """
    der = issued.der
    assert der.count(SHA256_RSA) == 2
    return pem_of(der.replace(SHA256_RSA, oid))


def altered(issued: Issued) -> bytes:
    """The certificate as PEM with the last byte of its signature flipped."""
    der = bytearray(issued.der)
    der[-1] ^= 0x01
    return pem_of(bytes(der))


def pem_of(der: bytes) -> bytes:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def bundle(*parts: Issued | bytes | str) -> bytes:
    """Concatenate certificates and raw text into the bytes of a bundle file."""
    out = b""
    for part in parts:
        if isinstance(part, Issued):
            out += part.pem
        elif isinstance(part, str):
            out += part.encode()
        else:
            out += part
    return out


def rsa_with_exponent_bits(bits: int) -> PrivateKey:
    """An RSA-3072 key whose public exponent is an odd ``bits``-bit number (what no CA
    issues; ``generate_private_key`` only makes 3 or 65537)."""
    import math

    base = rsa.generate_private_key(65537, 3072).private_numbers()
    p, q = base.p, base.q
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    e = (1 << (bits - 1)) | 1
    while math.gcd(e, lam) != 1:
        e += 2
    d = pow(e, -1, lam)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, p * q),
    )  # fmt: skip
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def openssl_verify(store: Path, client: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """``openssl verify FLAGS -CAfile STORE CLIENT`` at the suite's NOW: the second opinion
    the tests compare mtls-lint's verdicts with."""
    return subprocess.run(
        ["openssl", "verify", *flags, "-attime", str(int(NOW.timestamp())),
         "-CAfile", str(store), str(client)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
