"""Signatures checked on every core give the serial run's findings, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import mtls_lint.trust_graph as trust_graph
from tests.conftest import lint
from tests.pki import PKI, altered


@pytest.fixture(scope="module")
def big_bundle(pki: PKI) -> bytes:
    """Past PARALLEL_FROM: roots, CAs under them, leaves, bad signatures, an orphan, copies."""
    parts: list[bytes] = []
    for group in range(25):
        root = pki.cert(f"parallel root {group}", key="rsa-2048" if group % 5 == 0 else "ec-p256")
        ca = pki.cert(f"parallel CA {group}", issuer=root)
        parts += [root.pem, ca.pem]
        for leaf in range(7):
            client = pki.cert(f"parallel client {group}.{leaf}", issuer=ca, ca=False)
            parts.append(altered(client) if leaf == 3 else client.pem)
        parts.append(ca.pem)  # a copy: linked once per copy, checked once
    parts.append(pki.cert("parallel orphan", issuer=pki.cert("parallel absent CA")).pem)
    return b"".join(parts)


def test_the_parallel_run_is_the_serial_run(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert big_bundle.count(b"BEGIN CERTIFICATE") >= trust_graph.PARALLEL_FROM
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 1)
    serial = lint(big_bundle)
    checked: list[int] = []
    batch = trust_graph._check_batch

    def counting(pairs: list) -> dict:
        checked.append(len(pairs))
        return batch(pairs)

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 4)
    monkeypatch.setattr(trust_graph, "_check_batch", counting)
    parallel = lint(big_bundle)
    assert sum(checked) > trust_graph.PARALLEL_FROM  # the threads did the work
    assert max(checked) <= trust_graph.BATCH
    assert len(checked) > 1
    assert parallel == serial
    assert {f.rule for f in serial} >= {"bad-signature", "missing-issuer", "duplicate-certificate"}


def test_checking_ahead_returns_at_once_and_a_link_waits_for_its_batch(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller goes on with other rules while the threads check; the first link taken
    waits for the batch that holds its answer, and takes that answer."""
    from mtls_lint.parsed_bundle import ParsedBundle
    from mtls_lint.pem_reader import read_bundle

    release = threading.Event()
    batch = trust_graph._check_batch

    def held(pairs: list) -> dict:
        release.wait()
        return batch(pairs)

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    monkeypatch.setattr(trust_graph, "_check_batch", held)
    check = trust_graph.check_signature

    def in_threads_only(*args: object) -> object:
        assert threading.current_thread() is not threading.main_thread(), "checked serially"
        return check(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(trust_graph, "check_signature", in_threads_only)
    graph = ParsedBundle(read_bundle("big.pem", big_bundle)).graph
    graph.check_ahead()  # returns although no batch can finish
    assert graph._ahead is not None
    assert not any(b.done() for b in graph._ahead._batches)
    release.set()
    first = graph.certificates[0]
    assert graph.link(first).status is trust_graph.LinkStatus.SELF_SIGNED


def _signature_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "mtls-lint-signatures"]


def test_every_signature_thread_ends_once_its_bundle_is_checked(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 3)
    for thread in _signature_threads():  # any a test before left
        thread.join()
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def recording(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording)
    lint(big_bundle)
    assert [t.name for t in started] == ["mtls-lint-signatures"] * 3
    for thread in started:
        thread.join()  # returns: each was handed its end; a lost one would hang the suite here
    assert _signature_threads() == []


def test_a_check_that_fails_in_a_thread_fails_where_its_answer_is_taken(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a signature check is not lost in its thread: the rule that asks for the link
    gets the exception, and the engine reports it as that rule's crash."""
    from mtls_lint.parsed_bundle import ParsedBundle
    from mtls_lint.pem_reader import read_bundle

    def broken(pairs: list) -> dict:
        raise RuntimeError("a bug in a signature check")

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    monkeypatch.setattr(trust_graph, "_check_batch", broken)
    graph = ParsedBundle(read_bundle("big.pem", big_bundle)).graph
    graph.check_ahead()
    with pytest.raises(RuntimeError, match="a bug in a signature check"):
        graph.link(graph.certificates[0])


def test_checking_on_threads_imports_neither_concurrent_futures_nor_logging(
    big_bundle: bytes, tmp_path: Path
) -> None:
    """Their imports cost more than the threads save on a bundle of a hundred CAs."""
    (tmp_path / "big.pem").write_bytes(big_bundle)
    code = (
        "import sys\nimport mtls_lint.trust_graph as g\ng._cpus = lambda: 2\nmade = []\n"
        "init = g._Ahead.__init__\n"
        "def recording(self, *args):\n    made.append(self)\n    init(self, *args)\n"
        "g._Ahead.__init__ = recording\n"
        "from mtls_lint.cli import main\nmain(sys.argv[1:])\n"
        "print(len(made), ' '.join(sorted(sys.modules)))"
    )
    argv = ["check", "--no-config", "--fail-on", "never", "--output", os.devnull, "big.pem"]
    result = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True,
        cwd=tmp_path,
    )  # fmt: skip
    made, *modules = result.stdout.split()
    assert made == "1"  # the checks ran on threads
    assert set(modules) & {"concurrent.futures", "logging"} == set()
