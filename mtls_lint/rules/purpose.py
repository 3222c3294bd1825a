"""Rules about what a certificate may be used for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, about, certificate_rule, describe

if TYPE_CHECKING:
    from mtls_lint.certificate import ParsedCertificate


@certificate_rule(
    "client-auth-not-allowed",
    "an extendedKeyUsage on a CA or a pinned client certificate that excludes clientAuth",
    severity={"apigateway": Severity.WARNING, "alb": Severity.ERROR, "cloudfront": Severity.ERROR},
    citation=citations.CLIENT_AUTH,
    links=True,
)
def client_auth_not_allowed(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a CA certificate, or a self-signed (pinned) client certificate, whose
    extendedKeyUsage does not include clientAuth (nor anyExtendedKeyUsage): a CA issued for
    servers only. OpenSSL refuses every client certificate under it for the client purpose.

    AWS: ALB refuses the handshake and logs ``Failed:ClientCertPurposeInvalid``, CloudFront
    ``Failed:ClientCertIntentInvalid`` (errors there); API Gateway documents no purpose
    check (a warning there).

    Fix: re-issue the CA with ``extendedKeyUsage = clientAuth`` (alongside any others), or
    without the extension; pinned clients likewise.

    Show it: ``openssl x509 -in FILE -noout -ext extendedKeyUsage``;
    ``openssl verify -purpose sslclient -CAfile FILE CLIENT`` fails with "unsuitable
    certificate purpose"
    """
    if cert.allows_client_auth:
        return
    if not (cert.is_ca or ctx.graph.is_self_signed(cert)):
        return
    what = "CA" if cert.is_ca else "pinned client certificate"
    yield about(
        cert,
        f"{describe(cert)} is a {what} whose extendedKeyUsage excludes clientAuth: OpenSSL "
        "refuses clients under it for client authentication (ALB: "
        "ClientCertPurposeInvalid, CloudFront: ClientCertIntentInvalid)",
    )
