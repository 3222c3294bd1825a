"""What a parsed certificate keeps: the facts, not what ``cryptography`` parsed to find them.

``cryptography`` keeps a certificate object's parsed names, extensions and public key for as
long as the object lives; :class:`ParsedCertificate` reads them from an object it lets go,
except in a small bundle (``KEEP_OBJECTS_UP_TO``), where it keeps that object and reads each
of them once.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest
from cryptography import x509

from mtls_lint.certificate import ParsedCertificate, parse_certificates
from mtls_lint.engine import lint_bundle
from mtls_lint.lint_settings import LintSettings, enabled_rules
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import PROFILES
from tests.pki import NOW, PKI, Issued, bundle

#: What the kept object would cache if it were asked.
CACHED = {"subject", "issuer", "extensions", "public_key"}


class Watched:
    """A certificate object that records which attributes are read of it."""

    def __init__(self, cert: x509.Certificate) -> None:
        self._cert = cert
        self.reads: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.reads.add(name)
        return getattr(self._cert, name)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> dict[bytes, list[Watched]]:
    """Every certificate object ``mtls_lint.certificate`` loads, by DER, in load order."""
    loaded: dict[bytes, list[Watched]] = {}
    load = x509.load_der_x509_certificate

    def watching(der: bytes) -> Watched:
        loaded.setdefault(der, []).append(Watched(load(der)))
        return loaded[der][-1]

    monkeypatch.setattr("mtls_lint.certificate.x509.load_der_x509_certificate", watching)
    return loaded


def _linted_by_every_rule(*certs: Issued) -> ParsedBundle:
    """``certs`` (a CA chain and its leaf, last) parsed and linted by every rule of the
    default profile; the leaf's finding names it, so its names' texts were read too."""
    parsed = ParsedBundle(read_bundle("bundle.pem", bundle(*certs)))
    profile = PROFILES["apigateway"]
    result = lint_bundle(parsed, LintSettings(profile, NOW, enabled_rules(profile)))
    assert "leaf-in-truststore" in {f.rule for f in result.findings}
    return parsed


def test_every_rule_runs_without_asking_the_kept_object_what_it_would_cache(
    pki: PKI,
    root: Issued,
    intermediate: Issued,
    watched: dict[bytes, list[Watched]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mtls_lint.parsed_bundle.KEEP_OBJECTS_UP_TO", 2)  # a large bundle
    leaf = pki.cert("kept-object leaf", issuer=intermediate, ca=False)
    parsed = _linted_by_every_rule(root, intermediate, leaf)
    kept = {cert.sha256: cert.cert for cert in parsed.certificates}
    assert all(isinstance(c, Watched) for c in kept.values())
    assert not kept[leaf.sha256].reads & CACHED
    # an issuer's key is kept on purpose: every signature it made is checked with it
    for issuer in (root, intermediate):
        assert kept[issuer.sha256].reads & CACHED == {"public_key"}
    # what the rules needed of them was read of the object let go
    assert watched[leaf.der][0].reads >= {"subject", "issuer", "extensions"}


def test_a_small_bundle_keeps_the_object_that_read_each_certificate(
    pki: PKI,
    root: Issued,
    intermediate: Issued,
    watched: dict[bytes, list[Watched]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mtls_lint.parsed_bundle.KEEP_OBJECTS_UP_TO", 3)
    leaf = pki.cert("small-bundle leaf", issuer=intermediate, ca=False)
    parsed = _linted_by_every_rule(root, intermediate, leaf)
    # one load each, whatever every rule and the finding's texts asked
    assert {der: len(loads) for der, loads in watched.items()} == {
        root.der: 1, intermediate.der: 1, leaf.der: 1
    }  # fmt: skip
    assert all(c.kept and c.cert is watched[c.der][0] for c in parsed.certificates)
    # one more certificate than the limit: let go, as above
    more = pki.cert("small-bundle second leaf", issuer=intermediate, ca=False)
    large = ParsedBundle(read_bundle("b.pem", bundle(root, intermediate, leaf, more)))
    assert not any(c.kept for c in large.certificates)


def test_keeping_the_objects_changes_no_finding(
    pki: PKI, root: Issued, intermediate: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaf = pki.cert("same-findings leaf", issuer=intermediate, ca=False)
    pinned = pki.cert("same-findings pinned", ca=False)
    orphan = pki.cert("same-findings orphan", issuer=pki.cert("same-findings gone"))
    data = bundle(root, intermediate, leaf, pinned, orphan, leaf)
    profile = PROFILES["apigateway"]
    settings = LintSettings(profile, NOW, enabled_rules(profile), inventory=True)
    kept = lint_bundle(read_bundle("b.pem", data), settings)
    monkeypatch.setattr("mtls_lint.parsed_bundle.KEEP_OBJECTS_UP_TO", 0)
    let_go = lint_bundle(read_bundle("b.pem", data), settings)
    assert len({f.rule for f in kept.findings}) >= 4
    assert kept == let_go


def test_a_field_that_cannot_be_read_is_named_when_parsed(pki: PKI) -> None:
    good = pki.cert("field-named")
    broken = good.der.replace(b"field-named", b"field-name\xff")  # UTF8String, not UTF-8
    block = read_bundle("b.pem", bundle(good)).blocks[0]._replace(der=broken)
    parsed, unreadable = parse_certificates([block])
    assert parsed == []
    assert unreadable[0][1].startswith(("subject: ", "issuer: "))


def _retained_per_certificate(keep: Any, ders: list[bytes]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [keep(der) for der in ders]
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()


def test_a_parsed_certificate_keeps_less_than_the_object_that_parsed_it(
    pki: PKI, intermediate: Issued
) -> None:
    leaf = pki.cert("retained leaf", issuer=intermediate, ca=False)
    probe = x509.load_der_x509_certificate(leaf.der)
    if probe.subject is not probe.subject:
        pytest.skip("this cryptography does not keep what it parses")
    block = read_bundle("b.pem", bundle(leaf)).blocks[0]

    def ours(der: bytes) -> ParsedCertificate:
        cert = ParsedCertificate.parse(block, der)
        # what the rules ask of every certificate, and the texts a finding names
        cert.key, cert.is_ca, cert.allows_client_auth, cert.signature_algorithm  # noqa: B018
        cert.subject, cert.issuer, cert.authority_key_id  # noqa: B018
        return cert

    def bare(der: bytes) -> x509.Certificate:
        cert = x509.load_der_x509_certificate(der)
        cert.subject, cert.issuer, cert.extensions, cert.public_key()
        return cert

    ders = [leaf.der] * 200  # each load is an object of its own, as in a bundle
    ours(leaf.der), bare(leaf.der)  # imports and first-use caches, outside the count
    assert _retained_per_certificate(ours, ders) < 0.6 * _retained_per_certificate(bare, ders)


def test_the_name_texts_a_finding_shows_are_read_from_one_copy(
    pki: PKI, watched: dict[bytes, list[Watched]]
) -> None:
    ca = pki.cert("one-copy CA")  # names no other test has read
    leaf = pki.cert("one-copy leaf", issuer=ca, ca=False)
    cert = ParsedCertificate.parse(read_bundle("b.pem", bundle(leaf)).blocks[0], leaf.der)
    loads = len(watched[leaf.der])
    ref = cert.ref()
    assert (ref.subject, ref.common_name, ref.issuer) == (
        "CN=one-copy leaf,O=mtls-lint tests", "one-copy leaf", "CN=one-copy CA,O=mtls-lint tests"
    )  # fmt: skip
    assert cert.issuer_common_name == "one-copy CA"
    assert len(watched[leaf.der]) == loads + 1
    assert watched[leaf.der][-1].reads >= {"subject", "issuer"}


def test_a_message_that_names_the_issuer_decodes_no_subject(
    pki: PKI, watched: dict[bytes, list[Watched]]
) -> None:
    """A leaf-in-truststore message names the issuer: past the findings listed per rule, a
    large bundle's leaves would otherwise each decode a subject nothing shows."""
    ca = pki.cert("issuer-only CA")
    leaf = pki.cert("issuer-only leaf", issuer=ca, ca=False)
    cert = ParsedCertificate.parse(read_bundle("b.pem", bundle(leaf)).blocks[0], leaf.der)
    loads = len(watched[leaf.der])
    assert cert.issuer == "CN=issuer-only CA,O=mtls-lint tests"
    assert len(watched[leaf.der]) == loads + 1
    assert "issuer" in watched[leaf.der][-1].reads
    assert "subject" not in watched[leaf.der][-1].reads


def test_a_name_shared_by_certificates_is_read_once_for_all_of_them(
    pki: PKI, watched: dict[bytes, list[Watched]]
) -> None:
    ca = pki.cert("shared-name CA")
    leaf = pki.cert("shared-name leaf", issuer=ca, ca=False)
    ca_cert, leaf_cert = parse_certificates(read_bundle("b.pem", bundle(ca, leaf)).blocks)[0]
    parsed = {ca.der: len(watched[ca.der]), leaf.der: len(watched[leaf.der])}
    # a root's subject and issuer are one name: one copy reads both
    assert ca_cert.subject_canon == ca_cert.issuer_canon
    assert (ca_cert.subject, ca_cert.issuer) == ("CN=shared-name CA,O=mtls-lint tests",) * 2
    assert len(watched[ca.der]) == parsed[ca.der] + 2  # a canonical form, then the texts
    # the leaf's issuer is the CA's subject: its canonical form and text are not read again
    assert leaf_cert.issuer_canon == ca_cert.subject_canon
    assert len(watched[leaf.der]) == parsed[leaf.der]
    assert (leaf_cert.issuer, leaf_cert.issuer_common_name) == (ca_cert.subject, "shared-name CA")
    assert leaf_cert.common_name == "shared-name leaf"  # its own subject still needs a copy
    assert len(watched[leaf.der]) == parsed[leaf.der] + 1


def test_the_shared_name_facts_stay_within_their_bounds() -> None:
    from mtls_lint.certificate import _NameFactsCache

    names = _NameFactsCache(entries=3, size=64 * 10)
    first = names(b"a" * 10)
    assert names(b"a" * 10) is first  # kept
    assert names(b"x" * 11) is not names(b"x" * 11)  # over size // 64: never kept
    names(b"b"), names(b"c")
    assert names(b"a" * 10) is first  # three entries held
    names(b"d")  # a fourth: the cache starts again
    assert names(b"a" * 10) is not first
    many = _NameFactsCache(entries=1000, size=64 * 10)
    kept = many(b"e" * 10)
    for n in range(64):  # 640 bytes more: over the size, cleared on the way
        many(bytes([n]) * 10)
    assert many(b"e" * 10) is not kept


def test_each_certificate_is_told_in_order_a_batch_at_a_time(
    pki: PKI, root: Issued, intermediate: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``parsed_one`` sees every readable certificate once, in bundle order, only once a
    batch of ``TOLD_EVERY`` is parsed (the parse and the callback do not alternate), and
    the last, short batch once the blocks are done."""
    from mtls_lint import certificate

    monkeypatch.setattr(certificate, "TOLD_EVERY", 2)
    broken = b"-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n"
    leaves = [pki.cert(f"told leaf {n}", issuer=intermediate, ca=False) for n in range(3)]
    blocks = read_bundle("b.pem", bundle(root, intermediate, broken, *leaves)).blocks
    parses: list[int] = []  # certificates parsed when each was told
    parse = ParsedCertificate._parse

    def counting(*args: Any) -> ParsedCertificate:
        parses.append(0)
        return parse(*args)

    monkeypatch.setattr(ParsedCertificate, "_parse", staticmethod(counting))
    told: list[tuple[str, int]] = []
    parsed, unreadable = parse_certificates(
        blocks, parsed_one=lambda cert: told.append((cert.sha256, len(parses)))
    )
    assert len(unreadable) == 1
    assert [sha for sha, _ in told] == [c.sha256 for c in parsed]
    assert len(parsed) == 5
    # root and intermediate once the broken block and the first leaf were also tried
    assert [at for _, at in told] == [2, 2, 5, 5, 6]
