"""The bundles in examples/ say what the README says they say."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from mtls_lint.cli import main
from tests.conftest import lint, rules_of

EXAMPLES = Path(__file__).parent.parent / "examples"
#: After the examples were made (2026-11-26), long before their CAs expire (2045).
LATER = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


def test_the_clean_example_is_clean() -> None:
    assert lint((EXAMPLES / "clean" / "bundle.pem").read_bytes(), now=LATER) == []


def test_the_broken_example_shows_the_four_classic_mistakes() -> None:
    findings = lint((EXAMPLES / "broken" / "bundle.pem").read_bytes(), now=LATER)
    assert rules_of(findings) == [
        "expired",
        "weak-signature-hash",
        "missing-issuer",
        "private-key-in-bundle",
    ]


def test_the_example_clients_show_the_three_documented_reasons(capsys) -> None:
    store = str(EXAMPLES / "clean" / "bundle.pem")
    expected = {
        "good": None,
        "unknown-issuer": "Could not find issuer for certificate",
        "sha1": "Client cert using an insecure Signature Algorithm",
        "self-signed": "self signed certificate",
    }
    for name, reason in expected.items():
        client = str(EXAMPLES / "clients" / f"{name}.pem")
        code = main(
            ["verify", "--format", "json", "--now", "2027-01-01", "--truststore", store, client]
        )
        verdict = json.loads(capsys.readouterr().out)
        assert (code, verdict["reason"]) == (0 if reason is None else 1, reason), name


README = EXAMPLES.parent / "README.md"


def test_the_readme_shows_what_logs_prints_for_the_example_logs(capsys, monkeypatch) -> None:
    """The README's ``mtls-lint logs`` blocks are the command's output, byte for byte."""
    monkeypatch.chdir(EXAMPLES.parent)
    text = README.read_text()
    commands = [line for line in text.splitlines() if line.startswith("$ mtls-lint logs ")]
    assert len(commands) == 2
    for command in commands:
        shown = text.split(command + "\n", 1)[1].split("```", 1)[0]
        code = main(command.removeprefix("$ mtls-lint ").split())
        assert code == 1  # each example holds a client the truststore or AWS refused
        assert capsys.readouterr().out == shown, command
