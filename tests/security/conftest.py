"""Hostile inputs for the security suite, built once per session at test time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.pki import PKI

#: Workflow commands in both syntaxes, indented and not, in certificate fields.
HOSTILE_CN = "##[add-mask]cn ::error::x"
HOSTILE_O = "\t::warning::org##[stop-commands]o"
#: The same in a file name: a leading tab, then ``::``, and ``##[`` further on.
BUNDLE = "\t::warning::a##[add-mask]b.pem"
KEY = "::notice::k##[error]y.pem"
BROKEN_LINK = "x##[stop-commands]p.pem"
STRAY = b"##[error]stray text\n   ::notice::more stray\n"


def hostile_name(organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def child(
    argv: list[str], cwd: Path, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """mtls-lint in a child process with a time-out: for inputs that would hang if opened."""
    return subprocess.run(
        [sys.executable, "-m", "mtls_lint", *argv],
        cwd=cwd, capture_output=True, text=True, timeout=60, stdin=stdin,
    )  # fmt: skip


def git(workspace: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=workspace, check=True, capture_output=True, env=env,
    )  # fmt: skip


@pytest.fixture(scope="session")
def workspace(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository a hostile pull request shaped: names and fields carrying workflow
    commands, a broken symlink with such a name, an access log quoting them."""
    root = pki.cert("security root", subject=hostile_name(HOSTILE_O))
    weak = pki.cert("security weak", issuer=root, key="rsa-1024", subject=hostile_name("weak"))
    leaf = pki.cert("security leaf", issuer=root, ca=False, subject=hostile_name("leaf"))
    work = tmp_path_factory.mktemp("security")
    store = work / "store"
    store.mkdir()
    (store / "old.pem").write_bytes(root.pem)
    git(work, "init", "-q")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "base")
    (store / "old.pem").write_bytes(root.pem + STRAY + weak.pem)
    (store / BUNDLE).write_bytes(root.pem + STRAY + weak.pem)
    (store / BROKEN_LINK).symlink_to(work / "nowhere")
    (work / "client.pem").write_bytes(leaf.pem)
    (work / KEY).write_bytes(leaf.key_pem())
    entry = {
        "requestId": "##[error]r1",
        "status": "403\u2028::error::s",
        "requestTime": "\t::warning::t",
        "clientCertPem": leaf.pem.decode(),
    }
    (work / "access.log").write_text(json.dumps(entry) + "\n")
    connection = [  # an ALB connection-log line whose subject, serial and status are commands
        "2026-05-31T10:00:00.000000Z", "203.0.113.1", "1", "443", "TLSv1.2", "X", "1",
        f'"{HOSTILE_O}"', "NotAfter=\t::error::v", "##[add-mask]AB",
        "Failed:::error::code", "TID_##[stop-commands]x",
    ]  # fmt: skip
    (work / "connection.log").write_text(" ".join(connection) + "\n")
    cloudfront = {  # a CloudFront record whose every field is a command
        "timestamp": "2026-05-31T10:00:00Z", "connectionStatus": "Failed:\n::error::code",
        "clientLeafCertSubject": HOSTILE_O, "clientLeafCertSerialNumber": "##[add-mask]AB",
        "clientLeafCertIssuer": "\n::warning::issuer", "connectionId": "\r\n::debug::x",
        "clientLeafCertValidity": "NotBefore=::error::a;NotAfter=2020-01-01T00:00:00Z",
    }  # fmt: skip
    (work / "cloudfront.log").write_text(json.dumps(cloudfront) + "\n")
    return work
