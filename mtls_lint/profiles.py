"""The service model: what each AWS service accepts in a truststore, and its words for a
refusal (SPEC section 3; ``../shared/AWS-SERVICES.md`` has the quotes).

A profile holds facts about a service, not rule severities: rules and ``verify`` read the
facts, and each rule declares its own severity per profile. No AWS number or wording is
written anywhere else; each profile names where its numbers come from.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from mtls_lint import citations

#: API Gateway's execution-log reasons for a mutual-TLS denial: ``Access denied. Reason: ...``
#: (re:Post knowledge center, api-gateway-mutual-tls-403-errors).
REASON_NO_ISSUER = "Could not find issuer for certificate"
REASON_INSECURE = "Client cert using an insecure Signature Algorithm"
REASON_SELF_SIGNED = "self signed certificate"
#: OpenSSL's words for a validity time that does not follow RFC 5280
#: (X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, ..._NOT_AFTER_FIELD).
BAD_NOT_BEFORE = "format error in certificate's notBefore field"
BAD_NOT_AFTER = "format error in certificate's notAfter field"

STRONG_HASHES = frozenset({"sha256", "sha384", "sha512"})
NIST_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


class Revocation(NamedTuple):
    """How a service takes revocation lists, when it does: beside the CA bundle, never in it."""

    max_list_bytes: int
    max_entries: int
    max_lists: int


#: Kinds of refusal, in which a service's own words are looked up (:attr:`Profile.codes`).
UNTRUSTED = "untrusted"
EXPIRED = "expired"
NOT_YET_VALID = "not-yet-valid"
CHAIN_DEPTH = "chain-depth"
TYPE_UNSUPPORTED = "type-unsupported"
PURPOSE = "purpose"
INVALID = "invalid"
REVOKED = "revoked"

#: ALB's connection-log reason codes (tls_verify_status ``Failed:<code>``) for each kind.
_ALB_CODES = {
    UNTRUSTED: "ClientCertUntrusted",
    EXPIRED: "ClientCertExpired",
    NOT_YET_VALID: "ClientCertNotYetValid",
    CHAIN_DEPTH: "ClientCertMaxChainDepthExceeded",
    TYPE_UNSUPPORTED: "ClientCertTypeUnsupported",
    PURPOSE: "ClientCertPurposeInvalid",
    INVALID: "ClientCertInvalid",
    REVOKED: "ClientCertCrlHit",
}
#: CloudFront's (connectionStatus): ALB's, with Intent for Purpose and no CRLs.
_CLOUDFRONT_CODES = {
    **{kind: code for kind, code in _ALB_CODES.items() if kind != REVOKED},
    PURPOSE: "ClientCertIntentInvalid",
}


#: The descriptions AWS gives each connection-log code (ALB's table; CloudFront lists the
#: same codes, with ClientCertIntentInvalid for purpose and no CRL codes).
CODE_DESCRIPTIONS = {
    "ClientCertMaxChainDepthExceeded": "The maximum client certificate chain depth has been "
    "exceeded",
    "ClientCertMaxSizeExceeded": "The maximum client certificate size has been exceeded",
    "ClientCertCrlHit": "Client certificate has been revoked by the CA",
    "ClientCertCrlProcessingError": "CRL processing error",
    "ClientCertUntrusted": "Client certificate is untrusted",
    "ClientCertNotYetValid": "Client certificate is not yet valid",
    "ClientCertExpired": "Client certificate is expired",
    "ClientCertTypeUnsupported": "Client certificate type is unsupported",
    "ClientCertInvalid": "Client certificate is invalid",
    "ClientCertPurposeInvalid": "Client certificate purpose is invalid",
    "ClientCertIntentInvalid": "Client certificate purpose is invalid",
    "ClientCertRejected": "Client certificate is rejected by custom server validation",
    "ClientCertIncompatible": "Client certificate is incompatible with the chosen listener "
    "security policy",
    "UnmappedConnectionError": "Unmapped runtime connection error",
}
#: CloudFront lists these codes without a description (AWS-SERVICES.md 4b): the wording is
#: mtls-lint's reading of the name, marked as such.
CODE_DESCRIPTIONS.update({
    "ClientCertMissing": "no client certificate was sent (CloudFront names the code only)",
    "TcpError": "a TCP error ended the connection (CloudFront names the code only)",
    "TcpTimeout": "the TCP connection timed out (CloudFront names the code only)",
    "ConnectionFunctionError": "the connection function failed (CloudFront names the code only)",
    "ConnectionFunctionDenied": "the connection function refused the connection (CloudFront "
    "names the code only)",
    "Internal": "an internal CloudFront error (CloudFront names the code only)",
})  # fmt: skip


class Profile(NamedTuple):
    name: str
    #: How ``mtls-lint rules`` heads the profile's column.
    column: str
    #: Where the numbers below come from.
    source: str
    #: Signature algorithm families the service documents (``rsa-pkcs1``, ``ecdsa``, ``rsa-pss``).
    signature_families: frozenset[str]
    #: Inclusive bounds on RSA modulus size, and, when set, the only sizes allowed.
    rsa_min_bits: int = 2048
    rsa_max_bits: int | None = None
    rsa_allowed_bits: frozenset[int] | None = None
    #: The smallest EC curve, in bits, and the curves allowed.
    ec_min_bits: int = 256
    ec_curves: frozenset[str] = NIST_CURVES
    #: CA certificates allowed on a path, root included, and how AWS's "4" is counted.
    max_chain_cas: int = 4
    chain_counting: str = "undocumented"
    #: Revocation lists, or None when the service checks none (API Gateway says so; CloudFront
    #: revokes with Connection Functions, not CRLs).
    revocation: Revocation | None = None
    #: The service refuses a client whose path's extendedKeyUsage excludes clientAuth (ALB:
    #: ClientCertPurposeInvalid, CloudFront: ClientCertIntentInvalid; API Gateway is silent).
    checks_client_purpose: bool = False
    max_certificates: int | None = None
    #: When true only CA certificates count toward ``max_certificates`` (ALB's quota wording).
    count_only_cas: bool = False
    max_certificate_bytes: int | None = None
    max_bundle_bytes: int | None = None
    #: The DER bytes of the CA certificates' subject names, summed over a trust store (ALB
    #: advertises them to clients when AdvertiseTrustStoreCaNames is on).
    max_ca_subject_bytes: int | None = None
    allowed_labels: frozenset[str] = frozenset({"CERTIFICATE"})
    #: ``#`` comment lines (without ``-``) are allowed outside blocks.
    allows_comments: bool = False
    #: Only X.509 v3 certificates are accepted (ALB, CloudFront; API Gateway is silent).
    requires_v3: bool = False
    #: The service's name in messages, and how it refuses a client.
    service: str = "API Gateway"
    refuses: str = "answers 403"
    #: Connection-log code per kind of refusal; empty when the service logs a reason instead
    #: (API Gateway: ``Access denied. Reason: ...``).
    codes: Mapping[str, str] = MappingProxyType({})
    #: Where those codes are documented.
    codes_source: str = ""
    #: What to do once the bundle is fixed, for the service to read it.
    publish: str = (
        "upload it to S3 and update the custom domain's truststore version (API Gateway reads "
        "the bundle and warns only then)"
    )
    #: The option that makes the service ignore client certificate expiry, if it has one.
    ignore_expiry_option: str | None = None
    #: Where each of the numbers and lists above comes from, by field name: a test fails when
    #: a number the service model sets has none.
    sources: Mapping[str, str] = MappingProxyType({})

    def code(self, kind: str) -> str | None:
        """The connection-log code for a kind of refusal, or None (API Gateway, or no code)."""
        return self.codes.get(kind)

    def refusal(self, kind: str, words: str, who: str = "clients under it") -> str:
        """How the service refuses ``who``: API Gateway answers 403 and logs ``words`` (its
        reason, or OpenSSL's where AWS documents none); ALB and CloudFront fail the handshake
        and log the code for the ``kind`` of refusal."""
        code = self.code(kind)
        if code is None:
            return f"{who} get 403 '{words}'"
        return f"{self.service} refuses {who} in the TLS handshake (Failed:{code})"

    def key_refusal(self, kind: str, bits: int | None, curve: str | None) -> str | None:
        """Why the service does not accept a key of this type, size and curve, or None. Weak
        keys (below the minimum) are refused too: callers that report them apart check them
        first."""
        if kind == "rsa" and bits is not None:
            if bits < self.rsa_min_bits:
                return f"below {self.rsa_min_bits} bits"
            if self.rsa_max_bits is not None and bits > self.rsa_max_bits:
                return f"above {self.rsa_max_bits} bits"
            if self.rsa_allowed_bits is not None and bits not in self.rsa_allowed_bits:
                sizes = ", ".join(str(b) for b in sorted(self.rsa_allowed_bits))
                return f"not one of {sizes} bits"
            return None
        if kind == "ec" and bits is not None:
            if bits < self.ec_min_bits:
                return f"a curve below {self.ec_min_bits} bits"
            if curve in self.ec_curves:
                return None
            return f"the curve is not one of {', '.join(sorted(self.ec_curves))}"
        return "not an RSA or EC key"

    def signature_refusal(self, family: str, hash_name: str | None) -> str | None:
        """Why the service does not accept a signature of this family and hash, or None."""
        if hash_name is not None and hash_name not in STRONG_HASHES:
            shown = {"sha1": "SHA-1", "sha224": "SHA-224"}.get(hash_name, hash_name.upper())
            return f"{shown} is weaker than SHA-256"
        if family not in self.signature_families:
            return f"{family} is not among the algorithms {self.service} documents"
        if hash_name is None:
            return "the hash cannot be read"
        return None


KB = 1024
MB = 1024 * KB

PROFILES: dict[str, Profile] = {
    "apigateway": Profile(
        name="apigateway",
        column="APIGW",
        source=f"{citations.APIGW_TRUSTSTORE}; {citations.REPOST_403}",
        signature_families=frozenset({"rsa-pkcs1", "ecdsa"}),
        # AWS: "a maximum chain length of four"; a third-party experiment (DoiT) found four CA
        # certificates, root included, the client not counted
        chain_counting="CA certificates, root included, client not counted (measured)",
        sources=MappingProxyType(
            {
                "signature_families": citations.APIGW_TRUSTSTORE + " ('RSA ... ECDSA')",
                "rsa_min_bits": citations.APIGW_TRUSTSTORE + " ('RSA-2048 or stronger')",
                "ec_min_bits": citations.APIGW_TRUSTSTORE + " ('ECDSA-256 or stronger')",
                "ec_curves": "AWS silent on curves: the NIST curves of 256 bits or more",
                "max_chain_cas": citations.APIGW_TRUSTSTORE
                + " ('a maximum chain length of four'; counted by DoiT's experiment)",
            }
        ),
    ),
    "alb": Profile(
        name="alb",
        column="ALB",
        source=f"{citations.ALB_MTLS}; {citations.ALB_QUOTAS}",
        signature_families=frozenset({"rsa-pkcs1", "ecdsa", "rsa-pss"}),
        # quotas: revocation list file size 50 MB, 500,000 entries, 30 lists per trust store
        revocation=Revocation(max_list_bytes=50 * MB, max_entries=500_000, max_lists=30),
        checks_client_purpose=True,
        rsa_max_bits=8192,
        max_certificates=25,
        count_only_cas=True,
        max_certificate_bytes=16 * KB,
        # quotas: "CA certificates subject size per trust store 10,000" (adjustable)
        max_ca_subject_bytes=10_000,
        allows_comments=True,
        requires_v3=True,
        service="ALB",
        refuses="fails the TLS handshake",
        codes=_ALB_CODES,
        codes_source=citations.ALB_CONNECTION_LOG,
        publish=(
            "upload it to S3 as a new object version and point the trust store at it (aws "
            "elbv2 modify-trust-store --ca-certificates-bundle-s3-object-version ...)"
        ),
        ignore_expiry_option="the listener's IgnoreClientCertificateExpiry",
        sources=MappingProxyType(
            {
                "signature_families": citations.ALB_MTLS + " ('SHA256, 384, 512 with RSA/... with "
                "EC/... with RSASSA-PSS with MGF1')",
                "rsa_min_bits": citations.ALB_MTLS + " ('RSA 2K - 8K')",
                "rsa_max_bits": citations.ALB_MTLS + " ('RSA 2K - 8K')",
                "ec_min_bits": citations.ALB_MTLS + " ('ECDSA secp256r1, secp384r1, secp521r1')",
                "ec_curves": citations.ALB_MTLS + " ('ECDSA secp256r1, secp384r1, secp521r1')",
                "max_chain_cas": citations.ALB_QUOTAS
                + " ('Maximum certificate chain depth 4'; counted as on API Gateway)",
                "revocation": citations.ALB_QUOTAS
                + " ('Revocation list file size 50 MB', 'Revocation entries per trust store "
                "500,000', 'Revocation lists per trust store 30')",
                "max_certificates": citations.ALB_QUOTAS
                + " ('CA certificates per trust store 25')",
                "max_certificate_bytes": citations.ALB_QUOTAS + " ('CA certificate size 16 KB')",
                "max_ca_subject_bytes": citations.ALB_QUOTAS
                + " ('CA certificates subject size per trust store 10,000')",
            }
        ),
    ),
    "cloudfront": Profile(
        name="cloudfront",
        column="CF",
        source=citations.CLOUDFRONT,
        checks_client_purpose=True,
        signature_families=frozenset({"rsa-pkcs1", "ecdsa", "rsa-pss"}),
        rsa_allowed_bits=frozenset({2048, 3072, 4096}),
        ec_curves=frozenset({"secp256r1", "secp384r1"}),
        max_certificates=25,
        max_certificate_bytes=16 * KB,
        max_bundle_bytes=64 * KB,
        allows_comments=True,
        requires_v3=True,
        service="CloudFront",
        refuses="fails the TLS handshake",
        codes=_CLOUDFRONT_CODES,
        codes_source=citations.CLOUDFRONT_CONNECTION_LOG,
        publish=(
            "upload it to S3 and update the trust store: CloudFront reads the bundle only when "
            "the trust store is created or updated, and keeps no sync with S3"
        ),
        ignore_expiry_option="the trust store's 'Ignore certificate expiration date'",
        sources=MappingProxyType(
            {
                "signature_families": citations.CLOUDFRONT + " ('SHA256, SHA384, SHA512 with RSA, "
                "with EC, with RSASSA-PSS with MGF1')",
                "rsa_min_bits": citations.CLOUDFRONT + " ('RSA 2048, RSA 3072, RSA 4096')",
                "rsa_allowed_bits": citations.CLOUDFRONT + " ('RSA 2048, RSA 3072, RSA 4096')",
                "ec_min_bits": citations.CLOUDFRONT + " ('ECDSA: secp256r1, secp384r1')",
                "ec_curves": citations.CLOUDFRONT + " ('ECDSA: secp256r1, secp384r1')",
                "max_chain_cas": citations.CLOUDFRONT
                + " ('Certificate chain depth 4'; counted as on API Gateway)",
                "max_certificates": citations.CLOUDFRONT
                + " ('Number of certificates in CA bundle 25')",
                "max_certificate_bytes": citations.CLOUDFRONT
                + " ('Certificate size in CA bundle 16384')",
                "max_bundle_bytes": citations.CLOUDFRONT + " ('CA bundle size 64 KB')",
            }
        ),
    ),
}
DEFAULT_PROFILE = "apigateway"
