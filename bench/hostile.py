"""What a hostile file costs: time and peak memory of ``check`` on files built to hurt.

    python bench/hostile.py [--repeat N]

Each file is just under the default 10 MiB cap (a larger one is refused before it is read).
The reference, measured in the same run, is ``check`` on the synthetic 10,000-certificate
bundle (8 MB): the largest legitimate input the default caps admit. Every run is a fresh
process; medians of time, the highest peak RSS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import corpus
from run import check_command, measure

SIZE = 10 * 1024 * 1024 - 1024


def _repeat(piece: bytes) -> bytes:
    return piece * (SIZE // len(piece))


HOSTILE = {
    "one 10 MB base64 line in a block": (
        b"-----BEGIN CERTIFICATE-----\n" + b"A" * (SIZE - 60) + b"\n-----END CERTIFICATE-----\n"
    ),
    "580,000 BEGIN lines, no END": _repeat(b"-----BEGIN X-----\n"),
    "400,000 END lines, no BEGIN": _repeat(b"-----END CERTIFICATE-----\n"),
    "10 million blank lines": _repeat(b"\n"),
    "one 10 MB line of hex dump": _repeat(b"ab:"),
    "160,000 lines of base64 outside blocks": _repeat(b"QUJD" * 16 + b"\n"),
    "10 MB of NUL bytes": _repeat(b"\0"),
    "10 MB of bytes that are not UTF-8": _repeat(b"\xff\xfe\xc3("),
    "CR-only line endings: one 10 MB line": _repeat(b"-----BEGIN CERTIFICATE-----\rAAAA\r"),
}


def namesakes(count: int) -> bytes:
    """Distinct self-issued certificates of one name, signed by a key outside the file: each
    is a candidate issuer of every other, and none verifies any."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Namesake CA")])
    key, outsider = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    template = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    return b"".join(
        template.serial_number(serial)
        .sign(outsider, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        for serial in range(1, count + 1)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=corpus.DEFAULT_CACHE)
    args = parser.parse_args()
    reference = corpus.build(10_000, args.cache)
    end = b"-----END CERTIFICATE-----\n"
    first = reference.read_bytes().split(end)[0] + end
    files = {
        **HOSTILE,
        "9,000 copies of one certificate": first * 9_000,
        "9,000 same-name certificates, none verifying": namesakes(9_000),
    }

    def summary(path: Path) -> tuple[float, float]:
        runs = [measure(check_command(path)) for _ in range(args.repeat)]
        return statistics.median(r.seconds for r in runs), max(r.max_rss_mb for r in runs)

    base_time, base_rss = summary(reference)
    print(f"reference: check on {reference.name} ({reference.stat().st_size / 1e6:.1f} MB): "
          f"{base_time * 1000:,.0f} ms, {base_rss:.0f} MB")  # fmt: skip
    print(f"  {'hostile file':<42}{'time':>10}{'x ref':>8}{'peak RSS':>11}{'x ref':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            path = Path(tmp, "hostile.pem")
            path.write_bytes(data)
            seconds, rss = summary(path)
            print(
                f"  {name:<42}{seconds * 1000:>7,.0f} ms{seconds / base_time:>7.2f}x"
                f"{rss:>8.0f} MB{rss / base_rss:>7.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
