"""What the truststore given can tell of the failures a connection log records.

A connection log names the leaf's subject, serial and validity (CloudFront also its issuer),
not the certificate itself, so ``verify`` cannot judge it; what can be checked is checked
here: a client validity window already past when it connected, the issuer missing from the
truststore or expired then, and a path above the issuer deeper than the service's limit.
Names are compared as the logs write them (RFC 2253 strings), loosely: case and the spaces
around separators are ignored, and the reversed order OpenSSL's one-line form uses is tried.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from mtls_lint.certificate import ParsedCertificate
from mtls_lint.connectionlog import ConnectionClient
from mtls_lint.dates import day, minute
from mtls_lint.logformats import log_time
from mtls_lint.profiles import CHAIN_DEPTH, EXPIRED, NOT_YET_VALID, UNTRUSTED, Profile

_SEPARATOR = re.compile(r"\s*([,/+=])\s*")


def _loose(name: str) -> str:
    return _SEPARATOR.sub(r"\1", name.strip().strip("/")).casefold()


def _keys(name: str) -> set[str]:
    """The loose forms ``name`` may match: as written, and its RDNs in reverse order."""
    loose = _loose(name)
    parts = [p for p in re.split(r"[,/]", loose) if p]
    return {loose, ",".join(parts), ",".join(reversed(parts))}


class Truststore:
    """The truststore's certificates, indexed by their subject as a log would write it."""

    def __init__(self, certificates: Sequence[ParsedCertificate], shown: str) -> None:
        self.shown = shown
        self.by_name: dict[str, list[ParsedCertificate]] = {}
        for cert in certificates:
            self.by_name.setdefault(_loose(cert.subject), []).append(cert)

    def named(self, name: str) -> list[ParsedCertificate]:
        return next((self.by_name[k] for k in _keys(name) if k in self.by_name), [])

    def depth_above(self, cert: ParsedCertificate, limit: int) -> tuple[int, str | None]:
        """How many CA certificates the path from ``cert`` up to a self-issued root holds
        (``cert`` included; at most ``limit + 1`` counted), and the issuer name it stops at
        when the truststore lacks one."""
        depth, seen = 1, {cert.sha256}
        while not cert.is_self_issued and depth <= limit:
            parents = [p for p in self.named(cert.issuer) if p.sha256 not in seen]
            if not parents:
                return depth, cert.issuer
            cert = parents[0]
            seen.add(cert.sha256)
            depth += 1
        return depth, None


def _moment(text: str | None) -> dt.datetime | None:
    return log_time(text) if text and text != "-" else None


def check_client(
    client: ConnectionClient, store: Truststore | None, profile: Profile, now: dt.datetime
) -> list[str]:
    """What the truststore and the logged validity say of ``client``'s connections."""
    notes: list[str] = []
    last = _moment(client.last_time) or now
    first = _moment(client.first_time) or now
    not_after = _moment(client.validity_part("NotAfter"))
    not_before = _moment(client.validity_part("NotBefore"))
    if not_after is not None and not_after < last:
        notes.append(
            f"the logged validity ended {client.validity_part('NotAfter')}, before the last "
            f"connection ({client.last_time}): {profile.service} logs "
            f"{profile.code(EXPIRED)}"
            + (
                f" unless {profile.ignore_expiry_option} is set"
                if profile.ignore_expiry_option
                else ""
            )
        )
    if not_before is not None and not_before > first:
        notes.append(
            f"the logged validity begins {client.validity_part('NotBefore')}, after the first "
            f"connection ({client.first_time}): {profile.code(NOT_YET_VALID)}"
        )
    if client.issuer == "-" or store is None:
        return notes
    issuers = store.named(client.issuer)
    if not issuers:
        notes.append(
            f"no certificate of {store.shown} has the subject '{client.issuer}' that issued "
            f"this client: the trust store lacks the client's CA ({profile.code(UNTRUSTED)})"
        )
        return notes
    current = [c for c in issuers if c.not_before <= last <= c.not_after]
    if not current:
        ended = max(c.not_after for c in issuers)
        notes.append(
            f"the client's CA '{client.issuer}' in {store.shown} was not valid at the last "
            f"connection (its validity ends {day(ended)}): renew the CA and update the "
            "trust store"
        )
    depth, stops_at = store.depth_above((current or issuers)[0], profile.max_chain_cas)
    if stops_at is not None:
        notes.append(
            f"the path above the client's CA stops at '{stops_at}', which is not in "
            f"{store.shown}: add it and every CA up to its root ({profile.code(UNTRUSTED)})"
        )
    elif depth > profile.max_chain_cas:
        notes.append(
            f"the client's CA is {depth} CA certificates from its root in {store.shown}, over "
            f"{profile.service}'s {profile.max_chain_cas} ({profile.code(CHAIN_DEPTH)})"
        )
    return notes


def check_truststore(
    store: Sequence[ParsedCertificate], shown: str, when: dt.datetime
) -> list[str]:
    """The truststore's certificates that were not valid at ``when`` (the log's last
    connection): the clients they issued are refused."""
    return [
        f"{shown}: '{cert.subject}' was not valid at {minute(when)}Z (valid "
        f"{day(cert.not_before)} to {day(cert.not_after)}): the clients it issues are "
        "refused"
        for cert in store
        if not cert.not_before <= when <= cert.not_after
    ]


def crosscheck(
    clients: Sequence[ConnectionClient],
    certificates: Sequence[ParsedCertificate] | None,
    shown: str,
    profile: Profile,
    now: dt.datetime,
) -> list[str]:
    """Fill each failing client's ``truststore_notes`` (without a truststore, what the log's
    validity says); return the truststore's own."""
    store = Truststore(certificates, shown) if certificates is not None else None
    times = [t for t in (_moment(c.last_time) for c in clients) if t is not None]
    for client in clients:
        if client.failures:
            client.truststore_notes = check_client(client, store, profile, now)
    if certificates is None:
        return []
    return check_truststore(certificates, shown, max(times, default=now))
