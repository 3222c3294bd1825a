"""Judge what is deployed (:mod:`mtls_lint.deployed`): lint the bytes the service uses with
its profile, its revocation lists with the CRL rules, compare its own certificate count with
the bytes, and -- with ``--against`` -- diff it with the file in the repository (drift)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from mtls_lint.bundle_diff import FileDiff, diff_bundle
from mtls_lint.deployed import Deployed, Fetched, Note
from mtls_lint.engine import lint_bundle, lint_revocation
from mtls_lint.findings import FileResult, Finding, Severity
from mtls_lint.lint_settings import LintSettings
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.pem_reader import read_bundle


class Checked(NamedTuple):
    deployed: Deployed
    #: The lint of the CA bundle, then of each revocation list.
    files: tuple[FileResult, ...]
    #: What reading it found, and what comparing it found.
    notes: tuple[Note, ...]
    #: ``--against``: what is deployed (old) against the repository's file (new).
    drift: FileDiff | None = None

    @property
    def findings(self) -> Iterator[Finding]:
        for result in self.files:
            yield from result.findings

    @property
    def drifted(self) -> bool:
        return self.drift is not None and self.drift.changes_certificates

    def fails(self, fail_on: str) -> bool:
        """A finding or note at or above ``fail_on``, or drift (whatever ``fail_on``, unless
        ``never``)."""
        if fail_on == "never":
            return False
        bar = Severity.parse(fail_on)
        return (
            self.drifted
            or any(f.severity >= bar for f in self.findings)
            or any(n.severity >= bar for n in self.notes)
        )


def check_deployed(
    deployed: Deployed, settings: LintSettings, against: Fetched | None = None
) -> Checked:
    """``deployed`` judged with ``settings`` (its service's profile)."""
    from mtls_lint.crl import TrustedCA, is_revocation_file, read_revocation_file
    from mtls_lint.rule import Revocation

    notes = list(deployed.notes)
    files: list[FileResult] = []
    trusted: list[TrustedCA] = []
    drift = None
    if deployed.bundle is not None:
        parsed = ParsedBundle(read_bundle(deployed.bundle.name, deployed.bundle.data))
        result = lint_bundle(parsed, settings)  # parsed once, for the rules and the CAs
        files.append(result)
        trusted = [t for c in parsed.certificates if c.is_ca and (t := TrustedCA.of(c)) is not None]
        counted = deployed.certificate_count
        if counted is not None and counted != result.certificates:
            notes.append(Note("certificate-count-differs", Severity.WARNING, (
                f"{deployed.service} counts {counted} CA certificate(s) in the trust store; "
                f"{deployed.bundle.name} holds {result.certificates}: the trust store was made "
                "from other bytes than these"
            )))  # fmt: skip
        if against is not None:
            drift = diff_bundle(against.name, deployed.bundle.data, against.data, settings,
                                old_path=deployed.bundle.name)  # fmt: skip
    elif against is not None:
        notes.append(Note("not-compared", Severity.WARNING, (
            f"--against {against.name}: the deployed bundle could not be read, so it is not "
            "compared"
        )))  # fmt: skip
    parsed_lists = []
    for fetched in deployed.revocations:
        bundle = read_bundle(fetched.name, fetched.data)
        if not is_revocation_file(bundle, fetched.data):
            notes.append(Note("revocation-unreadable", Severity.ERROR,
                              f"{fetched.name} holds no X509 CRL blocks"))  # fmt: skip
            continue
        parsed_lists.append((bundle, read_revocation_file(bundle, fetched.data)))
    entries = sum(r.entries for _, r in parsed_lists)
    count = sum(len(r.lists) for _, r in parsed_lists)
    for bundle, revocation in parsed_lists:
        files.append(lint_revocation(
            bundle, Revocation(revocation, tuple(trusted), count, entries), settings
        ))  # fmt: skip
    return Checked(deployed, tuple(files), tuple(notes), drift)
