"""Benchmarks for SPEC section 8, as ratios to baselines measured in the same run.

    python bench/run.py [--sizes 100 1000 10000 100000] [--repeat N] [--mozilla PATH]

Every measurement is a fresh process, as a user or a hook runs it, timed on the wall clock
with its peak memory (``resource.getrusage`` of that child, taken by a small probe process
that starts it). The two sides of a
comparison alternate (A, B, A, B, ...) so that drift in machine load hits both alike, and
medians are reported. Measured:

1. start-up: ``mtls-lint --version``, and ``check`` on a one-certificate file, against
   ``python -c "import cryptography.x509"``;
2. ``mtls-lint check`` against bench/baseline.py (load the bundle with cryptography, verify
   each signature against its issuer) on the Mozilla CA bundle and on synthetic bundles of
   each size (bench/corpus.py builds them once into bench/.cache/);
3. time growth per 10x certificates, for both, and how much more signature checking the
   machine does on all its CPUs than on one (a shared VM's second CPU may give little);
4. a hook run: ``check`` over 200 files of three certificates against the baseline looping
   over them in one process (the bar's files are cut from hierarchies, so most certificates
   miss their issuer and have findings; the same run over 200 complete chains is printed
   beside it);
5. ``diff --base`` on 50 changed bundles among 200 against a bare git-show-and-load script
   (bench/diff_base.py), and ``logs`` over 1,000,000 access-log lines against a bare
   ``json.loads`` loop, with its peak memory at 100,000 lines beside it (bench/logs.py);
6. the bars of SPEC section 8 and issue 18, every one in this run: the Mozilla bundle at most
   1.15x the baseline, 10,000 and 100,000 certificates at most 0.8x, growth at most 10.5x per
   10x, peak memory at most 1.5x the baseline's at 100,000, one small file at most 1.2x the
   import, the hook at most 1.2x, ``diff --base`` at most 1.2x, ``logs`` at most 2x with
   memory flat in the number of lines.

Uses the standard library and the project's own dependencies only (certifi if installed,
for the current Mozilla bundle; the system bundle otherwise).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import corpus

HERE = Path(__file__).parent
#: Both sides run as an installed tool runs: with bytecode caches (a session may disable them).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: Runs per side when --repeat is not given: fewer for the sizes that take seconds a run.
REPEAT = {100: 21, 1_000: 15, 10_000: 7, 100_000: 3}
MOZILLA_REPEAT = 21
BARS = {"mozilla": 1.15, "large": 0.8, "large_from": 10_000, "growth": 10.5, "memory": 1.5,
        "memory_at": 100_000, "startup": 1.2, "hook": 1.2}  # fmt: skip
#: "Memory flat in the number of lines": the peak at LOG_LINES lines within this much of
#: the peak at a tenth of them.
LOG_MEMORY_GROWTH = 1.1


class Run(NamedTuple):
    seconds: float
    max_rss_mb: float


class Comparison(NamedTuple):
    label: str
    certificates: int
    baseline: list[Run]
    lint: list[Run]

    @staticmethod
    def median(runs: list[Run]) -> float:
        return statistics.median(r.seconds for r in runs)

    @property
    def ratio(self) -> float:
        return self.median(self.lint) / self.median(self.baseline)


#: Starts one command and reports its wall time and peak RSS. Linux counts the RSS of the
#: forking process in a child's ru_maxrss, so the commands are started by this small probe
#: (about 11 MB) rather than by the runner, whose RSS grows with what it holds.
_PROBE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.buffer.write(done.stderr)
print(done.returncode, seconds, usage.ru_maxrss)
"""


def measure(command: list[str], ok: tuple[str, ...] = ("0",)) -> Run:
    """One fresh run of ``command``: its exit code must be one of ``ok``."""
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, *command], capture_output=True, text=True, env=ENV
    )
    if probe.returncode != 0 or not probe.stdout:
        sys.exit(f"probe failed for {' '.join(command)}: {probe.stderr}")
    code, seconds, max_rss = probe.stdout.split()
    if code not in ok:
        sys.exit(f"{' '.join(command)} exited {code}: {probe.stderr}")
    # ru_maxrss is KiB on Linux, bytes on macOS
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return Run(float(seconds), int(max_rss) / scale)


def alternate(
    a: list[str], b: list[str], repeat: int, ok: tuple[str, ...] = ("0",)
) -> tuple[list[Run], list[Run]]:
    first: list[Run] = []
    second: list[Run] = []
    for _ in range(repeat):
        first.append(measure(a, ok))
        second.append(measure(b, ok))
    return first, second


def mtls_lint() -> list[str]:
    """The console script of this interpreter's environment (what the hook runs), else -m."""
    script = Path(sys.executable).parent / "mtls-lint"
    if script.exists():
        return [str(script)]
    found = shutil.which("mtls-lint")
    return [found] if found else [sys.executable, "-m", "mtls_lint"]


def check_command(bundle: Path) -> list[str]:
    return [
        *mtls_lint(), "check", "--no-config", "--now", corpus.NOW, "--fail-on", "never",
        "--format", "json", "--output", os.devnull,
        "--max-file-bytes", str(2**30), "--max-certificates", str(10**6), str(bundle),
    ]  # fmt: skip


def baseline_command(*bundles: Path) -> list[str]:
    return [sys.executable, str(HERE / "baseline.py"), *map(str, bundles)]


HOOK_FILES = 200


def hook_files(source: Path, cache: Path) -> list[Path]:
    """200 files of three certificates each, cut from ``source`` in turn: what a hook run
    over a repository's truststores is handed (the bar's files)."""
    return _three_each(source, cache / "hook", "bundle", every=3)


def chain_files(source: Path, cache: Path) -> list[Path]:
    """200 files of a complete chain each, the first three certificates of a hierarchy of
    ``source`` (corpus.py's: its root, the intermediate under the root, the one under that):
    what a hook run over a tidy repository is handed, every issuer in its file. ``source``
    holds 200 hierarchies at least (the 10,000 bundle)."""
    return _three_each(source, cache / "hook-chains", "chain", every=10)


def _three_each(source: Path, directory: Path, stem: str, every: int) -> list[Path]:
    """:data:`HOOK_FILES` files in ``directory``, each of the first three certificates of
    the next ``every`` of ``source``; written once, then reused."""
    directory.mkdir(parents=True, exist_ok=True)
    end = b"-----END CERTIFICATE-----\n"
    blocks = [block + end for block in source.read_bytes().split(end) if block.strip()]
    files = []
    for number in range(HOOK_FILES):
        path = directory / f"{stem}-{number:03}.pem"
        if not path.exists():
            path.write_bytes(b"".join(blocks[every * number : every * number + 3]))
        files.append(path)
    return files


def hook(files: list[Path], repeat: int, what: str = "") -> float:
    """Print the hook line: check over the files as pre-commit passes them, against the
    baseline looping over them in one process; return the ratio."""
    lint = [*check_command(files[0])[:-1], *map(str, files)]
    base, ours = alternate(baseline_command(*files), lint, repeat)
    b, t = Comparison.median(base), Comparison.median(ours)
    print(f"\nHook: {len(files)} files of 3 certificates{what}, medians of {repeat} "
          "alternating runs:")  # fmt: skip
    print(f"  baseline looping over them             {ms(b):>8}")
    print(f"  mtls-lint check FILE...                {ms(t):>8}   {t / b:.2f}x")
    return t / b


def mozilla_bundle(given: Path | None) -> tuple[str, Path]:
    if given is not None:
        return str(given), given
    try:
        import certifi  # type: ignore[import-not-found,unused-ignore]

        return f"Mozilla (certifi {certifi.__version__})", Path(certifi.where())
    except ImportError:
        for candidate in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
            if Path(candidate).exists():
                return f"Mozilla (system, {candidate})", Path(candidate)
    sys.exit("no Mozilla CA bundle found: pip install certifi, or pass --mozilla PATH")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import cryptography

    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, cryptography {cryptography.__version__}"
    )


#: A fixed amount of signature checking, timed by itself: what :func:`capacity` runs once
#: alone and then as many copies at once as there are CPUs.
_SIGNATURES = """
import time
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
public, algorithm = key.public_key(), ec.ECDSA(hashes.SHA256())
signature = key.sign(b"capacity", algorithm)
start = time.perf_counter()
for _ in range(3000):
    public.verify(signature, b"capacity", algorithm)
print(time.perf_counter() - start)
"""


def capacity(repeat: int = 5) -> tuple[int, float]:
    """How much more signature checking the machine does with every CPU busy than with one:
    (CPUs, work done at once / work done alone), the median of ``repeat`` alternations. On a
    shared VM the second CPU may give far less than a whole one, and threads cannot beat
    that: the ratios of ``check`` to its single-threaded baseline are read against it."""
    from mtls_lint.forked import cpus as count  # what threads and forked children are sized by

    cpus = count()

    def timed(copies: int) -> float:
        runs = [
            subprocess.Popen([sys.executable, "-c", _SIGNATURES], stdout=subprocess.PIPE, text=True)
            for _ in range(copies)
        ]
        return max(float(run.communicate()[0]) for run in runs)

    ratios = []
    for _ in range(repeat):
        alone = timed(1)
        ratios.append(cpus * alone / timed(cpus))
    return cpus, statistics.median(ratios)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def startup(repeat: int, one: Path) -> float:
    """Print the start-up lines; return check's ratio on one certificate."""
    importing = [sys.executable, "-c", "import cryptography.x509"]
    base, version = alternate(importing, [*mtls_lint(), "--version"], repeat)
    base2, single = alternate(importing, check_command(one), repeat)
    b = Comparison.median(base + base2)
    v, c = Comparison.median(version), Comparison.median(single)
    print(f"Start-up, medians of {repeat} alternating runs:")
    print(f'  python -c "import cryptography.x509"  {ms(b):>8}')
    print(f"  mtls-lint --version                   {ms(v):>8}   {v / b:.2f}x")
    print(f"  mtls-lint check (one certificate)     {ms(c):>8}   {c / b:.2f}x")
    return c / b


def report(comparisons: list[Comparison]) -> list[str]:
    """Print the table; return the bars that failed."""
    print("\ncheck vs baseline (load + verify each signature), medians of alternating runs:")
    header = f"  {'bundle':<32}{'certs':>8}{'runs':>6}{'baseline':>11}{'mtls-lint':>11}"
    print(header + f"{'ratio':>8}{'peak RSS base':>15}{'peak RSS lint':>15}")
    for c in comparisons:
        base_rss = max(r.max_rss_mb for r in c.baseline)
        lint_rss = max(r.max_rss_mb for r in c.lint)
        print(
            f"  {c.label:<32}{c.certificates:>8,}{len(c.lint):>6}"
            f"{ms(c.median(c.baseline)):>11}{ms(c.median(c.lint)):>11}{c.ratio:>7.2f}x"
            f"{base_rss:>12.0f} MB{lint_rss:>12.0f} MB"
        )
    failed = []
    mozilla = comparisons[0]
    if mozilla.ratio > BARS["mozilla"]:
        failed.append(f"Mozilla bundle: {mozilla.ratio:.2f}x the baseline (bar {BARS['mozilla']}x)")
    for c in comparisons[1:]:
        if c.certificates >= BARS["large_from"] and c.ratio > BARS["large"]:
            failed.append(f"{c.certificates:,} certificates: {c.ratio:.2f}x the baseline "
                          f"(bar {BARS['large']}x)")  # fmt: skip
    synthetic = comparisons[1:]
    if len(synthetic) > 1:
        print("\nTime growth per 10x certificates (ratio of medians):")
        for small, large in itertools.pairwise(synthetic):
            lint = large.median(large.lint) / small.median(small.lint)
            base = large.median(large.baseline) / small.median(small.baseline)
            step = f"{small.certificates:,} -> {large.certificates:,}"
            print(f"  {step:<22} baseline {base:6.2f}x   mtls-lint {lint:6.2f}x")
            if large.certificates == 10 * small.certificates and lint > BARS["growth"]:
                failed.append(f"{step}: {lint:.2f}x time (bar {BARS['growth']}x)")
    for c in synthetic:
        peak = max(r.max_rss_mb for r in c.lint)
        base = max(r.max_rss_mb for r in c.baseline)
        if c.certificates == BARS["memory_at"] and peak > BARS["memory"] * base:
            failed.append(f"{c.certificates:,} certificates: {peak:.0f} MB, {peak / base:.2f}x "
                          f"the baseline's (bar {BARS['memory']}x)")  # fmt: skip
    return failed


def later_bars(args: argparse.Namespace) -> list[str]:
    """Measure ``diff --base`` and ``logs`` (the scripts beside this one); return the bars
    they miss."""
    import diff_base
    import logs

    failed = []
    repeat = args.repeat or 9
    if "diff-base" not in args.skip:
        print("\nA change, from git (medians of alternating runs):")
        ratio = diff_base.compare(repeat, args.cache)
        if ratio > diff_base.BAR:
            failed.append(f"diff --base: {ratio:.2f}x the bare script (bar {diff_base.BAR}x)")
    if "logs" not in args.skip:
        print("\nAn access log (medians of alternating runs):")
        few = max(1, args.log_lines // 10)
        _, small_rss = logs.compare(few, args.repeat or 3, args.cache)
        ratio, rss = logs.compare(args.log_lines, args.repeat or 3, args.cache)
        if ratio > logs.BAR:
            failed.append(f"logs over {args.log_lines:,} lines: {ratio:.2f}x the json.loads "
                          f"loop (bar {logs.BAR}x)")  # fmt: skip
        if rss > LOG_MEMORY_GROWTH * small_rss:
            failed.append(f"logs: peak {rss:.0f} MB at {args.log_lines:,} lines against "
                          f"{small_rss:.0f} MB at {few:,} (bar: flat, within "
                          f"{LOG_MEMORY_GROWTH}x)")  # fmt: skip
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=list(corpus.SIZES))
    parser.add_argument("--repeat", type=int, help="runs per side (default: by size)")
    parser.add_argument("--mozilla", type=Path, help="CA bundle (default: certifi's)")
    parser.add_argument("--cache", type=Path, default=corpus.DEFAULT_CACHE)
    parser.add_argument("--log-lines", type=int, default=1_000_000,
                        help="lines of the access log the logs bar is measured on")  # fmt: skip
    parser.add_argument("--skip", action="append", default=[], choices=("diff-base", "logs"),
                        help="leave out a measurement (and its bar); repeatable")  # fmt: skip
    args = parser.parse_args()

    bundles = [corpus.build(size, args.cache) for size in args.sizes]  # before any timing
    print(f"Machine: {machine()}")
    cpus, parallel = capacity()
    print(f"Signature checks on all {cpus} CPUs at once: {parallel:.2f}x the work of one "
          "(median of 5; threads can gain at most this)\n")  # fmt: skip
    label, mozilla = mozilla_bundle(args.mozilla)
    measure(baseline_command(mozilla)), measure(check_command(mozilla))  # warm caches, .pyc
    one = args.cache / "one-certificate.pem"
    one.write_bytes(bundles[0].read_bytes().split(b"-----END CERTIFICATE-----\n")[0]
                    + b"-----END CERTIFICATE-----\n")  # fmt: skip
    single = startup(args.repeat or MOZILLA_REPEAT, one)
    hooked = hook(hook_files(corpus.build(1_000, args.cache), args.cache),
                  args.repeat or MOZILLA_REPEAT)  # fmt: skip
    # beside the bar, not a bar: the same run over complete chains, where the baseline
    # checks every signature and few certificates have findings to write
    hook(chain_files(corpus.build(10_000, args.cache), args.cache),
         args.repeat or MOZILLA_REPEAT, ", complete chains (not a bar)")  # fmt: skip

    comparisons = []
    count = mozilla.read_bytes().count(b"-----BEGIN CERTIFICATE-----")
    runs = alternate(
        baseline_command(mozilla), check_command(mozilla), args.repeat or MOZILLA_REPEAT
    )
    comparisons.append(Comparison(label, count, *runs))
    for size, bundle in zip(args.sizes, bundles, strict=True):
        repeat = args.repeat or REPEAT.get(size, 5)
        runs = alternate(baseline_command(bundle), check_command(bundle), repeat)
        comparisons.append(Comparison(f"synthetic {size:,}", size, *runs))
    failed = report(comparisons) + later_bars(args)
    if hooked > BARS["hook"]:
        failed.append(f"hook over {HOOK_FILES} files: {hooked:.2f}x the loop (bar {BARS['hook']}x)")
    if single > BARS["startup"]:
        failed.append(
            f"check on one certificate: {single:.2f}x the import (bar {BARS['startup']}x)"
        )
    print("\nBars (SPEC section 8): " + ("all met" if not failed else "MISSED"))
    for line in failed:
        print(f"  {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
