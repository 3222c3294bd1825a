"""``mtls-lint logs`` on a large access log, as a ratio to a bare ``json.loads`` loop over it.

    python bench/logs.py [--lines N] [--repeat N] [--every N]

The log is what a busy stage writes: one JSON object per request, one in a hundred carrying a
client certificate (API Gateway logs the PEM for some requests), from 20 distinct clients;
``--every 1`` has every line carry one.
Both sides are fresh processes, alternating; medians are reported. The issue's bar is 2x at
1,000,000 lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from pathlib import Path

import corpus
from run import alternate, mtls_lint

BAR = 2.0
#: Distinct client certificates in the log: the issue's bar is set at 20.
CLIENTS = 20
LOOP = (
    "import json, sys\n"
    "with open(sys.argv[1], encoding='utf-8') as f:\n"
    "    for line in f: json.loads(line)"
)


def build(path: Path, lines: int, every: int = 100) -> tuple[Path, Path]:
    """The log and a truststore for it, built once into the cache."""
    store = path.with_suffix(".store.pem")
    if path.exists() and store.exists():
        return path, store
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name("Log bench root"))
            .issuer_name(name("Log bench root")).public_key(root_key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start.replace(year=2040))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    clients = [
        (x509.CertificateBuilder().subject_name(name(f"client {i}")).issuer_name(root.subject)
         .public_key(key.public_key()).serial_number(i + 2).not_valid_before(start)
         .not_valid_after(start.replace(year=2040)).sign(root_key, hashes.SHA256()))
        .public_bytes(serialization.Encoding.PEM).decode()
        for i in range(CLIENTS)
    ]  # fmt: skip
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for i in range(lines):
            record = {"requestId": f"r{i}", "ip": "203.0.113.1", "httpMethod": "GET",
                      "requestTime": "31/May/2026:10:00:00 +0000", "routeKey": "GET /items",
                      "status": "200", "protocol": "HTTP/1.1", "responseLength": "42"}  # fmt: skip
            if i % every == 0:
                record["status"] = "403"
                record["clientCertPem"] = clients[i // every % CLIENTS]
            out.write(json.dumps(record) + "\n")
    partial.rename(path)
    store.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return path, store


def compare(lines: int, repeat: int, cache: Path, every: int = 100) -> tuple[float, float]:
    """Print the logs line; return (the ratio, mtls-lint's peak RSS in MB). ``bench/run.py``
    calls it too."""
    cache.mkdir(parents=True, exist_ok=True)
    name = f"access-{lines}-{CLIENTS}" + (f"-every-{every}" if every != 100 else "")
    log, store = build(cache / f"{name}.log", lines, every)
    ours = [*mtls_lint(), "logs", "--now", corpus.NOW, "--format", "json", "--truststore",
            str(store), str(log)]  # fmt: skip
    loop = [sys.executable, "-c", LOOP, str(log)]
    ours_runs, loop_runs = alternate(ours, loop, repeat)
    mine = statistics.median(r.seconds for r in ours_runs)
    base = statistics.median(r.seconds for r in loop_runs)
    rss = max(r.max_rss_mb for r in ours_runs)
    carrying = "every line" if every == 1 else f"1 in {every}"
    print(f"{lines:,} lines ({carrying} with a certificate): logs {mine:.2f} s, "
          f"json.loads loop {base:.2f} s, ratio {mine / base:.2f}x (bar {BAR}x); "
          f"peak RSS {rss:.0f} MB")  # fmt: skip
    return mine / base, rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--every",
        type=int,
        default=100,
        help="one line in this many carries a certificate (default 100)",
    )
    parser.add_argument("--cache", type=Path, default=corpus.DEFAULT_CACHE)
    args = parser.parse_args()
    ratio, _ = compare(args.lines, args.repeat, args.cache, args.every)
    return 0 if ratio <= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
