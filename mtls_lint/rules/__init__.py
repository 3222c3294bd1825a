"""The rule registry: every rule, in the order ``mtls-lint rules`` lists them."""

from __future__ import annotations

from mtls_lint.rule import Rule
from mtls_lint.rules import (
    algorithms,
    armour,
    chain,
    duplicates,
    fields,
    keys,
    layout,
    names,
    purpose,
    size,
    validity,
    waivers,
)

_ALL: tuple[Rule, ...] = (
    armour.not_pem,
    armour.malformed_pem,
    armour.unparsable_certificate,
    armour.private_key_in_bundle,
    armour.non_certificate_block,
    armour.empty_bundle,
    layout.stray_text,
    layout.blank_line,
    layout.pem_hygiene,
    duplicates.duplicate_certificate,
    duplicates.duplicate_subject,
    size.bundle_too_large,
    size.certificate_too_large,
    size.ca_names_too_large,
    algorithms.weak_signature_hash,
    algorithms.unsupported_signature_algorithm,
    keys.weak_rsa_key,
    keys.weak_ec_key,
    keys.unsupported_key_type,
    keys.unusual_rsa_exponent,
    fields.not_x509v3,
    fields.negative_serial,
    fields.basic_constraints_not_critical,
    fields.ca_key_usage,
    fields.missing_key_identifier,
    validity.expired,
    validity.not_yet_valid,
    validity.expires_soon,
    chain.self_signed_leaf,
    chain.leaf_in_truststore,
    chain.missing_issuer,
    chain.bad_signature,
    names.issuer_name_not_identical,
    chain.issuer_not_ca,
    purpose.client_auth_not_allowed,
    chain.chain_too_deep,
    chain.path_length_exceeded,
    waivers.expired_waiver,
    waivers.unused_waiver,
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}
assert len(RULES) == len(_ALL), "duplicate rule id"
