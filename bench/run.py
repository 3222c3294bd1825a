"""Benchmarks for SPEC section 8, as ratios to baselines measured in the same run.

    python bench/run.py [--repeat N]

1. `mtls-lint check` on the Mozilla CA bundle (certifi's copy, or the system bundle) against
   bench/baseline.py on the same file, both as fresh processes: what a user waits for. Runs
   are interleaved; the best run of each is the least disturbed by other load on the machine
   (noise only adds time), the median is what a user typically sees: both ratios are shown.
2. Scaling: lint time for a synthetic bundle of N and of 10*N distinct certificates, in-process
   (process start-up would hide a quadratic term).
3. Peak memory (max RSS) of `check` on a 10,000-certificate bundle, next to the RSS of a
   process that only imports mtls_lint.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent


def mozilla_bundle() -> Path:
    try:
        import certifi

        return Path(certifi.where())
    except ImportError:
        for candidate in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
            if Path(candidate).exists():
                return Path(candidate)
    sys.exit("no Mozilla CA bundle found: pip install certifi")


#: Both sides run as an installed tool runs: with bytecode caches (a session may disable them).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    return time.perf_counter() - start


def compare_processes(bundle: Path, repeat: int) -> None:
    baseline = [sys.executable, str(HERE / "baseline.py"), str(bundle)]
    lint = [
        *(sys.executable, "-m", "mtls_lint", "check", "--format", "json"),
        *("--fail-on", "never", "--output", os.devnull, str(bundle)),
    ]
    timed(baseline), timed(lint)  # warm the page cache and .pyc files
    base_times, lint_times = [], []
    for _ in range(repeat):  # interleaved, so drift affects both alike
        base_times.append(timed(baseline))
        lint_times.append(timed(lint))
    count = bundle.read_bytes().count(b"-----BEGIN CERTIFICATE-----")
    print(f"Mozilla bundle ({count} certificates, {bundle}), {repeat} runs each, interleaved:")
    print(f"  {'':26}{'best':>9}{'median':>10}")
    for name, times in (("baseline (load + verify)", base_times), ("mtls-lint check", lint_times)):
        print(f"  {name:26}{min(times) * 1000:6.1f} ms{statistics.median(times) * 1000:7.1f} ms")
    best = min(lint_times) / min(base_times)
    typical = statistics.median(lint_times) / statistics.median(base_times)
    print(f"  {'ratio':26}{best:7.2f}x{typical:9.2f}x   (bar: 1.5x)")


def synthetic_bundle(count: int) -> bytes:
    """``count`` distinct certificates: roots, each with 9 intermediates below it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    parts: list[bytes] = []
    root = root_key = None
    for i in range(count):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"bench {i}")])
        is_root = i % 10 == 0
        issuer, signer = (subject, key) if is_root else (root.subject, root_key)  # type: ignore[union-attr]
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(i + 1)
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(signer, hashes.SHA256())
        )
        if is_root:
            root, root_key = cert, key
        parts.append(cert.public_bytes(serialization.Encoding.PEM))
    return b"".join(parts)


def lint_seconds(data: bytes, repeat: int) -> float:
    from mtls_lint.bundle import read_bundle
    from mtls_lint.engine import LintSettings, enabled_rules, lint_bundle
    from mtls_lint.profiles import PROFILES

    profile = PROFILES["apigateway"]
    settings = LintSettings(profile, dt.datetime.now(dt.timezone.utc), enabled_rules(profile))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        lint_bundle(read_bundle("bench.pem", data), settings)
        times.append(time.perf_counter() - start)
    return min(times)  # the least-disturbed run: noise only ever adds time


def scaling(base_count: int, repeat: int) -> None:
    small, large = synthetic_bundle(base_count), synthetic_bundle(base_count * 10)
    t1, t10 = lint_seconds(small, repeat * 3), lint_seconds(large, repeat)
    print("Scaling, in-process lint of distinct certificates, best run:")
    print(f"  {base_count:6d} certificates  {t1 * 1000:8.1f} ms")
    print(f"  {base_count * 10:6d} certificates  {t10 * 1000:8.1f} ms")
    print(f"  ratio                 {t10 / t1:8.2f}x   (bar: 11x)")


def max_rss_mb(command: list[str]) -> float:
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *command], capture_output=True, text=True, env=ENV, check=True
    )
    return int(out.stdout.strip()) / 1024


def memory(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "big.pem")
        path.write_bytes(synthetic_bundle(count))
        lint = [
            *(sys.executable, "-m", "mtls_lint", "check", "--fail-on", "never"),
            *("--format", "json", "--output", os.devnull),
            *("--max-file-bytes", str(100 * 2**20), str(path)),
        ]
        idle = [sys.executable, "-c", "import mtls_lint.cli, cryptography.x509"]
        print(f"Peak memory (max RSS), {count} certificates ({path.stat().st_size // 1024} KiB):")
        print(f"  python importing mtls-lint  {max_rss_mb(idle):7.1f} MB")
        print(f"  mtls-lint check             {max_rss_mb(lint):7.1f} MB   (bar: 200 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    compare_processes(mozilla_bundle(), args.repeat)
    scaling(120, args.repeat)
    if not args.skip_memory:
        memory(10_000)


if __name__ == "__main__":
    main()
