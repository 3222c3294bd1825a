"""Signatures checked on every core give the serial run's findings, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtls_lint.engine as engine
import mtls_lint.trust_graph as trust_graph
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.rule import LintContext, Rule
from mtls_lint.rules import RULES
from tests.conftest import lint
from tests.pki import PKI, Issued, altered, name


def _root_and_ca(pki: PKI, label: str, group: int, rsa_every: int) -> tuple[Issued, Issued]:
    """A hierarchy's root and the CA under it: RSA-2048 for every ``rsa_every``-th group,
    else P-256 (each key type has its own signature path)."""
    root = pki.cert(
        f"{label} root {group}", key="rsa-2048" if group % rsa_every == 0 else "ec-p256"
    )
    return root, pki.cert(f"{label} CA {group}", issuer=root)


@pytest.fixture(scope="module")
def big_bundle(pki: PKI) -> bytes:
    """Past PARALLEL_FROM: roots, CAs under them, leaves, bad signatures, an orphan, copies."""
    parts: list[bytes] = []
    for group in range(25):
        root, ca = _root_and_ca(pki, "parallel", group, rsa_every=5)
        parts += [root.pem, ca.pem]
        for leaf in range(7):
            client = pki.cert(f"parallel client {group}.{leaf}", issuer=ca, ca=False)
            parts.append(altered(client) if leaf == 3 else client.pem)
        parts.append(ca.pem)  # a copy: linked once per copy, checked once
    parts.append(pki.cert("parallel orphan", issuer=pki.cert("parallel absent CA")).pem)
    return b"".join(parts)


def test_the_run_on_threads_is_the_serial_run(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no child can be forked, the engine's signatures are checked on threads."""
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
    monkeypatch.setattr(trust_graph.Background, "fed", lambda work: None)  # cannot fork
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


@pytest.fixture(autouse=True)
def _no_signature_thread_left() -> None:
    """Signature threads a test before started may still be ending (their batches are
    done, their end not yet taken): while one runs, no child may be forked, and a test
    that counts forks would see the run fall back to threads."""
    for thread in _signature_threads():
        thread.join()


def test_every_signature_thread_ends_once_its_bundle_is_checked(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 3)
    monkeypatch.setattr(trust_graph.Background, "fed", lambda work: None)  # cannot fork
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
        "g.Background.fed = lambda work: None\n"  # as where no child can be forked
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


@pytest.fixture(scope="module")
def clean_big_bundle(pki: PKI) -> bytes:
    """Past PARALLEL_FROM, every signature good: roots, CAs under them, leaves, copies."""
    parts: list[bytes] = []
    for group in range(20):
        root, ca = _root_and_ca(pki, "clean", group, rsa_every=4)
        parts += [root.pem, ca.pem, ca.pem]
        parts += [pki.cert(f"clean client {group}.{n}", issuer=ca, ca=False).pem for n in range(4)]
    return b"".join(parts)


class _Counted:
    """Signature checks and relinks made in this process (a forked child counts in its own
    copy)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._checks = _calls(monkeypatch, trust_graph, "check_signature")
        self._relinks = _calls(monkeypatch, ParsedBundle, "relink")

    @property
    def checks(self) -> int:
        return len(self._checks)

    @property
    def relinks(self) -> int:
        return len(self._relinks)


@pytest.fixture
def speculating(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine walks ahead of a forked child from these tests' bundle sizes on."""
    if sys.platform != "linux":
        pytest.skip("forks on Linux only")
    monkeypatch.setattr(trust_graph, "SPECULATE_FROM", trust_graph.PARALLEL_FROM)


def _calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """A list that grows by one at each call of ``owner.name``."""
    calls: list[int] = []
    method = getattr(owner, name)

    def counted(*args: object) -> object:
        calls.append(1)
        return method(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _child_finishes_first(monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> None:
    """The speculating child has given every answer before the walk begins, and the walk
    hears it at its first link taken as signed."""
    monkeypatch.setattr(trust_graph, "HEAR_EVERY", 1)
    speculate = trust_graph.TrustGraph.speculate

    def finished_first(graph: trust_graph.TrustGraph) -> bool:
        started = speculate(graph)  # every pair sent, the child's input ended
        os.waitpid(forks[-1], 0)  # every answer waits in the pipe
        return started

    monkeypatch.setattr(trust_graph.TrustGraph, "speculate", finished_first)


def _serial(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as serial:
        serial.setattr(trust_graph, "_cpus", lambda: 1)
        return lint(data)


def test_a_clean_bundle_is_walked_once_while_a_child_checks_its_signatures(
    clean_big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    serial = _serial(clean_big_bundle, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    counted = _Counted(monkeypatch)
    assert lint(clean_big_bundle) == serial
    assert len(forks) == 1
    assert counted.relinks == 0
    assert not {f.rule for f in serial} & {"bad-signature", "missing-issuer"}


def test_the_parent_takes_every_answer_a_child_that_finished_gave(
    clean_big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    from mtls_lint.pem_reader import read_bundle

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    counted = _Counted(monkeypatch)
    graph = ParsedBundle(read_bundle("big.pem", clean_big_bundle)).graph
    assert graph.speculate()
    links = [graph.link(cert) for cert in graph.certificates]
    assert counted.checks == 0  # every link taken as signed, none checked
    os.waitpid(forks[0], 0)  # the child is done, its answers waiting in the pipe
    assert graph.confirm()
    assert counted.checks == 0  # the parent checked none of them itself
    assert [link.status for link in links] == [
        graph.relinked().link(cert).status for cert in graph.certificates
    ]


def test_a_signature_taken_as_verified_that_is_not_walks_the_links_again(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    """Found once the rules are done (the child not heard while they ran)."""
    serial = _serial(big_bundle, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 3)
    monkeypatch.setattr(trust_graph, "HEAR_EVERY", 10**9)
    confirmed = _calls(monkeypatch, trust_graph.TrustGraph, "confirm")
    counted = _Counted(monkeypatch)
    runs: Counter[str] = Counter()
    run = Rule.run

    def counting(rule: Rule, *args: object) -> object:
        runs[rule.id] += 1
        return run(rule, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Rule, "run", counting)
    assert lint(big_bundle) == serial
    assert len(forks) == 1  # one child, whatever the CPUs
    assert (len(confirmed), counted.relinks) == (1, 1)
    assert "bad-signature" in {f.rule for f in serial}
    # the rules that read links ran again; the others' findings held
    assert {runs[r] for r in runs if RULES[r].links} == {2}
    assert {runs[r] for r in runs if not RULES[r].links} == {1}


def test_a_bad_signature_heard_while_the_rules_run_stops_them_at_once(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    serial = _serial(big_bundle, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    _child_finishes_first(monkeypatch, forks)
    confirmed = _calls(monkeypatch, trust_graph.TrustGraph, "confirm")
    assumed: list[int] = []
    assume = trust_graph.TrustGraph._assume

    def counting(graph: trust_graph.TrustGraph, *args: object) -> object:
        if graph._assumed is not None:  # speculating
            assumed.append(1)
        return assume(graph, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(trust_graph.TrustGraph, "_assume", counting)
    counted = _Counted(monkeypatch)
    assert lint(big_bundle) == serial
    assert (len(confirmed), counted.relinks) == (0, 1)
    assert len(assumed) == 1  # the first link taken as signed heard the child, and stopped
    assert counted.checks == 0  # the child had checked every first link: none again


def _split_pem(data: bytes) -> list[bytes]:
    end = b"-----END CERTIFICATE-----\n"
    return [part + end for part in data.split(end) if part.strip()]


@pytest.mark.parametrize("issuers_first", [True, False], ids=["issuers first", "issuers last"])
def test_a_child_checks_signatures_while_the_bundle_is_parsed(
    clean_big_bundle: bytes,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[int],
    speculating: None,
    issuers_first: bool,
) -> None:
    """The child is forked before the first certificate is parsed, and sent each one with
    its first candidate as soon as both are parsed; the walk sends the rest."""
    from mtls_lint.certificate import ParsedCertificate

    data = clean_big_bundle if issuers_first else b"".join(reversed(_split_pem(clean_big_bundle)))
    serial = _serial(data, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    forked_by_first_parse: list[int] = []
    parse = ParsedCertificate._parse

    def parsing(*args: object) -> ParsedCertificate:
        forked_by_first_parse.append(len(forks))
        return parse(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ParsedCertificate, "_parse", parsing)
    sent: list[int] = []  # pairs sent: before the walk, and once the walk sent the rest
    speculate = trust_graph.TrustGraph.speculate

    def recording(graph: trust_graph.TrustGraph) -> bool:
        sent.append(len(graph._checker.pairs) if graph._checker else 0)
        started = speculate(graph)
        sent.append(len(graph._checker.pairs) if graph._checker else 0)
        return started

    monkeypatch.setattr(trust_graph.TrustGraph, "speculate", recording)
    assert lint(data) == serial
    assert forked_by_first_parse[0] == len(forks) == 1
    distinct, roots = 20 * 6, 20
    assert sent == ([distinct, distinct] if issuers_first else [roots, distinct])


def test_a_pair_sent_while_parsing_that_is_no_first_pair_costs_nothing_but_its_check(
    clean_big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    """Every certificate sent with the bundle's first (a root that signed none of the
    others): the child's answers for those pairs do not stop the walk, nor are they taken."""
    serial = _serial(clean_big_bundle, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    _child_finishes_first(monkeypatch, forks)
    first: list = []

    def wrong(checker: trust_graph.Checker, cert: object) -> None:
        first.append(cert)
        checker.send(cert, first[0])  # type: ignore[arg-type]

    monkeypatch.setattr(trust_graph.Checker, "parsed", wrong)
    counted = _Counted(monkeypatch)
    assert lint(clean_big_bundle) == serial
    assert counted.relinks == 0
    assert counted.checks == 0  # the child checked every first pair too


def test_links_taken_as_signed_are_forgotten_when_the_walk_stops(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    from mtls_lint.pem_reader import read_bundle

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    monkeypatch.setattr(trust_graph, "HEAR_EVERY", 10**9)
    graph = ParsedBundle(read_bundle("big.pem", big_bundle)).graph
    assert graph.speculate()
    for cert in graph.certificates[:20]:
        graph.link(cert)
    assumed = set(graph._assumed or ())
    assert assumed
    assert {graph._verdicts[pair] for pair in assumed} == {trust_graph.VERIFIED}
    graph.abandon()
    # none of them was confirmed: forgotten, or the child's answer where it gave one
    assert trust_graph.VERIFIED not in {graph._verdicts.get(pair) for pair in assumed}
    with pytest.raises(ChildProcessError):  # and the child is reaped
        os.waitpid(forks[0], os.WNOHANG)


def test_the_parent_checks_what_a_failed_child_did_not(
    clean_big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    serial = _serial(clean_big_bundle, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)

    def fails(*args: object) -> dict:
        raise RuntimeError("a child's bug")

    monkeypatch.setattr(trust_graph, "_check_sent", fails)
    counted = _Counted(monkeypatch)
    assert lint(clean_big_bundle) == serial
    assert len(forks) == 1
    assert counted.checks > trust_graph.PARALLEL_FROM // 2  # the parent's own, at the end
    assert counted.relinks == 0


def test_a_link_taken_as_signed_past_a_first_candidate_is_checked_by_the_parent(
    clean_big_bundle: bytes,
    pki: PKI,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[int],
    speculating: None,
) -> None:
    """Two CAs of one name: the first's key is never checked (an exponent no real key has),
    so the walk goes on to the second and takes its signature as good -- a pair no child was
    sent, which the parent checks once the rules are done (here: a client's, altered)."""
    twin = name("Twin CA")
    unusual = pki.cert("twin CA, unusual exponent", subject=twin, key_ids=False,
                       same_key_as=pki.cert("huge exponent CA", key="rsaexp-3071"))  # fmt: skip
    usual = pki.cert("twin CA", subject=twin, key_ids=False)
    client = pki.cert("twin client", issuer=usual, ca=False, key_ids=False)
    data = clean_big_bundle + unusual.pem + usual.pem + altered(client)
    serial = _serial(data, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    counted = _Counted(monkeypatch)
    assert lint(data) == serial
    assert len(forks) == 1
    assert ("bad-signature", "twin client") in {
        (f.rule, f.certificate.common_name) for f in serial if f.certificate is not None
    }
    assert counted.relinks == 1


@pytest.mark.parametrize("where", ["while parsing", "after the rules"])
def test_when_a_run_is_interrupted_no_checking_child_is_left_behind(
    clean_big_bundle: bytes,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[int],
    speculating: None,
    where: str,
) -> None:
    """^C (or a rule that raised past its guard) while the child was sent work, or while it
    checks beside the rules."""
    from mtls_lint.certificate import ParsedCertificate

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    if where == "while parsing":
        parsed: list[int] = []
        parse = ParsedCertificate._parse

        def parsing(*args: object) -> ParsedCertificate:
            parsed.append(1)
            if len(parsed) == 50:
                raise KeyboardInterrupt
            return parse(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(ParsedCertificate, "_parse", parsing)
    else:
        run_rules = engine._run_rules

        def running(*args: object) -> None:
            run_rules(*args)  # type: ignore[arg-type]
            raise KeyboardInterrupt

        monkeypatch.setattr(engine, "_run_rules", running)
    with pytest.raises(KeyboardInterrupt):
        lint(clean_big_bundle)
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):  # reaped already
        os.waitpid(forks[0], os.WNOHANG)


def test_past_the_cap_a_bundle_parsed_before_the_fork_is_checked_on_threads(
    clean_big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    """Both processes would hold a copy of its parsed certificates while the rules run."""
    from mtls_lint.pem_reader import read_bundle

    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    monkeypatch.setattr(trust_graph, "SPECULATE_UP_TO", trust_graph.PARALLEL_FROM)
    made = _calls(monkeypatch, trust_graph, "_Ahead")
    graph = ParsedBundle(read_bundle("big.pem", clean_big_bundle)).graph
    assert not graph.speculate()
    assert (forks, len(made)) == ([], 1)


def test_past_the_cap_the_engine_still_walks_ahead_of_a_child_forked_before_the_parse(
    clean_big_bundle: bytes, monkeypatch: pytest.MonkeyPatch, forks: list[int], speculating: None
) -> None:
    """That child holds the blocks it was forked with and the issuers' keys: no copy of the
    parsed certificates."""
    serial = _serial(clean_big_bundle, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    monkeypatch.setattr(trust_graph, "SPECULATE_UP_TO", trust_graph.PARALLEL_FROM)
    made = _calls(monkeypatch, trust_graph, "_Ahead")
    assert lint(clean_big_bundle) == serial
    assert (len(forks), len(made)) == (1, 0)


def test_no_child_is_forked_for_a_bundle_below_the_threshold(
    pki: PKI, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    root = pki.cert("small root")
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    assert lint(root.pem + pki.cert("small CA", issuer=root).pem) == []
    assert forks == []


def test_every_rule_that_reads_links_says_so(
    big_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine runs again only the rules declared ``links=True`` when a signature taken
    as verified is not: a rule that read the graph undeclared would keep wrong findings."""

    def no_graph(ctx: LintContext) -> None:
        raise AssertionError("read the graph")

    monkeypatch.setattr(LintContext, "graph", property(no_graph))
    undeclared = [r for r in RULES.values() if not r.links and r.target == "bundle"]
    findings = lint(big_bundle, select=[r.id for r in undeclared])
    assert not [f for f in findings if "read the graph" in f.message]
    assert len(undeclared) > 20


@pytest.mark.parametrize("one_key", [True, False], ids=["one key", "a key each"])
def test_where_nothing_verifies_the_further_candidates_are_checked_on_every_core(
    pki: PKI,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[int],
    speculating: None,
    one_key: bool,
) -> None:
    """Self-issued certificates of one name, none signed by a key of the bundle: each is a
    candidate issuer of every other, and the walk would try them one by one."""
    shared = pki.cert("namesakes' key")
    data = b"".join(
        altered(pki.cert(f"namesake {n} {one_key}", subject=name("Namesake CA"),
                         same_key_as=shared if one_key else None, key_ids=False))
        for n in range(trust_graph.PARALLEL_FROM + 20)
    )  # fmt: skip
    serial = _serial(data, monkeypatch)
    monkeypatch.setattr(trust_graph, "_cpus", lambda: 2)
    _child_finishes_first(monkeypatch, forks)
    shared_out: list[int] = []
    share_out = trust_graph.share_out

    def counting(items: list, *args: object) -> list:
        shared_out.append(len(items))
        return share_out(items, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(trust_graph, "share_out", counting)
    counted = _Counted(monkeypatch)
    assert lint(data) == serial
    assert "bad-signature" in {f.rule for f in serial}
    assert counted.relinks == 1
    if one_key:  # each certificate's answer for that key is its first candidate's
        assert shared_out == [0]
    else:
        assert shared_out[0] > trust_graph.PARALLEL_FROM  # on both CPUs, not in the walk
    assert counted.checks <= shared_out[0]  # the parent's share of them, and nothing after


@pytest.fixture(scope="module")
def groups(pki: PKI) -> list[tuple[bytes, list[tuple[bytes, bytes]]]]:
    """Twelve hierarchies: a root and a CA, and eight leaves each as issued and altered."""
    made = []
    for group in range(12):
        root, ca = _root_and_ca(pki, "ahead", group, rsa_every=3)
        leaves = [pki.cert(f"ahead client {group}.{n}", issuer=ca, ca=False) for n in range(8)]
        made.append((root.pem + ca.pem, [(leaf.pem, altered(leaf)) for leaf in leaves]))
    return made


@settings(
    # a sixth of the profile's examples (25 by default): each forks a child and lints twice
    max_examples=settings.default.max_examples // 6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_walking_ahead_gives_the_serial_findings_wherever_signatures_fail(
    groups: list[tuple[bytes, list[tuple[bytes, bytes]]]],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    if sys.platform != "linux":
        pytest.skip("forks on Linux only")
    bad = data.draw(st.sets(st.integers(0, 95), max_size=6))
    missing = data.draw(st.sets(st.integers(0, 11), max_size=2))  # CAs left out
    parts = [
        b"".join(pair[n * 8 + i in bad] for i, pair in enumerate(leaves))
        if n in missing
        else cas + b"".join(pair[n * 8 + i in bad] for i, pair in enumerate(leaves))
        for n, (cas, leaves) in enumerate(groups)
    ]
    certificates = _split_pem(b"".join(parts))
    if data.draw(st.booleans()):  # issuers anywhere: after the certificates they issued, too
        certificates = data.draw(st.permutations(certificates))
    bundle = b"".join(certificates)
    serial = _serial(bundle, monkeypatch)
    with monkeypatch.context() as ahead:
        ahead.setattr(trust_graph, "_cpus", lambda: 2)
        ahead.setattr(trust_graph, "SPECULATE_FROM", trust_graph.PARALLEL_FROM - 20)
        ahead.setattr(trust_graph, "HEAR_EVERY", data.draw(st.sampled_from([1, 5, 64, 10**9])))
        ahead.setattr(trust_graph, "PROGRESS_EVERY", data.draw(st.sampled_from([1, 7, 64])))
        started: list[bool] = []
        speculate = trust_graph.TrustGraph.speculate

        def recording(graph: trust_graph.TrustGraph) -> bool:
            started.append(speculate(graph))
            return started[-1]

        ahead.setattr(trust_graph.TrustGraph, "speculate", recording)
        assert lint(bundle) == serial
        assert started == [True]
