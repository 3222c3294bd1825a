"""What a run lints with: the profile, the instant, and each enabled rule's severity and options.

Apart from the engine, so a run resolves its settings -- and ``--help`` shows their
defaults -- without importing ``cryptography``: a large bundle is read while the engine's
imports run (:func:`mtls_lint.pem_reader.read_bundle`).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from mtls_lint.findings import EMPTY, Severity
from mtls_lint.profiles import Profile
from mtls_lint.rule import Options
from mtls_lint.rules import RULES

DEFAULT_EXPIRY_DAYS = 30


class RuleSetting(NamedTuple):
    severity: Severity
    options: Options = EMPTY


class LintSettings(NamedTuple):
    profile: Profile
    now: dt.datetime
    rules: Mapping[str, RuleSetting]
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    #: Describe every readable certificate in the result (the step summary's expiry table);
    #: off by default, since naming every certificate costs time the hook does not need to pay.
    inventory: bool = False


def enabled_rules(
    profile: Profile,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    severities: Mapping[str, Severity | None] | None = None,
    options: Mapping[str, Options] | None = None,
) -> dict[str, RuleSetting]:
    """The rules that run, with their severity and options: the profile's defaults, then
    ``severities`` and ``options`` (from the config file).

    ``select`` runs only those rules -- at their configured or default severity, or ``error``
    for a rule that is off (asking for it by name means wanting it). ``ignore`` wins over both.
    """
    severities = severities or {}
    options = options or {}
    chosen = set(select) if select is not None else None
    skipped = set(ignore)
    result: dict[str, RuleSetting] = {}
    for rule_id, rule in RULES.items():
        if rule_id in skipped or (chosen is not None and rule_id not in chosen):
            continue
        severity = severities.get(rule_id, rule.severity[profile.name])
        if severity is None and chosen is not None:
            severity = Severity.ERROR
        if severity is not None:
            result[rule_id] = RuleSetting(severity, {**rule.defaults, **options.get(rule_id, {})})
    return result
