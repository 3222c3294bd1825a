"""Certificate fields and file names are untrusted: every command, in every format, keeps
them inert (SPEC sections 5 and 8)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from mtls_lint.cli import main
from tests.outputs import (
    assert_github_commands,
    assert_json_report,
    assert_sarif_report,
    assert_terminal_safe,
    lines_in,
)
from tests.pki import NOW_ISO, PKI

#: A name carrying terminal escapes, a bidi override, a line separator and workflow commands.
HOSTILE_CN = "\x1b[2J\x1b]0\x07\r\n::add-mask::s\u202e\u2028"
HOSTILE_O = "::stop-commands::x\n%0A::error::y"
#: Not UTF-8, an escape sequence, a newline and a workflow command, in one file name.
HOSTILE_NAME = os.fsdecode(b"\xff\x1b[31mstore\n::warning::x.pem")


@pytest.fixture(scope="module")
def hostile(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a truststore of a hostile-named root, under a hostile file name,
    and a client certificate issued by it."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, HOSTILE_O),
        ]
    )
    root = pki.cert("hostile root", subject=subject)

    def named(organization: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE_CN),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            ]
        )

    leaf = pki.cert("hostile leaf", issuer=root, ca=False, subject=named("leaf"))
    weak = pki.cert("hostile weak", issuer=root, key="rsa-1024", subject=named("weak"))
    directory = tmp_path_factory.mktemp("hostile")
    (directory / HOSTILE_NAME).write_bytes(root.pem + weak.pem)
    (directory / "old.pem").write_bytes(root.pem)
    (directory / "client.pem").write_bytes(leaf.pem)
    return directory


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    assert_terminal_safe(captured.err)
    assert "Traceback" not in captured.err
    return code, captured.out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_check_keeps_hostile_fields_and_names_inert(
    hostile: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    lines = lines_in((hostile / HOSTILE_NAME).read_bytes())
    args = ["check", "--no-config", "--now", NOW_ISO, "--format", fmt, HOSTILE_NAME]
    code, out = run(args, capsys)
    assert code == 1  # the weak key: the hostile fields did not stop the run
    if fmt == "json":
        document = assert_json_report(out, lines)
        assert document["files"][0]["path"] == "\\xff\x1b[31mstore\n::warning::x.pem"
        assert HOSTILE_CN in document["findings"][0]["certificate"]["subject"]  # verbatim
    elif fmt == "sarif":
        document = assert_sarif_report(out, lines)
        location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == (
            "%5Cxff%1B%5B31mstore%0A%3A%3Awarning%3A%3Ax.pem"
        )
    elif fmt == "github":
        assert_github_commands(out, lines)
        assert "\\x0d\\x0a::add-mask::" in out  # shown, escaped, never at a line start
    else:
        assert_terminal_safe(out)
        assert "\\x1b[2J" in out  # shown, escaped


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_inspect_keeps_hostile_fields_and_names_inert(
    hostile: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    code, out = run(["inspect", "--now", NOW_ISO, "--format", fmt, HOSTILE_NAME], capsys)
    assert code == 0
    if fmt == "json":
        json.loads(out)
    else:
        assert_terminal_safe(out)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_diff_keeps_hostile_fields_and_names_inert(
    hostile: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    args = ["diff", "--no-config", "--now", NOW_ISO, "--format", fmt, "old.pem", HOSTILE_NAME]
    code, out = run(args, capsys)
    assert code == 1  # the weak key is introduced
    if fmt == "json":
        json.loads(out)
    else:
        assert_terminal_safe(out)
        if fmt == "github":
            assert out.startswith("::stop-commands::")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_verify_keeps_hostile_fields_and_names_inert(
    hostile: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    args = ["verify", "--now", NOW_ISO, "--format", fmt, "--truststore", HOSTILE_NAME]
    code, out = run([*args, "client.pem"], capsys)
    assert code == 0  # admitted: a hostile name is still a name
    if fmt == "json":
        json.loads(out)
    else:
        assert_terminal_safe(out)


def test_a_missing_hostile_file_name_is_escaped_on_stderr(
    hostile: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    code, _ = run(["check", "--no-config", "missing\x1b[2J\n::error::x.pem"], capsys)
    assert code == 2


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_access_log_fields_are_inert(
    hostile: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    entry = {
        "requestId": "r1\x1b[2J\n::error::x",
        "status": "403\u202e",
        "requestTime": "\x07now",
        "clientCertPem": (hostile / "client.pem").read_text(),
    }
    (hostile / "access.log").write_text(json.dumps(entry) + "\n")
    args = ["verify", "--now", NOW_ISO, "--format", fmt, "--truststore", HOSTILE_NAME]
    code, out = run([*args, "--access-log", "access.log"], capsys)
    assert code == 0
    if fmt == "json":
        json.loads(out)
    else:
        assert_terminal_safe(out)


def test_match_keeps_hostile_names_inert(
    pki: PKI, hostile: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(hostile)
    leaf = pki.cert("hostile leaf")  # cached: the client certificate of the fixture
    (hostile / HOSTILE_NAME.replace("store", "key")).write_bytes(leaf.key_pem())
    code, out = run(["match", "client.pem", HOSTILE_NAME.replace("store", "key")], capsys)
    assert code == 0
    assert_terminal_safe(out)
