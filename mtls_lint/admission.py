"""Would API Gateway admit this client certificate? (SPEC section 1, ``verify``.)

Paths are built the way API Gateway builds them: every issuer up to a self-signed root must be
in the truststore; at most four CA certificates; each certificate valid at ``--now``, signed
with SHA-256 or stronger, with an RSA >= 2048 or EC >= 256 key; issuers must be CAs. Where
several certificates share the issuer's name (a CA rollover), each is tried. Intermediates given
with ``--untrusted`` or sent along in the client's file are not trusted (API Gateway does not
use them); they are only searched to name the certificate the truststore lacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm

from mtls_lint.certificate import CertificateFacts, ParsedCertificate, algorithm_refusal
from mtls_lint.dates import minute_utc
from mtls_lint.denials import (
    BAD_SIGNATURE,
    DOCUMENTED,
    REASON_OF_CHECK,
    TOO_LONG,
    fix_for,
    service_code,
)
from mtls_lint.keyfile import PublicKeyInfo
from mtls_lint.profiles import (
    DEFAULT_PROFILE,
    PROFILES,
    REASON_NO_ISSUER,
    Profile,
)
from mtls_lint.signatures import SignatureCheck, check_raw_signature
from mtls_lint.trust_graph import TrustGraph, check_link

if TYPE_CHECKING:  # pyasn1 is imported only for a client cryptography cannot load
    from mtls_lint.crl import ParsedList
    from mtls_lint.lenient import LenientCertificate

MAX_LINKS = 16  # far beyond any allowed path: bounds the search on hostile truststores
MAX_ATTEMPTS = 64  # candidate paths tried (same-name CAs multiply them)


@dataclass(frozen=True)
class Link:
    #: A :class:`LenientCertificate` only as the client, when cryptography cannot load it.
    cert: ParsedCertificate | LenientCertificate
    #: "client", "truststore", "untrusted" (``--untrusted``) or "sent by client"
    source: str


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    #: The certificate checked, when the check is about one.
    subject: str | None = None
    sha256: str | None = None

    def about(self, cert: CertificateFacts) -> Check:
        return Check(self.name, self.ok, self.detail, cert.subject, cert.sha256)


@dataclass(frozen=True)
class Attempt:
    """One candidate path from the client certificate upward."""

    links: tuple[Link, ...]
    #: None when the path reaches a self-signed truststore root; else why it stops.
    stop: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: Why, in OpenSSL's words or API Gateway's (:mod:`mtls_lint.denials`); None if allowed.
    cause: str | None
    chain: tuple[Link, ...]
    checks: tuple[Check, ...]
    fix: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    profile: Profile = PROFILES[DEFAULT_PROFILE]

    @property
    def code(self) -> str | None:
        """The connection-log code of a service that logs codes (ALB, CloudFront)."""
        return service_code(self.cause, self.profile) if self.cause is not None else None

    @property
    def reason(self) -> str | None:
        """The refusal in the profile's service's words: ALB's and CloudFront's connection-log
        code, API Gateway's log reason (or OpenSSL's words where AWS documents none)."""
        return self.code or self.cause

    @property
    def documented_by_aws(self) -> bool:
        """Whether :attr:`reason` is AWS's own wording for this service."""
        if self.profile.codes:
            return self.code is not None
        return self.cause in DOCUMENTED

    @property
    def log_reason(self) -> str | None:
        """API Gateway's execution-log line, where AWS documents it."""
        if self.profile.codes or self.cause not in DOCUMENTED:
            return None
        return f"Access denied. Reason: {self.cause}"

    @property
    def connection_log_status(self) -> str | None:
        """ALB's tls_verify_status, CloudFront's connectionStatus: ``Failed:<code>``."""
        if not self.profile.codes:
            return None
        if self.allowed:
            return "Success"
        return f"Failed:{self.code}" if self.code is not None else None


class Pool:
    """Certificates to build paths from, indexed by subject."""

    def __init__(self, certificates: Sequence[ParsedCertificate], source: str) -> None:
        self.graph = TrustGraph(certificates)
        self.source = source
        self.fingerprints = {c.sha256 for c in certificates}

    def issuers_of(self, cert: ParsedCertificate) -> list[ParsedCertificate]:
        return self.graph.candidates(cert)

    def signed(
        self, cert: ParsedCertificate, issuer: ParsedCertificate, remember: bool
    ) -> tuple[bool, str]:
        """Did ``issuer`` (of this pool) sign ``cert``? With ``remember`` (``cert`` is of a
        pool too, not a client), the answer is kept in the pool's graph: a log's thousands
        of clients under one CA check the CA's own signature once, not once each."""
        return _signed(self.graph.checked(cert, issuer) if remember else check_link(cert, issuer))


def parsed_links(links: Sequence[Link]) -> list[ParsedCertificate]:
    """The certificates of links :func:`paths` built: only :func:`verify_lenient`'s client is
    not a ParsedCertificate, and it is never given here."""
    certs = [link.cert for link in links]
    assert all(isinstance(c, ParsedCertificate) for c in certs)
    return certs  # type: ignore[return-value]


def _signed_by(cert: ParsedCertificate, issuer: ParsedCertificate) -> tuple[bool, str]:
    return _signed(check_link(cert, issuer))


def _signed(verdict: tuple[SignatureCheck, str]) -> tuple[bool, str]:
    """A link's verdict as a path reads it: signed unless the signature is INVALID (one
    nothing can check is taken on its name and agreeing key identifiers), with the reason."""
    result, reason = verdict
    return result is not SignatureCheck.INVALID, reason


#: Where the certificates every verdict of a run shares come from (the files given).
_SHARED = frozenset(("truststore", "untrusted"))


def paths(
    client: ParsedCertificate, pools: Sequence[Pool], source: str = "client"
) -> Iterator[Attempt]:
    """Every path upward from ``client``, depth first, complete or stopped, trusted pool first.
    ``source`` says where ``client`` comes from ("truststore" for a CA above a client)."""
    stack: list[tuple[Link, ...]] = [(Link(client, source),)]
    while stack:
        links = stack.pop()
        current = parsed_links(links[-1:])[0]
        # a link from a certificate of the files given, not of one client, is remembered
        pooled = links[-1].source in _SHARED
        if links[-1].source == "truststore" and current.is_self_issued:
            ok, _ = pools[0].signed(current, current, pooled)
            if ok:
                yield Attempt(links)
                continue
        if len(links) >= MAX_LINKS:
            yield Attempt(links, TOO_LONG, f"no root within {MAX_LINKS} certificates")
            continue
        seen = {link.cert.sha256 for link in links}
        candidates = [
            (candidate, pool)
            for pool in pools
            for candidate in pool.issuers_of(current)
            if candidate.sha256 not in seen
        ]
        if not candidates:
            yield Attempt(
                links, REASON_NO_ISSUER, f"no certificate named {current.issuer} in the truststore"
            )
            continue
        extended: list[tuple[Link, ...]] = []
        failures: list[str] = []
        for candidate, pool in candidates:
            ok, reason = pool.signed(current, candidate, pooled)
            if ok:
                extended.append((*links, Link(candidate, pool.source)))
            else:
                failures.append(f"line {candidate.block.begin_line}: {reason}")
        if not extended:
            yield Attempt(links, BAD_SIGNATURE, "; ".join(failures))
        stack.extend(reversed(extended))  # the first candidate is tried first


def _algorithm_check(cert: CertificateFacts, profile: Profile) -> Check:
    why = algorithm_refusal(cert, profile)
    detail = f"signed with {cert.signature_algorithm}, {cert.key} key"
    if why:
        detail += f": {why} ({profile.service} supports {_supported(profile)})"
    return Check("algorithm", why is None, detail).about(cert)


def _supported(profile: Profile) -> str:
    families = ", ".join(sorted(profile.signature_families))
    rsa = (
        "/".join(str(b) for b in sorted(profile.rsa_allowed_bits))
        if profile.rsa_allowed_bits
        else f">= {profile.rsa_min_bits}"
        + (f" and <= {profile.rsa_max_bits}" if profile.rsa_max_bits else "")
    )
    curves = ", ".join(sorted(profile.ec_curves))
    return f"{families} with SHA-256/384/512; RSA {rsa} bits; EC {curves}"


def _revocation_checks(
    certs: list[ParsedCertificate], revocations: Sequence[ParsedList]
) -> list[Check]:
    """Each certificate below the root against the lists its issuer signed (ALB)."""
    checks = []
    for cert, issuer in pairwise(certs):
        check = _revocation_check(cert, cert.cert.serial_number, issuer, revocations)
        if check is not None:
            checks.append(check)
    return checks


def _revocation_check(
    cert: ParsedCertificate | LenientCertificate,
    serial: int,
    issuer: ParsedCertificate,
    revocations: Sequence[ParsedList],
) -> Check | None:
    """``cert`` (its ``serial``) against the lists ``issuer`` signed; None where it signed
    none of them."""
    lists = [
        item for item in revocations
        if item.issuer_canon == cert.issuer_canon and _signed_list(item, issuer)
    ]  # fmt: skip
    if not lists:
        return None
    revoked = next((item for item in lists if item.revokes(serial)), None)
    detail = (
        f"serial {serial:#x} is revoked by revocation list #{revoked.index} (line {revoked.line})"
        if revoked is not None
        else f"not revoked by the {len(lists)} list(s) of {issuer.subject}"
    )
    return Check("revoked", revoked is None, detail).about(cert)


def _signed_list(item: ParsedList, issuer: ParsedCertificate) -> bool:
    try:
        key = issuer.public_key
    except (ValueError, UnsupportedAlgorithm):
        return False
    return item.signed_by(key)


def _expiry_ignored(expired: Check, profile: Profile) -> Check:
    """An expired client accepted, as ALB's and CloudFront's ignore-expiry options do (they
    say nothing of not-yet-valid certificates, which stay refused)."""
    option = profile.ignore_expiry_option or "--ignore-expiry"
    detail = f"{expired.detail}; ignored, as {option} does"
    return Check("validity", True, detail, expired.subject, expired.sha256)


def _version_check(cert: ParsedCertificate) -> Check:
    detail = "X.509 v3" if cert.is_v3 else f"X.509 {cert.cert.version.name}, not v3"
    return Check("version", cert.is_v3, detail).about(cert)


def _validity_check(not_before: dt.datetime, not_after: dt.datetime, now: dt.datetime) -> Check:
    if not_after < now:
        return Check("expired", False, f"expired {minute_utc(not_after)}")
    if not_before > now:
        return Check("not-yet-valid", False, f"not valid until {minute_utc(not_before)}")
    return Check("validity", True, f"valid until {minute_utc(not_after)}")


def _ca_check(cert: ParsedCertificate) -> Check:
    ok = cert.may_sign_certificates
    detail = (
        "may issue certificates"
        if ok
        else (
            "is not a CA (basicConstraints or keyUsage)"
            if cert.is_v3
            else "is an X.509 v1 intermediate, which OpenSSL uses as an issuer only as a root"
        )
    )
    return Check("ca", ok, detail).about(cert)


def check_path(
    attempt: Attempt,
    now: dt.datetime,
    profile: Profile,
    *,
    strict: bool = False,
    ignore_expiry: bool = False,
    revocations: Sequence[ParsedList] = (),
) -> list[Check]:
    """The service's checks on a complete path, in the order a denial reason is chosen;
    ``strict`` adds OpenSSL's ``-x509_strict`` extension checks; ``ignore_expiry`` accepts an
    expired client certificate, as the service's ignore-expiry option does."""
    certs = parsed_links(attempt.links)
    checks = [_algorithm_check(cert, profile) for cert in certs]
    if profile.requires_v3:
        checks += [_version_check(cert) for cert in certs]
    validity = [_validity_check(c.not_before, c.not_after, now).about(c) for c in certs]
    if ignore_expiry and attempt.links[0].source == "client" and validity[0].name == "expired":
        validity[0] = _expiry_ignored(validity[0], profile)
    checks += validity
    if revocations and profile.revocation is not None:
        checks += _revocation_checks(certs, revocations)
    checks += [_ca_check(cert) for cert in certs[1:]]
    below = 0  # non-self-issued intermediate CAs between the client and the current issuer
    for cert in certs[1:]:
        if cert.path_length is not None and below > cert.path_length:
            detail = f"pathLenConstraint {cert.path_length}, {below} CAs below it"
            checks.append(Check("path-length", False, detail).about(cert))
        below += 0 if cert.is_self_issued else 1
    cas, limit = len(certs) - 1, profile.max_chain_cas
    detail = f"{cas} CA certificates on the path (at most {limit})"
    checks.append(Check("chain-length", cas <= limit, detail))
    if profile.checks_client_purpose:
        checks += [_purpose_check(cert) for cert in certs]
    if strict:
        checks += _strict_checks(certs)
    return checks


def _strict_checks(certs: list[ParsedCertificate]) -> list[Check]:
    """What ``openssl verify -x509_strict`` also refuses: CAs whose basicConstraints is not
    critical, or without keyUsage or subjectKeyIdentifier; certificates below the root
    without authorityKeyIdentifier."""
    checks = []
    for position, cert in enumerate(certs):
        if position:  # the CAs
            checks.append(Check("strict-basic-constraints", bool(cert.basic_constraints_critical),
                                "basicConstraints critical").about(cert))  # fmt: skip
            checks.append(Check("strict-key-usage", cert.key_usage is not None,
                                "keyUsage present").about(cert))  # fmt: skip
            checks.append(Check("strict-subject-key-id", cert.subject_key_id is not None,
                                "subjectKeyIdentifier present").about(cert))  # fmt: skip
        if not cert.is_self_issued:
            checks.append(Check("strict-authority-key-id", cert.authority_key_id is not None,
                                "authorityKeyIdentifier present").about(cert))  # fmt: skip
    return checks


def _purpose_check(cert: ParsedCertificate) -> Check:
    ok = cert.allows_client_auth
    if cert.extended_key_usage is None:
        detail = "no extendedKeyUsage: any purpose, clientAuth included"
    else:
        detail = f"extendedKeyUsage {'allows' if ok else 'excludes'} clientAuth"
    return Check("purpose", ok, detail).about(cert)


@dataclass(frozen=True)
class Names:
    """How the files are called in fixes and commands."""

    truststore: str
    client: str
    untrusted: str | None = None


def verify(
    client: ParsedCertificate,
    truststore: Sequence[ParsedCertificate],
    *,
    now: dt.datetime,
    profile: Profile,
    names: Names,
    untrusted: Sequence[ParsedCertificate] | Pool = (),
    sent: Sequence[ParsedCertificate] = (),
    key: PublicKeyInfo | None = None,
    pool: Pool | None = None,
    strict: bool = False,
    ignore_expiry: bool = False,
    revocations: Sequence[ParsedList] = (),
) -> Verdict:
    """The verdict on ``client``; ``untrusted`` and ``sent`` (the rest of the client's file)
    are only searched to name what the truststore lacks. ``pool`` (``truststore`` already
    indexed) and an ``untrusted`` Pool serve many verdicts against the same files."""
    trusted = pool or Pool(truststore, "truststore")
    key_checks = [] if key is None else [_key_check(client, key)]
    if client.spki is None:  # OpenSSL does not load it; the handshake cannot go on
        detail = f"its public key cannot be decoded ({client.key.type}); OpenSSL fails too"
        checks = [Check("client-key", False, detail).about(client), *key_checks]
        return _decide((Link(client, "client"),), checks, names, profile)
    if client.is_self_issued and _signed_by(client, client)[0]:
        return _self_signed(client, trusted, now, profile, names, key_checks, ignore_expiry)
    attempts = list(islice(paths(client, [trusted]), MAX_ATTEMPTS))
    evaluated = [
        (
            a,
            check_path(
                a, now, profile, strict=strict, ignore_expiry=ignore_expiry, revocations=revocations
            ),
        )
        for a in attempts
        if a.stop is None
    ]
    for attempt, checks in evaluated:
        if all(c.ok for c in checks):
            return _decide(attempt.links, checks + key_checks, names, profile)
    if evaluated:
        attempt, checks = evaluated[0]
        return _decide(attempt.links, checks + key_checks, names, profile)
    stopped = max(attempts, key=lambda a: len(a.links))
    stop_name = "issuer" if stopped.stop == REASON_NO_ISSUER else "signature"
    last = parsed_links(stopped.links[-1:])[0]
    checks = [Check(stop_name, False, stopped.detail).about(last)]
    notes: tuple[str, ...] = ()
    if stopped.stop == REASON_NO_ISSUER:
        notes = _untrusted_path(client, trusted, untrusted, sent, names)
        rekeyed = trusted.graph.rekeyed_note(last)
        if rekeyed:
            notes = (f"issuer of {last.subject}: {rekeyed}", *notes)
    return _decide(stopped.links, checks + key_checks, names, profile, notes)


def verify_lenient(
    client: LenientCertificate,
    truststore: Sequence[ParsedCertificate],
    *,
    now: dt.datetime,
    profile: Profile,
    names: Names,
    key: PublicKeyInfo | None = None,
    pool: Pool | None = None,
    strict: bool = False,
    ignore_expiry: bool = False,
    revocations: Sequence[ParsedList] = (),
) -> Verdict:
    """The verdict on a client certificate ``cryptography`` cannot load but OpenSSL reads,
    from its readable fields: its own time format, validity, algorithm and key, its issuer
    by name and signature in the truststore, its serial against the lists that issuer
    signed (where the service applies ``revocations``), and the path above that issuer as
    :func:`verify` checks it. Its extensions are not read (no purpose or strict checks)."""
    trusted = pool or Pool(truststore, "truststore")
    link = Link(client, "client")
    notes = (
        f"cryptography cannot load the client certificate ({client.reason}); it was read "
        "field by field, as OpenSSL reads it, and its extensions were not checked",
    )
    own = _lenient_checks(client, now, profile, ignore_expiry)
    if key is not None:
        same = key.spki == client.spki
        own.append(Check("key", same, f"the {key.kind} in {key.path} " + (
            "belongs to the client certificate" if same else "does not belong to the client "
            "certificate")).about(client))  # fmt: skip
    candidates = trusted.graph.named(client.issuer_der, client.issuer_canon)
    if not candidates:
        detail = f"no certificate named {client.issuer} in the truststore"
        return _decide(
            (link,), [*own, Check("issuer", False, detail).about(client)], names, profile, notes
        )
    signed, failures = [], []
    for candidate in candidates:
        try:
            result, why = check_raw_signature(
                client.signature, client.tbs_der, client.signature_algorithm, candidate.public_key
            )
        except (ValueError, UnsupportedAlgorithm) as exc:
            result, why = SignatureCheck.INVALID, f"unreadable key ({exc})"
        if result is SignatureCheck.INVALID:
            failures.append(f"line {candidate.block.begin_line}: {why}")
        else:
            signed.append(candidate)
    if not signed:
        check = Check("signature", False, "; ".join(failures)).about(client)
        return _decide((link,), [*own, check], names, profile, notes)
    first: Verdict | None = None
    for issuer in signed:
        revoked: list[Check] = []
        if revocations and profile.revocation is not None:
            hit = _revocation_check(client, client.serial_number, issuer, revocations)
            revoked = [hit] if hit is not None else []
        for attempt in islice(paths(issuer, [trusted], "truststore"), MAX_ATTEMPTS):
            if attempt.stop is not None:
                continue
            path = check_path(attempt, now, profile, strict=strict, revocations=revocations)
            above = [c for c in path if c.name != "chain-length"]
            cas, limit = len(attempt.links), profile.max_chain_cas
            length = Check("chain-length", cas <= limit, f"{cas} CA certificates on the path "
                           f"(at most {limit})")  # fmt: skip
            checks = [*own, *revoked, _ca_check(issuer), *above, length]
            verdict = _decide((link, *attempt.links), checks, names, profile, notes)
            if verdict.allowed:
                return verdict
            first = first or verdict
    if first is not None:
        return first
    detail = f"no path from {signed[0].subject} to a self-signed root in the truststore"
    check = Check("issuer", False, detail).about(signed[0])
    return _decide((link, Link(signed[0], "truststore")), [*own, check], names, profile, notes)


def _lenient_checks(
    client: LenientCertificate, now: dt.datetime, profile: Profile, ignore_expiry: bool
) -> list[Check]:
    """What the client's own readable fields decide, in the order a reason is chosen."""
    checks = []
    if client.not_before is None or client.not_after is None:
        name = "not-before-format" if client.not_before is None else "not-after-format"
        checks.append(Check(name, False, client.validity_error or "").about(client))
    else:
        validity = _validity_check(client.not_before, client.not_after, now).about(client)
        if ignore_expiry and validity.name == "expired":
            validity = _expiry_ignored(validity, profile)
        checks.append(validity)
    checks.append(_algorithm_check(client, profile))
    if client.repeated_extensions:
        detail = f"extension {', '.join(client.repeated_extensions)} is given more than once"
        checks.append(Check("repeated-extension", False, detail).about(client))
    return checks


def _key_check(client: ParsedCertificate, key: PublicKeyInfo) -> Check:
    same = key.spki == client.spki
    detail = (
        f"the {key.kind} in {key.path} belongs to the client certificate"
        if same
        else f"the {key.kind} in {key.path} (public key sha256 {key.spki_sha256[:16]}…) does "
        "not belong to the client certificate"
    )
    return Check("key", same, detail).about(client)


def _self_signed(
    client: ParsedCertificate,
    trusted: Pool,
    now: dt.datetime,
    profile: Profile,
    names: Names,
    key_checks: list[Check],
    ignore_expiry: bool = False,
) -> Verdict:
    link = Link(client, "client")
    if client.sha256 in trusted.fingerprints:
        pinned = Check("self-signed", True, "a byte-identical copy is in the truststore")
        path = check_path(Attempt((link,)), now, profile, ignore_expiry=ignore_expiry)
        checks = [pinned, *path, *key_checks]
        return _decide((link,), checks, names, profile)
    same_name = trusted.graph.with_subject(client.subject_der)
    detail = "self-signed, and no byte-identical copy is in the truststore"
    if same_name:
        lines = ", ".join(str(c.block.begin_line) for c in same_name)
        detail += f" (a different certificate with this subject is at line {lines}: re-issued?)"
    checks = [Check("self-signed", False, detail).about(client), *key_checks]
    return _decide((link,), checks, names, profile)


def _untrusted_path(
    client: ParsedCertificate,
    trusted: Pool,
    untrusted: Sequence[ParsedCertificate] | Pool,
    sent: Sequence[ParsedCertificate],
    names: Names,
) -> tuple[str, ...]:
    """What ``openssl verify -untrusted`` would find: the certificates the truststore lacks."""
    if isinstance(untrusted, Pool) and not untrusted.fingerprints:
        untrusted = ()
    if not untrusted and not sent:
        return ()
    files = {"untrusted": names.untrusted, "sent by client": names.client}
    extra = untrusted if isinstance(untrusted, Pool) else Pool(untrusted, "untrusted")
    pools = [trusted, extra, Pool(sent, "sent by client")]
    for attempt in islice(paths(client, pools), MAX_ATTEMPTS):
        if attempt.stop is None:
            missing = [link for link in attempt.links if link.source in files]
            listed = "; ".join(
                f"{link.cert.subject} (sha256 {link.cert.sha256[:16]}…, {files[link.source]} "
                f"line {link.cert.block.begin_line})"
                for link in missing
            )
            return (
                f"with the untrusted certificates a path exists (openssl verify -untrusted would "
                f"accept it), but API Gateway uses only the truststore: add {listed} to "
                f"{names.truststore}",
            )
    return ()


def _decide(
    links: tuple[Link, ...],
    checks: list[Check],
    names: Names,
    profile: Profile,
    notes: tuple[str, ...] = (),
) -> Verdict:
    failed = next((c for c in checks if not c.ok), None)
    if failed is None:
        return Verdict(True, None, links, tuple(checks), None, notes, profile)
    reason = REASON_OF_CHECK[failed.name]
    top = links[-1].cert
    pinned = len(links) == 1 and top.is_self_issued  # the client is its own trust anchor
    fix = fix_for(
        reason, subject=failed.subject or top.subject, issuer=top.issuer, top=top.subject,
        store=names.truststore, client=names.client, profile=profile, pinned=pinned,
    )  # fmt: skip
    return Verdict(False, reason, links, tuple(checks), fix, notes, profile)
