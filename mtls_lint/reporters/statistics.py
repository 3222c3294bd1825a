"""``check --statistics``: how many findings each rule has, worst first (as ruff prints it)."""

from __future__ import annotations

import json
from collections import Counter

from mtls_lint.findings import Severity
from mtls_lint.reporters import Report


def counts(report: Report) -> list[tuple[str, Severity, int]]:
    """(rule, severity, count) per rule and severity, most severe then most frequent first."""
    found = Counter((f.rule, f.severity) for f in report.findings)
    return sorted(
        ((rule, severity, n) for (rule, severity), n in found.items()),
        key=lambda item: (-item[1], -item[2], item[0]),
    )


def render_text(report: Report) -> str:
    rows = counts(report)
    width = max((len(str(n)) for _, _, n in rows), default=1)
    lines = [f"{n:>{width}}  {rule}  ({severity.label})" for rule, severity, n in rows]
    lines.append(f"{sum(n for _, _, n in rows)} findings in {len(report.files)} files")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    document = {
        "statistics": [
            {"rule": rule, "severity": severity.label, "count": n}
            for rule, severity, n in counts(report)
        ],
        "files": len(report.files),
        "certificates": report.certificates,
        "waived": report.waived,
    }
    return json.dumps(document, indent=2) + "\n"
