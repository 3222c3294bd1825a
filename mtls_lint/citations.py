"""Where the facts behind the rules come from (zlint-style citations)."""

APIGW_TRUSTSTORE = (
    "Amazon API Gateway Developer Guide, 'Configuring mutual TLS authentication for a REST API', "
    "section 'Configuring your truststore'"
)
APIGW_WARNINGS = (
    "Amazon API Gateway Developer Guide, 'Configuring mutual TLS authentication', "
    "section 'Troubleshooting certificate warnings'"
)
REPOST_403 = (
    "AWS re:Post Knowledge Center, 'How do I troubleshoot HTTP 403 Forbidden errors from an "
    "API Gateway custom domain name that requires mutual TLS?' (api-gateway-mutual-tls-403-errors)"
)
ALB_MTLS = (
    "Elastic Load Balancing User Guide, "
    "'Mutual authentication with TLS in Application Load Balancer'"
)
ALB_QUOTAS = (
    "Elastic Load Balancing User Guide, 'Quotas for your Application Load Balancers' (trust stores)"
)
CLOUDFRONT = (
    "Amazon CloudFront Developer Guide, 'Trust stores' for viewer mTLS, and CloudFront quotas"
)
RFC5280 = "RFC 5280, 'Internet X.509 Public Key Infrastructure Certificate and CRL Profile'"
RFC7468 = "RFC 7468, 'Textual Encodings of PKIX, PKCS, and CMS Structures'"
FIPS186 = (
    "NIST FIPS 186-5, 'Digital Signature Standard', section 5.4 (RSA: 2**16 < e < 2**256); "
    "OpenSSL refuses exponents over 64 bits for moduli over 3072 bits (RSA_R_BAD_E_VALUE)"
)
NAME_MATCHING = (
    "RFC 5280 section 7.1 (name comparison after StringPrep); OpenSSL X509_NAME_cmp, which "
    "compares canonical encodings"
)
BASIC_CONSTRAINTS = (
    "RFC 5280 section 4.2.1.9 (CAs MUST mark basicConstraints critical); OpenSSL verify "
    "-x509_strict, the default of Python 3.13's ssl.create_default_context()"
)
CLIENT_AUTH = (
    "RFC 5280 section 4.2.1.12 (extendedKeyUsage); OpenSSL verify -purpose sslclient; ALB "
    "connection log 'ClientCertPurposeInvalid', CloudFront 'ClientCertIntentInvalid'"
)
KEY_USAGE = (
    "RFC 5280 section 4.2.1.3 (a CA's keyUsage MUST be present and assert keyCertSign); "
    "OpenSSL verify -x509_strict, the default of Python 3.13's ssl.create_default_context()"
)
KEY_IDENTIFIERS = (
    "RFC 5280 sections 4.2.1.1 (authorityKeyIdentifier in all but self-signed CAs) and 4.2.1.2 "
    "(subjectKeyIdentifier in all CAs); OpenSSL verify -x509_strict"
)
ALB_CONNECTION_LOG = (
    "Elastic Load Balancing User Guide, 'Connection logs for your Application Load Balancer' "
    "(tls_verify_status 'Failed:$error_code', and the table of error reason codes)"
)
CLOUDFRONT_CONNECTION_LOG = (
    "Amazon CloudFront Developer Guide, viewer mTLS connection logs (connectionStatus "
    "'Failed:<code>')"
)
ALB_REVOCATION = (
    "Elastic Load Balancing API Reference, AddTrustStoreRevocations (RevocationType CRL; "
    "InvalidRevocationContent: 'an invalid format, or uses an incorrect algorithm')"
)
