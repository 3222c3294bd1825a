"""Rules about the file's PEM armour: is there a readable certificate in each block?"""

from __future__ import annotations

from collections.abc import Iterator

from mtls_lint import citations
from mtls_lint.bundle import FileKind
from mtls_lint.escape import article
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, at_block, file_rule


@file_rule(
    "not-pem",
    "the file has no PEM armour (DER or binary)",
    severity=Severity.ERROR,
    citation=citations.APIGW_TRUSTSTORE,
)
def not_pem(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires when the file has no ``-----BEGIN``/``-----END`` armour at all: a DER certificate
    (read anyway, as one certificate, so the other rules still run) or other binary data.

    AWS: the truststore must be a PEM bundle; API Gateway refuses to use the S3 object
    ("There is an invalid certificate in your truststore bundle") and clients get 403.

    Fix: convert DER to PEM: ``openssl x509 -inform DER -in FILE -out FILE.pem``.

    Show it: ``openssl x509 -inform DER -in FILE -noout -subject``
    """
    kind = ctx.bundle.kind
    path = ctx.bundle.path
    if kind is FileKind.DER:
        yield Problem(
            "the file is a DER certificate, not PEM; AWS truststores are PEM bundles: convert "
            f"with `openssl x509 -inform DER -in {path} -out {path}.pem`",
            1,
            1,
        )
    elif kind is FileKind.BINARY:
        yield Problem(
            "the file is binary with no PEM armour; AWS truststores are PEM text bundles", 1, 1
        )


@file_rule(
    "malformed-pem",
    "BEGIN without END, END without BEGIN, labels that differ, invalid base64",
    severity=Severity.ERROR,
    citation=citations.RFC7468,
)
def malformed_pem(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for broken armour: a ``-----BEGIN`` with no ``-----END`` (a truncated copy-paste),
    an ``-----END`` with no ``-----BEGIN``, END and BEGIN labels that differ, or a body that is
    not valid base64 (stray characters, headers, bad padding).

    AWS: API Gateway cannot read the entry and warns "There is an invalid certificate in your
    truststore bundle"; clients whose chain needs it get 403.

    Fix: copy the certificate again from its source, whole, from ``-----BEGIN CERTIFICATE-----``
    to ``-----END CERTIFICATE-----``.

    Show it: ``openssl storeutl -noout -text -certs FILE`` stops at the broken block.
    """
    for block in ctx.bundle.blocks:
        if block.problem:
            yield at_block(block, f"{block.label or 'unlabelled'} block: {block.problem}")
    for line, label in ctx.bundle.stray_ends:
        yield Problem(f"-----END {label}----- without a -----BEGIN line", line, line)


@file_rule(
    "unparsable-certificate",
    "a CERTIFICATE block whose DER cryptography cannot read",
    severity=Severity.ERROR,
    citation=citations.APIGW_WARNINGS,
)
def unparsable_certificate(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a well-armoured CERTIFICATE block whose content is not an X.509 certificate
    that ``cryptography`` can parse; the parser's reason is in the message. X.509 version 2
    certificates land here too (the parser does not accept them).

    ``cryptography`` refuses a whole certificate for one bad field where OpenSSL reads the rest:
    such a certificate is then read field by field (with ``pyasn1``: the first 128 KiB of them
    in a file, each at most 16 KiB),
    and the rules about its signature algorithm, key and validity run on what can be read, so
    a SHA-1 certificate with a duplicated extension is also ``weak-signature-hash``.

    AWS: API Gateway reports "There is an invalid certificate in your truststore bundle" and
    cannot use the entry; clients under it get 403.

    Fix: replace the block with a fresh copy of the certificate.

    Show it: ``openssl x509 -in FILE -noout -text`` (for the N-th block, split the file first).
    """
    lenient = {id(cert.block): cert for cert in ctx.leniently_read}
    for block, reason in ctx.unparsable:
        message = f"certificate #{block.cert_index} cannot be parsed: {reason}"
        read = lenient.get(id(block))
        if read is not None:
            message += (
                f"; read field by field instead ({read.subject}), so the signature, key and "
                "validity rules ran on it"
            )
            if read.validity_error:
                message += f"; OpenSSL refuses it too: '{read.validity_error}'"
        yield at_block(block, message)


#: What private-key-in-bundle says of the key; pre-commit runs say "staged" instead.
KEY_IN_HISTORY = "the key is now in git history and must be treated as leaked"


@file_rule(
    "private-key-in-bundle",
    "a PRIVATE KEY block in the truststore",
    severity=Severity.ERROR,
    citation=citations.APIGW_TRUSTSTORE,
)
def private_key_in_bundle(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for any block labelled ``... PRIVATE KEY`` (PKCS#8, RSA, EC, encrypted), and for
    a private key in any other shape: its armour inside a JSON string or on one line with
    the key, a file with CR-only line ends, base64 or hex of the key's DER with no armour, a
    file that is the raw DER of a key. The key is never echoed.

    AWS: a truststore holds only CA certificates; the key is useless there. Worse, the file is
    committed: the key is in git history and in the S3 object, and must be treated as leaked.

    Fix: remove the block, revoke and re-issue the certificate that uses the key, and rotate
    the key; removing it from the latest commit does not remove it from history.

    Show it: ``grep -n 'PRIVATE KEY' FILE``
    """
    for block in ctx.bundle.blocks:
        if block.is_private_key:
            yield at_block(
                block,
                f"a {block.label} block is in the truststore: {KEY_IN_HISTORY}; remove it, "
                "rotate the key and re-issue its certificate",
            )
    for key in ctx.bundle.hidden_keys:
        yield Problem(
            f"a private key ({key.how}) is in the truststore: {KEY_IN_HISTORY}; remove it, "
            "rotate the key and re-issue its certificate",
            key.line,
            key.end_line,
        )


@file_rule(
    "non-certificate-block",
    "a block that is not a CERTIFICATE (CSR, public key, PKCS7, CRL, TRUSTED CERTIFICATE)",
    severity=Severity.ERROR,
    citation=citations.APIGW_TRUSTSTORE,
)
def non_certificate_block(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for a block whose label is not ``CERTIFICATE``: ``TRUSTED CERTIFICATE`` (OpenSSL's
    own format), ``CERTIFICATE REQUEST``, ``PUBLIC KEY``, ``PKCS7``, or ``X509 CRL``.

    AWS: the truststore must contain only PEM-encoded X.509 certificates; API Gateway warns
    "There is an invalid certificate in your truststore bundle". ALB wants certificate contents
    "enclosed within the -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- boundaries"
    and takes CRLs as separate revocation files (AddTrustStoreRevocations), never inside the
    CA bundle, which it would refuse as InvalidCaCertificatesBundle.

    Fix: replace the block with the certificate it stands for, e.g.
    ``openssl x509 -in trusted.pem -out cert.pem`` for a TRUSTED CERTIFICATE, or
    ``openssl pkcs7 -print_certs -in bundle.p7b`` for PKCS7; move a CRL to a file of its own
    and add it to the ALB trust store as a revocation list.

    Show it: ``grep -n -- '-----BEGIN' FILE``
    """
    for block in ctx.bundle.blocks:
        if block.is_private_key or block.label in ctx.profile.allowed_labels:
            continue
        yield at_block(
            block,
            f"a {block.label or 'unlabelled'} block is not a certificate; the truststore may "
            "only hold CERTIFICATE blocks"
            + (
                " (a CRL goes in a revocation-list file of its own)"
                if block.label == "X509 CRL"
                else ""
            ),
        )


@file_rule(
    "empty-bundle",
    "no certificate in the file",
    severity=Severity.ERROR,
    citation=citations.APIGW_TRUSTSTORE,
)
def empty_bundle(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires when the file holds no readable certificate: empty, text only, or every
    certificate block broken (those are reported on their own too).

    AWS: API Gateway needs at least one CA certificate to trust; with none, every client gets
    403 ``Could not find issuer for certificate``.

    Fix: put the CA certificates that issue your client certificates in the file.

    Show it: ``grep -c -- '-----BEGIN CERTIFICATE-----' FILE``
    """
    if ctx.certificates or ctx.bundle.kind is FileKind.BINARY:
        return
    broken = len(ctx.bundle.certificate_blocks)
    other = [b.label or "unlabelled" for b in ctx.bundle.blocks if b.cert_index is None]
    others = sorted(set(other))
    detail = f"none of its {broken} certificate blocks can be read" if broken else "it is empty"
    if not broken and others:
        detail = (
            f"it holds only {article(other[0])} {other[0]} block"
            if len(other) == 1
            else f"it holds only {', '.join(others)} blocks"
        )
        if any("PRIVATE KEY" in label for label in others):
            detail += " (a key file, not a truststore)"
    elif not broken and ctx.bundle.outside:
        detail = "it holds only text"
    yield Problem(f"no certificate in the file: {detail}", 1, max(1, ctx.bundle.line_count))
