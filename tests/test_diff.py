"""diff: certificates added, removed, kept and renewed; findings introduced and fixed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mtls_lint import forked
from mtls_lint.bundle_diff import diff_bundle
from mtls_lint.cli import main
from mtls_lint.lint_settings import LintSettings, enabled_rules
from mtls_lint.profiles import PROFILES
from tests.pki import NOW, NOW_ISO, PKI, Issued

SETTINGS = LintSettings(PROFILES["apigateway"], NOW, enabled_rules(PROFILES["apigateway"]))


def subjects(certs) -> list[str]:
    return [c.common_name for c in certs]


def test_added(root: Issued, intermediate: Issued) -> None:
    d = diff_bundle("b.pem", root.pem, root.pem + intermediate.pem, SETTINGS)
    assert (subjects(d.added), subjects(d.removed), subjects(d.kept)) == (
        ["Intermediate CA"], [], ["Root CA"],
    )  # fmt: skip
    assert d.introduced == []
    assert d.warnings == []


def test_removed_with_the_findings_it_fixes(pki: PKI, root: Issued) -> None:
    old_ca = pki.cert("diff expired CA", issuer=root, not_after=NOW.replace(month=5))
    d = diff_bundle("b.pem", root.pem + old_ca.pem, root.pem, SETTINGS)
    assert subjects(d.removed) == ["diff expired CA"]
    assert [f.rule for f in d.fixed] == ["expired"]
    # it had expired: its clients were refused before the change, so it strands nobody
    assert d.warnings == []


def test_removing_the_only_valid_ca_of_a_name_strands_its_clients(pki: PKI, root: Issued) -> None:
    live = pki.cert("diff live CA", issuer=root)
    d = diff_bundle("b.pem", root.pem + live.pem, root.pem, SETTINGS)
    (warning,) = d.warnings
    assert "removed CA CN=diff live CA" in warning
    assert "only certificate with that name" in warning


def test_renewed_certificates_are_paired_by_subject(
    pki: PKI, root: Issued, intermediate: Issued
) -> None:
    renewed = pki.cert("diff renewed intermediate", issuer=root, subject=intermediate.cert.subject)
    d = diff_bundle("b.pem", root.pem + intermediate.pem, root.pem + renewed.pem, SETTINGS)
    assert d.added == []
    assert d.removed == []
    ((old, new),) = d.renewed
    assert (old.sha256, new.sha256) == (intermediate.sha256, renewed.sha256)


def test_a_renewal_with_a_new_key_warns_that_its_clients_are_refused(
    pki: PKI, root: Issued, intermediate: Issued
) -> None:
    renewed = pki.cert("diff rekeyed intermediate", issuer=root, subject=intermediate.cert.subject)
    d = diff_bundle("b.pem", root.pem + intermediate.pem, root.pem + renewed.pem, SETTINGS)
    (warning,) = [w for w in d.warnings if "has a new key" in w]
    old_id = intermediate.cert.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value.digest.hex()
    assert old_id in warning
    assert "403 'Could not find issuer for certificate'" in warning


def test_a_renewal_that_keeps_the_key_stays_quiet(
    pki: PKI, root: Issued, intermediate: Issued
) -> None:
    renewed = pki.cert(
        "diff same-key intermediate", issuer=root, same_key_as=intermediate,
        subject=intermediate.cert.subject, not_after=NOW.replace(year=2031),
    )  # fmt: skip
    d = diff_bundle("b.pem", root.pem + intermediate.pem, root.pem + renewed.pem, SETTINGS)
    assert len(d.renewed) == 1
    assert d.warnings == []


def test_a_renewal_to_a_key_cryptography_cannot_read_warns_and_does_not_crash(
    pki: PKI, root: Issued, intermediate: Issued
) -> None:
    """Found by the fuzz suite: an unknown key algorithm made diff exit 2 "internal error"."""
    renewed = pki.cert("diff unreadable-key intermediate", issuer=root,
                       subject=intermediate.cert.subject)  # fmt: skip
    ec_public_key, unknown = (
        bytes.fromhex("06072A8648CE3D0201"),
        bytes.fromhex("06072A8648CE3D027F"),
    )
    der = renewed.der.replace(ec_public_key, unknown)
    unreadable = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    d = diff_bundle("b.pem", root.pem + intermediate.pem, root.pem + unreadable, SETTINGS)
    assert len(d.renewed) == 1
    assert [w for w in d.warnings if "has a new key" in w]


def test_reorder_only_reports_no_change(root: Issued, intermediate: Issued) -> None:
    d = diff_bundle("b.pem", root.pem + intermediate.pem, intermediate.pem + root.pem, SETTINGS)
    assert not d.changes_certificates
    assert (d.introduced, d.fixed) == ([], [])  # findings follow certificates, not lines
    assert len(d.kept) == 2


def test_file_added_and_file_deleted(root: Issued, intermediate: Issued) -> None:
    added = diff_bundle("b.pem", None, root.pem + intermediate.pem, SETTINGS)
    assert (added.file_status, len(added.added)) == ("added", 2)
    deleted = diff_bundle("b.pem", intermediate.pem, None, SETTINGS)
    assert (deleted.file_status, len(deleted.removed)) == ("deleted", 1)
    assert [f.rule for f in deleted.fixed] == ["missing-issuer"]


def test_a_removal_that_orphans_a_certificate(pki: PKI, root: Issued, intermediate: Issued) -> None:
    leaf_ca = pki.cert("diff sub CA", issuer=intermediate)
    d = diff_bundle(
        "b.pem", root.pem + intermediate.pem + leaf_ca.pem, root.pem + leaf_ca.pem, SETTINGS
    )
    assert subjects(d.removed) == ["Intermediate CA"]
    assert any("issued CN=diff sub CA" in w and "now has no issuer" in w for w in d.warnings)
    assert [f.rule for f in d.introduced] == ["missing-issuer"]


def test_diff_old_new_from_the_cli(
    pki: PKI, root: Issued, intermediate: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old.pem").write_bytes(root.pem + intermediate.pem)
    (tmp_path / "new.pem").write_bytes(intermediate.pem)
    old, new = str(tmp_path / "old.pem"), str(tmp_path / "new.pem")
    assert main(["diff", "--no-config", "--now", NOW_ISO, old, new]) == 1  # introduces an error
    out = capsys.readouterr().out
    assert "  - removed  CN=Root CA,O=mtls-lint tests (sha256 " in out
    assert "  introduced: " in out
    assert "[missing-issuer]" in out
    assert out.rstrip().endswith(
        "1 file changed: 0 added, 1 removed, 0 renewed; 1 finding introduced, 0 fixed"
    )
    assert main(["diff", "--no-config", "--now", NOW_ISO, "--fail-on", "never", old, new]) == 0


def test_json_shape(root: Issued, intermediate: Issued, tmp_path: Path, capsys) -> None:
    (tmp_path / "old.pem").write_bytes(root.pem)
    (tmp_path / "new.pem").write_bytes(root.pem + intermediate.pem)
    main(["diff", "--no-config", "--format", "json", "--now", NOW_ISO,
          str(tmp_path / "old.pem"), str(tmp_path / "new.pem")])  # fmt: skip
    (file,) = json.loads(capsys.readouterr().out)["files"]
    assert {
        "path",
        "added",
        "removed",
        "kept",
        "renewed",
        "introduced",
        "fixed",
        "warnings",
    } <= set(file)
    subject = "CN=Intermediate CA,O=mtls-lint tests"
    not_after = "2030-01-01T00:00:00Z"
    assert file["added"] == [
        {"sha256": intermediate.sha256, "subject": subject, "not_after": not_after}
    ]
    assert file["kept"][0]["sha256"] == root.sha256


def test_usage_without_files_or_base_exits_2(capsys) -> None:
    assert main(["diff", "--no-config", "one.pem"]) == 2
    assert "give OLD NEW, or --base GIT_REF" in capsys.readouterr().err


# --base against a real repository -------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)  # fmt: skip


@pytest.fixture
def repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: Issued, intermediate: Issued
) -> Path:
    repo = tmp_path / "repo"
    (repo / "certs").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "certs" / "bundle.pem").write_bytes(root.pem + intermediate.pem)
    (repo / "certs" / "legacy.pem").write_bytes(root.pem)
    (repo / "README.md").write_text("docs\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return repo


def test_base_compares_the_working_tree_with_a_commit(
    repo: Path, pki: PKI, root: Issued, intermediate: Issued, capsys
) -> None:
    renewed = pki.cert("diff renewed intermediate", issuer=root, subject=intermediate.cert.subject)
    (repo / "certs" / "bundle.pem").write_bytes(root.pem + renewed.pem)
    (repo / "certs" / "legacy.pem").unlink()
    (repo / "certs" / "partner.pem").write_bytes(root.pem)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second")
    code = main(["diff", "--format", "json", "--now", NOW_ISO, "--base", "HEAD~1"])
    files = {f["path"]: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert code == 0
    assert set(files) == {"certs/bundle.pem", "certs/legacy.pem", "certs/partner.pem"}
    assert files["certs/bundle.pem"]["renewed"][0]["new"]["sha256"] == renewed.sha256
    assert files["certs/legacy.pem"]["status"] == "deleted"
    assert files["certs/partner.pem"]["status"] == "added"


def test_base_with_no_change_says_so(repo: Path, capsys) -> None:
    assert main(["diff", "--base", "main"]) == 0
    assert capsys.readouterr().out == "no truststore changes\n"


def test_base_limited_to_a_path_and_summary(
    repo: Path, root: Issued, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    (repo / "certs" / "legacy.pem").write_bytes(root.pem + root.pem)
    (repo / "certs" / "bundle.pem").write_bytes(root.pem)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    main(["diff", "--format", "github", "--now", NOW_ISO, "--base", "HEAD", "certs/legacy.pem"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) >= 32
    assert lines[-1] == f"::{token}::"
    assert lines[1] == "certs/legacy.pem"
    assert "bundle.pem" not in out
    text = summary.read_text()
    assert text.startswith("## mtls-lint diff\n")
    assert "### certs/legacy.pem" in text
    second = root.pem.count(b"\n") + 1
    assert f"| warning | {second} | duplicate-certificate |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-ref"], "--base no-such-ref: no such commit"),
        (
            ["--base", "HEAD", "certs/missing.pem"],
            "certs/missing.pem: not in the working tree and not tracked at HEAD",
        ),
        (["--base=--output=/tmp/x"], "--base --output=/tmp/x: no such commit"),  # no git option
    ],
)
def test_base_errors_exit_2(repo: Path, capsys, args: list[str], message: str) -> None:
    code = main(["diff", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err


def test_base_outside_a_repository_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["diff", "--no-config", "--base", "HEAD"]) == 2
    assert "not inside one" in capsys.readouterr().err


def test_base_inside_the_git_directory_exits_2(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(repo / ".git")  # a repository, but no work tree to compare with
    assert main(["diff", "--no-config", "--base", "HEAD"]) == 2
    assert "needs a git work tree" in capsys.readouterr().err


def test_broken_bundles_are_shown_not_dropped(repo: Path, root: Issued, capsys) -> None:
    (repo / "certs" / "legacy.pem").write_bytes(root.pem + b"-----BEGIN CERTIFICATE-----\nMIIB\n")
    code = main(
        ["diff", "--format", "json", "--now", NOW_ISO, "--base", "HEAD", "certs/legacy.pem"]
    )
    (file,) = json.loads(capsys.readouterr().out)["files"]
    assert code == 1
    assert [f["rule"] for f in file["introduced"]] == ["malformed-pem"]


def test_github_format_keeps_hostile_file_names_inert(repo: Path, root: Issued, capsys) -> None:
    hostile = "::error file=x::pwned.pem"
    (repo / hostile).write_bytes(root.pem)
    main(["diff", "--format", "github", "--now", NOW_ISO, "--base", "HEAD", hostile])
    lines = capsys.readouterr().out.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[-1] == f"::{token}::"
    inside = lines[1:-1]
    assert not any(line.lstrip().startswith("::") for line in inside)
    assert any(line.startswith("\\x3a:error file=x::pwned.pem") for line in inside)  # shown


def test_base_applies_the_file_caps_to_the_version_at_the_ref(
    repo: Path, root: Issued, intermediate: Issued, capsys
) -> None:
    (repo / "certs" / "legacy.pem").write_bytes(intermediate.pem)
    assert main(["diff", "--base", "main", "--max-file-bytes", "100"]) == 2
    size = len(root.pem + intermediate.pem)  # refused before git show reads it
    assert f"main:certs/bundle.pem: {size} bytes, over the 100-byte limit" in (
        capsys.readouterr().err
    )
    (repo / "certs" / "bundle.pem").write_bytes(root.pem)  # one now, two at main
    assert main(["diff", "--base", "main", "--max-certificates", "1"]) == 2
    assert "main:certs/bundle.pem:" in capsys.readouterr().err


def test_fixed_findings_cite_the_old_files_path_and_line(
    pki: PKI, root: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fixed finding's line is a line of the old version: it names that file, not the new."""
    old_ca = pki.cert("diff fixed CA", issuer=root, not_after=NOW.replace(month=5))
    (tmp_path / "old.pem").write_bytes(root.pem + old_ca.pem)
    (tmp_path / "new.pem").write_bytes(root.pem)
    line = root.pem.count(b"\n") + 1
    old, new = str(tmp_path / "old.pem"), str(tmp_path / "new.pem")
    assert main(["diff", "--no-config", "--now", NOW_ISO, old, new]) == 0
    assert f"  fixed:      {old}:{line}: error [expired]" in capsys.readouterr().out
    main(["diff", "--no-config", "--now", NOW_ISO, "--format", "markdown", old, new])
    assert f"**Fixed findings (lines of {old})**" in capsys.readouterr().out.replace("\\", "")


def test_base_fixed_findings_cite_the_ref(
    repo: Path, pki: PKI, root: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    old_ca = pki.cert("diff fixed at ref", issuer=root, not_after=NOW.replace(month=5))
    (repo / "certs" / "legacy.pem").write_bytes(root.pem + old_ca.pem)
    git(repo, "commit", "-qam", "an expired CA")
    (repo / "certs" / "legacy.pem").write_bytes(root.pem)
    assert main(["diff", "--now", NOW_ISO, "--base", "HEAD", "certs/legacy.pem"]) == 0
    line = root.pem.count(b"\n") + 1
    assert f"  fixed:      HEAD:certs/legacy.pem:{line}: error [expired]" in (
        capsys.readouterr().out
    )


def test_github_format_annotates_each_warning_on_its_file(
    pki: PKI, root: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = pki.cert("diff annotated CA", issuer=root)
    (tmp_path / "old.pem").write_bytes(root.pem + live.pem)
    (tmp_path / "new.pem").write_bytes(root.pem)
    main(["diff", "--no-config", "--now", NOW_ISO, "--format", "github",
          str(tmp_path / "old.pem"), str(tmp_path / "new.pem")])  # fmt: skip
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"::warning file={tmp_path / 'new.pem'},line=1,endLine=1,"
                            "title=mtls-lint diff::removed CA CN=diff annotated CA")  # fmt: skip


def test_markdown_charts_the_validity_windows_after_the_change(
    pki: PKI, root: Issued, intermediate: Issued, tmp_path: Path, capsys
) -> None:
    soon = pki.cert("diff soon CA", issuer=root, not_after=NOW.replace(month=6, day=20))
    (tmp_path / "old.pem").write_bytes(root.pem + intermediate.pem)
    (tmp_path / "new.pem").write_bytes(root.pem + soon.pem)
    main(["diff", "--no-config", "--now", NOW_ISO, "--format", "markdown",
          str(tmp_path / "old.pem"), str(tmp_path / "new.pem")])  # fmt: skip
    out = capsys.readouterr().out
    chart = out[out.index("```mermaid") :]
    assert "gantt" in chart
    assert "CN=Root CA :c1, " in chart
    assert "CN=diff soon CA (added) :active, c2, " in chart  # inside the 30-day window
    assert "CN=Intermediate CA (removed) :c3, " in chart
    assert f"{NOW:%Y-%m-%d} :milestone, now" in chart


def test_base_asks_git_a_fixed_number_of_times_however_many_files(
    repo: Path, pki: PKI, root: Issued, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rev-parse (a work tree, a commit), one ls-tree and one cat-file --batch for every
    file; unchanged files by object id."""
    import subprocess as processes

    for number in range(30):
        (repo / "certs" / f"many-{number}.pem").write_bytes(root.pem)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "thirty more")
    for number in range(0, 30, 3):  # ten change, twenty do not
        (repo / "certs" / f"many-{number}.pem").write_bytes(root.pem + b"# note\n")
    calls: list[str] = []
    popen = processes.Popen

    def counted(argv, *args, **kwargs):  # subprocess.run starts its process with Popen too
        calls.append(argv[1])
        return popen(argv, *args, **kwargs)

    monkeypatch.setattr(processes, "Popen", counted)
    main(["diff", "--format", "json", "--now", NOW_ISO, "--base", "HEAD"])
    files = json.loads(capsys.readouterr().out)["files"]
    assert len(files) == 10
    assert sorted(calls) == ["cat-file", "ls-tree", "rev-parse"]


def test_a_link_both_sides_hold_is_checked_once(
    pki: PKI, root: Issued, intermediate: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtls_lint import trust_graph

    leaf = pki.cert("diff leaf", issuer=intermediate, ca=False)
    checked: list[str] = []
    real = trust_graph.check_signature

    def counting(cert: x509.Certificate, key: object) -> object:
        checked.append(cert.subject.rfc4514_string())
        return real(cert, key)

    monkeypatch.setattr(trust_graph, "check_signature", counting)
    d = diff_bundle("b.pem", root.pem + intermediate.pem, root.pem + intermediate.pem + leaf.pem,
                    SETTINGS)  # fmt: skip
    assert subjects(d.added) == ["diff leaf"]
    # root and intermediate once each, though both sides link them; the new leaf once
    assert sorted(checked) == sorted(
        c.cert.subject.rfc4514_string() for c in (root, intermediate, leaf)
    )


def test_a_certificate_both_sides_hold_is_parsed_once_and_placed_by_its_own_side(
    pki: PKI, root: Issued, intermediate: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtls_lint import certificate

    leaf = pki.cert("diff parsed-once leaf", issuer=intermediate, ca=False)
    loads: list[bytes] = []
    real = certificate.Read.of

    def counting(der: bytes, cert: x509.Certificate | None = None) -> certificate.Read:
        loads.append(der)
        return real(der, cert)

    monkeypatch.setattr(certificate.Read, "of", staticmethod(counting))
    old = root.pem + intermediate.pem
    new = leaf.pem + b"\n" + intermediate.pem + root.pem  # the kept two, moved down
    d = diff_bundle("b.pem", old, new, SETTINGS)
    assert sorted(loads) == sorted([root.der, intermediate.der, leaf.der])
    assert subjects(d.added) == ["diff parsed-once leaf"]
    # the kept certificates are the new side's: its positions and lines, not the old ones
    kept = {c.common_name: (c.index, c.line) for c in d.kept}
    assert kept == {
        "Intermediate CA": (2, leaf.pem.count(b"\n") + 2),
        "Root CA": (3, kept["Root CA"][1]),
    }
    assert kept["Root CA"][1] > kept["Intermediate CA"][1]
    assert [f.rule for f in d.introduced] == ["leaf-in-truststore"]


@pytest.mark.skipif(not forked.can_fork(), reason="forks on Linux only")
@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_a_diff_of_many_files_shared_with_children_is_the_serial_diff(
    repo: Path,
    pki: PKI,
    root: Issued,
    intermediate: Issued,
    capsys,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[int],
    fmt: str,
) -> None:
    """Past forked.WORTH_SHARING_FROM changed files, the diffs are made in forked children:
    what they send back (certificates as Listed, findings, warnings) renders the same."""
    renewed = pki.cert("diff shared renewal", issuer=root, subject=intermediate.cert.subject)
    expired = pki.cert("diff shared expired", issuer=root, not_after=NOW.replace(month=5))
    count = forked.WORTH_SHARING_FROM + 4
    for number in range(count):
        (repo / "certs" / f"many-{number:02}.pem").write_bytes(root.pem + intermediate.pem)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "many")
    for number in range(count):
        change = [root.pem + renewed.pem, root.pem, root.pem + intermediate.pem + expired.pem]
        (repo / "certs" / f"many-{number:02}.pem").write_bytes(change[number % 3])
    outputs = []
    for workers in (1, 2):
        monkeypatch.setattr(forked, "cpus", lambda workers=workers: workers)
        code = main(["diff", "--format", fmt, "--now", NOW_ISO, "--base", "HEAD"])
        outputs.append((code, *capsys.readouterr()))
    assert len(forks) == 1
    assert outputs[0] == outputs[1]
    assert "diff shared expired" in outputs[0][1]  # an introduced finding, from a child too
