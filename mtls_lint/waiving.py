"""Apply the config's waivers to a run's findings.

A waiver is keyed by certificate SHA-256, so it follows the certificate across files and line
moves. It hides the findings of its rules on that certificate until its ``until`` date; after
that it hides nothing and ``expired-waiver`` fires at its line. A waiver that hid nothing in a
run over whole directories fires ``unused-waiver``.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from mtls_lint.config import Waiver
from mtls_lint.findings import FileResult, Finding
from mtls_lint.lint_settings import RuleSetting


class Waived(NamedTuple):
    files: tuple[FileResult, ...]
    #: expired-waiver and unused-waiver findings, located in the config file.
    config_findings: tuple[Finding, ...]
    hidden: int


def apply_waivers(
    files: Sequence[FileResult],
    waivers: Sequence[Waiver],
    now: dt.datetime,
    rules: Mapping[str, RuleSetting],
    *,
    whole_tree: bool,
) -> Waived:
    active = [w for w in waivers if not w.expired(now)]
    by_certificate: dict[str, list[Waiver]] = {}
    for waiver in active:
        by_certificate.setdefault(waiver.sha256, []).append(waiver)
    used: set[int] = set()
    count = 0
    kept_files = []
    for result in files:
        kept: list[Finding] = []
        for finding in result.findings:
            match = _matching(finding, by_certificate)
            if match is None:
                kept.append(finding)
            else:
                used.add(id(match))
                count += 1
        kept_files.append(result._replace(findings=tuple(kept)))

    config_findings = []
    expired = rules.get("expired-waiver")
    unused = rules.get("unused-waiver")
    for waiver in waivers:
        if expired is not None and waiver.expired(now):
            config_findings.append(
                _about(
                    waiver,
                    "expired-waiver",
                    expired,
                    f"expired on {waiver.until}; it no longer hides findings "
                    f"(reason given: {waiver.reason})",
                )
            )
        elif unused is not None and whole_tree and id(waiver) not in used:
            config_findings.append(
                _about(waiver, "unused-waiver", unused, "matched no finding in this run; delete it")
            )
    return Waived(tuple(kept_files), tuple(config_findings), count)


def _about(waiver: Waiver, rule_id: str, setting: RuleSetting, text: str) -> Finding:
    rules = ", ".join(sorted(waiver.rules))
    message = f"the waiver for {waiver.sha256[:16]}… ({rules}) {text}"
    return Finding(rule_id, setting.severity, waiver.path, waiver.line, waiver.line, message)


def _matching(finding: Finding, by_certificate: Mapping[str, list[Waiver]]) -> Waiver | None:
    if finding.certificate is None:
        return None
    for waiver in by_certificate.get(finding.certificate.sha256, ()):
        if finding.rule in waiver.rules:
            return waiver
    return None
