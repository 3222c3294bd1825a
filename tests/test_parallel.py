"""Signatures checked on every core give the serial run's findings, byte for byte."""

from __future__ import annotations

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
    ahead = trust_graph.TrustGraph._check_ahead

    def counting(self: trust_graph.TrustGraph) -> dict:
        found = ahead(self)
        checked.append(len(found))
        return found

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 4)
    monkeypatch.setattr(trust_graph.TrustGraph, "_check_ahead", counting)
    parallel = lint(big_bundle)
    (ahead_checks,) = checked
    assert ahead_checks > trust_graph.PARALLEL_FROM  # the threads did the work
    assert parallel == serial
    assert {f.rule for f in serial} >= {"bad-signature", "missing-issuer", "duplicate-certificate"}
