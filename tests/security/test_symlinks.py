"""Nothing is read through a symlink out of the repository, or written through one.

Each test builds a repository whose pull request added links to files outside it (or into
``.git``, where actions/checkout keeps the job's token) and asserts that the link is named,
the run ends in exit 2, and not one byte of the target reaches any output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, Issued
from tests.security.conftest import child, git

SECRET = b"TOP-SECRET-outside-the-repository"


@pytest.fixture
def repo(tmp_path: Path, root: Issued, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp/repo`` (a git repository holding ``ts/ok.pem``) beside ``tmp/outside``."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pem").write_bytes(SECRET + b"\n" + root.pem + SECRET + b"\n")
    (outside / "config.yaml").write_bytes(SECRET + b": 1\n")
    work = tmp_path / "repo"
    (work / "ts").mkdir(parents=True)
    (work / "ts" / "ok.pem").write_bytes(root.pem)
    git(work, "init", "-q")
    (work / ".git" / "config").write_bytes(b"[http]\n\textraheader = AUTHORIZATION: " + SECRET)
    monkeypatch.chdir(work)
    return work


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert SECRET.decode() not in captured.out + captured.err
    assert "Traceback" not in captured.err
    assert "internal error" not in captured.err
    return code, captured.out, captured.err


OUTSIDE_TARGETS = ["../../outside/secret.pem", "../.git/config", "/proc/kmsg"]


@pytest.mark.parametrize("target", OUTSIDE_TARGETS)
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_walked_link_out_of_the_repository_is_named_and_not_read(
    repo: Path, target: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ts" / "s.pem").symlink_to(target)
    code, _, err = run(["check", "--no-config", "--format", fmt, "ts"], capsys)
    assert code == 2
    assert "ts/s.pem: a symbolic link" in err


def test_a_named_link_out_of_the_repository_is_not_read(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "s.pem").symlink_to(repo.parent / "outside" / "secret.pem")
    code, _, err = run(["check", "--no-config", "s.pem"], capsys)
    assert code == 2
    assert "s.pem: a symbolic link to a file outside the repository" in err


def test_a_link_inside_the_repository_is_followed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ts" / "current.pem").symlink_to("ok.pem")
    code, out, _ = run(["check", "--no-config", "--format", "json", "ts/current.pem"], capsys)
    assert code == 0
    assert '"path": "ts/current.pem"' in out  # reported where the link is, not its target


def test_a_symlink_loop_is_an_error_not_a_traceback(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ts" / "a.pem").symlink_to("b.pem")
    (repo / "ts" / "b.pem").symlink_to("a.pem")
    code, _, err = run(["check", "--no-config", "ts"], capsys)
    assert code == 2
    assert "ts/a.pem: a symbolic link loop" in err


def test_a_linked_directory_is_not_walked(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "ts" / "more").symlink_to(repo.parent / "outside", target_is_directory=True)
    code, out, _ = run(["check", "--no-config", "--format", "json", "."], capsys)
    assert code == 0
    assert "more" not in out
    (repo / "linked").symlink_to(repo.parent / "outside", target_is_directory=True)
    code, _, err = run(["check", "--no-config", "linked"], capsys)
    assert code == 2
    assert "linked: a symbolic link to a file outside the repository" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--no-config", "linked/secret.pem"],
        ["inspect", "linked/secret.pem"],
        ["diff", "--no-config", "ts/ok.pem", "linked/secret.pem"],
        ["verify", "--now", NOW_ISO, "--truststore", "linked/secret.pem", "ts/ok.pem"],
    ],
)
def test_a_named_file_in_a_linked_directory_out_of_the_repository_is_not_read(
    repo: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # the file's own directory leads out: the repository it is named in is the boundary
    (repo / "linked").symlink_to(repo.parent / "outside", target_is_directory=True)
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "linked/secret.pem: a symbolic link to a file outside the repository" in err


def test_a_named_file_in_a_link_to_another_repository_is_not_read(
    repo: Path, root: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    # another checkout on the runner: a repository, but not the one the file is named in
    other = repo.parent / "other"
    (other / "nested").mkdir(parents=True)
    git(other, "init", "-q")
    git(other / "nested", "init", "-q")
    for directory in (other, other / "nested"):
        (directory / "secret.pem").write_bytes(SECRET + b"\n" + root.pem)
    (repo / "vendored").symlink_to(other, target_is_directory=True)
    for named in ("vendored/secret.pem", "vendored/nested/secret.pem"):
        code, _, err = run(["check", "--no-config", named], capsys)
        assert code == 2
        assert f"{named}: a symbolic link to a file outside the repository" in err


def test_a_repository_named_through_a_link_is_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a link above the repository (a home directory on another disk, say) leads nowhere out
    (repo.parent / "alias").symlink_to(repo, target_is_directory=True)
    monkeypatch.chdir(repo.parent)
    code, out, _ = run(["check", "--no-config", "--format", "json", "alias/ts/ok.pem"], capsys)
    assert code == 0
    assert '"path": "alias/ts/ok.pem"' in out


def test_without_a_repository_the_named_directory_is_the_boundary(
    tmp_path: Path, root: Issued, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "secret.pem").write_bytes(SECRET + b"\n" + root.pem)
    (tmp_path / "ts").mkdir()
    (tmp_path / "ts" / "s.pem").symlink_to("../secret.pem")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["check", "--no-config", "ts"], capsys)
    assert code == 2
    assert f"outside {tmp_path / 'ts'}" in err


@pytest.mark.parametrize("how", ["--config", "found"])
def test_a_config_linked_out_of_the_repository_is_not_read(
    repo: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".mtls-lint.yaml").symlink_to(repo.parent / "outside" / "config.yaml")
    argv = ["check", "ts"] if how == "found" else ["check", "--config", ".mtls-lint.yaml", "ts"]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert ".mtls-lint.yaml: a symbolic link to a file outside the repository" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--now", NOW_ISO, "--truststore", "s.pem", "ts/ok.pem"],
        ["verify", "--now", NOW_ISO, "--truststore", "ts/ok.pem", "s.pem"],
        ["verify", "--now", NOW_ISO, "--truststore", "ts/ok.pem", "--untrusted", "s.pem",
         "ts/ok.pem"],
        ["verify", "--now", NOW_ISO, "--truststore", "ts/ok.pem", "--key", "s.pem", "ts/ok.pem"],
        ["verify", "--now", NOW_ISO, "--truststore", "ts/ok.pem", "--access-log", "s.pem"],
        ["match", "ts/ok.pem", "s.pem"],
        ["inspect", "s.pem"],
        ["diff", "--no-config", "ts/ok.pem", "s.pem"],
        ["diff", "--no-config", "s.pem", "ts/ok.pem"],
    ],
)  # fmt: skip
def test_no_command_reads_a_named_link_out_of_the_repository(
    repo: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "s.pem").symlink_to(repo.parent / "outside" / "secret.pem")
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "s.pem: a symbolic link to a file outside the repository" in err


def test_diff_base_reports_a_symlink_stored_in_git_and_does_not_read_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ts" / "link.pem").symlink_to(repo.parent / "outside" / "secret.pem")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a link")
    (repo / "ts" / "link.pem").unlink()
    code, _, err = run(["diff", "--no-config", "--base", "HEAD", "ts"], capsys)
    assert code == 2
    assert "HEAD:ts/link.pem: a symbolic link in git, not a file; not read" in err


def test_diff_base_does_not_read_a_working_tree_link_out_of_the_repository(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "ts" / "s.pem").symlink_to(repo.parent / "outside" / "secret.pem")
    code, _, err = run(["diff", "--no-config", "--base", "HEAD", "ts"], capsys)
    assert code == 2
    assert "ts/s.pem: a symbolic link to a file outside the repository" in err


def test_diff_base_reads_tracked_files_in_a_real_directory_with_one_open(
    repo: Path, root: Issued, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.pem", "b.pem"):
        (repo / "ts" / name).write_bytes(root.pem)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "ts" / "a.pem").write_bytes(b"")
    asked = _counting_real_path(monkeypatch)
    code, out, _ = run(
        ["diff", "--no-config", "--base", "HEAD", "--fail-on", "never", "--format", "json"],
        capsys,
    )
    assert code == 0
    assert [f["path"] for f in json.loads(out)["files"]] == ["ts/a.pem"]
    # three tracked files in one directory: checked once, each read as a walked file is
    assert [path for path in asked if path.suffix == ".pem"] == []


def test_diff_base_does_not_read_through_a_directory_replaced_by_a_link(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    (repo.parent / "outside" / "ok.pem").write_bytes(
        (repo.parent / "outside" / "secret.pem").read_bytes()
    )
    (repo / "ts" / "ok.pem").unlink()
    (repo / "ts").rmdir()
    (repo / "ts").symlink_to(repo.parent / "outside", target_is_directory=True)
    asked = _counting_real_path(monkeypatch)
    code, _, err = run(["diff", "--no-config", "--base", "HEAD"], capsys)  # no secret out
    assert code == 2
    assert "ts/ok.pem: a symbolic link to a file outside the repository" in err
    assert [path for path in asked if path.suffix == ".pem"] == [Path("ts/ok.pem")]


def test_stray_text_is_quoted_only_in_a_file_with_a_certificate_block(
    repo: Path, root: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "notes.pem").write_bytes(b"the quick brown fox\n")
    (repo / "bundle.pem").write_bytes(b"the quick brown fox\n" + root.pem)
    _, out, _ = run(["check", "--no-config", "notes.pem", "bundle.pem"], capsys)
    notes, bundle = (line for line in out.splitlines() if "[stray-text]" in line)
    assert "quick brown" not in notes
    assert "not quoted" in notes
    assert "the quick brown fox" in bundle


# -- special files: these would hang if opened, so they run in a child with a time-out ------


def test_a_fifo_in_the_tree_or_behind_a_link_is_refused_without_blocking(repo: Path) -> None:
    os.mkfifo(repo / "ts" / "fifo.pem")
    os.mkfifo(repo.parent / "outside" / "fifo.pem")
    (repo / "ts" / "linked-fifo.pem").symlink_to(repo.parent / "outside" / "fifo.pem")
    result = child(["check", "--no-config", "ts"], repo)
    assert result.returncode == 2
    assert "ts/fifo.pem: not a regular file" in result.stderr
    assert "ts/linked-fifo.pem: a symbolic link to a file outside" in result.stderr


def test_a_report_is_not_written_into_a_fifo(repo: Path) -> None:
    os.mkfifo(repo / "report.sarif")
    result = child(["check", "--no-config", "--format", "sarif", "--output", "report.sarif",
                    "ts"], repo)  # fmt: skip
    assert result.returncode == 2
    assert "report.sarif" in result.stderr


# -- writing -----------------------------------------------------------------------------


def test_output_does_not_follow_a_symlink(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    victim = repo.parent / "outside" / "victim"
    victim.write_bytes(SECRET)
    (repo / "report.sarif").symlink_to(victim)
    code, _, err = run(["check", "--no-config", "--format", "sarif", "--output", "report.sarif",
                        "ts"], capsys)  # fmt: skip
    assert code == 2
    assert "report.sarif: a symbolic link; not written through" in err
    assert victim.read_bytes() == SECRET


def test_output_does_not_write_through_a_linked_directory(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "reports").symlink_to(repo.parent / "outside", target_is_directory=True)
    code, _, err = run(["check", "--no-config", "--format", "sarif", "--output",
                        "reports/x.sarif", "ts"], capsys)  # fmt: skip
    assert code == 2
    assert "its directory is a symbolic link out of" in err
    assert not (repo.parent / "outside" / "x.sarif").exists()


def test_output_does_not_write_through_a_link_to_another_repository(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = repo.parent / "other"
    other.mkdir()
    git(other, "init", "-q")
    (repo / "reports").symlink_to(other, target_is_directory=True)
    code, _, err = run(["check", "--no-config", "--format", "sarif", "--output",
                        "reports/x.sarif", "ts"], capsys)  # fmt: skip
    assert code == 2
    assert "its directory is a symbolic link out of" in err
    assert not (other / "x.sarif").exists()


def test_output_to_a_plain_path_is_written(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "reports").mkdir()
    code, _, _ = run(["check", "--no-config", "--format", "sarif", "--output",
                      "reports/x.sarif", "ts"], capsys)  # fmt: skip
    assert code == 0
    assert (repo / "reports" / "x.sarif").read_text().startswith("{")


def test_output_to_a_device_such_as_dev_null_still_works(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["check", "--no-config", "--format", "json", "--output", os.devnull,
                        "ts"], capsys)  # fmt: skip
    assert code == 0, err


def _counting_real_path(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths :func:`mtls_lint.files.real_path` is asked to resolve in this test."""
    from mtls_lint import files

    asked: list[Path] = []
    resolve = files.real_path

    def counting(path: Path, within: Path) -> Path:
        asked.append(path)
        return resolve(path, within)

    monkeypatch.setattr(files, "real_path", counting)
    return asked


def test_named_files_in_a_real_directory_are_read_with_one_open(
    repo: Path, root: Issued, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.pem", "b.pem"):
        (repo / "ts" / name).write_bytes(root.pem)
    (repo / "ts" / "out.pem").symlink_to(repo.parent / "outside" / "secret.pem")
    asked = _counting_real_path(monkeypatch)
    code, _, _ = run(["check", "--no-config", "ts/ok.pem", "ts/a.pem", "ts/b.pem"], capsys)
    assert code == 0
    assert asked == []  # what a walk guarantees, checked once for the directory
    # the open follows no link: a link there still gets the whole check, and is refused
    code, _, err = run(["check", "--no-config", "ts/a.pem", "ts/out.pem"], capsys)
    assert code == 2
    assert "ts/out.pem: a symbolic link to a file outside the repository" in err
    assert asked == [Path("ts/out.pem")]


def test_a_named_file_below_a_link_or_in_git_gets_the_whole_check(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "linked").symlink_to("ts", target_is_directory=True)
    (repo / ".git" / "ok.pem").write_bytes((repo / "ts" / "ok.pem").read_bytes())
    asked = _counting_real_path(monkeypatch)
    code, _, _ = run(["check", "--no-config", "linked/ok.pem"], capsys)
    assert code == 0
    assert asked == [Path("linked/ok.pem")]
    code, _, err = run(["check", "--no-config", ".git/ok.pem"], capsys)
    assert code == 2
    assert ".git/ok.pem: in .git/, git's own files; not read" in err  # not called a link
    assert asked[-1] == Path(".git/ok.pem")
    (repo / "ts" / "git.pem").symlink_to("../.git/ok.pem")
    code, _, err = run(["check", "--no-config", "ts/git.pem"], capsys)
    assert code == 2
    assert "ts/git.pem: a symbolic link into .git/; not read" in err
