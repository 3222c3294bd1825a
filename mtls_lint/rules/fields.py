"""Rules about certificate fields: version, serial number, basicConstraints, keyUsage and the
key identifiers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, about, certificate_rule, describe

if TYPE_CHECKING:
    from mtls_lint.certificate import ParsedCertificate


@certificate_rule(
    "not-x509v3",
    "an X.509 version 1 certificate",
    severity={"apigateway": Severity.WARNING, "alb": Severity.ERROR, "cloudfront": Severity.ERROR},
    citation=f"{citations.ALB_MTLS}; {citations.RFC5280}",
)
def not_x509v3(ctx: LintContext, cert: ParsedCertificate, options: Options) -> Iterator[Problem]:
    """Fires for a version 1 certificate (no extensions, so no basicConstraints to say it is a
    CA). Version 2 certificates cannot be parsed and are reported as unparsable-certificate.

    AWS: ALB and CloudFront accept X.509 v3 only; API Gateway documents no rule (a warning).

    Fix: re-issue the certificate as v3 with ``basicConstraints=critical,CA:TRUE`` for a CA
    (``openssl x509 -req -extfile ...``; without ``-extfile`` OpenSSL still makes v1).

    Show it: ``openssl x509 -in FILE -noout -text | grep Version``
    """
    if not cert.is_v3:
        yield about(cert, f"{describe(cert)} is X.509 {cert.cert.version.name}, not v3")


@certificate_rule(
    "negative-serial",
    "serial number zero or negative",
    severity=Severity.NOTICE,
    citation=f"{citations.RFC5280} section 4.1.2.2; {citations.ALB_MTLS}",
)
def negative_serial(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a serial number that is zero or negative, which RFC 5280 forbids.
    ``cryptography`` warns it will stop loading such certificates; ALB cannot revoke them.

    AWS: accepted today by the services; a future parser may refuse the certificate.

    Fix: re-issue with a positive random serial (``openssl x509 -req -set_serial 0x$(openssl
    rand -hex 16) ...``).

    Show it: ``openssl x509 -in FILE -noout -serial``
    """
    serial = cert.cert.serial_number
    if serial <= 0:
        yield about(cert, f"{describe(cert)} has serial number {serial}; RFC 5280 requires > 0")


@certificate_rule(
    "basic-constraints-not-critical",
    "a CA certificate whose basicConstraints extension is not marked critical",
    severity=Severity.WARNING,
    citation=citations.BASIC_CONSTRAINTS,
)
def basic_constraints_not_critical(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a CA certificate (basicConstraints ``CA:TRUE``) whose basicConstraints
    extension is not marked critical, which RFC 5280 requires of every CA.

    AWS: not documented, so a warning of portability: OpenSSL refuses such a CA under
    ``-x509_strict``, as Python 3.13's default TLS context does, so other clients of the same
    CA can fail.

    Fix: re-issue the CA with ``basicConstraints=critical,CA:TRUE`` (OpenSSL config) and the
    same key, so the certificates it issued keep verifying.

    Show it: ``openssl x509 -in FILE -noout -ext basicConstraints`` (look for ``critical``);
    ``openssl verify -x509_strict -CAfile FILE CLIENT`` refuses it
    """
    if cert.is_ca and cert.is_v3 and cert.basic_constraints_critical is False:
        yield about(
            cert,
            f"{describe(cert)} is a CA whose basicConstraints is not marked critical; RFC 5280 "
            "requires it, and OpenSSL's -x509_strict (Python 3.13's default) refuses the CA",
        )


@certificate_rule(
    "ca-key-usage",
    "a CA certificate without keyUsage, or whose keyUsage does not allow keyCertSign",
    severity=Severity.WARNING,
    citation=citations.KEY_USAGE,
    links=True,
)
def ca_key_usage(ctx: LintContext, cert: ParsedCertificate, options: Options) -> Iterator[Problem]:
    """Fires for a CA certificate (basicConstraints ``CA:TRUE``) without a keyUsage extension,
    which RFC 5280 requires of every CA, and for a CA whose keyUsage leaves out keyCertSign
    and that issued nothing in the bundle (one that did is ``issuer-not-ca``, reported once).

    AWS: not documented for a missing keyUsage, so a warning of portability: OpenSSL refuses
    such a CA under ``-x509_strict``, as Python 3.13's default TLS context does. A keyUsage
    without keyCertSign makes OpenSSL refuse every certificate the CA issues ("invalid CA
    certificate"), on every service.

    Fix: re-issue the CA with ``keyUsage=critical,keyCertSign,cRLSign`` (OpenSSL config) and
    the same key, so the certificates it issued keep verifying.

    Show it: ``openssl x509 -in FILE -noout -ext keyUsage``;
    ``openssl verify -x509_strict -CAfile FILE CLIENT`` refuses a CA without it
    """
    if not (cert.is_ca and cert.is_v3):
        return
    usage = cert.key_usage
    if usage is None:
        yield about(
            cert,
            f"{describe(cert)} is a CA without keyUsage; RFC 5280 requires it, and OpenSSL's "
            "-x509_strict (Python 3.13's default) refuses the CA",
        )
    elif not usage.key_cert_sign and not ctx.graph.issued_something(cert):
        yield about(
            cert,
            f"{describe(cert)} is a CA whose keyUsage lacks keyCertSign: every certificate it "
            "issues is refused ('invalid CA certificate')",
        )


@certificate_rule(
    "missing-key-identifier",
    "a CA without subjectKeyIdentifier, or a certificate below a root without "
    "authorityKeyIdentifier",
    severity=Severity.WARNING,
    citation=citations.KEY_IDENTIFIERS,
    links=True,
)
def missing_key_identifier(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a v3 CA certificate without subjectKeyIdentifier, and for a v3 certificate
    that is not self-signed (an intermediate, or a client certificate in the bundle) without
    authorityKeyIdentifier. Without them a verifier can only match issuers by name, and a
    re-keyed CA of the same name is tried, and fails, instead of being skipped.

    AWS: not documented, so a warning of portability: OpenSSL refuses the chain under
    ``-x509_strict`` ("Missing Subject Key Identifier", "Missing Authority Key Identifier"),
    as Python 3.13's default TLS context does.

    Fix: re-issue with ``subjectKeyIdentifier=hash`` and ``authorityKeyIdentifier=keyid``
    (OpenSSL config), keeping the key.

    Show it: ``openssl x509 -in FILE -noout -ext subjectKeyIdentifier,authorityKeyIdentifier``
    """
    if not cert.is_v3:
        return
    missing = []
    if cert.is_ca and cert.subject_key_id is None:
        missing.append("subjectKeyIdentifier")
    if cert.authority_key_id is None and not ctx.graph.is_self_signed(cert):
        missing.append("authorityKeyIdentifier")
    if missing:
        yield about(
            cert,
            f"{describe(cert)} has no {' and no '.join(missing)}; RFC 5280 requires it, and "
            "OpenSSL's -x509_strict (Python 3.13's default) refuses the chain",
        )
