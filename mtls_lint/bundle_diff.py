"""What a change does to a truststore: certificates added, removed, kept and renewed, the
findings it introduces and fixes, and CAs whose removal strands what they issued."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from mtls_lint.certificate import ParsedCertificate
from mtls_lint.engine import lint_bundle
from mtls_lint.findings import Finding, short_name
from mtls_lint.inventory import Inventory, take_inventory
from mtls_lint.lint_settings import LintSettings
from mtls_lint.names import Canonical
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import REASON_NO_ISSUER, UNTRUSTED, Profile
from mtls_lint.trust_graph import Verdicts


class Listed(NamedTuple):
    """A certificate as a diff lists it: what the reports show of it, and nothing that
    ``pickle`` cannot carry (``diff --base`` over many files makes its diffs in forked
    children, :mod:`mtls_lint.forked`)."""

    sha256: str
    subject: str
    common_name: str
    not_before: dt.datetime
    not_after: dt.datetime
    #: 1-based position among its version's certificates, and the line of its BEGIN there.
    index: int  # type: ignore[assignment]
    line: int

    @classmethod
    def of(cls, cert: ParsedCertificate) -> Listed:
        return cls(cert.sha256, cert.subject, cert.common_name, cert.not_before, cert.not_after,
                   cert.index, cert.block.begin_line)  # fmt: skip

    @property
    def short_name(self) -> str:
        return short_name(self.subject, self.common_name)


class FileDiff:
    """One file's change. A plain class, not a dataclass: importing dataclasses brings
    inspect, ast and tokenize, 13 ms of every diff run."""

    def __init__(self, path: str, file_status: str | None = None) -> None:
        self.path = path
        self.added: list[Listed] = []
        self.removed: list[Listed] = []
        self.kept: list[Listed] = []
        self.renewed: list[tuple[Listed, Listed]] = []
        self.introduced: list[Finding] = []
        self.fixed: list[Finding] = []
        self.warnings: list[str] = []
        #: "added" or "deleted" when the whole file is new or gone in this change.
        self.file_status = file_status

    @property
    def changes_certificates(self) -> bool:
        return bool(self.added or self.removed or self.renewed)


def _lint(
    path: str,
    data: bytes | None,
    settings: LintSettings,
    verdicts: Verdicts,
    known: Inventory | None = None,
) -> tuple[Inventory, list[Finding]]:
    """One side: parsed once for both its inventory and its findings; ``verdicts`` holds the
    signatures checked so far, so a link the other side holds too is not checked again, and
    a certificate the ``known`` side holds is taken from it, not parsed again."""
    same = {c.der: c for c in known.certificates} if known is not None else None
    parsed = ParsedBundle(read_bundle(path, data or b""), verdicts, same)
    if data is None:
        return take_inventory(parsed), []
    return take_inventory(parsed), list(lint_bundle(parsed, settings).findings)


def diff_bundle(
    path: str,
    old: bytes | None,
    new: bytes | None,
    settings: LintSettings,
    old_path: str | None = None,
) -> FileDiff:
    """Compare two versions of one file (None: the file does not exist on that side).
    ``old_path``: where the old version is (``OLD``, ``REF:path``), which its fixed findings
    cite, since their lines are its lines."""
    verdicts: Verdicts = {}
    before, old_findings = _lint(path, old, settings, verdicts)
    after, new_findings = _lint(path, new, settings, verdicts, before)
    result = FileDiff(
        path, file_status="added" if old is None else "deleted" if new is None else None
    )
    old_by_sha = {c.sha256: c for c in before.certificates}
    new_by_sha = {c.sha256: c for c in after.certificates}
    kept = [c for c in after.certificates if c.sha256 in old_by_sha]
    added = [c for sha, c in new_by_sha.items() if sha not in old_by_sha]
    removed = [c for sha, c in old_by_sha.items() if sha not in new_by_sha]
    # a renewal: one certificate out, one in, same subject -- paired through an index, so two
    # unrelated 10,000-certificate bundles cost a pass each, not 10,000 x 10,000 comparisons
    waiting: dict[Canonical, list[ParsedCertificate]] = {}  # names as OpenSSL compares them
    for cert in reversed(added):
        waiting.setdefault(cert.subject_canon, []).append(cert)
    renewed: list[tuple[ParsedCertificate, ParsedCertificate]] = []
    paired: set[str] = set()
    for old_cert in removed:
        twins = waiting.get(old_cert.subject_canon)
        if twins:
            twin = twins.pop()
            renewed.append((old_cert, twin))
            paired.update((old_cert.sha256, twin.sha256))
    added = [c for c in added if c.sha256 not in paired]
    removed = [c for c in removed if c.sha256 not in paired]
    result.kept = [Listed.of(c) for c in kept]
    result.added = [Listed.of(c) for c in added]
    result.removed = [Listed.of(c) for c in removed]
    result.renewed = [(Listed.of(old), Listed.of(new)) for old, new in renewed]

    old_prints = {f.fingerprint() for f in old_findings}
    new_prints = {f.fingerprint() for f in new_findings}
    result.introduced = [f for f in new_findings if f.fingerprint() not in old_prints]
    result.fixed = [
        f._replace(path=old_path or f.path) for f in old_findings
        if f.fingerprint() not in new_prints
    ]  # fmt: skip
    result.warnings = _rekeyed(renewed, settings.profile) + _stranded(
        before, after, [old for old, _ in renewed] + removed, settings.profile, settings.now
    )
    return result


def _rekeyed(
    renewed: list[tuple[ParsedCertificate, ParsedCertificate]], profile: Profile
) -> list[str]:
    """Warnings for CAs renewed with a new key: every certificate the old key issued -- client
    certificates, which are not in the bundle, above all -- is refused from then on. A renewal
    that keeps the key stays quiet."""
    warnings = []
    for old, new in renewed:
        # an unreadable new key verifies nothing: it is not the old key
        if not old.is_ca or (old.spki is not None and old.spki == new.spki):
            continue
        warnings.append(
            f"renewed CA {old.subject} has a new key (key id {_key_id(old)} -> {_key_id(new)}): "
            + profile.refusal(
                UNTRUSTED, REASON_NO_ISSUER, "client certificates issued under the old key"
            )
            + " until they are re-issued; keep the old CA in the bundle until then"
        )
    return warnings


def _key_id(cert: ParsedCertificate) -> str:
    return cert.subject_key_id.hex() if cert.subject_key_id else "none"


def _stranded(
    before: Inventory,
    after: Inventory,
    gone: list[ParsedCertificate],
    profile: Profile,
    now: dt.datetime,
) -> list[str]:
    """Warnings for CAs this change removes while something still depends on them. A CA that
    had already expired strands nobody: its clients were refused before the change."""
    warnings = []
    new_by_sha = {c.sha256: c for c in after.certificates}
    issued: dict[int, list[ParsedCertificate]] = {}  # what each certificate issued, before
    for child in before.certificates:
        parent = before.graph.parent(child)
        if parent is not None:
            issued.setdefault(id(parent), []).append(child)
    for ca in gone:
        if not ca.is_ca:
            continue
        for child in issued.get(id(ca), ()):
            if child.sha256 not in new_by_sha:
                continue
            if after.graph.parent(new_by_sha[child.sha256]) is None:
                warnings.append(
                    f"removed CA {ca.subject} (sha256 {ca.sha256[:16]}…) issued {child.subject}, "
                    "which is still in the bundle and now has no issuer"
                )
        if not after.graph.with_subject(ca.subject_der) and ca.not_after >= now:
            warnings.append(
                f"removed CA {ca.subject} was the only certificate with that name: "
                + profile.refusal(UNTRUSTED, REASON_NO_ISSUER, "clients it issued")
            )
    return warnings
