"""mtls-lint: lint the truststore bundles of AWS mutual-TLS endpoints."""

__version__ = "0.1.0"
