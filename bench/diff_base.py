"""``mtls-lint diff --base`` against a bare git-show-and-load script, as SPEC section 8 asks.

    python bench/diff_base.py [--repeat N]

A repository of 200 bundles of five certificates (cut from the 1,000 corpus), of which a
commit changes 50: each loses its last certificate. Both sides compare the working tree
with the commit before, in fresh processes, alternating; medians are reported. The bare
script is what a careful engineer writes: one ``git diff --name-only``, one ``git show`` per
changed file, both versions loaded with cryptography and compared by fingerprint. The
issue's bar is 1.2x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import corpus
from run import alternate, mtls_lint

BAR = 1.2
FILES = 200
CHANGED = 50
PER_FILE = 5
#: The bare script: what diff --base does, minus everything mtls-lint says about a change.
SCRIPT = """
import gc, subprocess, sys
from cryptography import x509
from cryptography.hazmat.primitives.hashes import SHA256

gc.disable()
base = sys.argv[1]
names = subprocess.run(["git", "diff", "--name-only", base, "--", "*.pem"],
                       capture_output=True, check=True, text=True).stdout.split()
for name in names:
    old = subprocess.run(["git", "show", f"{base}:{name}"], capture_output=True,
                         check=True).stdout
    with open(name, "rb") as handle:
        new = handle.read()
    before = {c.fingerprint(SHA256()) for c in x509.load_pem_x509_certificates(old)}
    after = {c.fingerprint(SHA256()) for c in x509.load_pem_x509_certificates(new)}
    print(name, len(before - after), len(after - before))
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
                        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"})  # fmt: skip


def build(cache: Path) -> Path:
    """The repository, built once: ``base`` is the commit before the change."""
    repo = cache / f"diff-base-{FILES}-{CHANGED}"
    if (repo / ".git" / "refs" / "tags" / "base").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    end = b"-----END CERTIFICATE-----\n"
    source = corpus.build(1_000).read_bytes()
    blocks = [block + end for block in source.split(end) if block.strip()]
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "bench")
    for number in range(FILES):
        chunk = blocks[PER_FILE * number : PER_FILE * number + PER_FILE]
        (repo / f"bundle-{number:03}.pem").write_bytes(b"".join(chunk))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "tag", "base")
    for number in range(0, FILES, FILES // CHANGED):
        path = repo / f"bundle-{number:03}.pem"
        path.write_bytes(end.join(path.read_bytes().split(end)[: PER_FILE - 1]) + end)
    git(repo, "commit", "-qam", "drop a certificate from a quarter of the bundles")
    return repo


def compare(repeat: int, cache: Path) -> float:
    """Print the diff --base line; return the ratio (``bench/run.py`` calls it too)."""
    repo = build(cache)
    here = Path.cwd()
    os.chdir(repo)  # both sides compare the working tree of the repository they run in
    try:
        ours = [*mtls_lint(), "diff", "--base", "base", "--no-config", "--now", corpus.NOW,
                "--format", "json"]  # fmt: skip
        script = [sys.executable, "-c", SCRIPT, "base"]
        ours_runs, script_runs = alternate(ours, script, repeat, ok=("0", "1"))
    finally:
        os.chdir(here)
    mine = statistics.median(r.seconds for r in ours_runs)
    base = statistics.median(r.seconds for r in script_runs)
    print(f"diff --base, {CHANGED} changed bundles among {FILES}: mtls-lint {mine * 1000:.0f} ms, "
          f"bare script {base * 1000:.0f} ms, ratio {mine / base:.2f}x (bar {BAR}x)")  # fmt: skip
    return mine / base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--cache", type=Path, default=corpus.DEFAULT_CACHE)
    args = parser.parse_args()
    return 0 if compare(args.repeat, args.cache) <= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
