"""Rules about how certificates name their issuers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, about, certificate_rule, describe

if TYPE_CHECKING:
    from mtls_lint.certificate import ParsedCertificate


@certificate_rule(
    "issuer-name-not-identical",
    "the issuer's name matches only after RFC 5280 / OpenSSL normalisation",
    severity=Severity.NOTICE,
    citation=citations.NAME_MATCHING,
    links=True,
)
def issuer_name_not_identical(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires when a certificate's issuer field names its issuer in the bundle only after
    normalisation: the two names differ in letter case, in spaces, or in string type (a CA
    that rolled over from PrintableString to UTF8String). OpenSSL compares names in a
    canonical form and finds the issuer, as RFC 5280 asks, so this is not ``missing-issuer``;
    but a stack that compares names byte for byte would not, and the bytes of both names are
    in the message.

    AWS: not documented; API Gateway, ALB and CloudFront build chains with a TLS stack that
    follows RFC 5280, which is why this is a notice.

    Fix: when the issuing CA is next re-issued, or the certificate renewed, use the exact
    subject of the CA as the issuer name (most CAs do this by copying it).

    Show it: ``openssl x509 -in FILE -noout -issuer -nameopt multiline,show_type`` beside
    ``openssl x509 -in CA -noout -subject -nameopt multiline,show_type``
    """
    from mtls_lint.trust_graph import LinkStatus

    link = ctx.graph.link(cert)
    issuer = link.issuer
    if link.status is not LinkStatus.ISSUED or issuer is None:
        return
    if issuer.subject_der == cert.issuer_der:
        return
    yield about(
        cert,
        f"the issuer name of {describe(cert)} matches the subject of {describe(issuer)} only "
        f"after normalisation (case, spaces or string type): issuer field "
        f"{cert.issuer_der.hex()}, CA subject {issuer.subject_der.hex()}; OpenSSL finds the "
        "issuer, a stack comparing bytes would not",
    )
