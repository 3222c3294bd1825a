"""Rules about revocation-list files: ALB's CRLs, beside the CA bundle.

Each rule reads ``ctx.revocation``: the file's lists, the CA certificates of the trust
store(s) linted in the same run, and the run's totals for ALB's per-trust-store quotas. API
Gateway checks no revocation and CloudFront takes no CRLs, so the rules are off there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.dates import day
from mtls_lint.findings import Severity
from mtls_lint.profiles import STRONG_HASHES
from mtls_lint.rule import LintContext, Options, Problem, revocation_rule

if TYPE_CHECKING:
    from mtls_lint.crl import ParsedList, TrustedCA

#: On for the services that take CRLs (ALB), off where none are read.
ONLY_ALB = {"apigateway": None, "alb": Severity.ERROR, "cloudfront": None}


def _lists(ctx: LintContext) -> list[ParsedList]:
    return ctx.revocation.file.lists if ctx.revocation is not None else []


def _where(item: ParsedList) -> str:
    return f"revocation list #{item.index} (line {item.line}, issuer {item.issuer})"


def _issuers(ctx: LintContext, item: ParsedList) -> list[TrustedCA]:
    """The trust store's CA certificates named as the list's issuer (as OpenSSL compares
    names)."""
    trusted = ctx.revocation.trusted if ctx.revocation is not None else ()
    return [c for c in trusted if c.subject_canon == item.issuer_canon]


@revocation_rule(
    "crl-not-checked",
    "a revocation list for a service that checks none (API Gateway, CloudFront)",
    severity={"apigateway": Severity.NOTICE, "alb": None, "cloudfront": Severity.NOTICE},
    citation=f"{citations.APIGW_TRUSTSTORE}; {citations.CLOUDFRONT}",
)
def crl_not_checked(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires once for a revocation-list file linted under a profile whose service reads no
    CRLs, so that the list is not mistaken for protection.

    AWS: "API Gateway doesn't verify if a certificate has been revoked" (a Lambda authorizer
    can); CloudFront revokes with Connection Functions and a key-value store, not CRLs.

    Fix: check revocation where the service allows it (API Gateway: a Lambda authorizer;
    CloudFront: a Connection Function), or lint the list with ``--profile alb``.

    Show it: ``mtls-lint explain crl-not-checked``
    """
    if ctx.revocation is not None and ctx.profile.revocation is None:
        yield Problem(
            f"{ctx.profile.service} checks no revocation lists: the {len(_lists(ctx))} list(s) "
            "here revoke nothing there",
            1,
            max(1, ctx.bundle.line_count),
        )


@revocation_rule(
    "crl-unreadable",
    "a revocation-list block that is not a CRL cryptography can read",
    severity=ONLY_ALB,
    citation=citations.ALB_REVOCATION,
)
def crl_unreadable(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for an ``X509 CRL`` block whose content is not a certificate revocation list.

    AWS: ALB refuses the file (AddTrustStoreRevocations: ``InvalidRevocationContent``, "an
    invalid format").

    Fix: export the list again from the CA (``openssl ca -gencrl``, or the CA's CRL URL).

    Show it: ``openssl crl -in FILE -noout -text``
    """
    if ctx.revocation is None:
        return
    for line, end, reason in ctx.revocation.file.unreadable:
        yield Problem(f"the X509 CRL block cannot be read: {reason}", line, end)


@revocation_rule(
    "crl-not-pem",
    "a revocation list in DER where the service takes PEM",
    severity=ONLY_ALB,
    citation=citations.ALB_REVOCATION,
)
def crl_not_pem(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a revocation-list file that is one DER CRL.

    AWS: ALB takes revocation files in PEM ("RevocationType: CRL"; the examples are
    ``crl.pem``).

    Fix: ``openssl crl -inform DER -in FILE -out FILE.pem``

    Show it: ``openssl crl -inform DER -in FILE -noout -issuer``
    """
    if ctx.revocation is not None and not ctx.revocation.file.pem:
        path = ctx.revocation.file.path
        yield Problem(
            f"the revocation list is DER; ALB takes PEM: convert with `openssl crl -inform DER "
            f"-in {path} -out {path}.pem`",
            1,
            1,
        )


@revocation_rule(
    "crl-expired",
    "a revocation list whose nextUpdate has passed",
    severity=ONLY_ALB,
    citation=f"{citations.RFC5280} section 5.1.2.5; {citations.ALB_REVOCATION}",
)
def crl_expired(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a list whose ``nextUpdate`` is before ``--now``: the CA has issued (or owes)
    a newer one, and the revocations since are missing.

    AWS: ALB keeps applying the list it was given; certificates revoked after it was issued
    are admitted.

    Fix: fetch the current list from the CA and replace the revocation file
    (``aws elbv2 remove-trust-store-revocations`` and ``add-trust-store-revocations``).

    Show it: ``openssl crl -in FILE -noout -nextupdate``
    """
    for item in _lists(ctx):
        if item.next_update is not None and item.next_update < ctx.now:
            days = (ctx.now - item.next_update).days
            yield Problem(
                f"{_where(item)} was due for renewal on {day(item.next_update)} "
                f"({days} days ago); revocations since then are missing",
                item.line,
                item.end_line,
            )


@revocation_rule(
    "crl-expires-soon",
    "a revocation list whose nextUpdate is within --expiry-days",
    severity={"apigateway": None, "alb": Severity.WARNING, "cloudfront": None},
    citation=f"{citations.RFC5280} section 5.1.2.5; {citations.ALB_REVOCATION}",
)
def crl_expires_soon(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a list whose ``nextUpdate`` is after ``--now`` but within ``--expiry-days``.

    AWS: ALB does not fetch lists itself: the file must be replaced before then.

    Fix: schedule the replacement from the CA's CRL distribution point.

    Show it: ``openssl crl -in FILE -noout -nextupdate``
    """
    for item in _lists(ctx):
        if item.next_update is None or item.next_update < ctx.now:
            continue
        left = (item.next_update - ctx.now).days
        if left < ctx.expiry_days:
            yield Problem(
                f"{_where(item)} is due for renewal on {day(item.next_update)}, in {left} "
                f"days (window {ctx.expiry_days})",
                item.line,
                item.end_line,
            )


@revocation_rule(
    "crl-issuer-missing",
    "a revocation list whose issuer is not a CA of the trust store",
    severity=ONLY_ALB,
    citation=citations.ALB_REVOCATION,
)
def crl_issuer_missing(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a list whose issuer is no CA certificate of the trust store(s) linted in the
    same run (names compared as OpenSSL compares them).

    AWS: a list revokes certificates of a CA in the trust store; one from another CA revokes
    nothing there, and ALB may refuse it (``InvalidRevocationContent``).

    Fix: lint the list together with its trust store (``mtls-lint check BUNDLE CRL``), or add
    the list to the trust store whose CA issued it.

    Show it: ``openssl crl -in FILE -noout -issuer``
    """
    if ctx.revocation is None:
        return
    for item in _lists(ctx):
        if not _issuers(ctx, item):
            what = (
                "no CA certificate of the trust store linted with it"
                if ctx.revocation.trusted
                else "no trust store linted with it (name one in the same run)"
            )
            yield Problem(
                f"{_where(item)}: {what} is named {item.issuer}", item.line, item.end_line
            )


@revocation_rule(
    "crl-bad-signature",
    "a revocation list its issuer's key does not verify",
    severity=ONLY_ALB,
    citation=citations.ALB_REVOCATION,
)
def crl_bad_signature(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a list whose issuer is in the trust store but whose signature none of the
    CAs of that name verifies: a list of another CA of the same name, or a corrupted file.

    AWS: ALB refuses such a file (``InvalidRevocationContent``) or, at best, revokes nothing.

    Fix: fetch the list again from the CA that issued the trust store's certificate.

    Show it: ``openssl crl -in FILE -CAfile BUNDLE -noout`` ("verify failure")
    """
    for item in _lists(ctx):
        issuers = _issuers(ctx, item)
        if issuers and not any(ca.verifies(item) for ca in issuers):
            yield Problem(
                f"{_where(item)}: the signature does not verify with the key of "
                f"{', '.join(ca.subject for ca in issuers[:3])} in the trust store",
                item.line,
                item.end_line,
            )


@revocation_rule(
    "crl-weak-signature-hash",
    "a revocation list signed with a hash weaker than SHA-256",
    severity=ONLY_ALB,
    citation=f"{citations.ALB_REVOCATION}; {citations.ALB_MTLS}",
)
def crl_weak_signature_hash(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a list signed with SHA-1, MD5 or SHA-224.

    AWS: ALB refuses a revocation file that "uses an incorrect algorithm"
    (``InvalidRevocationContent``); its certificates must be signed with SHA-256, 384 or 512.

    Fix: have the CA issue the list with SHA-256 (``openssl ca -gencrl -md sha256``).

    Show it: ``openssl crl -in FILE -noout -text | grep 'Signature Algorithm'``
    """
    for item in _lists(ctx):
        hash_name = item.signature_algorithm.hash
        if hash_name is not None and hash_name not in STRONG_HASHES:
            yield Problem(
                f"{_where(item)} is signed with {hash_name.upper()}; ALB refuses a revocation "
                "file that uses an incorrect algorithm (InvalidRevocationContent)",
                item.line,
                item.end_line,
            )


@revocation_rule(
    "crl-too-large",
    "a revocation-list file, or the run's lists, over the service's quotas",
    severity=ONLY_ALB,
    citation=citations.ALB_QUOTAS,
)
def crl_too_large(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a file over the size of one revocation list, and when the lists of the run
    hold more entries, or are more lists, than one trust store may have.

    AWS: ALB quotas: "Revocation list file size 50 MB" (not adjustable), "Revocation entries
    per trust store 500,000" and "Revocation lists per trust store 30" (adjustable;
    ``TooManyTrustStoreRevocationEntries``).

    Fix: drop expired entries (the CA's next list does), split the trust store, or request a
    quota increase and set it in ``.mtls-lint.yaml`` (``limits: {crl-entries: N}``).

    Show it: ``ls -l FILE; openssl crl -in FILE -noout -text | grep -c 'Serial Number'``
    """
    revocation, quota = ctx.revocation, ctx.profile.revocation
    if revocation is None or quota is None:
        return
    end = max(1, ctx.bundle.line_count)
    if revocation.file.size > quota.max_list_bytes:
        yield Problem(
            f"the file is {revocation.file.size:,} bytes; ALB takes revocation files of at most "
            f"{quota.max_list_bytes:,}",
            1,
            end,
        )
    if revocation.entries_in_run > quota.max_entries:
        yield Problem(
            f"the revocation lists of this run hold {revocation.entries_in_run:,} entries "
            f"({revocation.file.entries:,} here); a trust store may hold {quota.max_entries:,}",
            1,
            end,
        )
    if revocation.lists_in_run > quota.max_lists:
        yield Problem(
            f"this run has {revocation.lists_in_run} revocation lists; a trust store may have "
            f"{quota.max_lists}",
            1,
            end,
        )
