"""The service model: facts the later rules and verdicts read, with their sources."""

from __future__ import annotations

from mtls_lint.profiles import PROFILES


def test_only_alb_takes_revocation_lists_and_with_its_quotas() -> None:
    assert PROFILES["apigateway"].revocation is None  # "doesn't verify if ... revoked"
    assert PROFILES["cloudfront"].revocation is None  # Connection Functions, not CRLs
    alb = PROFILES["alb"].revocation
    assert alb is not None
    assert (alb.max_list_bytes, alb.max_entries, alb.max_lists) == (50 * 1024**2, 500_000, 30)


def test_every_profile_names_its_sources_and_its_column() -> None:
    for profile in PROFILES.values():
        assert profile.source
        assert profile.column
        assert profile.max_chain_cas == 4
