"""A pull request's change to its own config is shown to the reviewer, or not obeyed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mtls_lint.cli import github_action
from mtls_lint.config import Config, Waiver
from mtls_lint.config_change import relaxations
from mtls_lint.findings import Severity
from tests.pki import NOW_ISO, Issued
from tests.security.conftest import git
from tests.security.runner import commands

SHA = "ab" * 32


def waiver(rules: set[str], until: dt.date | None = None) -> Waiver:
    return Waiver(SHA, frozenset(rules), "pinned", until, ".mtls-lint.yaml", 7)


@pytest.mark.parametrize(
    ("base", "head", "says"),
    [
        (Config(), Config(fail_on="never"), "fail-on lowered from error to never"),
        (Config(fail_on="warning"), Config(), "fail-on lowered from warning to error"),
        (Config(), Config(severities={"expired": None}), "rule expired turned off (was error)"),
        (Config(), Config(severities={"expired": Severity.NOTICE}),
         "rule expired lowered to notice (was error)"),
        (Config(severities={"blank-line": Severity.ERROR}), Config(),
         "rule blank-line turned off (was error)"),
        (Config(), Config(profile="apigateway", severities={}, expiry_days=1),
         "expiry-days lowered from 30 to 1"),
        (Config(profile="alb"), Config(), "profile changed from alb to apigateway"),
        (Config(), Config(exclude=("ts/**",)), "exclude widened: ts/**"),
        (Config(include=("*.pem", "*.crt")), Config(include=("*.crt",)),
         "include narrowed: no longer *.pem"),
        (Config(), Config(limits={"certificates": 500}), "limit certificates raised to 500"),
        (Config(limits={"certificates": 50}), Config(limits={"certificates": None}),
         "limit certificates removed"),
        (Config(), Config(waivers=(waiver({"expired"}),)),
         f"new waiver of expired for the certificate with sha256 {SHA}"),
        (Config(waivers=(waiver({"expired"}, dt.date(2027, 1, 1)),)),
         Config(waivers=(waiver({"expired"}, dt.date(2030, 1, 1)),)),
         "extended to 2030-01-01"),
        (Config(options={"expires-soon": {"days": 60}}), Config(),
         "options of rule expires-soon changed: days: 60 -> default"),
    ],
)  # fmt: skip
def test_each_relaxation_is_named(base: Config, head: Config, says: str) -> None:
    messages = [r.message for r in relaxations(base, head)]
    assert any(says in m for m in messages), messages


def test_tightening_relaxes_nothing() -> None:
    base = Config(fail_on="error", exclude=("a/**",), waivers=(waiver({"expired"}),))
    head = Config(fail_on="warning", severities={"blank-line": Severity.ERROR})
    assert relaxations(base, head) == []


def base_branch(work: Path, files: dict[str, bytes], monkeypatch) -> Path:
    """A repository whose main holds ``files``, to change as a pull request would, and the
    working directory of the test."""
    for name, data in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "base")
    monkeypatch.chdir(work)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return work


def relaxed_warnings(out: str) -> list[str]:
    """The config-relaxed annotations of the Action's output."""
    return [c.line for c in commands(out) if "title=mtls-lint config-relaxed" in c.line]


@pytest.fixture
def pull_request(tmp_path: Path, root: Issued, intermediate: Issued, monkeypatch) -> Path:
    """main holds a strict config and a clean bundle; the pull request breaks the bundle
    and relaxes the config so that the run still passes."""
    work = base_branch(
        tmp_path / "repo",
        {"ts/bundle.pem": root.pem + intermediate.pem, ".mtls-lint.yaml": b"fail-on: error\n"},
        monkeypatch,
    )
    (work / "ts" / "bundle.pem").write_bytes(intermediate.pem)  # missing-issuer: an error
    (work / ".mtls-lint.yaml").write_text("fail-on: never\nrules:\n  missing-issuer: off\n")
    return work


def action_env(work: Path, **inputs: str) -> dict[str, str]:
    summary = work.parent / "summary.md"
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "GITHUB_WORKSPACE": str(work),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_PATHS": "ts",
        "INPUT_ARGS": f"--now {NOW_ISO}",
        "INPUT_DIFF_BASE": "main",
        **{f"INPUT_{k.upper().replace('-', '_')}": v for k, v in inputs.items()},
    }


def test_the_action_warns_on_the_lines_a_pull_request_relaxes(
    pull_request: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    env = action_env(pull_request)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", env["GITHUB_STEP_SUMMARY"])
    assert github_action.main(env) == 0  # the relaxed config is obeyed...
    warnings = relaxed_warnings(capsys.readouterr().out)
    assert any("file=.mtls-lint.yaml,line=1," in w and "fail-on lowered" in w for w in warnings)
    assert any("line=3," in w and "rule missing-issuer turned off" in w for w in warnings)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()  # ...and shown to the reviewer
    assert "## mtls-lint config change" in summary
    assert "fail-on lowered from error to never" in summary


def test_config_from_base_lints_with_the_base_refs_config(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert github_action.main(action_env(pull_request, config_from="base")) == 1
    assert "missing-issuer" in capsys.readouterr().out


def test_config_from_base_without_a_readable_base_fails(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = action_env(pull_request, config_from="base", diff_base="")
    env["GITHUB_BASE_REF"] = "no-such-branch"
    assert github_action.main(env) == 2
    assert "config-from: base" in capsys.readouterr().err


def test_outside_pull_requests_nothing_is_compared(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = action_env(pull_request)
    env["GITHUB_EVENT_NAME"] = "push"
    env["INPUT_DIFF_BASE"] = ""
    assert github_action.main(env) == 0
    assert "config-relaxed" not in capsys.readouterr().out


def test_a_hostile_waiver_reason_stays_inert(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.security.runner import foreign_commands

    (pull_request / ".mtls-lint.yaml").write_text(
        f"waivers:\n  - sha256: '{SHA}'\n    rules: [expired]\n"
        '    reason: "##[add-mask]x\\n::error::y\\u001b[2J"\n'
    )
    github_action.main(action_env(pull_request))
    captured = capsys.readouterr()
    assert "new waiver of expired" in captured.out
    assert foreign_commands(captured.out) == []
    assert "\x1b" not in captured.out


def test_a_config_added_in_a_subdirectory_is_compared_with_the_one_it_replaces(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pull request leaves the root's config alone and adds ts/.mtls-lint.yaml, which
    then governs ts/ whole: it is shown against the root's config at the base, and
    config-from: base does not read it."""
    (pull_request / ".mtls-lint.yaml").write_text("fail-on: error\n")
    (pull_request / "ts" / ".mtls-lint.yaml").write_text("rules:\n  missing-issuer: off\n")
    assert github_action.main(action_env(pull_request)) == 0
    (warning,) = relaxed_warnings(capsys.readouterr().out)
    assert "file=ts/.mtls-lint.yaml,line=2," in warning
    assert "rule missing-issuer turned off" in warning
    assert github_action.main(action_env(pull_request, config_from="base")) == 1
    assert "missing-issuer" in capsys.readouterr().out


def test_a_subdirectory_config_deleted_for_a_laxer_parent_is_shown(
    tmp_path: Path, root: Issued, intermediate: Issued, monkeypatch, capsys
) -> None:
    work = base_branch(tmp_path / "repo", {
        "ts/bundle.pem": root.pem + intermediate.pem, ".mtls-lint.yaml": b"fail-on: never\n",
        "ts/.mtls-lint.yaml": b"fail-on: error\n",
    }, monkeypatch)  # fmt: skip
    (work / "ts" / ".mtls-lint.yaml").unlink()
    (work / "ts" / "bundle.pem").write_bytes(intermediate.pem)
    assert github_action.main(action_env(work)) == 0
    (warning,) = relaxed_warnings(capsys.readouterr().out)
    assert "file=.mtls-lint.yaml,line=1," in warning
    assert "under ts/ (its own config is gone): fail-on lowered from error to never" in warning
    assert github_action.main(action_env(work, config_from="base")) == 1


def test_a_config_named_with_the_config_input_is_compared_with_its_base_version(
    pull_request: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert github_action.main(action_env(pull_request, config=".mtls-lint.yaml")) == 0
    warnings = relaxed_warnings(capsys.readouterr().out)
    assert any("file=.mtls-lint.yaml,line=1," in w and "fail-on lowered" in w for w in warnings)
    env = action_env(pull_request, config=".mtls-lint.yaml", config_from="base")
    assert github_action.main(env) == 1  # the base's version of that file is obeyed
    assert "missing-issuer" in capsys.readouterr().out
    outside = tmp_path / "outside.yaml"
    outside.write_text("fail-on: never\n")
    assert github_action.main(action_env(pull_request, config=str(outside))) == 0
    assert "outside the repository, so not at main" in capsys.readouterr().err
