"""Rules about the algorithms certificates are signed with, and the keys they carry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.findings import Severity
from mtls_lint.profiles import REASON_INSECURE, STRONG_HASHES, TYPE_UNSUPPORTED
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


def insecure(ctx: LintContext) -> str:
    """How the service refuses a path with a weak algorithm or key: API Gateway's documented
    403 reason, ALB's and CloudFront's 'type unsupported' code."""
    if ctx.profile.codes:
        return ctx.profile.refusal(TYPE_UNSUPPORTED, REASON_INSECURE, "clients whose path holds it")
    return f"API Gateway denies clients whose path holds it: 403 '{REASON_INSECURE}'"


_EDDSA = frozenset({"ed25519", "ed448"})
_HASH_NAMES = {"sha1": "SHA-1", "sha224": "SHA-224", "md5": "MD5", "md4": "MD4", "md2": "MD2"}


@certificate_rule(
    "weak-signature-hash",
    "signature hash weaker than SHA-256 (MD2, MD5, SHA-1, SHA-224)",
    severity=Severity.ERROR,
    citation=f"{citations.REPOST_403}; {citations.APIGW_TRUSTSTORE}",
    facts=True,
)
def weak_signature_hash(
    ctx: LintContext, cert: CertificateFacts, options: Options
) -> Iterator[Problem]:
    """Fires for a certificate signed with MD2, MD4, MD5, SHA-1 or SHA-224 (RSA-PSS with SHA-1
    included), on any certificate, roots included.

    AWS: API Gateway accepts only SHA-256 or stronger on every certificate of the path and
    answers anything weaker with 403, logging
    ``Access denied. Reason: Client cert using an insecure Signature Algorithm``.

    Fix: re-issue the certificate with SHA-256 (``openssl x509 -req -sha256 ...``); for a root,
    create a new root and re-issue what it signed.

    Show it: ``openssl x509 -in FILE -noout -text | grep 'Signature Algorithm'``
    """
    algorithm = cert.signature_algorithm
    if algorithm.hash is None or algorithm.hash in STRONG_HASHES:
        return
    if algorithm.hash.startswith("sha3-"):
        return  # strong, but undocumented: unsupported-signature-algorithm
    note = ""
    if algorithm.hash in ("md2", "md4"):
        note = " (nothing here can check such a signature; the chain was matched by name)"
    shown = _HASH_NAMES.get(algorithm.hash, algorithm.hash.upper())
    yield about(cert, f"{describe(cert)} is signed with {shown}{note}; {insecure(ctx)}")


@certificate_rule(
    "unsupported-signature-algorithm",
    "a strong signature algorithm the profile does not document (RSA-PSS, EdDSA, DSA, SHA-3)",
    severity={"apigateway": Severity.WARNING, "alb": Severity.ERROR, "cloudfront": Severity.ERROR},
    citation=f"{citations.APIGW_TRUSTSTORE}; {citations.ALB_MTLS}",
    facts=True,
)
def unsupported_signature_algorithm(
    ctx: LintContext, cert: CertificateFacts, options: Options
) -> Iterator[Problem]:
    """Fires for a signature algorithm outside the profile's documented list, strong or not
    known: RSA-PSS on ``apigateway`` (documented on ALB and CloudFront), Ed25519, Ed448, DSA,
    SHA-3 hashes, and algorithm identifiers nothing here knows (said so in the message).

    AWS: API Gateway documents RSA and ECDSA signatures with SHA-256 or stronger; anything
    else may be refused with 403. ALB and CloudFront list RSA PKCS#1, RSA-PSS and ECDSA only.

    Fix: re-issue the certificate with RSA (PKCS#1 v1.5) or ECDSA and SHA-256.

    Show it: ``openssl x509 -in FILE -noout -text | grep 'Signature Algorithm'``
    """
    algorithm = cert.signature_algorithm
    if algorithm.family == "unknown" or (algorithm.hash is None and algorithm.family not in _EDDSA):
        yield about(
            cert,
            f"{describe(cert)} is signed with an algorithm mtls-lint does not know "
            f"(OID {algorithm.oid}); its signature cannot be checked",
        )
        return
    hash_ok = algorithm.hash in STRONG_HASHES or algorithm.family in _EDDSA
    if algorithm.family in ctx.profile.signature_families and hash_ok:
        return
    if not hash_ok and not (algorithm.hash or "").startswith("sha3-"):
        return  # a weak hash: weak-signature-hash says it better
    yield about(
        cert,
        f"{describe(cert)} is signed with {algorithm}, which {ctx.profile.name} does not "
        "document; clients under it may be refused",
    )
