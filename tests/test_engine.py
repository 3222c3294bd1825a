from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from mtls_lint.engine import MAX_FINDINGS_PER_RULE
from mtls_lint.findings import Severity
from mtls_lint.lint_settings import enabled_rules
from mtls_lint.profiles import PROFILES
from mtls_lint.rule import LintContext, Rule, about
from mtls_lint.rules import RULES
from mtls_lint.trust_graph import TrustGraph
from tests.conftest import fired, lint, rules_of
from tests.pki import PKI, Issued, bundle

#: SPEC section 4, minus the config rules that come with waivers.
SPEC_RULES = [
    "not-pem",
    "malformed-pem",
    "unparsable-certificate",
    "private-key-in-bundle",
    "non-certificate-block",
    "empty-bundle",
    "stray-text",
    "blank-line",
    "pem-hygiene",
    "duplicate-certificate",
    "duplicate-subject",
    "bundle-too-large",
    "certificate-too-large",
    "weak-signature-hash",
    "unsupported-signature-algorithm",
    "weak-rsa-key",
    "weak-ec-key",
    "unsupported-key-type",
    "not-x509v3",
    "negative-serial",
    "expired",
    "not-yet-valid",
    "expires-soon",
    "self-signed-leaf",
    "leaf-in-truststore",
    "missing-issuer",
    "bad-signature",
    "issuer-not-ca",
    "chain-too-deep",
    "path-length-exceeded",
]


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("rule_id", SPEC_RULES)
def test_rule_is_registered_and_quiet_on_a_clean_bundle(
    clean_bundle: bytes, rule_id: str, profile: str
) -> None:
    assert rule_id in RULES
    assert lint(clean_bundle, profile=profile, select=[rule_id]) == []


def test_a_clean_bundle_has_no_findings_at_all(clean_bundle: bytes) -> None:
    assert lint(clean_bundle) == []


@pytest.mark.parametrize("rule_id", SPEC_RULES)
def test_every_rule_documents_trigger_aws_fix_and_command(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.summary
    assert rule.citation
    for section in ("AWS:", "Fix:", "Show it:"):
        assert section in rule.doc, f"{rule_id} documentation lacks {section!r}"


def test_a_crashing_rule_becomes_a_finding_and_the_rest_still_run(
    monkeypatch: pytest.MonkeyPatch, root: Issued, intermediate: Issued
) -> None:
    def explode(ctx, cert, options):
        raise RuntimeError("boom")
        yield

    broken = RULES["expired"]._replace(certificate_check=explode)
    monkeypatch.setitem(RULES, "expired", broken)
    findings = lint(root.pem + intermediate.pem + root.pem)
    crashes = fired(findings, "expired")
    assert len(crashes) == 3  # once per certificate, not once for the file
    assert all("internal error in rule expired" in f.message for f in crashes)
    assert all(f.severity is Severity.ERROR for f in crashes)
    assert crashes[0].certificate is not None
    assert fired(findings, "duplicate-certificate")


def test_select_runs_only_the_named_rules(intermediate: Issued) -> None:
    data = intermediate.pem + b"junk\n"
    assert rules_of(lint(data, select=["stray-text"])) == ["stray-text"]
    assert set(rules_of(lint(data))) == {"missing-issuer", "stray-text"}


def test_ignore_wins_over_select() -> None:
    chosen = enabled_rules(PROFILES["apigateway"], select=["expired"], ignore=["expired"])
    assert chosen == {}


def test_selecting_a_rule_that_is_off_turns_it_on() -> None:
    chosen = enabled_rules(PROFILES["apigateway"], select=["blank-line"])
    assert chosen["blank-line"].severity is Severity.ERROR
    assert "blank-line" not in enabled_rules(PROFILES["apigateway"])


def test_findings_of_one_rule_are_capped_per_file(root: Issued) -> None:
    data = root.pem + b"".join(b"note %d\n\n" % i for i in range(MAX_FINDINGS_PER_RULE + 50))
    stray = fired(lint(data), "stray-text")
    assert len(stray) == MAX_FINDINGS_PER_RULE + 1
    last = stray[-1]
    assert last.message.startswith("50 more stray-text findings in this file are not listed")
    assert last.line == stray[-2].line + 2  # where the first unlisted one is


def test_a_message_given_as_a_function_is_made_only_for_the_findings_listed(
    monkeypatch: pytest.MonkeyPatch, root: Issued
) -> None:
    made: list[int] = []

    def many(ctx, cert, options):
        for n in range(MAX_FINDINGS_PER_RULE + 50):
            yield about(cert, lambda n=n: made.append(n) or f"problem {n}")

    monkeypatch.setitem(RULES, "expired", RULES["expired"]._replace(certificate_check=many))
    found = fired(lint(root.pem), "expired")
    assert len(found) == MAX_FINDINGS_PER_RULE + 1
    assert [f.message for f in found[:2]] == ["problem 0", "problem 1"]
    assert found[-1].message.endswith("are not listed (at most 1000 per rule and file); the "
                                      "first is: problem 1000")  # fmt: skip
    assert made == list(range(MAX_FINDINGS_PER_RULE + 1))  # the 49 after the first unlisted: never


@pytest.mark.parametrize("past_the_cap", [False, True])
def test_a_message_function_that_raises_is_the_rules_crash(
    monkeypatch: pytest.MonkeyPatch, root: Issued, past_the_cap: bool
) -> None:
    def broken(ctx, cert, options):
        for _ in range(MAX_FINDINGS_PER_RULE if past_the_cap else 0):
            yield about(cert, "fine")
        yield about(cert, lambda: str(1 / 0))

    monkeypatch.setitem(RULES, "expired", RULES["expired"]._replace(certificate_check=broken))
    crash = fired(lint(root.pem), "expired")[-1]
    assert crash.message.startswith("internal error in rule expired on certificate #1: "
                                    "ZeroDivisionError")  # fmt: skip
    assert crash.severity is Severity.ERROR
    assert crash.certificate is not None


def test_a_crash_in_a_notice_rule_is_a_notice_and_its_text_is_cut(
    monkeypatch: pytest.MonkeyPatch, root: Issued
) -> None:
    def explode(ctx, cert, options):
        raise RuntimeError("x" * 10_000)
        yield

    broken = RULES["negative-serial"]._replace(certificate_check=explode)
    monkeypatch.setitem(RULES, "negative-serial", broken)
    (crash,) = fired(lint(root.pem), "negative-serial")
    assert crash.severity is Severity.NOTICE  # a bug never turns a notice into a failure
    assert "internal error in rule negative-serial" in crash.message
    assert len(crash.message) < 400


@pytest.fixture(scope="module")
def every_link_read(pki: PKI) -> bytes:
    """A bundle on which each rule that declares ``links`` reaches the graph: a chain, a
    self-signed leaf, a CA without keyCertSign, a CA without key identifiers, a server leaf."""
    root = pki.cert("links root")
    ca = pki.cert("links CA", issuer=root, path_length=0)
    return bundle(
        root,
        ca,
        pki.cert("links client", issuer=ca, ca=False),
        pki.cert("links pinned client", ca=False),
        pki.cert("links CA without keyCertSign", issuer=root, key_usage=False),
        pki.cert("links CA without key ids", issuer=ca, key_ids=False),
        pki.cert("links server", issuer=ca, ca=False, eku=[ExtendedKeyUsageOID.SERVER_AUTH]),
    )


@pytest.mark.parametrize("rule_id", [r for r, rule in RULES.items() if rule.target == "bundle"])
def test_a_rule_reads_issuer_links_exactly_when_it_says_so(
    rule_id: str, every_link_read: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``links`` starts the signature threads: a rule that reads ``ctx.graph`` without it
    waits for serial checks, and one that declares it needlessly starts threads for nothing."""
    reads: list[str] = []
    real = LintContext.graph

    def graph(ctx: LintContext) -> TrustGraph:
        reads.append(rule_id)
        return real.fget(ctx)  # type: ignore[attr-defined]

    monkeypatch.setattr(LintContext, "graph", property(graph))
    lint(every_link_read, select=[rule_id])
    assert bool(reads) is RULES[rule_id].links


@pytest.mark.parametrize(("rule_id", "started"), [("expired", False), ("missing-issuer", True)])
def test_signatures_are_checked_ahead_before_the_first_rule_that_reads_links(
    rule_id: str, started: bool, clean_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    monkeypatch.setattr(TrustGraph, "check_ahead", lambda self: events.append("ahead"))
    run = Rule.run

    def running(rule: Rule, *args: object) -> Iterator[object]:
        events.append("rule")
        return run(rule, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Rule, "run", running)
    lint(clean_bundle, select=[rule_id])
    assert events[0] == ("ahead" if started else "rule")
    assert ("ahead" in events) is started


def test_lint_together_gives_what_linting_each_bundle_alone_gives(
    pki: PKI, root: Issued, intermediate: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small bundles of mixed settings (profiles, a selection, the inventory), findings and
    a crash among them, and one too large to be linted with them: the results are
    ``lint_bundle``'s, in order."""
    from mtls_lint import engine
    from mtls_lint.engine import lint_bundle, lint_together
    from mtls_lint.lint_settings import LintSettings
    from mtls_lint.pem_reader import read_bundle
    from tests.pki import NOW

    monkeypatch.setattr(engine, "TOGETHER_UP_TO", 3)
    leaf = pki.cert("together leaf", issuer=intermediate, ca=False)
    expired = pki.cert("together expired", issuer=root, not_after=NOW - dt.timedelta(days=1))
    datas = [
        bundle(root, intermediate),
        bundle(leaf),  # missing issuer, and a leaf
        bundle(root, intermediate, leaf, expired),  # too large: alone
        b"not a bundle\n",
        bundle(expired, "stray text"),
    ]
    profiles = [PROFILES[name] for name in ("apigateway", "alb", "cloudfront", "alb", "apigateway")]
    settings = [
        LintSettings(p, NOW, enabled_rules(p), inventory=n == 0) for n, p in enumerate(profiles)
    ]
    settings[3] = settings[3]._replace(rules=enabled_rules(profiles[3], select=["empty-bundle"]))

    def crashing(ctx: LintContext, options: object) -> Iterator[object]:
        if ctx.bundle.path == "4.pem":
            raise RuntimeError("a bug")
        yield from ()

    rule = RULES["stray-text"]
    monkeypatch.setitem(RULES, "stray-text", rule._replace(file_check=crashing))
    items = [
        (read_bundle(f"{n}.pem", data), s)
        for n, (data, s) in enumerate(zip(datas, settings, strict=True))
    ]
    alone = [lint_bundle(b, s) for b, s in items]
    assert lint_together(items) == alone
    assert [r.path for r in alone] == [f"{n}.pem" for n in range(5)]
    assert all(r.findings for r in alone[1:])  # in every file but the first: some to compare
    assert alone[0].inventory
    assert any("internal error in rule stray-text" in f.message for f in alone[4].findings)


def test_lint_together_runs_each_rule_over_every_small_bundle_in_turn(
    pki: PKI, root: Issued, intermediate: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule after rule across the small bundles; a large one is linted on its own where it
    comes, once the small ones before it are done."""
    from mtls_lint import engine
    from mtls_lint.engine import lint_together
    from mtls_lint.lint_settings import LintSettings
    from mtls_lint.pem_reader import read_bundle
    from tests.pki import NOW

    monkeypatch.setattr(engine, "TOGETHER_UP_TO", 1)
    ran: list[tuple[str, str]] = []
    run_rule = engine._run_rule

    def recording(ctx: LintContext, rule: Rule, setting: object) -> object:
        ran.append((rule.id, ctx.bundle.path))
        return run_rule(ctx, rule, setting)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_run_rule", recording)
    profile = PROFILES["apigateway"]
    settings = LintSettings(profile, NOW, enabled_rules(profile, select=["expired", "not-pem"]))
    parts = {"a": bundle(root), "b": bundle(intermediate), "big": bundle(root, intermediate),
             "c": bundle(root)}  # fmt: skip
    lint_together([(read_bundle(name, data), settings) for name, data in parts.items()])
    # the registry's order: not-pem before expired
    assert ran == [
        ("not-pem", "a"), ("not-pem", "b"), ("expired", "a"), ("expired", "b"),
        ("not-pem", "big"), ("expired", "big"),
        ("not-pem", "c"), ("expired", "c"),
    ]  # fmt: skip


def test_bundles_linted_together_are_too_small_for_signature_threads_or_a_child() -> None:
    """What makes ``lint_together`` ``lint_bundle``'s equal: a small bundle's links are
    walked as the rules ask, with nothing checked ahead on other threads or processes."""
    from mtls_lint import engine, trust_graph

    assert engine.TOGETHER_UP_TO < trust_graph.PARALLEL_FROM <= trust_graph.SPECULATE_FROM
