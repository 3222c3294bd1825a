"""Synthetic truststore bundles for the benchmarks, built once and cached.

    python bench/corpus.py [--cache DIR] [SIZE ...]     # default sizes: 100 1000 10000 100000

A bundle of N certificates is N/10 hierarchies of ten: a root, three intermediates (one
under another) and six leaves. The CA keys mix as real truststores do: 45 % of the
hierarchies RSA-2048, 45 % EC P-256, 5 % RSA-4096 and 5 % P-384; leaves take RSA-2048 or
P-256 keys from a small pool (key generation would otherwise dominate the build); one
certificate in 13 expired in 2025. The 10,000-certificate bundle stays under the 10 MiB
cap. Every subject and serial is distinct, so no issuer search has shortcuts. Building 100,000
takes about a
minute; the files are reused until FORMAT changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

#: Bump when the shape of the bundles changes: cached files of another format are rebuilt.
FORMAT = 2
SIZES = (100, 1_000, 10_000, 100_000)
DEFAULT_CACHE = Path(__file__).parent / ".cache"
#: Every run judges validity at this instant, so findings do not drift with the calendar.
NOW = "2027-01-01T00:00:00Z"

START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
EXPIRED = dt.datetime(2025, 6, 30, tzinfo=dt.timezone.utc)
VALID_UNTIL = dt.datetime(2035, 1, 1, tzinfo=dt.timezone.utc)


def path_for(size: int, cache: Path = DEFAULT_CACHE) -> Path:
    return cache / f"synthetic-{size}-v{FORMAT}.pem"


def _name(text: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mtls-lint bench"),
            x509.NameAttribute(NameOID.COMMON_NAME, text),
        ]
    )


Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _hash_for(signer: Key) -> hashes.HashAlgorithm:
    if isinstance(signer, ec.EllipticCurvePrivateKey) and signer.curve.key_size == 384:
        return hashes.SHA384()
    return hashes.SHA256()


class _Builder:
    def __init__(self) -> None:
        self.serial = 0
        self.rsa_pool: list[Key] = [rsa.generate_private_key(65537, 2048) for _ in range(8)]
        self.rsa4096_pool: list[Key] = [rsa.generate_private_key(65537, 4096) for _ in range(2)]
        ec_pool = [ec.generate_private_key(ec.SECP256R1()) for _ in range(12)]
        self.leaf_pool: list[Key] = [*self.rsa_pool[:4], *ec_pool]

    def ca_key(self, group: int, member: int) -> Key:
        kind = group % 20
        if kind < 9:  # RSA hierarchies share a pool: RSA key generation is slow
            return self.rsa_pool[(group + member) % len(self.rsa_pool)]
        if kind == 18:
            return self.rsa4096_pool[member % len(self.rsa4096_pool)]
        return ec.generate_private_key(ec.SECP384R1() if kind == 19 else ec.SECP256R1())

    def cert(
        self, subject: x509.Name, key: Key, issuer: x509.Name, signer: Key, *, ca: bool
    ) -> bytes:
        self.serial += 1
        expired = self.serial % 13 == 0
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(self.serial)
            .not_valid_before(START)
            .not_valid_after(EXPIRED if expired else VALID_UNTIL)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
            )
        )
        if ca:
            usage = dict.fromkeys(
                ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
                 "encipher_only", "decipher_only", "digital_signature"), False,
            )  # fmt: skip
            builder = builder.add_extension(
                x509.KeyUsage(key_cert_sign=True, crl_sign=True, **usage), critical=True
            )
        return builder.sign(signer, _hash_for(signer)).public_bytes(serialization.Encoding.PEM)

    def hierarchy(self, group: int) -> list[bytes]:
        root_name, root_key = _name(f"Bench Root {group}"), self.ca_key(group, 0)
        parts = [self.cert(root_name, root_key, root_name, root_key, ca=True)]
        issuers = []
        parent_name, parent_key = root_name, root_key
        for i in range(1, 4):  # 1 under the root, 2 under 1, 3 under the root
            name, key = _name(f"Bench Issuing {group}.{i}"), self.ca_key(group, i)
            if i == 3:
                parent_name, parent_key = root_name, root_key
            parts.append(self.cert(name, key, parent_name, parent_key, ca=True))
            issuers.append((name, key))
            parent_name, parent_key = name, key
        for j in range(6):
            issuer_name, issuer_key = issuers[j % 3]
            key = self.leaf_pool[(group + j) % len(self.leaf_pool)]
            subject = _name(f"bench client {group}.{j}")
            parts.append(self.cert(subject, key, issuer_name, issuer_key, ca=False))
        return parts


def build(size: int, cache: Path = DEFAULT_CACHE) -> Path:
    """The cached bundle of ``size`` certificates (a multiple of 10), built if missing."""
    path = path_for(size, cache)
    if path.exists():
        return path
    if size % 10:
        raise ValueError(f"{size}: bundles are built from hierarchies of 10 certificates")
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    builder = _Builder()
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for group in range(size // 10):
            out.write(b"".join(builder.hierarchy(group)))
    partial.rename(path)  # a run interrupted mid-build leaves no truncated bundle behind
    took = time.perf_counter() - started
    print(f"built {path} ({size} certificates) in {took:.1f} s", file=sys.stderr)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES), metavar="SIZE")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    for size in args.sizes:
        print(build(size, args.cache))


if __name__ == "__main__":
    main()
