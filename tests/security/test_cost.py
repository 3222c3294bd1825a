"""Shapes that made cost grow faster than the input: each must now stay linear.

Time and memory are measured in ``bench/hostile.py`` as ratios to legitimate inputs, never
by timed tests; these tests pin the behaviour that keeps them linear (no recursion, output
that grows with the input, work done once).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mtls_lint.cli import main
from tests.pki import NOT_AFTER, NOT_BEFORE, NOW_ISO, name

DEPTH = 1500


def _certificate(subject: str, issuer: str, key: ec.EllipticCurvePrivateKey) -> bytes:
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def deep_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A chain of 1,500 CAs, each issuing the next (one key for all: names make the chain)."""
    key = ec.generate_private_key(ec.SECP256R1())
    pems = [_certificate("deep 0", "deep 0", key)]
    pems += [_certificate(f"deep {i}", f"deep {i - 1}", key) for i in range(1, DEPTH)]
    path = tmp_path_factory.mktemp("deep") / "chain.pem"
    path.write_bytes(b"".join(pems))
    return path


@pytest.fixture(scope="module")
def same_subject(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 different self-signed certificates that share one subject."""
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path_factory.mktemp("same") / "same.pem"
    path.write_bytes(b"".join(_certificate("same", "same", key) for _ in range(600)))
    return path


def test_inspect_json_of_a_chain_deeper_than_the_recursion_limit(
    deep_chain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--now", NOW_ISO, "--format", "json", str(deep_chain)]) == 0
    out = capsys.readouterr().out
    assert len(out) < DEPTH * 1000  # linear: indentation stops deepening
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # json.loads recurses; the document is valid all the same
    try:
        (file,) = json.loads(out)["files"]
    finally:
        sys.setrecursionlimit(limit)
    depth, node = 1, file["tree"][0]
    while node["children"]:
        (node,) = node["children"]
        depth += 1
    assert depth == DEPTH


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_inspect_tree_of_a_deep_chain_grows_linearly(
    deep_chain: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--now", NOW_ISO, "--format", fmt, str(deep_chain)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) < 300
    assert any(line.strip().startswith("└── [depth 1499] CN=deep 1499") for line in lines)


def test_check_and_diff_of_a_deep_chain_finish(deep_chain: Path, capsys) -> None:
    assert main(["check", "--no-config", "--now", NOW_ISO, str(deep_chain)]) == 1  # too deep
    assert "chain-too-deep" in capsys.readouterr().out
    old = deep_chain.with_name("old.pem")
    old.write_bytes(deep_chain.read_bytes().split(b"-----END CERTIFICATE-----\n", 1)[1])
    main(["diff", "--no-config", "--now", NOW_ISO, str(old), str(deep_chain)])
    assert "1 added" in capsys.readouterr().out


def test_inspect_of_many_certificates_of_one_subject_is_linear(
    same_subject: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--now", NOW_ISO, str(same_subject)]) == 0
    out = capsys.readouterr().out
    assert len(out) < 600 * 400  # each label lists 3 others, not 599
    assert "same subject as #2, #3, #4 and 596 more" in out


def test_a_tree_deeper_than_the_recursion_limit_is_walked(tmp_path: Path, root, capsys) -> None:
    directory = str(tmp_path)
    for _ in range(1200):  # os.makedirs and Path.mkdir(parents=True) recurse themselves
        directory += "/d"
        os.mkdir(directory)
    Path(directory, "bundle.pem").write_bytes(root.pem)
    try:
        assert main(["check", "--no-config", "--format", "json", str(tmp_path)]) == 0
        (file,) = json.loads(capsys.readouterr().out)["files"]
        assert file["path"].endswith("/d/d/bundle.pem")
    finally:  # bottom up: pytest's own clean-up (shutil.rmtree) would recurse 1,200 deep
        os.remove(Path(directory, "bundle.pem"))
        while directory != str(tmp_path):
            os.rmdir(directory)
            directory = directory.rsplit("/", 1)[0]


def test_many_distinct_clients_are_kept_as_der_and_judged_once(
    tmp_path: Path, root, pki, capsys
) -> None:
    from mtls_lint.accesslog import read_access_log

    clients = [pki.cert(f"log client {i}", issuer=root, ca=False) for i in range(30)]
    lines = [json.dumps({"requestId": f"r{i}", "clientCertPem": c.pem.decode()})
             for i, c in enumerate(clients * 3)]  # fmt: skip
    seen, counts = read_access_log(lines)
    assert len(seen) == 30
    assert counts.with_certificate == 90
    assert all(isinstance(client.der, bytes) for client in seen)
    assert not any(hasattr(client, "certificate") for client in seen)


def test_a_file_is_held_once_while_it_is_read(tmp_path: Path) -> None:
    """Read in one piece of the size the file system gives, not in pieces then joined (which
    held it twice at the peak); the cap still holds whatever that size says."""
    import tracemalloc

    from mtls_lint.files import read_confined

    data = os.urandom(4 << 20)
    path = tmp_path / "big.pem"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        read = read_confined(path, 1 << 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read == data
    assert peak < 1.5 * len(data)
    assert read_confined(path, 1000) == data[:1001]  # one byte past the cap: over it
    assert read_confined(path, len(data)) == data


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux's")
def test_a_file_whose_size_says_nothing_is_read_whole() -> None:
    from mtls_lint.files import read_confined

    cmdline = Path("/proc/self/cmdline")
    whole = cmdline.read_bytes()
    assert os.stat(cmdline).st_size == 0
    assert len(whole) > 1
    assert read_confined(cmdline, 1 << 20) == whole
