"""A parsed certificate with the facts rules ask about, computed once.

``cryptography`` parses lazily and can raise on a field only when it is read. What every rule
relies on (names, validity, the extensions) is read when a certificate is parsed, so a bad
field fails there; every other fact is a cached property, and callers (the engine) contain
its failures per rule and certificate.
"""

import datetime as dt
import hashlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from mtls_lint.bundle import PemBlock
from mtls_lint.dates import iso
from mtls_lint.findings import CertificateRef
from mtls_lint.memo import cached_property
from mtls_lint.names import Canonical, canonical
from mtls_lint.profiles import Profile
from mtls_lint.signatures import LEGACY_SIGNATURES, SignatureAlgorithm, signature_family

_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
_ANY_PURPOSE = "2.5.29.37.0"
#: FIPS 186-5 bounds RSA public exponents by 2**256; real CAs use 65537.
MAX_RSA_EXPONENT = 1 << 256


class KeyInfo(NamedTuple):
    """The public key as the profiles describe keys: ``rsa`` 2048, ``ec`` secp256r1, ``ed25519``."""

    type: str
    bits: int | None = None
    curve: str | None = None

    def __str__(self) -> str:
        if self.type == "rsa":
            return f"RSA {self.bits}"
        if self.type == "ec":
            return f"EC {self.curve}"
        name = self.type.upper() if self.type.isalnum() else self.type  # "unknown (why)" stays
        return name if self.bits is None else f"{name} {self.bits}"


class CertificateFacts(Protocol):
    """What the facts-based rules read of a certificate: a :class:`ParsedCertificate`, or a
    :class:`mtls_lint.lenient.LenientCertificate` that ``cryptography`` refused. A time that
    cannot be read is None."""

    @property
    def block(self) -> PemBlock: ...
    @property
    def index(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def not_before(self) -> dt.datetime | None: ...
    @property
    def not_after(self) -> dt.datetime | None: ...
    @property
    def signature_algorithm(self) -> SignatureAlgorithm: ...
    @property
    def key(self) -> KeyInfo: ...
    def ref(self) -> CertificateRef: ...


def key_info(key: object) -> KeyInfo:
    """What a public key ``cryptography`` read is, as the profiles describe keys."""
    if isinstance(key, rsa.RSAPublicKey):
        return KeyInfo("rsa", bits=key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeyInfo("ec", bits=key.curve.key_size, curve=key.curve.name)
    if isinstance(key, dsa.DSAPublicKey):
        return KeyInfo("dsa", bits=key.key_size)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyInfo("ed25519")
    if isinstance(key, ed448.Ed448PublicKey):
        return KeyInfo("ed448")
    return KeyInfo(type=type(key).__name__)


#: How an empty name is shown, in every command (findings, verify, inspect, diff).
EMPTY_NAME = "<empty subject>"
#: Attribute names RFC 4514 has no short name for, written as OpenSSL writes them rather than
#: as a dotted OID (``emailAddress=...``, not ``1.2.840.113549.1.9.1=#16...``).
_NAME_OVERRIDES = {NameOID.EMAIL_ADDRESS: "emailAddress"}


def name_text(name: x509.Name) -> str:
    """A name as reports show it: RFC 4514, with OpenSSL's names for the attributes that have
    no RFC 4514 short name, and :data:`EMPTY_NAME` for a name without attributes."""
    try:
        return name.rfc4514_string(_NAME_OVERRIDES) or EMPTY_NAME
    except ValueError as exc:  # undecodable attribute values
        return f"<unreadable name: {exc}>"


def common_name(name: x509.Name) -> str:
    try:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    except ValueError:
        return ""
    value = values[-1].value if values else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


class _NameFacts:
    """What reports and comparisons read of one name, each computed once: its canonical
    form, and its text with its common name (None until asked)."""

    __slots__ = ("canonical", "texts")

    def __init__(self) -> None:
        self.canonical: Canonical | None = None
        self.texts: tuple[str, str] | None = None


def _name_texts(name: x509.Name) -> tuple[str, str]:
    return name_text(name), common_name(name)


class _NameFactsCache:
    """:class:`_NameFacts` by the name's DER, for every certificate of the run: the issuer
    name of most certificates is the subject of another (of the bundle, or of another file
    the same run lints), and a root's two names are one. Computing a name's facts means
    loading the certificate again and building ``cryptography``'s name objects -- 20
    microseconds before the fact itself -- so each is computed once per name, not per use.

    Bounded, since names come from hostile files: cleared once it holds ``entries`` names or
    ``size`` bytes of them (a name over ``size // 64`` bytes is never kept). Cleared, it only
    costs what computing the facts again costs."""

    def __init__(self, entries: int, size: int) -> None:
        self._facts: dict[bytes, _NameFacts] = {}
        self._entries = entries
        self._size = size
        self._held = 0

    def __call__(self, der: bytes) -> _NameFacts:
        facts = self._facts.get(der)
        if facts is None:
            facts = _NameFacts()
            if len(der) <= self._size // 64:
                if len(self._facts) >= self._entries or self._held + len(der) > self._size:
                    self._facts.clear()
                    self._held = 0
                self._facts[der] = facts
                self._held += len(der)
        return facts


_NAMES = _NameFactsCache(entries=1 << 16, size=1 << 23)


def days_left(not_after: dt.datetime, now: dt.datetime) -> int:
    """Whole days until ``not_after``; once past, minus the whole days since (as check says)."""
    if not_after >= now:
        return (not_after - now).days
    return -(now - not_after).days


_BC, _KU, _EKU, _SKI, _AKI = "bc", "ku", "eku", "ski", "aki"
#: The extensions :class:`Read` reads; cryptography gives each OID's value one class.
_READ_EXTENSIONS = {
    ExtensionOID.BASIC_CONSTRAINTS: _BC,
    ExtensionOID.KEY_USAGE: _KU,
    ExtensionOID.EXTENDED_KEY_USAGE: _EKU,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: _SKI,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: _AKI,
}


class Read(NamedTuple):
    """What :meth:`ParsedCertificate.parse` reads of every certificate before keeping it: the
    names, the validity, and what the rules ask of the extensions (their objects let go)."""

    subject_der: bytes
    issuer_der: bytes
    not_before: dt.datetime
    not_after: dt.datetime
    basic_constraints: x509.BasicConstraints | None
    #: Whether basicConstraints is marked critical; None when it is absent.
    basic_constraints_critical: bool | None
    key_usage: x509.KeyUsage | None
    #: The extendedKeyUsage OIDs (dotted), or None when the extension is absent.
    extended_key_usage: frozenset[str] | None
    subject_key_id: bytes | None
    authority_key_identifier: x509.AuthorityKeyIdentifier | None

    @classmethod
    def of(cls, der: bytes, cert: x509.Certificate | None = None) -> "Read":
        """Read ``der`` with an object that is let go, or with ``cert`` (``der`` loaded, and
        kept by the caller); raises ValueError naming the field that cannot be read."""
        if cert is None:
            cert = x509.load_der_x509_certificate(der)
        field = "subject"
        try:
            subject_der = cert.subject.public_bytes()
            field = "issuer"
            issuer_der = cert.issuer.public_bytes()
            field = "not_before"
            not_before = cert.not_valid_before_utc
            field = "not_after"
            not_after = cert.not_valid_after_utc
            field = "extensions"
            extensions = cert.extensions
        except ValueError as exc:
            raise ValueError(f"{field}: {exc}") from None
        bc = bc_critical = ku = eku = ski = aki = None
        for extension in extensions:
            # by OID: each isinstance against cryptography's extension ABCs costs ~1 us
            kind = _READ_EXTENSIONS.get(extension.oid)
            if kind is None:
                continue
            value = extension.value
            if kind is _BC:
                bc, bc_critical = value, extension.critical
            elif kind is _KU:
                ku = value
            elif kind is _EKU:
                eku = frozenset(oid.dotted_string for oid in value)
            elif kind is _SKI:
                ski = value.digest
            else:
                aki = value
        return cls(
            subject_der, issuer_der, not_before, not_after, bc, bc_critical, ku, eku, ski, aki
        )


def algorithm_refusal(cert: CertificateFacts, profile: Profile) -> str | None:
    """Why ``profile``'s service refuses ``cert``'s signature or key, or None: a weak hash or
    key, and, as the services document only what they support, anything outside the lists."""
    algorithm, key = cert.signature_algorithm, cert.key
    return profile.signature_refusal(algorithm.family, algorithm.hash) or profile.key_refusal(
        key.type, key.bits, key.curve
    )


class ParsedCertificate:
    """A certificate from a bundle: its block, the parsed object and derived facts.

    ``cryptography`` keeps what it parses of a certificate -- its names, extensions and public
    key -- for as long as the object lives: about 4 KB a certificate, more than everything else
    kept for it. So :meth:`parse` reads the fields every rule relies on from one object and
    lets it go, and keeps one loaded afresh; a fact read later (a name's text, a leaf's key)
    is read from a copy (:meth:`_copy`), which costs a few microseconds to load and as many
    again to decode the names or the key a second time.

    A certificate of a small bundle (``keep``: :data:`KEEP_OBJECTS_UP_TO`) keeps the object
    that read it instead, with all it decoded: a few megabytes at most, and every fact is then
    read once.
    """

    # what every certificate has, in slots; the facts computed on demand go to ``__dict__``
    __slots__ = (
        "__dict__", "_authority_key_identifier", "basic_constraints",
        "basic_constraints_critical", "block", "cert", "der", "extended_key_usage", "index",
        "issuer_der", "kept", "key_usage", "not_after", "not_before", "sha256", "subject_der",
        "subject_key_id",
    )  # fmt: skip

    def __init__(
        self, block: PemBlock, cert: x509.Certificate, der: bytes, read: Read, kept: bool = False
    ) -> None:
        """``kept``: ``cert`` is the object ``read`` was read with, kept (see above)."""
        self.block = block
        self.cert = cert
        self.kept = kept
        self.der = der
        self.index = block.cert_index or 1
        self.sha256 = hashlib.sha256(der).hexdigest()
        self.subject_der = read.subject_der
        self.issuer_der = read.issuer_der
        self.not_before = read.not_before
        self.not_after = read.not_after
        self.basic_constraints = read.basic_constraints
        self.basic_constraints_critical = read.basic_constraints_critical
        self.key_usage = read.key_usage
        self.extended_key_usage = read.extended_key_usage
        self.subject_key_id = read.subject_key_id
        self._authority_key_identifier = read.authority_key_identifier

    @classmethod
    def parse(cls, block: PemBlock, der: bytes, keep: bool = False) -> "ParsedCertificate":
        """Parse ``der`` and read every field rules rely on, so a bad field fails here.

        cryptography defers decoding names and extensions until they are read; forcing them now
        turns a corrupt issuer name into one ``unparsable-certificate`` finding instead of a
        crash in every rule that looks at it. Raises ValueError naming the field.
        cryptography's deprecation warnings (negative serials, ...) are silenced: rules
        report what they describe.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cls._parse(block, der, keep)

    @classmethod
    def _parse(cls, block: PemBlock, der: bytes, keep: bool = False) -> "ParsedCertificate":
        if keep:
            cert = x509.load_der_x509_certificate(der)
            return cls(block, cert, der, Read.of(der, cert), kept=True)
        read = Read.of(der)  # first: a certificate that fails there is loaded once
        return cls(block, x509.load_der_x509_certificate(der), der, read)

    def at(self, block: PemBlock) -> "ParsedCertificate":
        """This certificate as ``block`` (of another version of the file, holding the same
        DER) holds it: the parse and every fact computed so far are shared, not redone."""
        other = object.__new__(ParsedCertificate)
        for name in self.__slots__:
            if name != "__dict__":  # the facts computed so far: copied below, not shared
                setattr(other, name, getattr(self, name))
        other.block = block
        other.index = block.cert_index or 1
        other.__dict__.update(self.__dict__)
        return other

    def __repr__(self) -> str:
        return f"<ParsedCertificate #{self.index} {self.subject!r}>"

    def _copy(self) -> x509.Certificate:
        """The certificate loaded again, to read a fact from and let go; the kept object
        itself when it is :attr:`kept`."""
        return self.cert if self.kept else x509.load_der_x509_certificate(self.der)

    @cached_property
    def subject_canon(self) -> Canonical:
        """The subject as OpenSSL compares names (:mod:`mtls_lint.names`)."""
        facts = _NAMES(self.subject_der)
        if facts.canonical is None:
            facts.canonical = canonical(self._copy().subject)
        return facts.canonical

    @cached_property
    def issuer_canon(self) -> Canonical:
        facts = _NAMES(self.issuer_der)
        if facts.canonical is None:
            facts.canonical = canonical(self._copy().issuer)
        return facts.canonical

    @cached_property
    def subject(self) -> str:
        return self._texts(True, False)[0]

    @cached_property
    def issuer(self) -> str:
        return self._texts(False, True)[0]

    @cached_property
    def common_name(self) -> str:
        return self._texts(True, False)[1]

    @cached_property
    def issuer_common_name(self) -> str:
        return self._texts(False, True)[1]

    def _texts(self, subject: bool, issuer: bool) -> tuple[str, str]:
        """The text and common name, as reports show them, of the subject or of the issuer
        (the first asked for), each name's two kept with the certificate. What no certificate
        of the run has read yet of the names asked for is read from one copy: a finding that
        names a certificate shows three of its four texts, and asks for both names at once
        (:meth:`ref`); a message that names the issuer alone -- a leaf's, whose issuer name
        many leaves share -- decodes no subject."""
        asked = [("subject", "common_name", self.subject_der)] if subject else []
        if issuer:
            asked.append(("issuer", "issuer_common_name", self.issuer_der))
        copy: x509.Certificate | None = None
        for text, cn, der in asked:
            facts = _NAMES(der)
            if facts.texts is None:
                copy = self._copy() if copy is None else copy
                facts.texts = _name_texts(getattr(copy, text))
            self.__dict__[text], self.__dict__[cn] = facts.texts
        text, cn, _ = asked[0]
        return self.__dict__[text], self.__dict__[cn]

    @cached_property
    def is_self_issued(self) -> bool:
        return self.subject_der == self.issuer_der

    @cached_property
    def is_v3(self) -> bool:
        return self.cert.version == x509.Version.v3

    @cached_property
    def allows_client_auth(self) -> bool:
        """No extendedKeyUsage, or one naming clientAuth or any purpose: what OpenSSL's
        ``-purpose sslclient`` asks of every certificate on a client's path."""
        usages = self.extended_key_usage
        return usages is None or _CLIENT_AUTH in usages or _ANY_PURPOSE in usages

    @cached_property
    def is_ca(self) -> bool:
        """basicConstraints CA:TRUE; a v1 certificate counts as a CA only when self-signed."""
        if not self.is_v3:
            return self.is_self_issued
        return self.basic_constraints is not None and self.basic_constraints.ca

    @cached_property
    def may_sign_certificates(self) -> bool:
        """What RFC 5280 asks of an issuer: a CA, with keyCertSign if keyUsage is present."""
        if not self.is_v3:
            # v1 CAs predate both extensions: OpenSSL takes one as an issuer only when it is
            # self-issued (a trust anchor); a v1 intermediate is "invalid CA certificate"
            return self.is_self_issued
        if not self.is_ca:
            return False
        return self.key_usage is None or self.key_usage.key_cert_sign

    @cached_property
    def path_length(self) -> int | None:
        bc = self.basic_constraints
        return bc.path_length if bc is not None and bc.ca else None

    @cached_property
    def authority_key_id(self) -> bytes | None:
        aki = self._authority_key_identifier
        return aki.key_identifier if aki is not None else None

    @cached_property
    def authority_cert_serial(self) -> int | None:
        """The serial number the authorityKeyIdentifier gives for the issuer's certificate."""
        aki = self._authority_key_identifier
        return aki.authority_cert_serial_number if aki is not None else None

    @cached_property
    def authority_cert_issuer(self) -> Canonical | None:
        """The first directory name the authorityKeyIdentifier gives as the issuer's issuer
        (OpenSSL's ``X509_check_akid`` looks at that one only), canonical."""
        aki = self._authority_key_identifier
        for general in (aki.authority_cert_issuer or ()) if aki is not None else ():
            if isinstance(general, x509.DirectoryName):
                return canonical(general.value)
        return None

    @cached_property
    def public_key(self) -> object:
        """The key, kept: asked for of the certificates that issue others (to check their
        signatures). What the rules ask of every key is read by :meth:`_transient_key`."""
        return self.cert.public_key()

    def _transient_key(self) -> object:
        """The key, kept if it already is, else read and let go: a leaf's key object would
        otherwise live as long as the run, half the memory of a large bundle."""
        kept = self.__dict__.get("public_key")
        return kept if kept is not None else self._copy().public_key()

    @cached_property
    def spki(self) -> bytes | None:
        """The subjectPublicKeyInfo, DER, or None when ``cryptography`` cannot read the key."""
        # imported here: it (with ssh and ciphers) costs a one-file run some 12 ms, and only
        # diff, verify and revocation lists ask for a key's bytes
        from cryptography.hazmat.primitives import serialization

        try:
            key = self._transient_key()
        except (UnsupportedAlgorithm, ValueError):
            return None
        return key.public_bytes(  # type: ignore[attr-defined, no-any-return]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @cached_property
    def rsa_exponent(self) -> int | None:
        """The RSA public exponent, or None for another (or an unreadable) key."""
        try:
            key = self._transient_key()
        except (UnsupportedAlgorithm, ValueError):
            return None
        return key.public_numbers().e if isinstance(key, rsa.RSAPublicKey) else None

    @cached_property
    def unusual_rsa_exponent(self) -> bool:
        """An exponent no real key has: even, below 3 or above 2**256. Signatures are not
        checked with it -- a 3071-bit exponent makes one check ~140 times slower, and a
        bundle of such CAs would run for minutes."""
        e = self.rsa_exponent
        return e is not None and (e < 3 or e % 2 == 0 or e > MAX_RSA_EXPONENT)

    @cached_property
    def key(self) -> KeyInfo:
        try:
            key = self._transient_key()
        except (UnsupportedAlgorithm, ValueError) as exc:
            return KeyInfo(type=f"unknown ({exc})")
        if "rsa_exponent" not in self.__dict__:  # read once for both
            self.__dict__["rsa_exponent"] = (
                key.public_numbers().e if isinstance(key, rsa.RSAPublicKey) else None
            )
        return key_info(key)

    @cached_property
    def signature_algorithm(self) -> SignatureAlgorithm:
        oid = self.cert.signature_algorithm_oid.dotted_string
        if oid in LEGACY_SIGNATURES:
            return SignatureAlgorithm(oid, *LEGACY_SIGNATURES[oid])
        try:
            algorithm = self.cert.signature_hash_algorithm
        except (UnsupportedAlgorithm, ValueError):  # ValueError: RSA-PSS parameters unreadable
            algorithm = None
        name = algorithm.name if algorithm is not None else None
        return SignatureAlgorithm(oid, signature_family(oid), name)

    def ref(self) -> CertificateRef:
        if "subject" not in self.__dict__ or "issuer" not in self.__dict__:
            self._texts(True, True)  # both names from one copy
        return CertificateRef(
            index=self.index,
            sha256=self.sha256,
            subject=self.subject,
            issuer=self.issuer,
            not_after=iso(self.not_after),
            common_name=self.common_name,
            not_before=iso(self.not_before),
        )


#: A bundle of at most this many certificates keeps each certificate's parsed object
#: (:class:`ParsedCertificate`): at about 4 KB each, 4 MB at most.
KEEP_OBJECTS_UP_TO = 1000


#: Certificates parsed before :func:`parse_certificates` hands them to its ``parsed_one``.
#: Called for each certificate as it was parsed, a :class:`~mtls_lint.trust_graph.Checker`'s
#: callback made the parse of 10,000 certificates 565 to 595 ms against 420 without it, yet
#: over the parsed bundle it takes 54 ms; taking turns by 256 certificates, 480 to 510 ms.
#: (Most likely the CPU's caches: the two loops run different code over different data.)
TOLD_EVERY = 256


def parse_certificates(
    blocks: Iterable[PemBlock],
    known: Mapping[bytes, ParsedCertificate] | None = None,
    keep: bool = False,
    parsed_one: Callable[[ParsedCertificate], object] | None = None,
) -> tuple[list[ParsedCertificate], list[tuple[PemBlock, str]]]:
    """Parse every certificate block with a body: (certificates, [(block, why unreadable)]).
    ``known``: certificates parsed already, by DER (the other version of a file ``diff``
    compares), taken over rather than parsed again (:meth:`ParsedCertificate.at`).
    ``keep``: keep each parsed object (a bundle of at most :data:`KEEP_OBJECTS_UP_TO`).
    ``parsed_one``: called with each certificate, in order, soon after it is parsed: a batch
    of :data:`TOLD_EVERY` at a time, and what is left at the end.

    Warnings are silenced as :meth:`ParsedCertificate.parse` does, once for the whole loop:
    entering ``catch_warnings`` for each certificate would cost more than loading it."""
    parsed: list[ParsedCertificate] = []
    unreadable: list[tuple[PemBlock, str]] = []
    told = 0  # how many of ``parsed`` parsed_one was called with
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            if block.der is None or block.cert_index is None:
                continue  # broken armour or another label: the armour rules report it
            same = known.get(block.der) if known else None
            if same is not None:
                parsed.append(same.at(block))
            else:
                try:
                    parsed.append(ParsedCertificate._parse(block, block.der, keep))
                except Exception as exc:  # noqa: BLE001 - untrusted DER: any failure is the finding
                    unreadable.append((block, str(exc) or type(exc).__name__))
                    continue
            if parsed_one is not None and len(parsed) - told == TOLD_EVERY:
                for cert in parsed[told:]:
                    parsed_one(cert)
                told = len(parsed)
        if parsed_one is not None:
            for cert in parsed[told:]:
                parsed_one(cert)
    return parsed, unreadable
