"""verify speaks each service's truth: its lists of keys and algorithms, and its own words.

API Gateway logs ``Access denied. Reason: ...`` and answers 403; ALB and CloudFront fail the
handshake and write ``Failed:<code>`` in the connection log (../shared/AWS-SERVICES.md,
sections 1, 4 and 4b). Each chain here is fine on one profile and refused on another.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW, NOW_ISO, PKI, openssl_verify

INSECURE = "Client cert using an insecure Signature Algorithm"
UNSUPPORTED = "ClientCertTypeUnsupported"

#: root key -> what each profile says of a client under it (None: allowed).
MATRIX = {
    "ec-p521": {"apigateway": None, "alb": None, "cloudfront": UNSUPPORTED},
    "rsa-8192": {"apigateway": None, "alb": None, "cloudfront": UNSUPPORTED},
    "rsa-3072": {"apigateway": None, "alb": None, "cloudfront": None},
    "ec-k256": {"apigateway": INSECURE, "alb": UNSUPPORTED, "cloudfront": UNSUPPORTED},
    "ed25519": {"apigateway": INSECURE, "alb": UNSUPPORTED, "cloudfront": UNSUPPORTED},
    "rsa-pss": {"apigateway": INSECURE, "alb": None, "cloudfront": None},
}


@pytest.fixture(scope="module")
def chains(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """root key -> (truststore, client) files: a root of that key, a P-256 client under it."""
    work = tmp_path_factory.mktemp("services")
    made = {}
    for spec in MATRIX:
        pss = spec == "rsa-pss"
        root = pki.cert(f"service root {spec}", key="rsa-2048" if pss else spec, rsa_pss=pss)
        client = pki.cert(f"service client {spec}", issuer=root, ca=False, rsa_pss=pss)
        (work / f"{spec}-store.pem").write_bytes(root.pem)
        (work / f"{spec}-client.pem").write_bytes(client.pem)
        made[spec] = (work / f"{spec}-store.pem", work / f"{spec}-client.pem")
    return made


def verify(store: Path, client: Path, profile: str, capsys, *flags: str) -> tuple[int, str]:
    code = main(["verify", "--now", NOW_ISO, "--profile", profile, *flags,
                 "--truststore", str(store), str(client)])  # fmt: skip
    return code, capsys.readouterr().out


@pytest.mark.parametrize("profile", ["apigateway", "alb", "cloudfront"])
@pytest.mark.parametrize("spec", sorted(MATRIX))
def test_each_profile_judges_by_its_own_lists(chains, spec: str, profile: str, capsys) -> None:
    store, client = chains[spec]
    code, out = verify(store, client, profile, capsys, "--format", "json")
    verdict = json.loads(out)
    expected = MATRIX[spec][profile]
    assert verdict["reason"] == expected
    assert code == (0 if expected is None else 1)
    assert verdict["service"] == {"apigateway": "API Gateway", "alb": "ALB",
                                  "cloudfront": "CloudFront"}[profile]  # fmt: skip
    if profile == "apigateway":
        assert "connection_log_status" not in verdict
        assert verdict["log_reason"] == (None if expected is None else
                                         f"Access denied. Reason: {expected}")  # fmt: skip
    else:
        assert "log_reason" not in verdict
        status = "Success" if expected is None else f"Failed:{expected}"
        assert verdict["connection_log_status"] == status
    if expected is not None:
        assert verdict["documented_by_aws"] is True


def test_alb_text_speaks_of_the_handshake_and_the_connection_log(chains, capsys) -> None:
    _, out = verify(*chains["ec-k256"], "alb", capsys)
    assert out.startswith("DENIED: ClientCertTypeUnsupported\n")
    assert "ALB fails the TLS handshake; connection log: Failed:ClientCertTypeUnsupported" in out
    assert "API Gateway" not in out
    assert "secp256k1" in out  # which key, and what the service supports
    assert "ALB supports" in out


def test_api_gateway_text_gives_its_log_line(chains, capsys) -> None:
    _, out = verify(*chains["ed25519"], "apigateway", capsys)
    assert f"API Gateway logs: Access denied. Reason: {INSECURE}" in out


@pytest.mark.parametrize(
    ("profile", "words"),
    [("apigateway", "update the custom domain's truststore version"),
     ("alb", "modify-trust-store"), ("cloudfront", "created or updated")],
)  # fmt: skip
def test_the_fix_says_how_the_service_reads_the_bundle_again(
    pki: PKI, tmp_path: Path, profile: str, words: str, capsys
) -> None:
    orphan_root = pki.cert("service orphan root")
    (tmp_path / "store.pem").write_bytes(pki.cert("service other root").pem)
    (tmp_path / "client.pem").write_bytes(
        pki.cert("service orphan client", issuer=orphan_root, ca=False).pem
    )
    code, out = verify(tmp_path / "store.pem", tmp_path / "client.pem", profile, capsys,
                       "--format", "json")  # fmt: skip
    verdict = json.loads(out)
    assert code == 1
    assert words in verdict["fix"]
    expected = "Could not find issuer for certificate" if profile == "apigateway" else (
        "ClientCertUntrusted")  # fmt: skip
    assert verdict["reason"] == expected


@pytest.fixture(scope="module")
def expired_client(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("expiry")
    root = pki.cert("service expiry root")
    client = pki.cert("service expired client", issuer=root, ca=False,
                      not_after=NOW.replace(year=NOW.year - 1))  # fmt: skip
    (work / "store.pem").write_bytes(root.pem)
    (work / "client.pem").write_bytes(client.pem)
    return work / "store.pem", work / "client.pem"


@pytest.mark.parametrize("profile", ["alb", "cloudfront"])
def test_ignore_expiry_admits_an_expired_client_where_the_service_has_the_option(
    expired_client, profile: str, capsys
) -> None:
    code, out = verify(*expired_client, profile, capsys, "--format", "json")
    assert json.loads(out)["reason"] == "ClientCertExpired"
    code, out = verify(*expired_client, profile, capsys, "--format", "json", "--ignore-expiry")
    verdict = json.loads(out)
    assert code == 0
    assert any("ignored, as" in c["detail"] for c in verdict["checks"])


def test_ignore_expiry_is_refused_on_api_gateway(expired_client, capsys) -> None:
    code = main(["verify", "--now", NOW_ISO, "--ignore-expiry", "--truststore",
                 str(expired_client[0]), str(expired_client[1])])  # fmt: skip
    assert code == 2
    assert "API Gateway has no option" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("spec", ["ec-k256", "ed25519", "ec-p521"])
def test_openssl_admits_what_the_services_lists_leave_out(chains, spec: str) -> None:
    """Where the services are documented to be stricter than OpenSSL: their key and curve
    lists (ALB: RSA 2K-8K, P-256/384/521; CloudFront: RSA 2048/3072/4096, P-256/384;
    API Gateway: RSA and ECDSA). OpenSSL verifies each of these chains."""
    assert openssl_verify(*chains[spec]).returncode == 0


@pytest.fixture(scope="module")
def troubled(pki: PKI) -> bytes:
    """A bundle with a finding of each kind a service refuses clients for."""
    root = pki.cert("troubled root")
    expired = pki.cert("troubled expired", issuer=root, not_after=NOW.replace(year=2026, month=1))
    soon = pki.cert("troubled soon", issuer=root, not_after=NOW.replace(day=10))
    orphan = pki.cert("troubled orphan", issuer=pki.cert("troubled absent root"))
    weak = pki.cert("troubled weak", key="rsa-1024")
    deep = pki.chain("troubled deep", 6)
    return (
        b"# a comment\n"
        + b"".join(c.pem for c in (root, expired, soon, orphan, weak, *deep))
        + b"stray text\n"
    )


@pytest.mark.parametrize("profile", ["alb", "cloudfront"])
def test_check_speaks_the_profiles_service(troubled: bytes, profile: str) -> None:
    from tests.conftest import lint

    service = {"alb": "ALB", "cloudfront": "CloudFront"}[profile]
    findings = lint(troubled, profile=profile)
    messages = {f.rule: f.message for f in findings}
    for rule in ("expired", "missing-issuer", "weak-rsa-key", "chain-too-deep", "expires-soon"):
        assert f"{service} refuses" in messages[rule], rule
    assert "(Failed:ClientCertExpired)" in messages["expired"]
    assert "(Failed:ClientCertUntrusted)" in messages["missing-issuer"]
    assert "(Failed:ClientCertTypeUnsupported)" in messages["weak-rsa-key"]
    assert "(Failed:ClientCertMaxChainDepthExceeded)" in messages["chain-too-deep"]
    assert f"{service} accepts only '#' comments" in messages["stray-text"]
    for finding in findings:
        assert "API Gateway" not in finding.message, finding.rule
        assert "403" not in finding.message, finding.rule


def test_check_on_api_gateway_keeps_its_403_and_log_reasons(troubled: bytes) -> None:
    from tests.conftest import lint

    messages = {f.rule: f.message for f in lint(troubled)}
    assert "403 'Could not find issuer for certificate'" in messages["missing-issuer"]
    assert "403 'Client cert using an insecure Signature Algorithm'" in messages["weak-rsa-key"]
    assert "API Gateway will not warn" in messages["expires-soon"]


def test_diff_warns_in_the_profiles_words(pki: PKI) -> None:
    from mtls_lint.bundle_diff import diff_bundle
    from mtls_lint.lint_settings import LintSettings, enabled_rules
    from mtls_lint.profiles import PROFILES

    root = pki.cert("diff words root")
    ca = pki.cert("diff words CA", issuer=root)
    alb = LintSettings(PROFILES["alb"], NOW, enabled_rules(PROFILES["alb"]))
    warnings = diff_bundle("b.pem", root.pem + ca.pem, ca.pem, alb).warnings
    assert warnings
    assert all("ALB refuses" in w and "403" not in w for w in warnings if "clients" in w)
