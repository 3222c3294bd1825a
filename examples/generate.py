"""Regenerate the example bundles: ``python examples/generate.py`` (needs ``openssl``).

The keys are thrown away except the one pasted into ``broken/bundle.pem`` on purpose: it is a
demonstration key that protects nothing.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = Path(__file__).parent
UTC = dt.timezone.utc


Pair = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def make(
    cn: str,
    issuer: Pair | None = None,
    *,
    ca: bool = True,
    end: dt.datetime = dt.datetime(2045, 1, 1, tzinfo=UTC),
) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    signer_cert, signer_key = issuer if issuer else (None, key)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_cert.subject if signer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage(ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), False
        )
        .sign(signer_key, hashes.SHA256())
    )
    return cert, key


def usage(ca: bool) -> x509.KeyUsage:
    """keyCertSign and cRLSign for a CA, digitalSignature for a client, as RFC 5280 asks
    (``openssl verify -x509_strict`` refuses a CA without keyUsage)."""
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def sha1_root() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        key, out = Path(tmp, "k.pem"), Path(tmp, "c.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
             "-sha1", "-days", "7300", "-subj", "/O=Legacy Partner/CN=Legacy Partner Root (SHA-1)",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        return out.read_bytes()


def sha1_client(issuer: Pair) -> bytes:
    """A client certificate signed with SHA-1 by ``issuer`` (cryptography refuses SHA-1)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "ca.pem").write_bytes(pem(issuer[0]))
        (d / "ca.key").write_bytes(private_pem(issuer[1]))
        (d / "ext.cnf").write_text(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
        )
        subprocess.run(
            ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", str(d / "k.pem"), "-subj", "/O=Example Corp/CN=legacy-client",
             "-out", str(d / "req.csr")],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            ["openssl", "x509", "-req", "-in", str(d / "req.csr"), "-CA", str(d / "ca.pem"),
             "-CAkey", str(d / "ca.key"), "-sha1", "-days", "3650", "-set_serial", "7",
             "-extfile", str(d / "ext.cnf"), "-out", str(d / "c.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        return (d / "c.pem").read_bytes()


def private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def main() -> None:
    root = make("Example Client Root CA")
    issuing = make("Example Client Issuing CA", root)
    (HERE / "clean").mkdir(exist_ok=True)
    (HERE / "clean" / "bundle.pem").write_bytes(pem(root[0]) + pem(issuing[0]))

    expired = make("Example Old Issuing CA", root, end=dt.datetime(2025, 6, 30, tzinfo=UTC))
    other_root = make("Partner Root CA")
    orphan = make("Partner Issuing CA", other_root)  # its root is left out
    pasted_key = make("api-client.example.com", issuing, ca=False)[1]
    broken = b"".join(
        [
            pem(root[0]),
            pem(expired[0]),
            sha1_root(),
            pem(orphan[0]),
            private_pem(pasted_key),
        ]
    )
    (HERE / "broken").mkdir(exist_ok=True)
    (HERE / "broken" / "bundle.pem").write_bytes(broken)

    # client certificates for `mtls-lint verify --truststore examples/clean/bundle.pem ...`
    clients = HERE / "clients"
    clients.mkdir(exist_ok=True)
    (clients / "good.pem").write_bytes(pem(make("api-client.example.com", issuing, ca=False)[0]))
    (clients / "unknown-issuer.pem").write_bytes(
        pem(make("partner-client.example.com", orphan, ca=False)[0])
    )
    (clients / "self-signed.pem").write_bytes(pem(make("pinned-client.example.com", ca=False)[0]))
    (clients / "sha1.pem").write_bytes(sha1_client(issuing))


if __name__ == "__main__":
    main()
