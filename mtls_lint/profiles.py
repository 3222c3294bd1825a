"""What each AWS service accepts in a truststore (SPEC section 3).

A profile holds facts about a service, not rule severities: rules read the facts, and each rule
declares its own severity per profile.
"""

from __future__ import annotations

from typing import NamedTuple

STRONG_HASHES = frozenset({"sha256", "sha384", "sha512"})
NIST_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


class Profile(NamedTuple):
    name: str
    #: Signature algorithm families the service documents (``rsa-pkcs1``, ``ecdsa``, ``rsa-pss``).
    signature_families: frozenset[str]
    #: Inclusive bounds on RSA modulus size, and, when set, the only sizes allowed.
    rsa_min_bits: int = 2048
    rsa_max_bits: int | None = None
    rsa_allowed_bits: frozenset[int] | None = None
    ec_curves: frozenset[str] = NIST_CURVES
    #: CA certificates allowed on a path, root included.
    max_chain_cas: int = 4
    max_certificates: int | None = None
    #: When true only CA certificates count toward ``max_certificates`` (ALB's quota wording).
    count_only_cas: bool = False
    max_certificate_bytes: int | None = None
    max_bundle_bytes: int | None = None
    allowed_labels: frozenset[str] = frozenset({"CERTIFICATE"})
    #: ``#`` comment lines (without ``-``) are allowed outside blocks.
    allows_comments: bool = False


KB = 1024

PROFILES: dict[str, Profile] = {
    "apigateway": Profile(
        name="apigateway",
        signature_families=frozenset({"rsa-pkcs1", "ecdsa"}),
    ),
    "alb": Profile(
        name="alb",
        signature_families=frozenset({"rsa-pkcs1", "ecdsa", "rsa-pss"}),
        rsa_max_bits=8192,
        max_certificates=25,
        count_only_cas=True,
        max_certificate_bytes=16 * KB,
        allowed_labels=frozenset({"CERTIFICATE", "X509 CRL"}),
        allows_comments=True,
    ),
    "cloudfront": Profile(
        name="cloudfront",
        signature_families=frozenset({"rsa-pkcs1", "ecdsa", "rsa-pss"}),
        rsa_allowed_bits=frozenset({2048, 3072, 4096}),
        ec_curves=frozenset({"secp256r1", "secp384r1"}),
        max_certificates=25,
        max_certificate_bytes=16 * KB,
        max_bundle_bytes=64 * KB,
        allows_comments=True,
    ),
}
DEFAULT_PROFILE = "apigateway"
