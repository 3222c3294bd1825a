"""What a denial is called and how to fix it.

API Gateway documents three log reasons (:mod:`mtls_lint.profiles`); for the rest ``verify``
uses OpenSSL's wording and says so. Each reason has the fix a person would make and the
command that confirms it.
"""

from __future__ import annotations

from mtls_lint import profiles
from mtls_lint.profiles import (
    BAD_NOT_AFTER,
    BAD_NOT_BEFORE,
    REASON_INSECURE,
    REASON_NO_ISSUER,
    REASON_SELF_SIGNED,
    Profile,
)

EXPIRED = "certificate has expired"
NOT_YET_VALID = "certificate is not yet valid"
TOO_LONG = "certificate chain too long"
BAD_SIGNATURE = "certificate signature failure"
INVALID_CA = "invalid CA certificate"
PATH_LENGTH = "path length constraint exceeded"
KEY_MISMATCH = "private key does not match certificate"
PURPOSE = "unsuitable certificate purpose"
#: ALB and CloudFront take X.509 v3 only (our words: OpenSSL accepts v1 clients).
NOT_V3 = "not an X.509 v3 certificate"
#: OpenSSL's X509_V_ERR_CERT_REVOKED.
REVOKED = "certificate revoked"
#: A client key nothing can decode: OpenSSL fails to load the certificate ("decode error"),
#: so the TLS handshake cannot check the client's signature.
CLIENT_KEY_UNREADABLE = "unable to decode the client certificate's public key"
#: OpenSSL marks a certificate with a repeated extension invalid and then finds no issuer
#: for it: error 20, in its words.
NO_ISSUER_FOR_INVALID = "unable to get local issuer certificate"
#: What OpenSSL's ``-x509_strict`` (``verify --strict``) adds, in its words.
STRICT_BC_NOT_CRITICAL = "Basic Constraints of CA cert not marked critical"
STRICT_NO_KEY_USAGE = "CA cert does not include key usage extension"
STRICT_NO_SKI = "Missing Subject Key Identifier"
STRICT_NO_AKI = "Missing Authority Key Identifier"
#: The reasons AWS documents in API Gateway's own log wording; the rest are OpenSSL's.
DOCUMENTED = frozenset({REASON_NO_ISSUER, REASON_INSECURE, REASON_SELF_SIGNED})

#: The reason a failed check of ``verify`` gives.
REASON_OF_CHECK = {
    "algorithm": REASON_INSECURE,
    "version": NOT_V3,
    "revoked": REVOKED,
    "expired": EXPIRED,
    "not-yet-valid": NOT_YET_VALID,
    "ca": INVALID_CA,
    "path-length": PATH_LENGTH,
    "chain-length": TOO_LONG,
    "key": KEY_MISMATCH,
    "purpose": PURPOSE,
    "strict-basic-constraints": STRICT_BC_NOT_CRITICAL,
    "strict-key-usage": STRICT_NO_KEY_USAGE,
    "strict-subject-key-id": STRICT_NO_SKI,
    "strict-authority-key-id": STRICT_NO_AKI,
    "not-before-format": BAD_NOT_BEFORE,
    "not-after-format": BAD_NOT_AFTER,
    "client-key": CLIENT_KEY_UNREADABLE,
    "repeated-extension": NO_ISSUER_FOR_INVALID,
    "issuer": REASON_NO_ISSUER,
    "signature": BAD_SIGNATURE,
    "self-signed": REASON_SELF_SIGNED,
}


FIXES = {
    REASON_NO_ISSUER: "Add the CA certificate named {issuer} (the issuer of {top}), and every "
    "CA above it up to a self-signed root, to {store}; {publish}. Confirm: {confirm}",
    REASON_INSECURE: "Re-issue {subject} with SHA-256 (or stronger) and an RSA >= 2048 or EC "
    "P-256/P-384 key. Show it: openssl x509 -in FILE -noout -text | grep -E "
    "'Signature Algorithm|Public-Key'",
    REASON_SELF_SIGNED: "Issue the client certificate from a CA in {store}, or, to pin it, add "
    "this exact certificate to {store}. Compare `openssl x509 -in {client} -noout -fingerprint "
    "-sha256` with the fingerprints `mtls-lint inspect {store}` lists",
    EXPIRED: "Replace {subject} with a certificate valid now (renew it; for a CA, add the "
    "renewed certificate to {store}). Show it: openssl x509 -in FILE -noout -dates",
    BAD_SIGNATURE: "The signature of {subject} does not verify with the truststore's "
    "certificate of that name: fetch the certificate again, or add the issuer whose key signed "
    "it. Confirm: {confirm}",
    INVALID_CA: "Re-issue {subject} as a CA (basicConstraints=critical,CA:TRUE; keyUsage "
    "keyCertSign) and re-issue what it signed. Show it: openssl x509 -in FILE -noout -ext "
    "basicConstraints,keyUsage",
    PATH_LENGTH: "{subject} allows fewer intermediate CAs below it: issue from a CA higher up, "
    "or re-issue it with a larger pathlen. Confirm: {confirm}",
    TOO_LONG: "Issue client certificates from a CA at most {depth} CA certificates deep. "
    "Confirm: {confirm}",
    PURPOSE: "Re-issue {subject} with extendedKeyUsage clientAuth (or without the extension). "
    "Confirm: openssl verify -purpose sslclient -CAfile {store} {client}",
    **dict.fromkeys(
        (STRICT_BC_NOT_CRITICAL, STRICT_NO_KEY_USAGE, STRICT_NO_SKI, STRICT_NO_AKI),
        "Re-issue {subject} with the extensions RFC 5280 asks of it (basicConstraints "
        "critical and keyUsage on a CA, subjectKeyIdentifier on a CA, authorityKeyIdentifier "
        "below the root). Confirm: openssl verify -x509_strict -CAfile {store} {client}",
    ),
    **dict.fromkeys(
        (BAD_NOT_BEFORE, BAD_NOT_AFTER),
        "Re-issue {subject}: its validity is not written as RFC 5280 asks (UTCTime "
        "YYMMDDHHMMSSZ before 2050, GeneralizedTime YYYYMMDDHHMMSSZ after). Show it: openssl "
        "asn1parse -in {client}",
    ),
    NO_ISSUER_FOR_INVALID: "Re-issue {subject} with each extension once: OpenSSL takes a "
    "certificate with a repeated extension for invalid and finds no issuer for it. Show it: "
    "openssl x509 -in {client} -noout -text",
    CLIENT_KEY_UNREADABLE: "Re-issue {subject} with an RSA or EC key on a named curve (P-256, "
    "P-384). Show it: openssl x509 -in {client} -noout -pubkey",
    REVOKED: "{subject} is revoked by its CA: issue the client a new certificate (or, if the "
    "revocation was a mistake, have the CA issue a list without it). Show it: openssl crl -in "
    "CRL -noout -text",
    NOT_V3: "Re-issue {subject} as X.509 v3 (openssl x509 -req -extfile with its extensions; "
    "without -extfile OpenSSL makes v1). Show it: openssl x509 -in FILE -noout -text | grep "
    "Version",
    KEY_MISMATCH: "Use the private key that belongs to {client}, or the certificate that "
    "belongs to the key. Compare: mtls-lint match KEY {client}",
}
FIXES[NOT_YET_VALID] = FIXES[EXPIRED]

#: NOT_V3 on a pinned client (self-signed, its own copy in the truststore): there is no CA
#: to re-issue it, so the client makes a v3 certificate for its key and that is pinned.
PINNED_NOT_V3 = (
    "{subject} is pinned (a self-signed client certificate in {store}) and is X.509 v1: make "
    "a v3 certificate for the same key and pin it instead -- openssl req -x509 -new -key "
    "CLIENT_KEY -subj '/CN=...' -days 365 -addext extendedKeyUsage=clientAuth -out new.pem "
    "(req -x509 writes v3) -- give the client new.pem, replace the old certificate in "
    "{store} with it, then {publish}. Show it: openssl x509 -in {client} -noout -text | grep "
    "Version"
)


#: The kind of refusal each reason is, for the words of a service that logs codes
#: (:attr:`Profile.codes`). A reason with no kind (a key that is not the client's) is not the
#: service's business. That AWS maps each OpenSSL condition to these codes is an inference
#: from the codes' descriptions: AWS documents the codes, not the mapping.
KIND_OF_REASON = {
    REASON_NO_ISSUER: profiles.UNTRUSTED,
    REASON_SELF_SIGNED: profiles.UNTRUSTED,
    BAD_SIGNATURE: profiles.UNTRUSTED,
    INVALID_CA: profiles.UNTRUSTED,
    PATH_LENGTH: profiles.UNTRUSTED,
    **dict.fromkeys(
        (STRICT_BC_NOT_CRITICAL, STRICT_NO_KEY_USAGE, STRICT_NO_SKI, STRICT_NO_AKI),
        profiles.UNTRUSTED,
    ),
    REASON_INSECURE: profiles.TYPE_UNSUPPORTED,
    NOT_V3: profiles.TYPE_UNSUPPORTED,
    REVOKED: profiles.REVOKED,
    EXPIRED: profiles.EXPIRED,
    NOT_YET_VALID: profiles.NOT_YET_VALID,
    TOO_LONG: profiles.CHAIN_DEPTH,
    PURPOSE: profiles.PURPOSE,
    BAD_NOT_BEFORE: profiles.INVALID,
    BAD_NOT_AFTER: profiles.INVALID,
    NO_ISSUER_FOR_INVALID: profiles.INVALID,
    CLIENT_KEY_UNREADABLE: profiles.INVALID,
}


def service_code(reason: str, profile: Profile) -> str | None:
    """The connection-log code ``profile``'s service logs for ``reason``, or None."""
    kind = KIND_OF_REASON.get(reason)
    return profile.code(kind) if kind is not None else None


def fix_for(
    reason: str, *, subject: str, issuer: str, top: str, store: str, client: str,
    profile: Profile = profiles.PROFILES[profiles.DEFAULT_PROFILE], pinned: bool = False,
) -> str:  # fmt: skip
    """The fix, as a person would do it, with the command that confirms it: ``subject`` is
    the certificate that failed, ``top`` the last one on the path and ``issuer`` its issuer,
    ``store`` and ``client`` the files as the user named them; a fix to the truststore ends
    with what ``profile``'s service needs to read it again. ``pinned``: the client is a
    self-signed certificate trusted as itself, with no CA to re-issue it."""
    text = PINNED_NOT_V3 if pinned and reason == NOT_V3 else FIXES[reason]
    return text.format(
        subject=subject,
        issuer=issuer,
        top=top,
        store=store,
        client=client,
        confirm=f"openssl verify -CAfile {store} {client}",
        depth=profile.max_chain_cas,
        publish=profile.publish,
    )


#: What to do about each connection-log code, in the service's terms (the client's chain and
#: the trust store are ``verify``'s to judge once the certificate is at hand).
CODE_FIXES = {
    "ClientCertUntrusted": "The trust store has no path to the client's CA: add the issuing CA "
    "and every CA up to its root to the bundle, then {publish}. Confirm with the client's "
    "certificate: mtls-lint verify --profile {profile} --truststore BUNDLE CLIENT",
    "ClientCertExpired": "Renew the client certificate (or, for a grace period, set "
    "{ignore_expiry})",
    "ClientCertNotYetValid": "The client certificate's notBefore is in the future: check the "
    "issuing CA's clock, or wait",
    "ClientCertMaxChainDepthExceeded": "Issue the client from a CA at most four CA certificates "
    "deep",
    "ClientCertMaxSizeExceeded": "The client sends too large a chain: send the leaf and its "
    "intermediates only",
    "ClientCertCrlHit": "The client certificate is revoked: issue the client a new one",
    "ClientCertCrlProcessingError": "A revocation list of the trust store cannot be used: lint "
    "it (mtls-lint check --profile alb LIST BUNDLE) and replace it",
    "ClientCertTypeUnsupported": "Re-issue the client certificate (and its CAs) with a key and "
    "algorithm the service supports: mtls-lint verify --profile {profile} shows which",
    "ClientCertInvalid": "The client certificate cannot be read: re-issue it",
    "ClientCertPurposeInvalid": "Re-issue the client (or its CA) with extendedKeyUsage "
    "clientAuth, or without the extension",
    "ClientCertRejected": "A custom validation refused the client: see its own logs",
    "ClientCertMissing": "The client sent no certificate: configure it to present one (or make "
    "mutual TLS optional on the distribution)",
    "ConnectionFunctionDenied": "The distribution's connection function refused the client: see "
    "its code and its logs",
    "ConnectionFunctionError": "The distribution's connection function failed: see its logs",
}
CODE_FIXES["ClientCertIntentInvalid"] = CODE_FIXES["ClientCertPurposeInvalid"]
