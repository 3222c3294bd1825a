"""Rules about the service quotas on trust store size."""

from __future__ import annotations

from collections.abc import Iterator

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, about, describe, file_rule


@file_rule(
    "bundle-too-large",
    "more certificates or bytes than the profile allows",
    severity=Severity.ERROR,
    citation=f"{citations.ALB_QUOTAS}; {citations.CLOUDFRONT}",
)
def bundle_too_large(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires when the bundle holds more certificates (ALB counts CA certificates) or more bytes
    than the profile's quota. API Gateway documents no quota, so on ``apigateway`` it fires only
    when a limit is configured.

    AWS: ALB allows 25 CA certificates per trust store; CloudFront 25 certificates and 64 KB
    per trust store. The upload is rejected.

    Fix: remove certificates no client uses (expired, duplicate, leaves), or request a quota
    increase and set the raised limit in ``.mtls-lint.yaml`` (``limits:``).

    Show it: ``grep -c -- '-----BEGIN CERTIFICATE-----' FILE; wc -c FILE``
    """
    profile = ctx.profile
    end = max(1, ctx.bundle.line_count)
    if profile.max_certificates is not None:
        counted = [c for c in ctx.certificates if c.is_ca or not profile.count_only_cas]
        if len(counted) > profile.max_certificates:
            what = "CA certificates" if profile.count_only_cas else "certificates"
            yield Problem(
                f"{len(counted)} {what}; the {profile.name} limit is {profile.max_certificates}",
                1,
                end,
            )
    if profile.max_bundle_bytes is not None and ctx.bundle.size > profile.max_bundle_bytes:
        yield Problem(
            f"{ctx.bundle.size} bytes; the {profile.name} limit is {profile.max_bundle_bytes}",
            1,
            end,
        )


@file_rule(
    "certificate-too-large",
    "a certificate above the profile's per-certificate size",
    severity=Severity.ERROR,
    citation=f"{citations.ALB_QUOTAS}; {citations.CLOUDFRONT}",
)
def certificate_too_large(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a certificate whose PEM block is larger than the profile's per-certificate
    quota (ALB and CloudFront: 16 KB); API Gateway documents none.

    AWS: the trust store upload is rejected.

    Fix: such certificates carry unusual extensions (huge SAN lists, embedded logos); ask the
    CA for a plain CA certificate.

    Show it: ``openssl x509 -in FILE -outform DER | wc -c``
    """
    limit = ctx.profile.max_certificate_bytes
    if limit is None:
        return
    for cert in ctx.certificates:
        if cert.block.size > limit:
            yield about(
                cert,
                f"{describe(cert)} is {cert.block.size} bytes as PEM; the {ctx.profile.name} "
                f"limit is {limit}",
            )


@file_rule(
    "ca-names-too-large",
    "the CA certificates' subject names exceed the profile's total (ALB: 10,000 bytes)",
    severity=Severity.ERROR,
    citation=citations.ALB_QUOTAS,
)
def ca_names_too_large(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires when the subject names of the bundle's CA certificates, DER-encoded and summed
    (duplicates counted once), exceed the profile's quota. Only ALB has one; elsewhere the
    rule fires only when ``limits.ca-subject-bytes`` is configured.

    AWS: ALB's quota "CA certificates subject size per trust store" is 10,000 (adjustable);
    the names are what a listener with AdvertiseTrustStoreCaNames sends to clients.

    Fix: remove CA certificates no client needs, shorten the names of new CAs, or request a
    quota increase and set it in ``.mtls-lint.yaml`` (``limits: {ca-subject-bytes: N}``).

    Show it: ``mtls-lint inspect FILE`` lists the CAs; ``openssl x509 -in FILE -noout -subject``
    """
    limit = ctx.profile.max_ca_subject_bytes
    if limit is None:
        return
    names = {c.subject_der for c in ctx.certificates if c.is_ca}
    total = sum(map(len, names))
    if total > limit:
        yield Problem(
            f"the {len(names)} CA subject names take {total:,} bytes; the {ctx.profile.name} "
            f"limit is {limit:,} per trust store (needed to advertise CA names to clients)",
            1,
            max(1, ctx.bundle.line_count),
        )
