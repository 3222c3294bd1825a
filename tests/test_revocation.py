"""ALB's revocation lists: files of CRLs beside the CA bundle, linted with their own rules.

Lists are built with cryptography's CRL builder; the SHA-1 one, which cryptography refuses to
sign, with the openssl command (skipped where it is missing).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mtls_lint.cli import main
from tests import refused
from tests.pki import NOW, NOW_ISO, PKI, Issued

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
DAY = dt.timedelta(days=1)


def crl(issuer: Issued, next_update: dt.datetime, serials=(), signer: Issued | None = None,
        encoding=serialization.Encoding.PEM) -> bytes:  # fmt: skip
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(next_update - 90 * DAY)
        .next_update(next_update)
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(NOW - 100 * DAY).build()
        )  # fmt: skip
    return builder.sign((signer or issuer).key, hashes.SHA256()).public_bytes(encoding)


@pytest.fixture(scope="module")
def store(pki: PKI) -> dict[str, Issued]:
    root = pki.cert("revocation root")
    return {
        "root": root,
        "other": pki.cert("revocation other root"),
        "client": pki.cert("revocation client", issuer=root, ca=False, serial=4242),
        "kept": pki.cert("revocation kept client", issuer=root, ca=False, serial=7),
    }


def check(tmp_path: Path, files: dict[str, bytes], *flags: str, profile: str = "alb"):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "report.json"
    code = main(["check", "--no-config", "--profile", profile, "--now", NOW_ISO, "--format",
                 "json", "--output", str(out), *flags, str(tmp_path)])  # fmt: skip
    report = json.loads(out.read_text())
    findings = [(Path(f["path"]).name, f["rule"], f["message"])
                for f in report["findings"]]  # fmt: skip
    return code, findings


def rules_for(findings, name: str) -> list[str]:
    return sorted(rule for file, rule, _ in findings if file == name)


def test_a_current_list_of_a_ca_in_the_run_is_clean(store, tmp_path) -> None:
    code, findings = check(
        tmp_path,
        {"bundle.pem": store["root"].pem, "root.crl": crl(store["root"], NOW + 60 * DAY, [4242])},
    )
    assert findings == []
    assert code == 0


@pytest.mark.parametrize(
    ("name", "make", "rule"),
    [("expired.crl", lambda s: crl(s["root"], NOW - 3 * DAY), "crl-expired"),
     ("soon.crl", lambda s: crl(s["root"], NOW + 10 * DAY), "crl-expires-soon"),
     ("stranger.crl", lambda s: crl(s["other"], NOW + 60 * DAY), "crl-issuer-missing"),
     ("forged.crl", lambda s: crl(s["root"], NOW + 60 * DAY, signer=s["other"]),
      "crl-bad-signature"),
     ("der.crl", lambda s: crl(s["root"], NOW + 60 * DAY, encoding=serialization.Encoding.DER),
      "crl-not-pem"),
     ("broken.pem", lambda s: b"-----BEGIN X509 CRL-----\nMAMCAQA=\n-----END X509 CRL-----\n",
      "crl-unreadable")],
)  # fmt: skip
def test_each_problem_of_a_list_is_its_own_finding(store, tmp_path, name, make, rule) -> None:
    code, findings = check(tmp_path, {"bundle.pem": store["root"].pem, name: make(store)})
    assert rules_for(findings, name) == [rule]
    assert rules_for(findings, "bundle.pem") == []  # not linted as a bundle: no empty-bundle
    assert code == (0 if rule == "crl-expires-soon" else 1)


def test_a_list_without_its_trust_store_says_to_lint_them_together(store, tmp_path) -> None:
    _, findings = check(tmp_path, {"root.crl": crl(store["root"], NOW + 60 * DAY)})
    ((_, rule, message),) = findings
    assert rule == "crl-issuer-missing"
    assert "no trust store linted with it" in message


def test_the_quotas_count_across_the_lists_of_a_run(store, tmp_path) -> None:
    config = tmp_path.parent / f"{tmp_path.name}.yaml"
    config.write_text("profile: alb\nlimits: {crl-entries: 3, crl-lists: 1, crl-bytes: 100}\n")
    files = {"bundle.pem": store["root"].pem,
             "a.crl": crl(store["root"], NOW + 60 * DAY, [1, 2]),
             "b.crl": crl(store["root"], NOW + 60 * DAY, [3, 4])}  # fmt: skip
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path.parent / f"{tmp_path.name}.json"
    main(["check", "--config", str(config), "--now", NOW_ISO, "--format", "json", "--output",
          str(out), str(tmp_path)])  # fmt: skip
    messages = [f["message"] for f in json.loads(out.read_text())["findings"]
                if f["rule"] == "crl-too-large"]  # fmt: skip
    assert any("hold 4 entries" in m and "may hold 3" in m for m in messages)
    assert any("2 revocation lists; a trust store may have 1" in m for m in messages)
    assert any("takes revocation files of at most 100" in m for m in messages)


@pytest.mark.parametrize("profile", ["apigateway", "cloudfront"])
def test_a_service_without_crls_says_the_list_changes_nothing(store, tmp_path, profile) -> None:
    code, findings = check(tmp_path, {"bundle.pem": store["root"].pem,
                                      "old.crl": crl(store["root"], NOW - DAY)},
                           profile=profile)  # fmt: skip
    ((_, rule, message),) = findings
    assert rule == "crl-not-checked"
    assert "checks no revocation lists" in message
    assert code == 0


def test_check_crl_names_a_list_outside_the_walk(store, tmp_path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "revoked.txt").write_bytes(crl(store["root"], NOW - DAY))
    (tmp_path / "bundle.pem").write_bytes(store["root"].pem)
    out = tmp_path / "r.json"
    main(["check", "--no-config", "--profile", "alb", "--now", NOW_ISO, "--format", "json",
          "--output", str(out), "--crl", str(tmp_path / "lists" / "revoked.txt"),
          str(tmp_path / "bundle.pem")])  # fmt: skip
    assert [f["rule"] for f in json.loads(out.read_text())["findings"]] == ["crl-expired"]


def test_check_crl_refuses_a_file_that_is_no_list(store, tmp_path, capsys) -> None:
    (tmp_path / "bundle.pem").write_bytes(store["root"].pem)
    code = main(["check", "--no-config", "--crl", str(tmp_path / "bundle.pem"),
                 str(tmp_path / "bundle.pem")])  # fmt: skip
    assert code == 2
    assert "named a revocation list (--crl" in capsys.readouterr().err


@pytest.fixture
def files(store, tmp_path) -> dict[str, Path]:
    paths = {"store": store["root"].pem, "client": store["client"].pem,
             "kept": store["kept"].pem,
             "crl": crl(store["root"], NOW + 60 * DAY, [4242])}  # fmt: skip
    for name, data in paths.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
    return {name: tmp_path / f"{name}.pem" for name in paths}


def verdict(files, client: str, profile: str, capsys) -> dict:
    main(["verify", "--now", NOW_ISO, "--format", "json", "--profile", profile, "--crl",
          str(files["crl"]), "--truststore", str(files["store"]), str(files[client])])  # fmt: skip
    return json.loads(capsys.readouterr().out)


def test_verify_crl_refuses_a_revoked_client_on_alb(files, capsys) -> None:
    result = verdict(files, "client", "alb", capsys)
    assert result["reason"] == "ClientCertCrlHit"
    assert result["connection_log_status"] == "Failed:ClientCertCrlHit"
    assert result["cause"] == "certificate revoked"
    assert verdict(files, "kept", "alb", capsys)["allowed"] is True


#: The clients each test of both runs over: one cryptography loads, and one it refuses that
#: OpenSSL reads (verify reads it field by field).
CLIENTS = pytest.mark.parametrize("clients", ["files", "lenient_files"])


@CLIENTS
def test_verify_crl_on_api_gateway_says_it_checks_no_revocation(clients, request, capsys) -> None:
    result = verdict(request.getfixturevalue(clients), "client", "apigateway", capsys)
    assert result["allowed"] is True
    assert any("API Gateway checks no revocation lists" in n for n in result["notes"])


@pytest.mark.slow
@needs_openssl
@CLIENTS
def test_openssl_refuses_the_revoked_client_too(clients, request) -> None:
    files = request.getfixturevalue(clients)
    bundle = files["store"].parent / "store+crl.pem"
    bundle.write_bytes(files["store"].read_bytes() + files["crl"].read_bytes())
    result = subprocess.run(
        ["openssl", "verify", "-crl_check", "-attime", str(int(NOW.timestamp())), "-CAfile",
         str(bundle), str(files["client"])], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "certificate revoked" in result.stdout + result.stderr


@pytest.mark.slow
@needs_openssl
def test_a_sha1_list_is_a_weak_signature_hash(store, pki: PKI, tmp_path) -> None:
    """cryptography will not sign with SHA-1: openssl ca -gencrl does, from a minimal CA."""
    work = tmp_path / "ca"
    work.mkdir()
    (work / "ca.pem").write_bytes(store["root"].pem)
    (work / "ca.key").write_bytes(store["root"].key_pem())
    (work / "index.txt").write_text("")
    (work / "openssl.cnf").write_text(
        f"[ca]\ndefault_ca = d\n[d]\ndatabase = {work}/index.txt\ncrlnumber = {work}/n\n"
        "default_md = sha1\ndefault_crl_days = 60\n"
    )
    (work / "n").write_text("01\n")
    subprocess.run(["openssl", "ca", "-gencrl", "-config", str(work / "openssl.cnf"), "-cert",
                    str(work / "ca.pem"), "-keyfile", str(work / "ca.key"), "-out",
                    str(tmp_path / "sha1.crl")], check=True, capture_output=True)  # fmt: skip
    (tmp_path / "bundle.pem").write_bytes(store["root"].pem)
    _, findings = check(tmp_path, {})
    assert "crl-weak-signature-hash" in rules_for(findings, "sha1.crl")


def test_config_revocation_lists_finds_lists_the_include_globs_miss(store, tmp_path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "root.txt").write_bytes(crl(store["root"], NOW - DAY))
    (tmp_path / "bundle.pem").write_bytes(store["root"].pem)
    config = tmp_path / ".mtls-lint.yaml"
    config.write_text('profile: alb\nrevocation-lists: ["lists/*.txt"]\n')
    out = tmp_path / "r.json"
    main(["check", "--config", str(config), "--now", NOW_ISO, "--format", "json", "--output",
          str(out), str(tmp_path)])  # fmt: skip
    findings = json.loads(out.read_text())["findings"]
    assert [(Path(f["path"]).name, f["rule"]) for f in findings] == [("root.txt", "crl-expired")]


def test_verify_access_log_applies_the_lists_too(files, store, tmp_path, capsys) -> None:
    log = tmp_path / "access.log"
    lines = [json.dumps({"requestId": f"r{i}", "clientCertPem": store[name].pem.decode()})
             for i, name in enumerate(("client", "kept"))]  # fmt: skip
    log.write_text("\n".join(lines) + "\n")
    code = main(["verify", "--now", NOW_ISO, "--format", "json", "--profile", "alb", "--crl",
                 str(files["crl"]), "--truststore", str(files["store"]), "--access-log",
                 str(log)])  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    reasons = sorted(str(c["verdict"]["reason"]) for c in document["certificates"])
    assert reasons == ["ClientCertCrlHit", "None"]
    assert code == 1


@pytest.fixture
def lenient_files(store, pki: PKI, tmp_path) -> dict[str, Path]:
    """A client of the revocation root that cryptography refuses and OpenSSL reads (version
    field 'v5', serial 5151), the root, a list of the root revoking 5151 and one that
    revokes another serial."""
    cert = pki.cert("revocation v5 client", issuer=store["root"], ca=False, serial=5151)
    paths = {
        "store": store["root"].pem,
        "client": refused.pem(refused.resign(cert, store["root"], refused.version_5)),
        "crl": crl(store["root"], NOW + 60 * DAY, [5151]),
        "other-serial": crl(store["root"], NOW + 60 * DAY, [4242]),
    }
    for name, data in paths.items():
        (tmp_path / f"lenient-{name}.pem").write_bytes(data)
    return {name: tmp_path / f"lenient-{name}.pem" for name in paths}


def test_verify_crl_refuses_a_revoked_client_cryptography_cannot_load(
    lenient_files, capsys
) -> None:
    """The client is read field by field (the lenient path), and its serial still meets the
    lists its issuer signed, as ALB's OpenSSL reads it."""
    result = verdict(lenient_files, "client", "alb", capsys)
    assert any("read field by field" in note for note in result["notes"])
    assert result["reason"] == "ClientCertCrlHit"
    assert result["cause"] == "certificate revoked"
    other = {**lenient_files, "crl": lenient_files["other-serial"]}
    assert verdict(other, "client", "alb", capsys)["allowed"] is True


def test_verify_crl_refuses_a_revoked_ca_above_a_leniently_read_client(
    store, pki: PKI, tmp_path, capsys
) -> None:
    """The path above the client's issuer meets the lists as verify's own path does."""
    ca = pki.cert("revocation revoked CA", issuer=store["root"], serial=6161)
    cert = pki.cert("revocation v5 client of a revoked CA", issuer=ca, ca=False)
    paths = {
        "store": store["root"].pem + ca.pem,
        "client": refused.pem(refused.resign(cert, ca, refused.version_5)),
        "crl": crl(store["root"], NOW + 60 * DAY, [6161]),
    }
    for name, data in paths.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
    files = {name: tmp_path / f"{name}.pem" for name in paths}
    result = verdict(files, "client", "alb", capsys)
    assert any("read field by field" in note for note in result["notes"])
    assert result["reason"] == "ClientCertCrlHit"
    revoked = [c for c in result["checks"] if c["name"] == "revoked"]
    assert [(c["ok"], c["subject"]) for c in revoked] == [(False, ca.cert.subject.rfc4514_string())]
