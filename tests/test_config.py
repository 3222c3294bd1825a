"""The config file: each mistake is exit 2 with file:line, discovery, and CLI precedence."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from mtls_lint.cli import main
from mtls_lint.config import ConfigError, find_config
from mtls_lint.config_file import load_config
from mtls_lint.findings import Severity
from tests.pki import NOW_ISO, PKI, Issued


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def write_config(directory: Path, text: str, name: str = ".mtls-lint.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(path, path.name)
    return str(raised.value)


SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile: apigateway\nfrobnicate: 1\n", ".mtls-lint.yaml:2: frobnicate: unknown key"),
        ("rules:\n  no-such-rule: off\n", ".mtls-lint.yaml:2: rules.no-such-rule: unknown rule"),
        ("expiry-days: soon\n", ".mtls-lint.yaml:1: expiry-days: must be a whole number >= 0"),
        ("expiry-days: true\n", ".mtls-lint.yaml:1: expiry-days: must be a whole number"),
        ("profile: nginx\n", ".mtls-lint.yaml:1: profile: must be one of alb, apigateway"),
        ("fail-on: sometimes\n", ".mtls-lint.yaml:1: fail-on: must be one of error"),
        ("include: '*.pem'\n", ".mtls-lint.yaml:1: include: must be a list of glob patterns"),
        ("limits:\n  certs: 5\n", ".mtls-lint.yaml:2: limits.certs: unknown limit"),
        ("limits:\n  certificates: 0\n", ".mtls-lint.yaml:2: limits.certificates: must be"),
        ("rules:\n  stray-text: loud\n", ".mtls-lint.yaml:2: rules.stray-text: must be off, error"),
        (
            "rules:\n  expires-soon:\n    severity: error\n    days: many\n",
            ".mtls-lint.yaml:4: rules.expires-soon.days: must be int, not 'many'",
        ),
        (
            "rules:\n  expires-soon: {weeks: 2}\n",
            ".mtls-lint.yaml:2: rules.expires-soon.weeks: unknown option (options of "
            "expires-soon: days)",
        ),
        ("- a\n- b\n", ".mtls-lint.yaml:1: the config must be a mapping, not a list"),
        ("profile: [alb\n", ".mtls-lint.yaml:2: invalid YAML: expected ',' or ']'"),
        ("profile: alb\nprofile: cloudfront\n", ".mtls-lint.yaml:2: duplicate key 'profile'"),
        (
            f"waivers:\n  - sha256: {SHA}\n    rules: [expired]\n    reason: ok\n"
            "    until: 2027-13-01\n",
            ".mtls-lint.yaml:5: invalid value: month must be in 1..12",
        ),
        (
            f"waivers:\n  - sha256: {SHA}\n    rules: [expired]\n    reason: ok\n"
            "    until: next year\n",
            ".mtls-lint.yaml:5: waivers[0].until: must be a date (YYYY-MM-DD)",
        ),
        (
            "waivers:\n  - sha256: abcd\n    rules: [expired]\n    reason: ok\n",
            ".mtls-lint.yaml:2: waivers[0].sha256: must be the certificate's SHA-256",
        ),
        (
            f"waivers:\n  - sha256: {SHA}\n    rules: [expired]\n",
            ".mtls-lint.yaml:2: waivers[0]: reason is required",
        ),
        (
            f"waivers:\n  - sha256: {SHA}\n    rules: [expired, typo]\n    reason: ok\n",
            ".mtls-lint.yaml:3: waivers[0].rules[1]: unknown rule id 'typo'",
        ),
        (
            f"waivers:\n  - sha256: {SHA}\n    rules: []\n    reason: ok\n",
            ".mtls-lint.yaml:3: waivers[0].rules: must be a non-empty list",
        ),
    ],
)
def test_each_mistake_names_file_and_line(repo: Path, text: str, expected: str) -> None:
    assert config_error(write_config(repo, text)).startswith(expected)


def test_mistakes_exit_2_from_the_cli(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(repo, "profile: alb\nbogus: 1\n")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "mtls-lint: error: .mtls-lint.yaml:2: bogus: unknown key (expected one of "
        "profile, include, exclude, revocation-lists, fail-on, expiry-days, limits, rules, "
        "waivers)\n"
    )


def test_unsafe_tags_are_refused(repo: Path) -> None:
    message = config_error(write_config(repo, "profile: !!python/object/apply:os.system [id]\n"))
    assert message.startswith(".mtls-lint.yaml:1: invalid YAML: could not determine a constructor")


def test_binary_config_is_a_clear_error(repo: Path) -> None:
    (repo / ".mtls-lint.yaml").write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8 text" in config_error(repo / ".mtls-lint.yaml")


def test_a_valid_config_is_read(repo: Path) -> None:
    config = load_config(
        write_config(
            repo,
            f"""\
            profile: alb
            include: ["**/*.pem"]
            exclude: ["tests/fixtures/**"]
            fail-on: warning
            expiry-days: 45
            limits: {{certificates: 50}}
            rules:
              stray-text: off
              blank-line: notice
              expires-soon: {{severity: error, days: 60}}
            waivers:
              - sha256: "{SHA.upper()[:2]}:{SHA.upper()[2:]}"
                rules: [self-signed-leaf]
                reason: pinned partner certificate
                until: 2027-06-30
            """,
        )
    )
    assert config.profile == "alb"
    assert config.severities == {
        "stray-text": None,
        "blank-line": Severity.NOTICE,
        "expires-soon": Severity.ERROR,
    }
    assert config.options["expires-soon"] == {"days": 60}
    assert config.limits == {"certificates": 50}
    (waiver,) = config.waivers
    assert waiver.sha256 == SHA
    assert waiver.line == 12
    assert str(waiver.until) == "2027-06-30"


def test_an_empty_config_is_fine(repo: Path) -> None:
    assert load_config(write_config(repo, "")).profile is None


def test_discovery_walks_up_to_the_repository_root(repo: Path) -> None:
    config = write_config(repo, "profile: alb\n")
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == config.resolve()
    nested_repo = repo / "vendored"
    (nested_repo / ".git").mkdir(parents=True)
    assert find_config(nested_repo) is None  # stops at the nested repository's root
    write_config(deep, "profile: cloudfront\n", ".mtls-lint.yml")
    assert find_config(deep) == (deep / ".mtls-lint.yml").resolve()


def test_config_profile_applies_and_the_cli_overrides_it(repo: Path, pki: PKI) -> None:
    (repo / "p521.pem").write_bytes(pki.cert("P-521 root", key="ec-p521").pem)
    write_config(repo, "profile: cloudfront\n")
    assert main(["check", "--now", NOW_ISO, "p521.pem"]) == 1
    assert main(["check", "--now", NOW_ISO, "--profile", "apigateway", "p521.pem"]) == 0
    assert main(["check", "--now", NOW_ISO, "--no-config", "p521.pem"]) == 0


def test_config_flag_names_the_file(repo: Path, pki: PKI) -> None:
    (repo / "p521.pem").write_bytes(pki.cert("P-521 root", key="ec-p521").pem)
    other = write_config(repo, "profile: cloudfront\n", "strict.yaml")
    assert main(["check", "--now", NOW_ISO, "p521.pem"]) == 0
    assert main(["check", "--now", NOW_ISO, "--config", str(other), "p521.pem"]) == 1


def test_a_missing_config_file_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", "nope.yaml"]) == 2
    assert "nope.yaml: cannot read" in capsys.readouterr().err


def test_rules_off_and_severities(repo: Path, intermediate: Issued) -> None:
    (repo / "b.pem").write_bytes(intermediate.pem)
    write_config(repo, "rules:\n  missing-issuer: off\n")
    assert main(["check", "--now", NOW_ISO, "b.pem"]) == 0
    write_config(repo, "rules:\n  missing-issuer: notice\n")
    assert main(["check", "--now", NOW_ISO, "b.pem"]) == 0
    assert main(["check", "--now", NOW_ISO, "--fail-on", "notice", "b.pem"]) == 1


def test_fail_on_and_expiry_days_from_config_and_cli(repo: Path, root: Issued) -> None:
    (repo / "r.pem").write_bytes(root.pem)  # 1310 days left at NOW
    write_config(repo, "fail-on: warning\nexpiry-days: 2000\n")
    assert main(["check", "--now", NOW_ISO, "r.pem"]) == 1
    assert main(["check", "--now", NOW_ISO, "--expiry-days", "30", "r.pem"]) == 0
    assert main(["check", "--now", NOW_ISO, "--fail-on", "error", "r.pem"]) == 0


def test_rule_option_days_and_the_cli_window(repo: Path, root: Issued) -> None:
    (repo / "r.pem").write_bytes(root.pem)
    write_config(repo, "fail-on: warning\nrules:\n  expires-soon: {days: 2000}\n")
    assert main(["check", "--now", NOW_ISO, "r.pem"]) == 1
    assert main(["check", "--now", NOW_ISO, "--expiry-days", "30", "r.pem"]) == 0


def test_include_and_exclude_are_relative_to_the_config(
    repo: Path, intermediate: Issued, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    for name in ("certs/a.pem", "certs/b.bundle", "tests/fixtures/bad.pem"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(intermediate.pem)
    write_config(repo, 'include: ["*.pem", "certs/*.bundle"]\nexclude: ["tests/fixtures/**"]\n')
    monkeypatch.chdir(repo / "certs")
    main(["check", "--now", NOW_ISO, str(repo)])
    out = capsys.readouterr().out
    assert "a.pem:1:" in out
    assert "b.bundle:1:" in out
    assert "fixtures" not in out


def test_limits_raise_or_set_quotas(repo: Path, root: Issued, intermediate: Issued) -> None:
    (repo / "b.pem").write_bytes(root.pem + intermediate.pem)
    write_config(repo, "limits: {certificates: 1}\n")
    assert main(["check", "--now", NOW_ISO, "b.pem"]) == 1
    write_config(repo, "limits: {file-bytes: 100}\n")
    assert main(["check", "--now", NOW_ISO, "b.pem"]) == 2


def test_an_alias_bomb_is_checked_once_per_node(repo: Path) -> None:
    # nine aliases nested twelve deep: 9**12 nodes if each alias were walked again
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 13)]
    path = write_config(repo, "\n".join(lines) + "\n")
    assert config_error(path).startswith(".mtls-lint.yaml:1: a0: unknown key")


def test_yaml_nested_too_deeply_is_a_config_error(repo: Path) -> None:
    path = write_config(repo, "exclude: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert config_error(path) == ".mtls-lint.yaml: nested too deeply to be a config file"


def test_a_config_that_is_not_a_regular_file_is_refused(repo: Path) -> None:
    os.mkfifo(repo / ".mtls-lint.yaml")
    assert config_error(repo / ".mtls-lint.yaml") == ".mtls-lint.yaml: not a regular file"


def test_an_oversize_config_is_refused(repo: Path) -> None:
    path = write_config(repo, "# " + "x" * 2_000_000 + "\n")
    assert "over 1048576 bytes: not a config file" in config_error(path)
