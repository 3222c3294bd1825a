"""Per-path settings: the nearest config above a file governs it, whole, through every door
(check on a tree, on named files as the hook names them, stdin, diff, inspect)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, Issued


@pytest.fixture
def blank(root: Issued, intermediate: Issued) -> bytes:
    """Fine for API Gateway; ALB refuses the blank line (blank-line, an error)."""
    return root.pem + b"\n" + intermediate.pem


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blank: bytes) -> Path:
    """An API Gateway truststore at the root's settings, an ALB one under alb/ with its own."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    for directory in ("api", "alb", "alb/old"):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "bundle.pem").write_bytes(blank)
    (tmp_path / ".mtls-lint.yaml").write_text("profile: apigateway\n")
    (tmp_path / "alb" / ".mtls-lint.yaml").write_text('profile: alb\nexclude: ["old/**"]\n')
    return tmp_path


def report(*args: str) -> tuple[int, dict[str, list[str]]]:
    """The exit code and the rules fired on each file."""
    code = main(["check", "--format", "json", "--now", NOW_ISO, "--output", "r.json", *args])
    fired: dict[str, list[str]] = {}
    for finding in json.loads(Path("r.json").read_text())["findings"]:
        fired.setdefault(finding["path"], []).append(finding["rule"])
    return code, fired


def test_each_directory_is_linted_with_its_nearest_config(monorepo: Path) -> None:
    code, fired = report()
    assert code == 1
    assert fired == {"alb/bundle.pem": ["blank-line"]}  # alb/old is excluded by alb's config


def test_a_named_file_gets_its_directorys_config_as_in_the_hook(monorepo: Path) -> None:
    assert report("alb/bundle.pem", "api/bundle.pem")[1] == {"alb/bundle.pem": ["blank-line"]}
    # the hook's --force-exclude applies alb's exclude, relative to alb/
    assert report("--force-exclude", "alb/old/bundle.pem") == (0, {})
    assert report("alb/old/bundle.pem")[1] == {"alb/old/bundle.pem": ["blank-line"]}


def test_from_a_subdirectory_the_same_files_get_the_same_settings(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(monorepo / "api")
    assert report("../alb")[1] == {"../alb/bundle.pem": ["blank-line"]}
    assert report(".")[0] == 0


def test_a_config_governs_whole_nothing_is_inherited(monorepo: Path) -> None:
    (monorepo / ".mtls-lint.yaml").write_text("profile: alb\nrules:\n  blank-line: off\n")
    (monorepo / "alb" / ".mtls-lint.yaml").write_text("profile: alb\n")
    _, fired = report()
    assert "api/bundle.pem" not in fired  # the root's own files: blank-line is off
    assert fired["alb/bundle.pem"] == ["blank-line"]  # alb's config does not say off
    assert fired["alb/old/bundle.pem"] == ["blank-line"]  # and does not exclude old/ now


def test_config_names_one_config_for_every_file(monorepo: Path) -> None:
    assert report("--config", ".mtls-lint.yaml") == (0, {})
    assert report("--no-config")[0] == 0
    assert report("--profile", "alb", "api")[1] == {"api/bundle.pem": ["blank-line"]}


def test_each_config_has_its_own_fail_on(monorepo: Path) -> None:
    (monorepo / "alb" / ".mtls-lint.yaml").write_text("profile: alb\nfail-on: never\n")
    code, fired = report("alb")
    assert code == 0  # alb does not fail...
    assert "alb/bundle.pem" in fired  # ...but its findings are reported
    (monorepo / ".mtls-lint.yaml").write_text("profile: alb\n")
    assert report()[0] == 1  # the root's bundle fails by the root's config
    assert report("--fail-on", "error", "alb")[0] == 1  # the command line wins


def test_a_nested_config_that_is_not_valid_is_exit_2_naming_it(
    monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (monorepo / "alb" / ".mtls-lint.yaml").write_text("profile: alb\nprofil: x\n")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "alb/.mtls-lint.yaml:2:" in err


def test_the_nearest_config_stops_at_the_repository_root(monorepo: Path, blank: bytes) -> None:
    vendored = monorepo / "vendored"
    (vendored / ".git").mkdir(parents=True)
    (vendored / "bundle.pem").write_bytes(blank)
    (monorepo / ".mtls-lint.yaml").write_text("profile: alb\n")
    assert report("vendored")[0] == 0  # its own repository: the root's alb does not reach it


def test_stdin_is_linted_with_the_config_of_its_stdin_filename(
    monorepo: Path, blank: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    for name, expected in (("alb/new.pem", 1), ("api/new.pem", 0)):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(blank)))
        assert main(["check", "--now", NOW_ISO, "--stdin-filename", name, "-"]) == expected


def test_diff_lints_each_side_with_the_files_config(
    monorepo: Path, root: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    (monorepo / "alb" / "before.pem").write_bytes(root.pem)
    args = ["diff", "--now", NOW_ISO, "alb/before.pem", "alb/bundle.pem"]
    assert main(args) == 1
    assert "blank-line" in capsys.readouterr().out
    (monorepo / "api" / "before.pem").write_bytes(root.pem)
    assert main(["diff", "--now", NOW_ISO, "api/before.pem", "api/bundle.pem"]) == 0


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)  # fmt: skip


def test_diff_base_finds_and_lints_each_file_by_its_config(
    monorepo: Path, root: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    (monorepo / ".git").rmdir()
    git(monorepo, "init", "-q", "-b", "main")
    for directory in ("api", "alb", "alb/old"):
        (monorepo / directory / "bundle.pem").write_bytes(root.pem)
    git(monorepo, "add", ".")
    git(monorepo, "commit", "-qm", "base")
    for directory in ("api", "alb", "alb/old"):  # a blank line between: ALB refuses it
        (monorepo / directory / "bundle.pem").write_bytes(root.pem + b"\n" + root.pem)
    assert main(["diff", "--format", "json", "--now", NOW_ISO, "--base", "main"]) == 1
    files = {d["path"]: d for d in json.loads(capsys.readouterr().out)["files"]}
    assert set(files) == {"alb/bundle.pem", "api/bundle.pem"}  # alb's exclude, below alb/
    alb, api = (sorted(f["rule"] for f in files[name]["introduced"])
                for name in ("alb/bundle.pem", "api/bundle.pem"))  # fmt: skip
    assert "blank-line" in alb
    assert "blank-line" not in api


def test_inspect_walks_each_directory_by_its_config(
    monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--format", "json", "--now", NOW_ISO, "."]) == 0
    paths = [b["path"] for b in json.loads(capsys.readouterr().out)["files"]]
    assert paths == ["alb/bundle.pem", "api/bundle.pem"]


def test_inspect_reads_a_file_with_its_configs_caps(
    monorepo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (monorepo / "alb" / ".mtls-lint.yaml").write_text("limits:\n  file-certificates: 1\n")
    assert main(["inspect", "alb/bundle.pem"]) == 2
    assert "over the limit of 1 certificates" in capsys.readouterr().err
    assert main(["inspect", "api/bundle.pem"]) == 0


def test_files_named_in_one_directory_share_its_scope_and_real_path(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch, blank: bytes
) -> None:
    """pre-commit names every staged file: each directory's config is looked for, and the
    directory resolved for ``--force-exclude``, once, not once per file -- and each file
    still gets its own directory's answer, a directory reached through a link included."""
    from mtls_lint import discover, scopes

    for n in range(3):
        (monorepo / "alb" / "old" / f"more-{n}.pem").write_bytes(blank)
        (monorepo / "alb" / f"more-{n}.pem").write_bytes(blank)
    (monorepo / "retired").symlink_to(monorepo / "alb" / "old")
    asked: list[Path] = []
    resolved: list[Path] = []
    look_up, resolve = scopes.Scopes._look_up, discover._real
    monkeypatch.setattr(
        scopes.Scopes, "_look_up", lambda self, d: asked.append(d) or look_up(self, d)
    )
    monkeypatch.setattr(discover, "_real", lambda d: resolved.append(d) or resolve(d))
    named = [f"{d}/more-{n}.pem" for d in ("alb/old", "alb", "retired") for n in range(3)]
    code, fired = report("--force-exclude", *named, "alb/bundle.pem")
    assert (code, sorted(fired)) == (
        1,
        ["alb/bundle.pem", *(f"alb/more-{n}.pem" for n in range(3))],
    )
    # alb/ excludes old/**, relative to alb/: so too through the link (the file's real path)
    assert asked.count(Path("alb")) == asked.count(Path("alb/old")) == 1
    assert asked.count(Path("retired")) == 1
    assert sorted(map(str, resolved)) == ["alb", "alb/old", "retired"]
