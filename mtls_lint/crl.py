"""Revocation-list files: a file whose blocks are all ``X509 CRL`` (or one DER CRL).

ALB takes certificate revocation lists as files of their own beside the CA bundle
(AddTrustStoreRevocations), in PEM; API Gateway checks no revocation, and CloudFront revokes
with Connection Functions. A revocation file is linted with its own rules
(:mod:`mtls_lint.rules.revocation`), never as a bundle.
"""

import datetime as dt
import hashlib
import warnings
from typing import NamedTuple

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from mtls_lint.bundle import Bundle, FileKind, PemBlock
from mtls_lint.certificate import ParsedCertificate, name_text
from mtls_lint.memo import cached_property
from mtls_lint.names import Canonical, canonical
from mtls_lint.signatures import SignatureAlgorithm, signature_algorithm

CRL_LABEL = "X509 CRL"


class TrustedCA(NamedTuple):
    """What a revocation list is checked against, of one CA certificate of the run's trust
    stores: kept small, as a run over a large tree keeps one for every distinct CA."""

    subject: str
    subject_canon: Canonical
    spki: bytes

    @classmethod
    def of(cls, cert: ParsedCertificate) -> "TrustedCA | None":
        spki = cert.spki
        return cls(cert.subject, cert.subject_canon, spki) if spki is not None else None

    def verifies(self, item: "ParsedList") -> bool:
        """Whether this CA's key verifies ``item``'s signature."""
        from cryptography.hazmat.primitives.serialization import load_der_public_key

        try:
            key = load_der_public_key(self.spki)
        except (ValueError, UnsupportedAlgorithm):
            return False
        return item.signed_by(key)


class ParsedList:
    """One revocation list of a file, with the facts its rules read."""

    def __init__(self, index: int, line: int, end_line: int, crl: x509.CertificateRevocationList,
                 der: bytes) -> None:  # fmt: skip
        self.index = index
        self.line = line
        self.end_line = end_line
        self.crl = crl
        self.der = der

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def issuer(self) -> str:
        return name_text(self.crl.issuer)

    @cached_property
    def issuer_der(self) -> bytes:
        return self.crl.issuer.public_bytes()

    @cached_property
    def issuer_canon(self) -> Canonical:
        return canonical(self.crl.issuer)

    @cached_property
    def next_update(self) -> dt.datetime | None:
        return self.crl.next_update_utc

    @cached_property
    def entries(self) -> int:
        return len(self.crl)

    @cached_property
    def signature_algorithm(self) -> SignatureAlgorithm:
        return signature_algorithm(self.crl.signature_algorithm_oid.dotted_string)

    def signed_by(self, public_key: object) -> bool:
        """Whether ``public_key`` verifies the list's signature."""
        try:
            return bool(self.crl.is_signature_valid(public_key))  # type: ignore[arg-type]
        except (TypeError, ValueError, UnsupportedAlgorithm):
            return False

    def revokes(self, serial: int) -> bool:
        return self.crl.get_revoked_certificate_by_serial_number(serial) is not None


class RevocationFile:
    """The lists of one revocation-list file, and the blocks that are not a readable CRL."""

    def __init__(self, path: str, size: int, pem: bool) -> None:
        self.path = path
        self.size = size
        self.pem = pem
        self.lists: list[ParsedList] = []
        #: Blocks (or the DER file) that are not a readable CRL: (line, end line, reason).
        self.unreadable: list[tuple[int, int, str]] = []

    @property
    def entries(self) -> int:
        return sum(item.entries for item in self.lists)


def is_revocation_file(bundle: Bundle, data: bytes) -> bool:
    """Whether the file is revocation lists rather than a CA bundle: PEM whose every block is
    an ``X509 CRL``, or a DER file that is one CRL."""
    if bundle.kind is FileKind.PEM:
        return bool(bundle.blocks) and all(b.label == CRL_LABEL for b in bundle.blocks)
    if bundle.kind is FileKind.BINARY:
        return _load(data) is not None
    return False


def read_revocation_file(bundle: Bundle, data: bytes) -> RevocationFile:
    """The lists of a file :func:`is_revocation_file` accepted."""
    result = RevocationFile(bundle.path, bundle.size, bundle.kind is FileKind.PEM)
    if not result.pem:
        crl = _load(data)
        if crl is not None:
            result.lists.append(ParsedList(1, 1, max(1, bundle.line_count), crl, data))
        return result
    for index, block in enumerate(bundle.blocks, 1):
        _add(result, index, block)
    return result


def _add(result: RevocationFile, index: int, block: PemBlock) -> None:
    if block.der is None:
        result.unreadable.append((block.begin_line, block.end_line, block.problem or "unreadable"))
        return
    try:
        crl = x509.load_der_x509_crl(block.der)
        crl.issuer.public_bytes()
        _ = crl.next_update_utc, len(crl)
    except Exception as exc:  # noqa: BLE001 - untrusted DER: any failure is the finding
        result.unreadable.append((block.begin_line, block.end_line, str(exc) or type(exc).__name__))
        return
    result.lists.append(ParsedList(index, block.begin_line, block.end_line, crl, block.der))


def _load(data: bytes) -> x509.CertificateRevocationList | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            crl = x509.load_der_x509_crl(data)
            crl.issuer.public_bytes()
            _ = crl.next_update_utc, len(crl)
        except Exception:  # noqa: BLE001 - untrusted DER: not a CRL, whatever the reason
            return None
    return crl
