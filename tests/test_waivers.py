"""Waivers: keyed by certificate SHA-256, dated, reported when expired or unused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, Issued


@pytest.fixture
def pinned(pki: PKI) -> Issued:
    return pki.cert("pinned partner", ca=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pinned: Issued) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "partner.pem").write_bytes(pinned.pem)
    return tmp_path


def waive(repo: Path, sha256: str, rules: str = "[self-signed-leaf]", until: str = "") -> None:
    until_line = f"    until: {until}\n" if until else ""
    (repo / ".mtls-lint.yaml").write_text(
        f"# pinned client certificates\nwaivers:\n  - sha256: {sha256}\n    rules: {rules}\n"
        f"    reason: pinned partner certificate\n{until_line}"
    )


def run(*args: str) -> tuple[int, dict]:
    code = main(["check", "--format", "json", "--now", NOW_ISO, "--output", "r.json", *args])
    return code, json.loads(Path("r.json").read_text())


def test_a_matching_waiver_hides_the_finding_and_counts_it(repo: Path, pinned: Issued) -> None:
    assert run("certs")[0] == 1
    waive(repo, pinned.sha256)
    code, report = run("certs")
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["waived"] == 1


def test_the_text_summary_says_how_many_were_waived(
    repo: Path, pinned: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    waive(repo, pinned.sha256)
    main(["check", "--now", NOW_ISO, "certs"])
    assert capsys.readouterr().out.endswith("(1 certificate); 1 waived\n")


def test_a_waiver_for_other_rules_or_certificates_hides_nothing(
    repo: Path, pinned: Issued, root: Issued
) -> None:
    waive(repo, pinned.sha256, rules="[expired]")
    assert run("certs")[0] == 1
    waive(repo, root.sha256)
    assert run("certs")[0] == 1


def test_an_expired_waiver_stops_applying_and_fires_at_its_line(repo: Path, pinned: Issued) -> None:
    waive(repo, pinned.sha256, until="2026-05-31")  # NOW is 2026-06-01
    code, report = run("certs")
    assert code == 1
    rules = {f["rule"]: f for f in report["findings"]}
    assert set(rules) == {"self-signed-leaf", "expired-waiver"}
    expired = rules["expired-waiver"]
    assert (expired["path"], expired["line"], expired["severity"]) == (
        ".mtls-lint.yaml", 3, "warning",
    )  # fmt: skip
    assert "expired on 2026-05-31" in expired["message"]


def test_a_waiver_is_valid_through_its_until_date(repo: Path, pinned: Issued) -> None:
    waive(repo, pinned.sha256, until="2026-06-01")
    assert run("certs")[0] == 0


def unused(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == "unused-waiver"]


def test_an_unused_waiver_fires_on_a_whole_tree_run_only(repo: Path, root: Issued) -> None:
    waive(repo, root.sha256)
    for whole in ([], ["."], [str(repo)], [".", "certs/partner.pem"]):
        _, report = run(*whole)
        (finding,) = unused(report)
        assert (finding["line"], finding["severity"]) == (3, "notice")
    # named files, as pre-commit passes them, or one directory of the tree the config
    # governs: the waiver may match a certificate elsewhere in it
    for part in (["certs/partner.pem"], ["certs"]):
        assert not unused(run(*part)[1]), part


def test_an_unused_waiver_of_a_subdirectory_config_fires_when_that_tree_is_walked(
    repo: Path, root: Issued
) -> None:
    (repo / "certs" / ".mtls-lint.yaml").write_text(
        f"waivers:\n  - sha256: {root.sha256}\n    rules: [expired]\n    reason: r\n"
    )
    for whole in (["certs"], ["."]):
        (finding,) = unused(run(*whole)[1])
        assert finding["path"] == "certs/.mtls-lint.yaml"
    assert not unused(run("certs/partner.pem")[1])


def test_a_waiver_follows_its_certificate_to_another_file(repo: Path, pinned: Issued) -> None:
    waive(repo, pinned.sha256)
    (repo / "certs" / "partner.pem").unlink()
    (repo / "moved").mkdir()
    (repo / "moved" / "bundle.pem").write_bytes(b"# moved\n" + pinned.pem)
    code, report = run("moved", "--ignore", "stray-text")
    assert code == 0
    assert report["summary"]["waived"] == 1


def test_waiver_rules_can_be_silenced(repo: Path, root: Issued) -> None:
    waive(repo, root.sha256)
    _, report = run("certs", "--ignore", "unused-waiver")
    assert report["findings"][0]["rule"] == "self-signed-leaf"
    assert len(report["findings"]) == 1
