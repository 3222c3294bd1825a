"""client-auth-not-allowed: an extendedKeyUsage on the path that excludes clientAuth."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.conftest import fired, lint
from tests.pki import PKI, Issued, openssl_verify


@pytest.fixture(scope="module")
def server_ca(pki: PKI) -> Issued:
    return pki.cert("server-only CA", eku=[ExtendedKeyUsageOID.SERVER_AUTH])


@pytest.mark.parametrize(
    ("profile", "severity"), [("apigateway", "warning"), ("alb", "error"), ("cloudfront", "error")]
)
def test_a_server_only_ca_is_refused_per_profile(
    server_ca: Issued, profile: str, severity: str
) -> None:
    (finding,) = fired(lint(server_ca.pem, profile=profile), "client-auth-not-allowed")
    assert finding.severity.label == severity
    assert "ClientCertPurposeInvalid" in finding.message


@pytest.mark.parametrize(
    ("label", "usages"),
    [("none", None), ("both", [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
     ("any", [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])],
)  # fmt: skip
def test_a_ca_that_allows_client_auth_is_fine(pki: PKI, label: str, usages) -> None:
    ca = pki.cert(f"client CA {label}", eku=usages)
    assert not fired(lint(ca.pem), "client-auth-not-allowed")


def test_a_pinned_server_certificate_is_refused_too(pki: PKI) -> None:
    pinned = pki.cert("pinned server", ca=False, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    (finding,) = fired(lint(pinned.pem), "client-auth-not-allowed")
    assert "pinned client certificate" in finding.message


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_refuses_the_client_purpose_under_a_server_only_ca(
    pki: PKI, server_ca: Issued, tmp_path: Path
) -> None:
    client = pki.cert("client of server-only CA", issuer=server_ca, ca=False)
    (tmp_path / "ca.pem").write_bytes(server_ca.pem)
    (tmp_path / "client.pem").write_bytes(client.pem)
    result = openssl_verify(tmp_path / "ca.pem", tmp_path / "client.pem", "-purpose", "sslclient")
    assert result.returncode != 0
    assert "unsuitable certificate purpose" in result.stdout + result.stderr


@pytest.mark.parametrize(("profile", "code"),
                         [("apigateway", None), ("alb", "ClientCertPurposeInvalid"),
                          ("cloudfront", "ClientCertIntentInvalid")])  # fmt: skip
def test_verify_refuses_the_client_purpose_where_the_service_checks_it(
    pki: PKI, server_ca: Issued, tmp_path: Path, profile: str, code: str | None, capsys
) -> None:
    import json

    from mtls_lint.cli import main
    from tests.pki import NOW_ISO

    client = pki.cert("client of server-only CA", issuer=server_ca, ca=False)
    (tmp_path / "ca.pem").write_bytes(server_ca.pem)
    (tmp_path / "client.pem").write_bytes(client.pem)
    store, client_file = str(tmp_path / "ca.pem"), str(tmp_path / "client.pem")
    exit_code = main(["verify", "--now", NOW_ISO, "--format", "json", "--profile", profile,
                      "--truststore", store, client_file])  # fmt: skip
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["allowed"] is (code is None)
    assert exit_code == (0 if code is None else 1)
    if code is not None:  # the service's connection-log code, and OpenSSL's words as the cause
        assert verdict["reason"] == code
        assert verdict["connection_log_status"] == f"Failed:{code}"
        assert verdict["documented_by_aws"] is True
        assert verdict["cause"] == "unsuitable certificate purpose"
        assert "-purpose sslclient" in verdict["fix"]
