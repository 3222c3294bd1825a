"""The pre-commit hook, run by real pre-commit against a temporary git repository.

``pre-commit try-repo`` installs this checkout (with its uncommitted changes) into a virtual
environment with pip, fetching dependencies from the package registry, as a consumer's
``repo:``/``rev:`` entry would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pki import PKI, Issued

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.slow


def pre_commit() -> list[str]:
    executable = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    return [executable]


def test_the_manifest_is_valid() -> None:
    result = subprocess.run(
        [*pre_commit(), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def try_repo(repo: Path, home: Path, hook: str = "mtls-lint") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [*pre_commit(), "try-repo", str(ROOT), hook, "--all-files", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_hook_fails_on_a_bad_bundle_and_passes_once_fixed(
    tmp_path: Path, home: Path, pki: PKI, root: Issued, intermediate: Issued
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "good.pem").write_bytes(root.pem + intermediate.pem)
    orphan = pki.cert("hook orphan", issuer=intermediate)
    (repo / "bad.crt").write_bytes(orphan.pem)
    (repo / "client.key").write_bytes(orphan.key_pem())  # pem by content; not a truststore
    (repo / "notes.txt").write_text("not a certificate\n")
    (repo / "partner.ca-bundle").write_bytes(root.pem)
    git(repo, "add", ".")

    failed = try_repo(repo, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.crt:1: error [missing-issuer]" in failed.stdout
    assert "client.key" not in failed.stdout
    assert "notes.txt" not in failed.stdout
    assert "good.pem" not in failed.stdout.split("Failed")[-1]

    (repo / "bad.crt").write_bytes(root.pem)
    git(repo, "add", ".")
    passed = try_repo(repo, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    assert (repo / "client.key").read_bytes() == orphan.key_pem()  # left alone


def test_the_hook_honours_exclude_for_staged_files_and_any_case(
    tmp_path: Path, home: Path, pki: PKI, root: Issued, intermediate: Issued
) -> None:
    """pre-commit names every staged file; the entry's --force-exclude keeps the config's
    excludes holding for them, and the (?i) regex hands over ROOT.PEM as a walk finds it."""
    repo = tmp_path / "repo"
    (repo / "tests" / "fixtures").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / ".mtls-lint.yaml").write_text('exclude: ["tests/fixtures/**"]\n')
    orphan = pki.cert("hook excluded orphan", issuer=intermediate)
    (repo / "tests" / "fixtures" / "broken.pem").write_bytes(orphan.pem)
    (repo / "ROOT.PEM").write_bytes(root.pem)
    git(repo, "add", ".")
    passed = try_repo(repo, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    (repo / "BAD.CRT").write_bytes(orphan.pem)
    git(repo, "add", ".")
    failed = try_repo(repo, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "BAD.CRT:1: error [missing-issuer]" in failed.stdout
    assert "broken.pem" not in failed.stdout


def test_the_hook_lints_each_directory_with_its_own_config(
    tmp_path: Path, home: Path, root: Issued, intermediate: Issued
) -> None:
    """A monorepo: alb/.mtls-lint.yaml says profile: alb, the root's apigateway. The hook
    names both files from the root; each is linted as its directory's service would be."""
    repo = tmp_path / "repo"
    for directory in ("api", "alb"):
        (repo / directory).mkdir(parents=True)
        (repo / directory / "bundle.pem").write_bytes(root.pem + b"\n" + intermediate.pem)
    git(repo, "init", "-q")
    (repo / ".mtls-lint.yaml").write_text("profile: apigateway\n")
    (repo / "alb" / ".mtls-lint.yaml").write_text("profile: alb\n")
    git(repo, "add", ".")
    failed = try_repo(repo, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "alb/bundle.pem:" in failed.stdout
    assert "error [blank-line]" in failed.stdout
    assert "api/bundle.pem" not in failed.stdout  # API Gateway takes the blank line


def test_the_fix_hook_rewrites_a_file_then_passes(
    tmp_path: Path, home: Path, root: Issued, intermediate: Issued
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    messy = b"\r\n".join((root.pem + intermediate.pem).splitlines()) + b"\r\n\r\n"
    (repo / "bundle.pem").write_bytes(b"Certificate:\n" + messy + root.pem)
    git(repo, "add", ".")
    first = try_repo(repo, home, "mtls-lint-fix")
    assert first.returncode == 1, first.stdout + first.stderr  # files were modified
    assert "files were modified by this hook" in first.stdout
    assert (repo / "bundle.pem").read_bytes() == root.pem + intermediate.pem
    git(repo, "add", ".")
    second = try_repo(repo, home, "mtls-lint-fix")
    assert second.returncode == 0, second.stdout + second.stderr
