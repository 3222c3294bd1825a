"""What a hostile input costs, as a ratio to a legitimate input of the same kind and size.

    python bench/hostile.py [--repeat N] [--clients N] [--only SUBSTRING]

Every case runs one mtls-lint command twice over -- on a file (or log, or tree) built to hurt
and on its legitimate counterpart of the same size -- alternating fresh processes and
reporting the median time and the highest peak RSS of each, and their ratios. The issue's
bar is 3x; the script exits 1 when a case is over it.

Counterparts: a bundle is measured against the synthetic benchmark bundle cut to the same
byte size; diff and inspect against the same commands on synthetic bundles with as many
certificates; an access log against a log with as many lines, bytes and distinct clients;
a directory tree against a tree with as many directories and files.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import corpus
from run import check_command, measure, mtls_lint

#: Just under the default 10 MiB cap: a larger file is refused before it is read.
SIZE = 10 * 1024 * 1024 - 1024
BAR = 3.0
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def _repeat(piece: bytes, size: int = SIZE) -> bytes:
    return piece * (size // len(piece))


#: Bundles made of one hostile piece repeated to the size cap.
PATTERNS = {
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
    "lines of ##[ and :: workflow commands": _repeat(b"##[stop-commands]x\n  ::error::y\n"),
}


class Case(NamedTuple):
    name: str
    hostile: list[str]
    legit: list[str]
    #: Exit codes that are a normal end for this command (findings are 1, refusals 2).
    ok: tuple[str, ...] = ("0", "1")


# -- material -------------------------------------------------------------------------------


def _ec_key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, issuer: str, key, signer, *, ca: bool = True, serial: int = 1) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    return (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(START)
        .not_valid_after(START + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )


def _certificates(bundle: bytes) -> list[bytes]:
    end = b"-----END CERTIFICATE-----\n"
    return [part + end for part in bundle.split(end) if part.strip()]


def namesakes(count: int) -> bytes:
    """Distinct self-issued certificates of one name, signed by a key outside the file: each
    is a candidate issuer of every other, and none verifies any."""
    key, outsider = _ec_key(), _ec_key()
    return b"".join(_cert("Namesake CA", "Namesake CA", key, outsider, serial=s)
                    for s in range(1, count + 1))  # fmt: skip


def same_subject(count: int) -> bytes:
    """Distinct self-signed certificates that all share one subject."""
    key = _ec_key()
    return b"".join(_cert("Same", "Same", key, key, serial=s) for s in range(1, count + 1))


def deep_chain(depth: int) -> bytes:
    """A chain of ``depth`` CAs, each issuing the next."""
    key = _ec_key()
    parts = [_cert("deep 0", "deep 0", key, key)]
    parts += [_cert(f"deep {i}", f"deep {i - 1}", key, key) for i in range(1, depth)]
    return b"".join(parts)


def huge_exponents(cas: int, children: int) -> bytes:
    """``cas`` RSA-3072 CAs whose public exponents have 3,071 bits, and ``children`` EC
    certificates under them (477 s for 8 over 9,990 before mtls-lint refused such keys)."""
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.pki import rsa_with_exponent_bits

    keys = [rsa_with_exponent_bits(3071) for _ in range(cas)]
    parts = [_cert(f"Exponent CA {i}", f"Exponent CA {i}", k, k) for i, k in enumerate(keys)]
    leaf = _ec_key()
    parts += [
        _cert(f"child {j}", f"Exponent CA {j % cas}", leaf, keys[j % cas], ca=False, serial=j + 2)
        for j in range(children)
    ]
    return b"".join(parts)


def hidden_keys(size: int) -> bytes:
    """Base64 of private keys with no armour, over and over: each run is decoded and tried."""
    from cryptography.hazmat.primitives import serialization

    der = _ec_key().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    text = base64.b64encode(der)
    piece = b"\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + b"\n# note\n"
    return _repeat(piece, size)


class Material:
    """Everything the cases read, built once into the cache."""

    def __init__(self, cache: Path, clients: int) -> None:
        self.cache = cache / "hostile-v2"
        self.cache.mkdir(parents=True, exist_ok=True)
        self.clients = clients
        self.synthetic = corpus.build(100_000, cache).read_bytes()
        self._certs = _certificates(self.synthetic)

    def file(self, name: str, build: Callable[[], bytes]) -> Path:
        path = self.cache / name
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(build())
            partial.rename(path)
        return path

    def synthetic_bytes(self, size: int) -> Path:
        """The synthetic bundle cut at a certificate boundary to about ``size`` bytes."""
        out, total = [], 0
        for cert in self._certs:
            if total + len(cert) > size:
                break
            out.append(cert)
            total += len(cert)
        return self.file(f"synthetic-{size}-bytes.pem", lambda: b"".join(out))

    def synthetic_certificates(self, count: int, skip: int = 0) -> Path:
        chosen = self._certs[skip : skip + count]
        return self.file(f"synthetic-{count}-from-{skip}.pem", lambda: b"".join(chosen))

    def tree(self, name: str, shape: Callable[[int], str], files: int, content: bytes) -> Path:
        """A directory holding ``files`` bundles, the i-th at ``shape(i)``. Built level by
        level: ``os.makedirs`` recurses, and one tree here is 1,000 deep."""
        root = self.cache / name
        if not root.exists():
            partial = os.fspath(self.cache / (name + ".partial"))
            if os.path.exists(partial):
                subprocess.run(["rm", "-rf", partial], check=True)  # rmtree recurses too
            os.mkdir(partial)
            made = {partial}
            for i in range(files):
                relative = shape(i)
                parent = partial
                for part in relative.split("/")[:-1]:
                    parent += "/" + part
                    if parent not in made:
                        os.mkdir(parent)
                        made.add(parent)
                with open(f"{partial}/{relative}", "wb") as out:
                    out.write(content)
            os.rename(partial, root)
        return root


def refused_copies(pem: bytes, attributes: int = 0, version: int = 4) -> bytes:
    """Copies of a certificate cryptography refuses (version 5) but the lenient reader reads,
    with ``attributes`` more name attributes (pyasn1 pays ~70 us for each), to the size cap.
    The signature no longer verifies: check does not need it to read the fields.
    ``version=2``: a v3 certificate cryptography reads (and, in a bundle of at most 1,000,
    keeps what it decoded of)."""
    from pyasn1.codec.der import decoder, encoder
    from pyasn1_modules import rfc5280

    der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    cert, _ = decoder.decode(der, asn1Spec=rfc5280.Certificate())
    tbs = cert["tbsCertificate"]
    tbs["version"] = version
    rdns = tbs["subject"][0]
    for _ in range(attributes):
        rdns[0].append(rdns[0][0])  # one more attribute in the first RDN
    body = base64.encodebytes(encoder.encode(cert))
    return _repeat(b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n")


# -- cases ------------------------------------------------------------------------------------


def _check(path: Path, *extra: str) -> list[str]:
    return [*check_command(path)[:-1], *extra, str(path)]


def cases(m: Material) -> Iterator[Case]:
    same_size = m.synthetic_bytes(SIZE)
    for number, (name, data) in enumerate(PATTERNS.items()):
        path = m.file(f"pattern-{number}.pem", lambda data=data: data)
        yield Case(name, _check(path), _check(same_size))
    first = m._certs[0]
    copies = m.file("copies.pem", lambda: first * (SIZE // len(first)))
    yield Case("9,000 copies of one certificate", _check(copies), _check(same_size))
    names = m.file("namesakes.pem", lambda: namesakes(9_000))
    yield Case("9,000 same-name certificates, none verifying", _check(names),
               _check(m.synthetic_bytes(names.stat().st_size)))  # fmt: skip
    keys = m.file("hidden-keys.pem", lambda: hidden_keys(SIZE))
    yield Case("private keys as base64 without armour", _check(keys), _check(same_size))
    refused = m.file("refused.pem", lambda: refused_copies(first))
    yield Case("10 MB of certificates read leniently (version 5)", _check(refused),
               _check(same_size))  # fmt: skip
    dense = m.file("refused-dense.pem", lambda: refused_copies(first, 600))
    yield Case("10 MB of 15 KB certificates of 600-attribute names, v5", _check(dense),
               _check(same_size))  # fmt: skip
    kept = m.file("dense-v3.pem", lambda: refused_copies(first, 600, version=2))
    yield Case("10 MB of 20 KB certificates of 600-attribute names, v3",
               _check(kept), _check(same_size))  # fmt: skip
    exponents = m.file("huge-exponents.pem", lambda: huge_exponents(8, 9_990))
    yield Case("8 CAs with 3,071-bit RSA exponents over 9,990", _check(exponents),
               _check(m.synthetic_bytes(exponents.stat().st_size)))  # fmt: skip

    lint = mtls_lint()
    now = ["--now", corpus.NOW]
    a, b = m.synthetic_certificates(10_000), m.synthetic_certificates(10_000, skip=10_000)
    renewed = m.file("synthetic-10000-renewed.pem", lambda: b"".join(
        m._certs[: 10_000 - 10] + m._certs[10_000 : 10_000 + 10]
    ))  # fmt: skip
    diff = [*lint, "diff", "--no-config", *now, "--format", "json", "--fail-on", "never"]
    yield Case("diff of two unrelated 10,000-certificate bundles",
               [*diff, str(a), str(b)], [*diff, str(a), str(renewed)])  # fmt: skip
    inspect = [*lint, "inspect", *now, "--max-certificates", "1000000"]
    one_subject = m.file("same-subject.pem", lambda: same_subject(10_000))
    yield Case("inspect of 10,000 certificates of one subject",
               [*inspect, str(one_subject)], [*inspect, str(a)])  # fmt: skip
    chain = m.file("deep-chain.pem", lambda: deep_chain(1_500))
    yield Case("inspect --format json of a 1,500-deep chain",
               [*inspect, "--format", "json", str(chain)],
               [*inspect, "--format", "json", str(m.synthetic_certificates(1_500))])  # fmt: skip

    yield from log_cases(m, lint, now)

    content = m._certs[0]
    deep = m.tree("tree-deep", lambda i: "d/" * i + "b.pem", 1_000, content)
    wide = m.tree("tree-wide", lambda i: f"d{i}/b.pem", 1_000, content)
    tree = [*check_command(deep)[:-1]]
    yield Case("a tree 1,000 directories deep", [*tree, str(deep)], [*tree, str(wide)])
    flat = m.tree("files-flat", lambda i: f"f{i}.pem", 100_000, content)
    spread = m.tree("files-spread", lambda i: f"d{i // 100}/f{i}.pem", 100_000, content)
    yield Case("100,000 files in one directory", [*tree, str(flat)], [*tree, str(spread)])


def _keys(m: Material, count: int) -> list:
    """``count`` EC keys, kept in the cache with the logs they sign: a cached log and a
    truststore rebuilt with new keys would no longer match."""
    from cryptography.hazmat.primitives import serialization

    def build() -> bytes:
        return b"".join(
            k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
            for k in (_ec_key() for _ in range(count))
        )  # fmt: skip

    pems = m.file(f"log-keys-{count}.pem", build).read_bytes().split(b"-----END PRIVATE KEY-----\n")
    return [serialization.load_pem_private_key(p + b"-----END PRIVATE KEY-----\n", None)
            for p in pems if p.strip()]  # fmt: skip


def log_cases(m: Material, lint: list[str], now: list[str]) -> Iterator[Case]:
    root_key, issuing_key, client_key = _keys(m, 3)
    root = m.file("log-root.pem", lambda: _cert("Log Root", "Log Root", root_key, root_key))
    issuing = m.file("log-issuing.pem", lambda: _cert("Log Issuing", "Log Root", issuing_key,
                                                      root_key))  # fmt: skip
    store = m.file("log-store.pem", lambda: root.read_bytes() + issuing.read_bytes())

    def log(name: str, lines: Callable[[], Iterator[str]]) -> Path:
        return m.file(name, lambda: "".join(f"{line}\n" for line in lines()).encode())

    def entry(i: int, pem: bytes) -> str:
        return json.dumps({"requestId": f"r{i}", "status": "403", "clientCertPem": pem.decode()})

    verify = [*lint, "verify", *now, "--format", "json", "--truststore"]
    # just under verify's 1 MiB line cap, so each line is read and searched, not skipped
    armour = "-----BEGIN CERTIFICATE-----" * ((1024 * 1024 - 64) // 27)
    begins = log("log-begins.log", lambda: (json.dumps({"clientCertPem": armour})
                                            for _ in range(10)))  # fmt: skip
    padded = log("log-padded.log", lambda: (json.dumps({"requestId": "r", "pad": "x" * len(armour)})
                                            for _ in range(10)))  # fmt: skip
    yield Case("log: 10 lines of 1 MB of BEGIN and no END",
               [*verify, str(store), "--access-log", str(begins)],
               [*verify, str(store), "--access-log", str(padded)])  # fmt: skip

    def member(i: int) -> str:  # a client the truststore's issuing CA issued
        return entry(i, _cert(f"member {i}", "Log Issuing", client_key, issuing_key,
                              ca=False, serial=i + 1))  # fmt: skip

    def stranger(i: int) -> str:  # a client no CA in the truststore issued
        return entry(i, _cert(f"stranger {i}", "Nobody CA", client_key, client_key,
                              ca=False, serial=i + 1))  # fmt: skip

    n = m.clients
    strangers = log(f"log-strangers-{n}.log", lambda: map(stranger, range(n)))
    members = log(f"log-members-{n}.log", lambda: map(member, range(n)))
    yield Case(f"log: {n:,} distinct clients no CA issued",
               [*verify, str(store), "--access-log", str(strangers)],
               [*verify, str(store), "--access-log", str(members)])  # fmt: skip
    big_store = m.file("log-store-9998.pem", lambda: m.synthetic_certificates(9_998)
                       .read_bytes() + store.read_bytes())  # fmt: skip
    two_thousand = log("log-members-2000.log", lambda: map(member, range(2_000)))
    yield Case("log: 2,000 clients against 10,000 CAs (vs check)",
               [*verify, str(big_store), "--access-log", str(two_thousand)],
               _check(big_store))  # fmt: skip
    empty = m.file("log-empty.log", lambda: b"")
    yield Case("log: --access-log /dev/zero (refused)",
               [*verify, str(store), "--access-log", "/dev/zero"],
               [*verify, str(store), "--access-log", str(empty)], ok=("0", "2"))  # fmt: skip


# -- measuring ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--clients",
        type=int,
        default=20_000,
        help="distinct clients in the log cases (the issue's is 200,000)",
    )
    parser.add_argument("--only", default="", help="run the cases whose name has this text")
    parser.add_argument("--cache", type=Path, default=corpus.DEFAULT_CACHE)
    args = parser.parse_args()
    material = Material(args.cache, args.clients)
    print(f"{'case':<52}{'time':>9}{'x legit':>9}{'peak RSS':>10}{'x legit':>9}")
    over = []
    for case in cases(material):
        if args.only not in case.name:
            continue
        hostile, legit = [], []
        for _ in range(args.repeat):  # alternating, so drift in load hits both
            hostile.append(measure(case.hostile, case.ok))
            legit.append(measure(case.legit, case.ok))
        seconds = statistics.median(r.seconds for r in hostile)
        time_ratio = seconds / statistics.median(r.seconds for r in legit)
        rss = max(r.max_rss_mb for r in hostile)
        rss_ratio = rss / max(r.max_rss_mb for r in legit)
        print(f"{case.name:<52}{seconds * 1000:>6,.0f} ms{time_ratio:>8.2f}x"
              f"{rss:>7.0f} MB{rss_ratio:>8.2f}x", flush=True)  # fmt: skip
        if max(time_ratio, rss_ratio) > BAR:
            over.append(case.name)
    if over:
        print(f"over {BAR}x: {', '.join(over)}")
        return 1
    print(f"every case within {BAR}x of its legitimate counterpart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
