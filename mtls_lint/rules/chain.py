"""Rules about the chains inside the bundle: issuers, CA flags, depth, path length."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.profiles import CHAIN_DEPTH, REASON_NO_ISSUER, REASON_SELF_SIGNED, UNTRUSTED
from mtls_lint.rule import (
    LintContext,
    Options,
    Problem,
    about,
    certificate_rule,
    describe,
    file_rule,
)

if TYPE_CHECKING:
    from mtls_lint.certificate import ParsedCertificate


@certificate_rule(
    "self-signed-leaf",
    "a self-signed certificate that is not a CA",
    severity=Severity.ERROR,
    citation=citations.REPOST_403,
    links=True,
)
def self_signed_leaf(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a self-signed certificate without basicConstraints ``CA:TRUE``: a client
    certificate pinned in the truststore instead of the CA that issues clients.

    AWS: API Gateway then admits exactly that certificate; each re-issue needs a truststore
    change, and a client presenting any other copy gets 403 ``self signed certificate``.

    Fix: issue client certificates from a private CA and trust the CA. If pinning is
    intentional, waive this finding for the certificate's SHA-256 in ``.mtls-lint.yaml``.

    Show it: ``openssl x509 -in FILE -noout -subject -issuer -ext basicConstraints``
    """
    if not cert.is_ca and ctx.graph.is_self_signed(cert):
        yield about(
            cert,
            f"{describe(cert)} is a self-signed certificate that is not a CA (a pinned client "
            "certificate); "
            + ctx.profile.refusal(
                UNTRUSTED, REASON_SELF_SIGNED, "clients presenting anything else"
            ),
        )


@certificate_rule(
    "leaf-in-truststore",
    "an end-entity certificate issued by a CA",
    severity=Severity.WARNING,
    citation=citations.APIGW_TRUSTSTORE,
)
def leaf_in_truststore(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a certificate that is not a CA and not self-issued: usually the client
    certificate pasted in place of the CA that issued it.

    AWS: the truststore is for CA certificates; the leaf does not let its own client in, and
    if its CA is missing, clients get 403 ``Could not find issuer for certificate``.

    Fix: replace the leaf with the CA certificates that issued it (``openssl x509 -in FILE
    -noout -issuer`` names the CA to fetch).

    Show it: ``openssl x509 -in FILE -noout -subject -issuer -ext basicConstraints``
    """
    if not cert.is_ca and not cert.is_self_issued:  # the issuer's name decoded only if listed
        yield about(
            cert,
            lambda: (
                f"{describe(cert)} is an end-entity certificate issued by {cert.issuer}; "
                "truststores hold the CAs that issue clients, not the clients"
            ),
        )


@certificate_rule(
    "missing-issuer",
    "the issuer of a certificate is not in the bundle",
    severity=Severity.ERROR,
    citation=f"{citations.REPOST_403}; {citations.APIGW_TRUSTSTORE}",
    links=True,
)
def missing_issuer(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a certificate that is not self-issued and whose issuer (by name) is not in the
    bundle: an intermediate without its root, or a chain with a gap.

    AWS: API Gateway needs the whole chain up to a root in the truststore; clients under this
    certificate get 403 ``Could not find issuer for certificate``.

    A CA of the right name whose subject key identifier is not the certificate's authority key
    identifier is not its issuer, as OpenSSL's ``X509_check_issued`` decides: the CA was
    re-keyed, and the message names both key ids. Nor is one whose serial number (or issuer
    name) is not the one the authorityKeyIdentifier gives, where it gives one
    (``X509_check_akid``): the CA was re-issued, and the message names both serials.

    Fix: add the issuing CA certificate (and its issuers up to the root) to the bundle; the
    issuer's name is in the message, and the AIA URL, if any, in
    ``openssl x509 -in FILE -noout -ext authorityInfoAccess``. For a re-keyed CA, keep the
    old CA certificate until every certificate it issued is re-issued.

    Show it: ``openssl verify -CAfile FILE -partial_chain FILE`` (fails with
    ``unable to get issuer certificate``)
    """
    from mtls_lint.trust_graph import LinkStatus

    if ctx.graph.link(cert).status is LinkStatus.MISSING:

        def message() -> str:  # made only if listed: it decodes the issuer's name
            note = ctx.graph.rekeyed_note(cert)
            rekeyed = f"; {note}" if note else ""
            return (
                f"the issuer of {describe(cert)}, {cert.issuer}, is not in the bundle; "
                f"{ctx.profile.refusal(UNTRUSTED, REASON_NO_ISSUER)}{rekeyed}"
            )

        yield about(cert, message)


@certificate_rule(
    "bad-signature",
    "the issuer in the bundle does not verify the signature",
    severity=Severity.ERROR,
    citation=citations.RFC5280,
    links=True,
)
def bad_signature(ctx: LintContext, cert: ParsedCertificate, options: Options) -> Iterator[Problem]:
    """Fires when certificates with the issuer's name are in the bundle but none of their keys
    verifies the signature: an altered or corrupted certificate, an issuer renewed with a new
    key while the old one is gone, or two CAs that share a name. Also a self-issued certificate
    whose self-signature fails.

    AWS: clients under it get 403 (OpenSSL: ``certificate signature failure``).

    Fix: fetch the certificate again from its CA, or add the issuer certificate whose key
    signed it (compare the authority key identifier with the issuers' subject key identifier).

    Show it: ``openssl verify -CAfile FILE -partial_chain FILE``
    """
    from mtls_lint.trust_graph import LinkStatus

    link = ctx.graph.link(cert)
    if link.status is LinkStatus.BAD_SIGNATURE:
        others = [describe(c) for c in link.candidates if c.sha256 != cert.sha256]
        names = ", ".join(others) or "itself"
        if link.untried:
            names += f" (and {link.untried} more with that name, not tried)"
        yield about(
            cert,
            f"the signature of {describe(cert)} does not verify with the key of {names}, which "
            f"carry its issuer's name ({link.reason}); "
            + ctx.profile.refusal(UNTRUSTED, "certificate signature failure"),
        )


@file_rule(
    "issuer-not-ca",
    "a certificate in the bundle issues another one but is not a CA",
    severity=Severity.ERROR,
    citation=f"{citations.RFC5280} sections 4.2.1.3 and 4.2.1.9",
    links=True,
)
def issuer_not_ca(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a v3 certificate that signed another certificate of the bundle but may not
    sign certificates: basicConstraints absent or ``CA:FALSE``, or keyUsage present without
    ``keyCertSign``.

    AWS: clients whose path goes through it get 403 (OpenSSL: ``invalid CA certificate``).

    Fix: re-issue the issuer with ``basicConstraints=critical,CA:TRUE`` and
    ``keyUsage=critical,keyCertSign,cRLSign``, then re-issue what it signed.

    Show it: ``openssl x509 -in FILE -noout -ext basicConstraints,keyUsage``
    """
    graph = ctx.graph
    children: dict[int, list[ParsedCertificate]] = {}
    issuers: dict[int, ParsedCertificate] = {}
    for cert in ctx.certificates:
        parent = graph.parent(cert)
        if parent is not None and not parent.may_sign_certificates:
            children.setdefault(id(parent), []).append(cert)
            issuers[id(parent)] = parent
    for key, issued in children.items():
        issuer = issuers[key]
        why = "keyUsage lacks keyCertSign" if issuer.is_ca else "it is not a CA (basicConstraints)"
        more = f" and {len(issued) - 1} more" if len(issued) > 1 else ""
        yield about(
            issuer,
            f"{describe(issuer)} issued {describe(issued[0])}{more} but {why}; "
            + ctx.profile.refusal(UNTRUSTED, "invalid CA certificate"),
        )


@certificate_rule(
    "chain-too-deep",
    "a CA whose path to its root holds more than 4 CA certificates",
    severity=Severity.ERROR,
    citation=f"{citations.APIGW_TRUSTSTORE}; {citations.ALB_MTLS}",
    links=True,
)
def chain_too_deep(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a CA certificate whose path up to its root, both included, holds more CA
    certificates than the profile allows (4 on every service).

    AWS: the services verify at most four CA certificates above a client; deeper clients get
    403 (OpenSSL: ``certificate chain too long``).

    Fix: issue clients from a CA closer to the root.

    Show it: ``openssl verify -show_chain -CAfile FILE FILE``
    """
    if not cert.is_ca:
        return
    depth = ctx.graph.ca_depth(cert)
    limit = ctx.profile.max_chain_cas
    if depth > limit:
        yield about(
            cert,
            f"{describe(cert)} has {depth} CA certificates on its path to the root (limit "
            f"{limit}); " + ctx.profile.refusal(CHAIN_DEPTH, "certificate chain too long"),
        )


@certificate_rule(
    "path-length-exceeded",
    "a pathLenConstraint on the path is exceeded",
    severity=Severity.ERROR,
    citation=f"{citations.RFC5280} section 4.2.1.9",
    links=True,
)
def path_length_exceeded(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for a CA certificate that sits deeper below a CA with a pathLenConstraint than
    that constraint allows (``pathlen:0`` means no intermediate CA below it).

    AWS: clients under it get 403 (OpenSSL: ``path length constraint exceeded``).

    Fix: issue the intermediate from a CA whose pathLenConstraint allows it, or re-issue the
    constraining CA with a larger ``pathlen``.

    Show it: ``openssl x509 -in FILE -noout -ext basicConstraints``
    """
    violation = ctx.graph.path_length_violation(cert)
    if violation is not None:
        yield about(
            cert,
            f"{describe(cert)} is an intermediate CA below {describe(violation.constrained)}, "
            f"whose pathLenConstraint is {violation.path_length}; "
            + ctx.profile.refusal(UNTRUSTED, "path length constraint exceeded"),
        )
