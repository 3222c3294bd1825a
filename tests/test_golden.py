"""The JSON of check, inspect, diff and verify on examples/ at a fixed instant, byte for byte.

A refactoring must not change what other tools read. When a change means to (new examples,
a new field), re-bless on purpose: ``MTLS_LINT_BLESS=1 pytest tests/test_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mtls_lint.cli import main

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
NOW = "2027-01-01T00:00:00Z"
RUNS = {
    "check": ["check", "--now", NOW, "--format", "json", "examples"],
    "check-sarif": ["check", "--now", NOW, "--format", "sarif", "examples"],
    "inspect": ["inspect", "--now", NOW, "--format", "json",
                "examples/clean/bundle.pem", "examples/broken/bundle.pem"],
    "diff": ["diff", "--now", NOW, "--format", "json",
             "examples/broken/bundle.pem", "examples/clean/bundle.pem"],
    **{
        f"verify-{client}": ["verify", "--now", NOW, "--format", "json", "--truststore",
                             "examples/clean/bundle.pem", f"examples/clients/{client}.pem"]
        for client in ("good", "self-signed", "sha1", "unknown-issuer")
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(RUNS))
def test_json_output_on_the_examples_is_unchanged(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    main(RUNS[name])
    out = capsys.readouterr().out
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("MTLS_LINT_BLESS"):
        golden.write_text(out)
    assert out == golden.read_text(), f"{name} changed; re-bless on purpose if it should"
