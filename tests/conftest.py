from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import settings

from mtls_lint.engine import lint_bundle
from mtls_lint.findings import Finding
from mtls_lint.lint_settings import LintSettings, enabled_rules
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import PROFILES
from tests.local_server import server  # noqa: F401 - a fixture: a server on 127.0.0.1
from tests.pki import NOW, PKI, Issued

# `HYPOTHESIS_PROFILE=deep pytest tests/test_fuzz.py` for a longer fuzzing run.
settings.register_profile("default", max_examples=150)
settings.register_profile("deep", max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The children :mod:`mtls_lint.forked` forks while the test runs, by pid."""
    from mtls_lint import forked

    made: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", counted)
    return made


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def root(pki: PKI) -> Issued:
    return pki.cert("Root CA")


@pytest.fixture(scope="session")
def intermediate(pki: PKI, root: Issued) -> Issued:
    return pki.cert("Intermediate CA", issuer=root)


@pytest.fixture(scope="session")
def clean_bundle(root: Issued, intermediate: Issued) -> bytes:
    """A root and its intermediate: nothing any rule should say anything about."""
    return root.pem + intermediate.pem


def lint(
    data: bytes,
    *,
    profile: str = "apigateway",
    select: Sequence[str] | None = None,
    now=NOW,
    expiry_days: int = 30,
    path: str = "bundle.pem",
) -> list[Finding]:
    """Lint bytes as a file; every rule enabled for the profile unless ``select`` is given."""
    chosen = PROFILES[profile]
    settings = LintSettings(
        profile=chosen,
        now=now,
        rules=enabled_rules(chosen, select=select),
        expiry_days=expiry_days,
    )
    return list(lint_bundle(read_bundle(path, data), settings).findings)


def rules_of(findings: Sequence[Finding]) -> list[str]:
    return [f.rule for f in findings]


def fired(findings: Sequence[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


@pytest.fixture
def write(tmp_path: Path):
    """Write bytes to a file under tmp_path and return its path."""

    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return _write
