from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtls_lint.cli import main
from mtls_lint.findings import FileResult
from mtls_lint.reporters import Report
from mtls_lint.reporters.sarif import FINGERPRINT, render
from mtls_lint.rules import RULES
from tests.conftest import lint
from tests.outputs import sarif_validator
from tests.pki import NOW_ISO, PKI, Issued


def validate(document: dict) -> None:
    sarif_validator().validate(document)


def sarif(*results: FileResult, **kwargs) -> dict:
    return json.loads(render(Report(tuple(results), **kwargs)))


def test_a_clean_run_is_schema_valid_and_lists_every_rule(clean_bundle: bytes) -> None:
    document = sarif(FileResult("b.pem", 2, tuple(lint(clean_bundle))))
    validate(document)
    run = document["runs"][0]
    assert run["results"] == []
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    blank = next(r for r in rules if r["id"] == "blank-line")
    assert blank["defaultConfiguration"] == {"enabled": False, "level": "none"}
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)


def test_every_severity_and_file_level_findings_are_schema_valid(
    pki: PKI, intermediate: Issued
) -> None:
    soon_leaf = pki.cert("sarif leaf", issuer=intermediate, ca=False)
    data = b"junk\n" + intermediate.pem + soon_leaf.pem + b"\r\n"
    findings = tuple(lint(data, path="certs/b.pem"))
    levels = {f.severity.label for f in findings}
    assert levels == {"error", "warning", "notice"}
    document = sarif(FileResult("certs/b.pem", 2, findings), repo_prefix="infra/")
    validate(document)
    results = document["runs"][0]["results"]
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    stray = next(r for r in results if r["ruleId"] == "stray-text")
    location = stray["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "infra/certs/b.pem", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 1, "endLine": 1}
    for result in results:
        assert result["ruleIndex"] == list(RULES).index(result["ruleId"])


def test_fingerprints_follow_the_certificate_not_the_line(intermediate: Issued) -> None:
    before = sarif(FileResult("b.pem", 1, tuple(lint(intermediate.pem))))
    after = sarif(FileResult("b.pem", 1, tuple(lint(b"# moved\n\n\n" + intermediate.pem))))

    def prints(document: dict) -> dict[str, tuple[str, int]]:
        return {
            r["ruleId"]: (
                r["partialFingerprints"][FINGERPRINT],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in document["runs"][0]["results"]
        }

    old, new = prints(before)["missing-issuer"], prints(after)["missing-issuer"]
    assert old[0] == new[0]
    assert old[1] != new[1]


def test_fingerprints_differ_by_rule_and_certificate(root: Issued, intermediate: Issued) -> None:
    findings = lint(intermediate.pem + root.pem + root.pem, select=["duplicate-certificate"])
    findings += lint(intermediate.pem, select=["missing-issuer"])
    document = sarif(FileResult("b.pem", 3, tuple(findings)))
    prints = [r["partialFingerprints"][FINGERPRINT] for r in document["runs"][0]["results"]]
    assert len(set(prints)) == len(prints) == 2


def test_sarif_from_the_cli_uses_repository_relative_uris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intermediate: Issued
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra" / "certs").mkdir(parents=True)
    (tmp_path / "infra" / "certs" / "b.pem").write_bytes(intermediate.pem)
    monkeypatch.chdir(tmp_path / "infra")
    code = main(["check", "--format", "sarif", "--now", NOW_ISO, "--output", "out.sarif", "certs"])
    assert code == 1
    document = json.loads((tmp_path / "infra" / "out.sarif").read_text())
    validate(document)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert uris == {"infra/certs/b.pem"}
