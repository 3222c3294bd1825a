"""Rules about public keys: size, curve and type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtls_lint import citations
from mtls_lint.escape import article
from mtls_lint.findings import Severity
from mtls_lint.profiles import Profile
from mtls_lint.rule import LintContext, Options, Problem, about, certificate_rule, describe
from mtls_lint.rules.algorithms import insecure

if TYPE_CHECKING:
    from mtls_lint.certificate import CertificateFacts, KeyInfo, ParsedCertificate


@certificate_rule(
    "weak-rsa-key",
    "RSA key below 2048 bits",
    severity=Severity.ERROR,
    citation=f"{citations.REPOST_403}; {citations.APIGW_TRUSTSTORE}",
    facts=True,
)
def weak_rsa_key(ctx: LintContext, cert: CertificateFacts, options: Options) -> Iterator[Problem]:
    """Fires for an RSA public key with a modulus below 2048 bits.

    AWS: API Gateway requires RSA keys of 2048 bits or more on the whole path and denies
    clients otherwise with 403 ``Client cert using an insecure Signature Algorithm``.

    Fix: re-issue the certificate with a new 2048-bit (or larger) key:
    ``openssl req -new -newkey rsa:3072 ...``.

    Show it: ``openssl x509 -in FILE -noout -text | grep 'Public-Key'``
    """
    key = cert.key
    if key.type == "rsa" and key.bits is not None and key.bits < ctx.profile.rsa_min_bits:
        yield about(cert, f"{describe(cert)} has a {key.bits}-bit RSA key; {insecure(ctx)}")


@certificate_rule(
    "weak-ec-key",
    "EC key on a curve below 256 bits",
    severity=Severity.ERROR,
    citation=f"{citations.REPOST_403}; {citations.APIGW_TRUSTSTORE}",
    facts=True,
)
def weak_ec_key(ctx: LintContext, cert: CertificateFacts, options: Options) -> Iterator[Problem]:
    """Fires for an elliptic-curve key on a curve smaller than 256 bits (P-192, P-224, ...).

    AWS: API Gateway requires EC keys of 256 bits or more and denies clients otherwise with
    403 ``Client cert using an insecure Signature Algorithm``.

    Fix: re-issue the certificate with a P-256 or P-384 key:
    ``openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 ...``.

    Show it: ``openssl x509 -in FILE -noout -text | grep -A1 'Public-Key'``
    """
    key = cert.key
    if key.type == "ec" and key.bits is not None and key.bits < ctx.profile.ec_min_bits:
        yield about(
            cert, f"{describe(cert)} has a {key.bits}-bit EC key ({key.curve}); {insecure(ctx)}"
        )


def _outside_profile(key: KeyInfo, profile: Profile) -> str | None:
    """Why the key is outside what the profile documents, or None (weak keys excluded: the
    weak-rsa-key and weak-ec-key rules say it)."""
    if key.type == "rsa" and key.bits is not None and key.bits < profile.rsa_min_bits:
        return None
    if key.type == "ec" and key.bits is not None and key.bits < profile.ec_min_bits:
        return None
    return profile.key_refusal(key.type, key.bits, key.curve)


@certificate_rule(
    "unsupported-key-type",
    "key type, size or curve outside the profile's list (DSA, EdDSA, secp256k1, brainpool, ...)",
    severity={"apigateway": Severity.WARNING, "alb": Severity.ERROR, "cloudfront": Severity.ERROR},
    citation=f"{citations.APIGW_TRUSTSTORE}; {citations.ALB_MTLS}; {citations.CLOUDFRONT}",
    facts=True,
)
def unsupported_key_type(
    ctx: LintContext, cert: CertificateFacts, options: Options
) -> Iterator[Problem]:
    """Fires for a key the profile does not list: DSA, Ed25519, Ed448, curves other than the
    NIST ones (secp256k1, brainpool), RSA above 8192 bits on ``alb``, RSA sizes other than
    2048/3072/4096 and P-521 on ``cloudfront``. Weak keys are left to weak-rsa-key/weak-ec-key.

    AWS: API Gateway documents RSA and EC keys only (a warning here); ALB and CloudFront reject
    the trust store or the client.

    Fix: re-issue the certificate with an RSA 2048-4096 or P-256/P-384 key.

    Show it: ``openssl x509 -in FILE -noout -text | grep -A2 'Public Key Algorithm'``
    """
    key = cert.key
    why = _outside_profile(key, ctx.profile)
    if why is not None:
        yield about(
            cert,
            f"{describe(cert)} has {article(str(key))} {key} key: {why}, which "
            f"{ctx.profile.name} does not document",
        )


@certificate_rule(
    "unusual-rsa-exponent",
    "RSA public exponent that is even, below 3 or above 2**256",
    severity=Severity.ERROR,
    citation=citations.FIPS186,
)
def unusual_rsa_exponent(
    ctx: LintContext, cert: ParsedCertificate, options: Options
) -> Iterator[Problem]:
    """Fires for an RSA key whose public exponent no real key has: even, below 3, or above
    2**256 (real CAs use 65537). Such a key is broken or built to hurt: verifying with a
    3071-bit exponent costs about 140 times a normal check, so mtls-lint does not verify
    signatures with it (links from it are accepted on name and key identifiers only, and
    say so) -- eight such CAs over 10,000 certificates would otherwise take minutes.

    AWS: not documented. FIPS 186-5 allows only 2**16 < e < 2**256, and OpenSSL refuses an
    exponent over 64 bits when the modulus is over 3072 bits ("bad e value"), so a service's
    TLS stack may refuse every client under the key.

    Fix: re-issue the CA with a standard key: ``openssl req -x509 -newkey rsa:3072 ...``
    (exponent 65537).

    Show it: ``openssl x509 -in FILE -noout -text | grep Exponent``
    """
    if cert.unusual_rsa_exponent:
        e = cert.rsa_exponent or 0
        shown = str(e) if e.bit_length() <= 64 else f"a {e.bit_length()}-bit number"
        yield about(
            cert,
            f"{describe(cert)} has the RSA public exponent {shown}; real keys use 65537, and "
            "signatures made with this key were not verified",
        )
