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


#: The fields that hold an AWS number or list.
NUMBERS = ("signature_families", "rsa_min_bits", "rsa_max_bits", "rsa_allowed_bits",
           "ec_min_bits", "ec_curves", "max_chain_cas", "revocation", "max_certificates",
           "max_certificate_bytes", "max_bundle_bytes", "max_ca_subject_bytes")  # fmt: skip


def test_every_aws_number_in_the_service_model_has_a_source() -> None:
    for profile in PROFILES.values():
        for name in NUMBERS:
            if getattr(profile, name) is not None:
                assert profile.sources.get(name), f"{profile.name}.{name} has no source"
        assert set(profile.sources) <= set(NUMBERS), "a source for a field that is not a number"


def test_explain_prints_where_each_number_comes_from(capsys) -> None:
    from mtls_lint.cli import main

    assert main(["explain", "ca-names-too-large"]) == 0
    out = capsys.readouterr().out
    assert "alb max_ca_subject_bytes = 10000:" in out
    assert "CA certificates subject size per trust store 10,000" in out
