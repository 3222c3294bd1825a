"""Signatures checked on every core give the serial run's findings, byte for byte."""

from __future__ import annotations

import threading

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
