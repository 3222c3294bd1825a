"""The action's inputs cannot make it pass without linting, or write outside the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtls_lint.cli import github_action
from tests.pki import Issued


@pytest.fixture
def workspace(tmp_path: Path, root: Issued, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "workspace"
    (work / "ts").mkdir(parents=True)
    (work / "ts" / "ok.pem").write_bytes(root.pem)
    monkeypatch.chdir(work)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return work


def env(workspace: Path, **inputs: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "INPUT_PATHS": "ts",
            **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}}  # fmt: skip


@pytest.mark.parametrize("args", ["--help", "--version", "--no-such-option"])
def test_args_that_stop_before_linting_fail_the_step(
    workspace: Path, args: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert github_action.main(env(workspace, args=args)) == 2
    if args == "--help":
        assert "stopped mtls-lint before it linted anything" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["../elsewhere.sarif", "/tmp/mtls-lint-outside.sarif"])
def test_a_sarif_file_outside_the_workspace_is_refused(
    workspace: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert github_action.main(env(workspace, sarif_file=target)) == 2
    assert "outside" in capsys.readouterr().err
    assert not (workspace.parent / "elsewhere.sarif").exists()
    assert not Path("/tmp/mtls-lint-outside.sarif").exists()


def test_a_sarif_file_through_a_link_out_of_the_workspace_is_refused(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (workspace / "out").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert github_action.main(env(workspace, sarif_file="out/x.sarif")) == 2
    assert not (tmp_path / "elsewhere" / "x.sarif").exists()


def test_a_sarif_file_in_the_workspace_is_written(workspace: Path) -> None:
    assert github_action.main(env(workspace, sarif_file="reports/../x.sarif")) == 0
    assert (workspace / "x.sarif").read_text().startswith("{")
