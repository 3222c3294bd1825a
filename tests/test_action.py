"""The composite action, run step by step with bash as a runner would run it.

The install step runs once per module (it pip-installs this checkout into a venv under
RUNNER_TEMP, fetching dependencies from the package registry); each test then runs the lint
step with the variables a runner sets and the inputs a workflow would pass.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pki import PKI, Issued

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")

pytestmark = pytest.mark.slow


def test_no_run_block_interpolates_an_expression() -> None:
    for step in STEPS:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_every_input_reaches_the_linter_through_env() -> None:
    lint = next(step for step in STEPS if step.get("id") == "lint")
    passed = {m.group(1) for value in lint["env"].values() for m in EXPRESSION.finditer(value)}
    assert passed == set(ACTION["inputs"])
    assert set(ACTION["outputs"]) == {"errors", "warnings", "sarif-file"}


def step_env(step: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """The step's env: with ${{ inputs.x }} evaluated as GitHub evaluates it (a plain string)."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update(inputs)
    return {
        name: EXPRESSION.sub(lambda m: values[m.group(1)], str(value))
        for name, value in step.get("env", {}).items()
    }


def run_step(
    step: dict[str, Any],
    runner: dict[str, str],
    workspace: Path,
    inputs: dict[str, str],
    event: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the step as a runner does: its script in bash, its env, in ``workspace`` (or a
    directory below it: a workflow's working-directory), on ``event``."""
    script = Path(runner["RUNNER_TEMP"]) / f"step-{os.getpid()}.sh"
    script.write_text(step["run"])
    env = {**runner, **step_env(step, inputs)}
    if event:
        env.update({"GITHUB_EVENT_NAME": event, "GITHUB_BASE_REF": "main"})
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    temp = tmp_path_factory.mktemp("runner-temp")
    env = {"PATH": os.environ["PATH"], "HOME": str(temp), "RUNNER_TEMP": str(temp),
           "GITHUB_ACTION_PATH": str(ROOT)}  # fmt: skip
    install = next(step for step in STEPS if "pip install" in step.get("run", ""))
    result = run_step(install, env, temp, {})
    assert result.returncode == 0, result.stderr
    return temp


@pytest.fixture
def runner(runner_temp: Path, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "summary.md").touch()
    (tmp_path / "output.txt").touch()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_WORKSPACE": str(tmp_path / "repo"),
    }


@pytest.fixture
def workspace(tmp_path: Path, root: Issued, intermediate: Issued, pki: PKI) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "certs").mkdir()
    (repo / "certs" / "good.pem").write_bytes(root.pem + intermediate.pem)
    (repo / "certs" / "orphan.pem").write_bytes(pki.cert("action orphan", issuer=intermediate).pem)
    return repo


def outputs(runner: dict[str, str]) -> dict[str, str]:
    text = Path(runner["GITHUB_OUTPUT"]).read_text()
    found = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, flags=re.S | re.M)
    return {name: value for name, _, value in found}


def lint_step() -> dict[str, Any]:
    return next(step for step in STEPS if step.get("id") == "lint")


def test_lint_step_annotates_summarises_and_sets_outputs(
    runner: dict[str, str], workspace: Path
) -> None:
    result = run_step(lint_step(), runner, workspace, {"paths": "certs"})
    assert result.returncode == 1  # missing-issuer is an error; fail-on defaults to error
    assert result.stdout.startswith("::error file=certs/orphan.pem,line=1,")
    assert "title=mtls-lint missing-issuer::" in result.stdout
    assert "::stop-commands::" in result.stdout
    assert "## mtls-lint" in Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert outputs(runner) == {"errors": "1", "warnings": "0", "sarif-file": ""}


def test_fail_on_never_passes_and_sarif_is_written(runner: dict[str, str], workspace: Path) -> None:
    inputs = {"paths": "certs/orphan.pem", "fail-on": "never", "sarif-file": "out.sarif"}
    result = run_step(lint_step(), runner, workspace, inputs)
    assert result.returncode == 0, result.stderr
    sarif = json.loads((workspace / "out.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "missing-issuer"
    assert outputs(runner)["sarif-file"] == str(workspace / "out.sarif")


def test_profile_config_and_args_inputs(runner: dict[str, str], workspace: Path) -> None:
    (workspace / "strict.yaml").write_text("rules:\n  missing-issuer: warning\n")
    inputs = {"paths": "certs", "config": "strict.yaml", "profile": "alb",
              "args": "--expiry-days 60 --ignore pem-hygiene"}  # fmt: skip
    result = run_step(lint_step(), runner, workspace, inputs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs(runner)["warnings"] == "1"


def test_paths_with_spaces_are_quoted_like_a_shell(
    runner: dict[str, str], workspace: Path, root: Issued
) -> None:
    (workspace / "my certs").mkdir()
    (workspace / "my certs" / "a b.pem").write_bytes(root.pem)
    result = run_step(lint_step(), runner, workspace, {"paths": "'my certs/a b.pem'"})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("paths", "x; touch {marker}"),
        ("paths", "$(touch {marker})"),
        ("args", "`touch {marker}`"),
        ("config", "$(touch {marker})"),
        ("profile", "alb\ntouch {marker}"),
        ("sarif-file", "out.sarif; touch {marker}"),
        ("fail-on", "error' && touch {marker} && echo '"),
    ],
)
def test_inputs_cannot_inject_shell(
    runner: dict[str, str], workspace: Path, tmp_path: Path, name: str, template: str
) -> None:
    marker = tmp_path / "pwned"
    inputs = {"paths": "certs/good.pem", name: template.format(marker=marker)}
    result = run_step(lint_step(), runner, workspace, inputs)
    assert not marker.exists()
    assert "Traceback" not in result.stderr


def test_a_bad_input_is_a_clear_error(runner: dict[str, str], workspace: Path) -> None:
    result = run_step(lint_step(), runner, workspace, {"args": "--expiry-days 'unbalanced"})
    assert result.returncode == 2
    assert "cannot split the action's inputs" in result.stderr


def test_the_example_workflows_use_this_action_with_pinned_inputs() -> None:
    workflows = sorted((ROOT / "examples" / "workflows").glob("*.yml"))
    assert workflows
    for path in workflows:
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), f"{path.name}: {step}"
                if "mtls-lint" in step.get("uses", ""):
                    assert set(step.get("with", {})) <= set(ACTION["inputs"]), path.name


def test_the_readme_shows_the_example_workflows_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    for path in (ROOT / "examples" / "workflows").glob("*.yml"):
        assert path.read_text().rstrip() in readme, path.name


def commit_workspace(workspace: Path) -> None:
    """Turn the workspace into a real repository whose main branch holds it as it is."""
    shutil.rmtree(workspace / ".git")
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                       cwd=workspace, check=True, capture_output=True)  # fmt: skip


def test_diff_base_adds_the_change_to_the_summary(
    runner: dict[str, str], workspace: Path, root: Issued
) -> None:
    commit_workspace(workspace)
    (workspace / "certs" / "good.pem").write_bytes(root.pem)  # the intermediate is removed
    result = run_step(
        lint_step(), runner, workspace,
        {"paths": "certs/good.pem", "diff-base": "main", "fail-on": "never"}, "pull_request",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::group::mtls-lint diff --base main" in result.stdout
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert "## mtls-lint diff" in summary
    assert "- `-` removed  CN=Intermediate CA" in summary


def test_a_diff_base_that_does_not_exist_fails_clearly(
    runner: dict[str, str], workspace: Path
) -> None:
    commit_workspace(workspace)
    result = run_step(
        lint_step(), runner, workspace, {"paths": "certs/good.pem", "diff-base": "nope"},
        "pull_request",
    )  # fmt: skip
    assert result.returncode == 2
    assert "--base nope: no such commit" in result.stderr


def summary_of(runner: dict[str, str]) -> str:
    return Path(runner["GITHUB_STEP_SUMMARY"]).read_text()


def test_an_exit_2_error_is_an_annotation_and_said_in_the_summary(
    runner: dict[str, str], workspace: Path
) -> None:
    result = run_step(lint_step(), runner, workspace, {"paths": "certs/good.pem cert/typo.pem"})
    assert result.returncode == 2
    assert "::error title=mtls-lint could-not-run::cert/typo.pem: cannot read" in result.stdout
    summary = summary_of(runner)
    assert "**Could not run:** cert/typo.pem: cannot read" in summary
    assert "No findings." not in summary  # the typo's file was never read


def test_an_error_on_a_file_is_annotated_on_it(runner: dict[str, str], workspace: Path) -> None:
    (workspace / "certs" / "huge.pem").write_bytes(b"x" * 2048)
    result = run_step(lint_step(), runner, workspace,
                      {"paths": "certs/huge.pem", "args": "--max-file-bytes 1024"})  # fmt: skip
    assert result.returncode == 2
    assert (
        "::error file=certs/huge.pem,line=1,endLine=1,title=mtls-lint could-not-run::"
        "certs/huge.pem:" in result.stdout
    )


def test_a_bad_option_in_args_is_an_annotation_and_in_the_summary(
    runner: dict[str, str], workspace: Path
) -> None:
    result = run_step(lint_step(), runner, workspace, {"args": "--no-such-option"})
    assert result.returncode == 2
    assert (
        "::error title=mtls-lint could-not-run::unrecognized arguments: --no-such-option"
        in result.stdout
    )
    assert "**Could not run:** unrecognized arguments" in summary_of(runner)


def test_diff_base_on_a_push_event_is_a_notice_not_an_error(
    runner: dict[str, str], workspace: Path
) -> None:
    commit_workspace(workspace)
    inputs = {"paths": "certs/good.pem", "diff-base": "main"}
    result = run_step(lint_step(), runner, workspace, inputs, event="push")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "::notice title=mtls-lint diff-base::diff-base compares a pull request with its base; not "
        "run on a push event" in result.stdout
    )
    assert "::group::" not in result.stdout
    assert "## mtls-lint diff" not in summary_of(runner)


def test_from_a_subdirectory_annotations_name_files_from_the_repository_root(
    runner: dict[str, str], workspace: Path
) -> None:
    result = run_step(lint_step(), runner, workspace / "certs", {"paths": "orphan.pem"})
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=certs/orphan.pem,line=1,")


def test_diff_warnings_are_annotations_and_each_finding_is_in_the_summary_once(
    runner: dict[str, str], workspace: Path, root: Issued
) -> None:
    commit_workspace(workspace)
    (workspace / "certs" / "good.pem").write_bytes(root.pem + b"stray\n")  # CA removed
    inputs = {"paths": "certs/good.pem", "diff-base": "main", "fail-on": "never"}
    result = run_step(lint_step(), runner, workspace, inputs, event="pull_request")
    assert result.returncode == 0, result.stdout + result.stderr
    (stranded,) = [line for line in result.stdout.splitlines()
                   if line.startswith("::warning file=certs/good.pem,line=1,endLine=1,"
                                      "title=mtls-lint diff::removed CA")]  # fmt: skip
    assert "CN=Intermediate CA" in stranded
    summary = summary_of(runner)
    assert summary.count("stray-text") == 1  # in check's table, counted in diff's section
    assert "**Introduced findings:** 1, listed with the others in the table above." in summary
    assert "\n\n## mtls-lint diff\n" in summary
