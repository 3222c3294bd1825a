"""Release hygiene: the sdist and wheel build as the release workflow builds them, their
metadata passes ``twine check``, and the workflows run what the README says."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from mtls_lint import __version__

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build from a copy of the tracked files, so the checkout gets no build/ or egg-info."""
    pytest.importorskip("build")
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out


def test_both_build_and_pass_twine_check(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"mtls_lint-{__version__}-py3-none-any.whl", f"mtls_lint-{__version__}.tar.gz"]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_wheel_holds_the_package_and_its_metadata(dist: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"mtls_lint-{__version__}.dist-info/METADATA").decode()
        entry_points = archive.read(f"mtls_lint-{__version__}.dist-info/entry_points.txt")
    assert "mtls_lint/cli/__init__.py" in names
    assert not [n for n in names if n.startswith("tests/")]
    assert "Name: mtls-lint" in metadata
    assert f"Version: {__version__}" in metadata
    assert "Requires-Python: >=3.10" in metadata
    for dependency in ("cryptography", "PyYAML", "pyasn1", "pyasn1-modules"):
        assert f"Requires-Dist: {dependency}" in metadata
    assert b"mtls-lint = mtls_lint.cli:run" in entry_points


def test_the_sdist_holds_what_a_rebuild_needs(dist: Path) -> None:
    with tarfile.open(next(dist.glob("*.tar.gz"))) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "mtls_lint/__init__.py"} <= names


def test_ci_runs_the_readme_test_command_on_every_supported_python() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12", "3.13"]
    assert {"run": ".ci/run"} in job["steps"]
    readme = (ROOT / "README.md").read_text()
    command = ".venv/bin/pip install '.[test]' && .venv/bin/python -m pytest"
    assert command in readme
    assert command in (ROOT / ".ci/run").read_text()


def test_release_publishes_with_trusted_publishing_only_on_a_tag() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    assert workflow[True]["push"] == {"tags": ["v*"]}  # YAML 1.1 reads `on` as True
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["steps"][-1]["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert "password" not in str(publish)


def test_the_readme_pins_nothing_that_does_not_exist() -> None:
    """No release is tagged yet: the README must not pin a tag (``rev: v0.1.0`` did)."""
    tags = subprocess.run(["git", "tag"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.split()  # fmt: skip
    texts = [ROOT / "README.md", *sorted((ROOT / "examples/workflows").glob("*.yml"))]
    for path in texts:
        for line in path.read_text().splitlines():
            for marker in ("rev: v", "mtls-lint@v"):
                if marker in line:
                    tag = "v" + line.split(marker, 1)[1].split()[0]
                    assert tag in tags, f"{path.name}: {line.strip()} pins {tag}, not a tag"
