"""Rules about certificates that appear twice, or whose names collide."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, about, describe, file_rule

if TYPE_CHECKING:
    from mtls_lint.certificate import ParsedCertificate


@file_rule(
    "duplicate-certificate",
    "the same certificate twice in the bundle",
    severity=Severity.WARNING,
    citation=citations.APIGW_TRUSTSTORE,
)
def duplicate_certificate(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for every copy of a certificate (byte-identical DER) after the first, and says
    where the first copy is.

    AWS: harmless to the handshake, but each copy counts against size quotas (ALB, CloudFront:
    25 certificates) and a later edit to one copy leaves the other behind.

    Fix: delete the later copy.

    Show it: ``openssl crl2pkcs7 -nocrl -certfile FILE | openssl pkcs7 -print_certs -noout``
    """
    first: dict[str, ParsedCertificate] = {}
    for cert in ctx.certificates:
        original = first.setdefault(cert.sha256, cert)
        if original is not cert:
            yield about(cert, f"{describe(cert)} is a copy of {describe(original)}")


@file_rule(
    "duplicate-subject",
    "two different certificates with the same subject",
    severity=Severity.NOTICE,
    citation=citations.RFC5280,
)
def duplicate_subject(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires when two different certificates carry the same subject name: usually a CA renewed
    with a new key (rollover) or cross-signed, sometimes two unrelated CAs that chose the same
    name. Chain building then has to try each, and an issuer can be ambiguous.

    AWS: works while both are valid; when the old one expires or is removed, clients whose
    certificates it signed get 403 ``Could not find issuer for certificate``.

    Fix: keep both through a rollover on purpose; remove the old one once no client
    certificate it issued is in use.

    Show it: ``openssl x509 -in FILE -noout -subject -fingerprint -sha256`` for each block.
    """
    first: dict[bytes, ParsedCertificate] = {}
    seen: set[str] = set()
    for cert in ctx.certificates:
        if cert.sha256 in seen:
            continue  # identical copies are duplicate-certificate's business
        seen.add(cert.sha256)
        original = first.setdefault(cert.subject_der, cert)
        if original is not cert:
            yield about(
                cert,
                f"{describe(cert)} has the same subject as {describe(original)} but is a "
                "different certificate (renewed or cross-signed CA?)",
            )
