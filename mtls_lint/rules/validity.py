"""Rules about validity periods, judged at ``--now``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.dates import minute_utc
from mtls_lint.findings import Severity
from mtls_lint.profiles import EXPIRED, NOT_YET_VALID
from mtls_lint.rule import (
    LintContext,
    Options,
    Problem,
    about,
    certificate_rule,
    describe,
)

if TYPE_CHECKING:
    from mtls_lint.certificate import CertificateFacts


@certificate_rule(
    "expired",
    "not-after is before --now",
    severity=Severity.ERROR,
    citation=f"{citations.REPOST_403}; {citations.RFC5280}",
    facts=True,
)
def expired(ctx: LintContext, cert: CertificateFacts, options: Options) -> Iterator[Problem]:
    """Fires for a certificate whose notAfter is before ``--now`` (default: the current time).

    AWS: API Gateway does not warn when a stored certificate expires; clients whose path holds
    it get 403 (OpenSSL: ``certificate has expired``).

    Fix: replace it with the renewed certificate from its CA; for a root, add the new root
    before the old one expires.

    Show it: ``openssl x509 -in FILE -noout -enddate``
    """
    if cert.not_after is not None and cert.not_after < ctx.now:
        days = (ctx.now - cert.not_after).days
        yield about(
            cert,
            f"{describe(cert)} expired on {minute_utc(cert.not_after)} ({days} days ago); "
            + ctx.profile.refusal(EXPIRED, "certificate has expired"),
        )


@certificate_rule(
    "not-yet-valid",
    "not-before is after --now",
    severity=Severity.ERROR,
    citation=citations.RFC5280,
    facts=True,
)
def not_yet_valid(ctx: LintContext, cert: CertificateFacts, options: Options) -> Iterator[Problem]:
    """Fires for a certificate whose notBefore is after ``--now``: issued with a clock in the
    future, or pushed before its start date.

    AWS: clients whose path holds it get 403 until then (OpenSSL: ``certificate is not yet
    valid``).

    Fix: wait until notBefore before uploading, or re-issue with a correct start date.

    Show it: ``openssl x509 -in FILE -noout -startdate``
    """
    if cert.not_before is not None and cert.not_before > ctx.now:
        yield about(
            cert,
            f"{describe(cert)} is not valid until {minute_utc(cert.not_before)}; "
            + ctx.profile.refusal(NOT_YET_VALID, "certificate is not yet valid"),
        )


@certificate_rule(
    "expires-soon",
    "not-after within --expiry-days",
    severity=Severity.WARNING,
    citation=citations.APIGW_TRUSTSTORE,
    options={"days": int},
    defaults={"days": None},
    facts=True,
)
def expires_soon(ctx: LintContext, cert: CertificateFacts, options: Options) -> Iterator[Problem]:
    """Fires for a certificate that is valid now but expires within ``--expiry-days`` days
    (default 30; the rule's ``days`` option overrides it).

    AWS: API Gateway does not warn when a stored certificate expires; the day it does, clients
    under it get 403 with no change on your side.

    Fix: get the renewed certificate now and add it next to the old one.

    Show it: ``openssl x509 -in FILE -noout -checkend $((30*86400))``
    """
    days = options.get("days")
    window = ctx.expiry_days if days is None else int(days)
    if cert.not_after is None or cert.not_after < ctx.now:
        return
    left = cert.not_after - ctx.now
    if left.days < window:
        yield about(
            cert,
            f"{describe(cert)} expires on {minute_utc(cert.not_after)}, in {left.days} days "
            f"(window {window}); {_no_warning(ctx)}",
        )


def _no_warning(ctx: LintContext) -> str:
    """What the service says before a certificate expires: API Gateway documents that it says
    nothing; ALB and CloudFront document nothing either way."""
    if ctx.profile.codes:
        return f"then {ctx.profile.refusal(EXPIRED, 'certificate has expired')}"
    return "API Gateway will not warn"
