from __future__ import annotations

import pytest

from mtls_lint.engine import MAX_FINDINGS_PER_RULE, enabled_rules
from mtls_lint.findings import Severity
from mtls_lint.profiles import PROFILES
from mtls_lint.rules import RULES
from tests.conftest import fired, lint, rules_of
from tests.pki import Issued

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
