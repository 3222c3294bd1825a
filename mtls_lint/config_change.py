"""What a pull request's change to ``.mtls-lint.yaml`` relaxes.

The config is part of the pull request: a change can add ``fail-on: never``, turn rules off
or add waivers, and the run that should catch a bad bundle then passes. The Action compares
the config with the base ref's and shows each relaxation to the reviewer, as a warning on
the config's line and in the step summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

from mtls_lint.config import Config
from mtls_lint.findings import Severity
from mtls_lint.lint_settings import DEFAULT_EXPIRY_DAYS
from mtls_lint.profiles import DEFAULT_PROFILE

#: ``fail-on`` values from the strictest to the most lenient.
_FAIL_ON_ORDER = ("notice", "warning", "error", "never")


class Relaxation(NamedTuple):
    #: The line of the new config the change is on (1 when the file is gone).
    line: int
    message: str


def relaxations(base: Config, head: Config) -> list[Relaxation]:
    """Every way ``head`` (the pull request's config) checks less than ``base``'s."""
    return sorted(_compare(base, head), key=lambda r: r.line)


def _compare(base: Config, head: Config) -> Iterator[Relaxation]:
    from mtls_lint.rules import RULES

    def at(key: str) -> int:
        return head.lines.get(key, head.lines.get(key.split(".")[0], 1))

    base_profile = base.profile or DEFAULT_PROFILE
    head_profile = head.profile or DEFAULT_PROFILE
    if head_profile != base_profile:
        yield Relaxation(
            at("profile"),
            f"profile changed from {base_profile} to {head_profile}: every rule's severity now "
            "follows the other service",
        )
    base_fail, head_fail = base.fail_on or "error", head.fail_on or "error"
    if _FAIL_ON_ORDER.index(head_fail) > _FAIL_ON_ORDER.index(base_fail):
        yield Relaxation(at("fail-on"), f"fail-on lowered from {base_fail} to {head_fail}")
    for rule_id, rule in RULES.items():
        before = base.severities.get(rule_id, rule.severity[base_profile])
        after = head.severities.get(rule_id, rule.severity[head_profile])
        if _rank(after) < _rank(before):
            what = "turned off" if after is None else f"lowered to {after.label}"
            was = before.label if before is not None else "off"
            yield Relaxation(at(f"rules.{rule_id}"), f"rule {rule_id} {what} (was {was})")
        old_options, new_options = base.options.get(rule_id, {}), head.options.get(rule_id, {})
        if old_options != new_options:
            changed = ", ".join(
                f"{name}: {old_options.get(name, 'default')} -> {new_options.get(name, 'default')}"
                for name in sorted({*old_options, *new_options})
                if old_options.get(name) != new_options.get(name)
            )
            yield Relaxation(
                at(f"rules.{rule_id}"), f"options of rule {rule_id} changed: {changed}"
            )
    base_days = base.expiry_days if base.expiry_days is not None else DEFAULT_EXPIRY_DAYS
    head_days = head.expiry_days if head.expiry_days is not None else DEFAULT_EXPIRY_DAYS
    if head_days < base_days:
        yield Relaxation(at("expiry-days"), f"expiry-days lowered from {base_days} to {head_days}")
    for key in sorted({*base.limits, *head.limits}):
        old, new = base.limits.get(key, 0), head.limits.get(key, 0)
        if key in head.limits and (new is None or (old is not None and new > old)):
            shown = "removed" if new is None else f"raised to {new}"
            yield Relaxation(at(f"limits.{key}"), f"limit {key} {shown} (was {old or 'default'})")
    widened = [glob for glob in head.exclude if glob not in base.exclude]
    if widened:
        yield Relaxation(at("exclude"), f"exclude widened: {', '.join(widened)}")
    if base.include is not None or head.include is not None:
        dropped = [g for g in (base.include or ()) if g not in (head.include or ())]
        if head.include is not None and (dropped or base.include is None):
            what = ", ".join(dropped) if dropped else "the default globs"
            yield Relaxation(at("include"), f"include narrowed: no longer {what}")
    yield from _waivers(base, head)


def _waivers(base: Config, head: Config) -> Iterator[Relaxation]:
    known = {(w.sha256, rule): w.until for w in base.waivers for rule in w.rules}
    for waiver in head.waivers:
        new_rules = sorted(r for r in waiver.rules if (waiver.sha256, r) not in known)
        if new_rules:
            until = f" until {waiver.until}" if waiver.until else ""
            yield Relaxation(
                waiver.line,
                f"new waiver of {', '.join(new_rules)} for the certificate with sha256 "
                f"{waiver.sha256}{until} ({waiver.reason})",
            )
        extended = sorted(
            r
            for r in waiver.rules
            if (waiver.sha256, r) in known and _later(waiver.until, known[(waiver.sha256, r)])
        )
        if extended:
            yield Relaxation(
                waiver.line,
                f"waiver of {', '.join(extended)} for sha256 {waiver.sha256} extended to "
                f"{waiver.until or 'no end'}",
            )


def _later(new: dt.date | None, old: dt.date | None) -> bool:
    """Whether a waiver that ran until ``old`` now runs longer: to a later day, or no end."""
    return old is not None and (new is None or new > old)


def _rank(severity: Severity | None) -> int:
    return 0 if severity is None else int(severity)
