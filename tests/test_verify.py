"""verify: API Gateway's verdict on generated PKIs, with openssl verify as a second opinion.

Where API Gateway is documented to be stricter than ``openssl verify -partial_chain`` (a root
missing above an intermediate, weak hashes or keys, more than four CAs), the case says so and
asserts that openssl does accept it, instead of skipping the comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW, NOW_ISO, PKI, Issued, altered

DAY = 86400


@dataclass(frozen=True)
class Case:
    truststore: bytes
    client: bytes
    allowed: bool
    reason: str | None = None
    #: None: openssl agrees. Otherwise why API Gateway differs (openssl then accepts).
    stricter_than_openssl: str | None = None
    untrusted: bytes = b""
    #: When to judge validity (openssl-made certificates start at the real current time).
    at: dt.datetime = NOW


@pytest.fixture(scope="module")
def cases(pki: PKI, root: Issued, intermediate: Issued) -> dict[str, Case]:
    leaf_root = pki.cert("verify leaf by root", issuer=root, ca=False)
    leaf = pki.cert("verify leaf", issuer=intermediate, ca=False)
    five, four = pki.chain("Five CA", 5), pki.chain("Four CA", 4)
    old_ca = pki.cert("verify expired CA", issuer=root, not_after=NOW.replace(month=5))
    future = pki.cert("verify future leaf", issuer=intermediate, ca=False,
                      not_before=NOW.replace(month=7))  # fmt: skip
    rsa_root = pki.cert("verify RSA root", key="rsa-2048")
    sha1 = pki.openssl_cert("verify sha1 leaf", digest="sha1", issuer=rsa_root, ca=False)
    weak = pki.cert("verify rsa1024 leaf", key="rsa-1024", issuer=root, ca=False)
    pinned = pki.cert("verify pinned", ca=False)
    not_ca = pki.cert("verify not a CA", issuer=root, ca=False)
    under_not_ca = pki.cert("verify under not a CA", issuer=not_ca, ca=False)
    rollover_old = pki.cert("verify rollover old", subject=root.cert.subject)
    rollover_new = pki.cert("verify rollover new", subject=root.cert.subject)
    under_new = pki.cert("verify under new root", issuer=rollover_new, ca=False)
    store = root.pem + intermediate.pem
    sha1_note = "API Gateway refuses SHA-1; openssl's default security level accepts it"
    return {
        "leaf signed by root": Case(store, leaf_root.pem, True),
        "leaf signed by an intermediate present": Case(store, leaf.pem, True),
        "intermediate absent": Case(
            root.pem, leaf.pem, False, "Could not find issuer for certificate"
        ),
        "root missing above the intermediate": Case(
            intermediate.pem, leaf.pem, False, "Could not find issuer for certificate",
            "API Gateway needs the chain up to a root; -partial_chain trusts the intermediate",
        ),
        "chain of 4 CAs": Case(
            b"".join(c.pem for c in four),
            pki.cert("verify under four", issuer=four[-1], ca=False).pem, True,
        ),
        "chain of 5 CAs": Case(
            b"".join(c.pem for c in five),
            pki.cert("verify under five", issuer=five[-1], ca=False).pem,
            False, "certificate chain too long",
            "API Gateway allows at most 4 CA certificates; openssl's default depth is 100",
        ),
        "expired intermediate": Case(
            root.pem + old_ca.pem,
            pki.cert("verify under expired", issuer=old_ca, ca=False).pem,
            False, "certificate has expired",
        ),
        "not-yet-valid leaf": Case(store, future.pem, False, "certificate is not yet valid"),
        "SHA-1 leaf": Case(
            rsa_root.pem, sha1.pem, False, "Client cert using an insecure Signature Algorithm",
            sha1_note, at=sha1.cert.not_valid_before_utc + dt.timedelta(days=1),
        ),
        "RSA-1024 leaf": Case(
            store, weak.pem, False, "Client cert using an insecure Signature Algorithm",
            "API Gateway requires RSA >= 2048; openssl's default security level allows 1024",
        ),
        "self-signed leaf in the truststore": Case(store + pinned.pem, pinned.pem, True),
        "self-signed leaf not in the truststore": Case(
            store, pinned.pem, False, "self signed certificate"
        ),
        "altered certificate": Case(
            store, altered(leaf), False, "certificate signature failure"
        ),
        "issuer that is not a CA": Case(
            root.pem + not_ca.pem, under_not_ca.pem, False, "invalid CA certificate"
        ),
        "two CAs with the same name": Case(
            rollover_old.pem + rollover_new.pem, under_new.pem, True
        ),
        "--untrusted supplies the missing intermediate": Case(
            root.pem, leaf.pem, False, "Could not find issuer for certificate",
            "API Gateway uses only the truststore; openssl verify -untrusted builds the path",
            untrusted=intermediate.pem,
        ),
    }  # fmt: skip


CASE_NAMES = [
    "leaf signed by root",
    "leaf signed by an intermediate present",
    "intermediate absent",
    "root missing above the intermediate",
    "chain of 4 CAs",
    "chain of 5 CAs",
    "expired intermediate",
    "not-yet-valid leaf",
    "SHA-1 leaf",
    "RSA-1024 leaf",
    "self-signed leaf in the truststore",
    "self-signed leaf not in the truststore",
    "altered certificate",
    "issuer that is not a CA",
    "two CAs with the same name",
    "--untrusted supplies the missing intermediate",
]


def run_verify(tmp_path: Path, case: Case, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    (tmp_path / "store.pem").write_bytes(case.truststore)
    (tmp_path / "client.pem").write_bytes(case.client)
    args = ["verify", "--format", "json", "--now", case.at.isoformat(), "--truststore",
            str(tmp_path / "store.pem"), str(tmp_path / "client.pem")]  # fmt: skip
    if case.untrusted:
        (tmp_path / "untrusted.pem").write_bytes(case.untrusted)
        args += ["--untrusted", str(tmp_path / "untrusted.pem")]
    code = main(args)
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_verdict(
    name: str, cases: dict[str, Case], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cases[name]
    code, verdict = run_verify(tmp_path, case, capsys)
    assert (verdict["allowed"], verdict["reason"]) == (case.allowed, case.reason)
    assert code == (0 if case.allowed else 1)
    documented = case.reason in {
        "Could not find issuer for certificate",
        "Client cert using an insecure Signature Algorithm",
        "self signed certificate",
    }
    assert verdict["documented_by_aws"] is documented
    if not case.allowed:
        assert verdict["fix"]
    assert verdict["chain"][0]["source"] == "client"


def openssl_accepts(tmp_path: Path, case: Case) -> tuple[bool, str]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    command = ["openssl", "verify", "-CAfile", str(tmp_path / "store.pem"), "-partial_chain",
               "-attime", str(int(case.at.timestamp()))]  # fmt: skip
    if case.untrusted:
        command += ["-untrusted", str(tmp_path / "untrusted.pem")]
    result = subprocess.run(
        [*command, str(tmp_path / "client.pem")], capture_output=True, text=True, check=False
    )
    return result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", CASE_NAMES)
def test_openssl_second_opinion(
    name: str, cases: dict[str, Case], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cases[name]
    _, verdict = run_verify(tmp_path, case, capsys)
    accepted, output = openssl_accepts(tmp_path, case)
    if case.stricter_than_openssl is None:
        assert accepted is verdict["allowed"], output
    else:
        assert not verdict["allowed"]
        assert accepted, f"expected openssl to accept ({case.stricter_than_openssl}): {output}"


def test_untrusted_note_names_the_certificate_to_add(
    cases: dict[str, Case], intermediate: Issued, tmp_path: Path, capsys
) -> None:
    _, verdict = run_verify(
        tmp_path, cases["--untrusted supplies the missing intermediate"], capsys
    )
    (note,) = verdict["notes"]
    assert intermediate.sha256[:16] in note
    assert "untrusted.pem line 1" in note


def test_intermediates_sent_along_by_the_client_are_not_trusted(
    root: Issued, intermediate: Issued, pki: PKI, tmp_path: Path, capsys
) -> None:
    leaf = pki.cert("verify leaf", issuer=intermediate, ca=False)
    case = Case(root.pem, leaf.pem + intermediate.pem, False)
    _, verdict = run_verify(tmp_path, case, capsys)
    assert verdict["reason"] == "Could not find issuer for certificate"
    assert "client.pem line" in verdict["notes"][0]


def test_text_output_shows_path_reason_and_fix(
    cases: dict[str, Case], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cases["expired intermediate"]
    (tmp_path / "store.pem").write_bytes(case.truststore)
    (tmp_path / "client.pem").write_bytes(case.client)
    store, client = str(tmp_path / "store.pem"), str(tmp_path / "client.pem")
    assert main(["verify", "--now", NOW_ISO, "--truststore", store, client]) == 1
    out = capsys.readouterr().out
    assert out.startswith("DENIED: certificate has expired\n")
    assert "AWS does not document" in out
    assert "Path:\n  client " in out
    assert "[FAIL] expired       CN=verify expired CA" in out
    assert "Fix: Replace CN=verify expired CA" in out
    assert "openssl x509 -in FILE -noout -dates" in out


def test_documented_reasons_quote_the_log_line(
    cases: dict[str, Case], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cases["intermediate absent"]
    (tmp_path / "store.pem").write_bytes(case.truststore)
    (tmp_path / "client.pem").write_bytes(case.client)
    main(["verify", "--now", NOW_ISO, "--truststore", str(tmp_path / "store.pem"),
          str(tmp_path / "client.pem")])  # fmt: skip
    out = capsys.readouterr().out
    assert "API Gateway logs: Access denied. Reason: Could not find issuer for certificate" in out


def test_broken_truststore_entries_are_skipped_and_listed(
    root: Issued, intermediate: Issued, pki: PKI, tmp_path: Path, capsys
) -> None:
    leaf = pki.cert("verify leaf", issuer=intermediate, ca=False)
    broken = b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n"
    truncated = b"-----BEGIN CERTIFICATE-----\nMIIB\n"
    case = Case(root.pem + broken + intermediate.pem + truncated, leaf.pem, True)
    code, verdict = run_verify(tmp_path, case, capsys)
    assert code == 0
    truncated_entry, unparsable_entry = verdict["skipped"]
    assert "CERTIFICATE block: no -----END line: the block is truncated" in truncated_entry
    assert "certificate #2: " in unparsable_entry


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"client.pem": b"not a certificate\n"}, "client.pem: no readable certificate"),
        ({}, "client.pem: cannot read"),
    ],
)
def test_unreadable_client_certificate_exits_2(
    root: Issued, tmp_path: Path, capsys, files: dict[str, bytes], message: str
) -> None:
    (tmp_path / "store.pem").write_bytes(root.pem)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    code = main(
        ["verify", "--truststore", str(tmp_path / "store.pem"), str(tmp_path / "client.pem")]
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_missing_truststore_exits_2(tmp_path: Path, capsys) -> None:
    code = main(["verify", "--truststore", str(tmp_path / "nope.pem"), str(tmp_path / "c.pem")])
    assert code == 2
    assert "nope.pem: cannot read" in capsys.readouterr().err


def test_client_or_access_log_but_not_both(tmp_path: Path, root: Issued, capsys) -> None:
    (tmp_path / "store.pem").write_bytes(root.pem)
    assert main(["verify", "--truststore", str(tmp_path / "store.pem")]) == 2
    assert "give either CLIENT_CERT or --access-log" in capsys.readouterr().err


def test_der_client_certificate(
    root: Issued, pki: PKI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = pki.cert("verify leaf by root", issuer=root, ca=False)
    (tmp_path / "store.pem").write_bytes(root.pem)
    (tmp_path / "client.der").write_bytes(leaf.der)
    code = main(["verify", "--now", NOW_ISO, "--truststore", str(tmp_path / "store.pem"),
                 str(tmp_path / "client.der")])  # fmt: skip
    assert code == 0
