"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (SPEC section 5).

Results carry ``partialFingerprints`` built from the rule and the certificate's SHA-256, so
code scanning tracks an alert with its certificate when lines move or the file is reordered.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mtls_lint import __version__, jsonout
from mtls_lint.findings import Severity
from mtls_lint.reporters import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "mtlsLintFinding/v1"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


def rule_descriptors(profile: str) -> list[dict[str, Any]]:
    from mtls_lint.rules import RULES

    descriptors = []
    for rule in RULES.values():
        severity = rule.severity[profile]
        doc = rule.doc
        descriptors.append(
            {
                "id": rule.id,
                "name": "".join(part.title() for part in rule.id.split("-")),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": doc.split("\n\n")[0].replace("\n", " ")},
                "help": {
                    "text": f"{doc}\n\nSource: {rule.citation}",
                    "markdown": f"{doc}\n\n*Source:* {rule.citation}",
                },
                "defaultConfiguration": {
                    "enabled": severity is not None,
                    "level": _LEVELS[severity] if severity is not None else "none",
                },
                "properties": {"tags": ["security", "pki", "mtls"]},
            }
        )
    return descriptors


def uri(path: str, prefix: str) -> str:
    """A URI reference for ``path``: percent-encoded, as SARIF requires (``a b.pem``)."""
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(prefix + path)


def render(report: Report) -> str:
    rules = rule_descriptors(report.profile)
    index = {descriptor["id"]: i for i, descriptor in enumerate(rules)}
    results = []
    for finding in report.findings:
        message = finding.message
        if finding.certificate is not None:
            cert = finding.certificate
            message += f" ({cert.short_name}, sha256 {cert.sha256})"
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": _LEVELS[finding.severity],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": uri(finding.path, report.repo_prefix),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": {"startLine": finding.line, "endLine": finding.end_line},
                        }
                    }
                ],
                "partialFingerprints": {FINGERPRINT: finding.fingerprint()},
            }
        )
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mtls-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return jsonout.dumps(document) + "\n"
