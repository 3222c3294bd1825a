"""Render ``mtls-lint aws``: each deployed truststore, what uses it, what reading it found,
its findings and its drift from the repository, as text, JSON (the README documents it) or
Markdown.

Every value comes from AWS, and some of it from a pull request before that (a subject in
API Gateway's truststoreWarnings was in an uploaded bundle), so all of it is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mtls_lint import __version__, jsonout
from mtls_lint.deployed_check import Checked
from mtls_lint.escape import printable
from mtls_lint.findings import Severity
from mtls_lint.reporters.diff import change_lines, file_json
from mtls_lint.reporters.json import finding_json
from mtls_lint.reporters.step_summary import cell
from mtls_lint.reporters.text import finding_line

SERVICE_NAMES = {"apigateway": "API Gateway", "alb": "ALB", "cloudfront": "CloudFront"}


def _count(checked: Sequence[Checked], severity: Severity) -> int:
    return sum(
        sum(1 for f in c.findings if f.severity is severity)
        + sum(1 for n in c.notes if n.severity is severity)
        for c in checked
    )


def summary_line(checked: Sequence[Checked]) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    drifted = sum(1 for c in checked if c.drifted)
    return (
        f"{plural(len(checked), 'deployed truststore')}: "
        f"{plural(_count(checked, Severity.ERROR), 'error')}, "
        f"{plural(_count(checked, Severity.WARNING), 'warning')}, "
        f"{plural(_count(checked, Severity.NOTICE), 'notice')}"
        + (f"; {drifted} drifted from the repository" if drifted else "")
    )


def _users(c: Checked) -> list[str]:
    return [
        f"{u.kind} {u.identifier}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in u.settings.items()) + ")" if u.settings else "")
        for u in c.deployed.users
    ]


def render_text(checked: Sequence[Checked]) -> str:
    if not checked:
        return "no deployed truststore found (no mutual TLS in this account and region)\n"
    out: list[str] = []
    for c in checked:
        d = c.deployed
        out.append(f"{SERVICE_NAMES[d.service]}  {d.name}  ({d.identifier})")
        out += [f"  {key}: {value}" for key, value in d.facts.items()]
        out += [f"  used by {user}" for user in _users(c)] or ["  used by nothing"]
        out += [f"  {n.severity.label} [{n.code}] {n.message}" for n in c.notes]
        if d.warnings:
            out.append(f"  {SERVICE_NAMES[d.service]}'s truststoreWarnings (verbatim):")
            out += [f"    {warning}" for warning in d.warnings]
        out += [f"  {finding_line(f)}" for f in c.findings]
        if c.drift is not None:
            state = "drifted" if c.drifted else "no drift"
            out.append(f"  against {c.drift.path}: {state}")
            out += [f"    {marker} {text}" for marker, text in change_lines(c.drift)]
        out.append("")
    out.append(summary_line(checked))
    return "".join(printable(line) + "\n" for line in out)


def _json(c: Checked) -> dict[str, Any]:
    d = c.deployed
    return {
        "service": d.service,
        "name": d.name,
        "id": d.identifier,
        "facts": dict(d.facts),
        "warnings": list(d.warnings),
        "used_by": [
            {"kind": u.kind, "id": u.identifier, "settings": dict(u.settings)} for u in d.users
        ],
        "notes": [
            {"code": n.code, "severity": n.severity.label, "message": n.message} for n in c.notes
        ],
        "files": [{"path": r.path, "certificates": r.certificates} for r in c.files],
        "findings": [finding_json(f) for f in c.findings],
        "drift": None if c.drift is None else {"drifted": c.drifted, **file_json(c.drift)},
    }


def render_json(checked: Sequence[Checked]) -> str:
    document = {
        "tool": {"name": "mtls-lint", "version": __version__},
        "truststores": [_json(c) for c in checked],
        "summary": {
            **{s.label: _count(checked, s) for s in reversed(Severity)},
            "truststores": len(checked),
            "drifted": sum(1 for c in checked if c.drifted),
        },
    }
    return jsonout.dumps(document) + "\n"


def render_markdown(checked: Sequence[Checked]) -> str:
    out = ["## mtls-lint aws", "", f"**{cell(summary_line(checked))}**", ""]
    for c in checked:
        d = c.deployed
        out += [f"### {SERVICE_NAMES[d.service]} {cell(d.name)}", ""]
        out += [f"- {cell(key)}: {cell(value)}" for key, value in d.facts.items()]
        out += [f"- used by {cell(user)}" for user in _users(c)]
        out.append("")
        out += [f"- **{n.severity.label}** `{cell(n.code)}` {cell(n.message)}" for n in c.notes]
        out += [f"- truststoreWarnings: {cell(w)}" for w in d.warnings]
        findings = list(c.findings)
        if findings:
            out += ["", "| Severity | File | Line | Rule | Message |", "|---|---|---|---|---|"]
            out += [f"| {f.severity.label} | {cell(f.path)} | {f.line} | {cell(f.rule)} "
                    f"| {cell(f.message)} |" for f in findings]  # fmt: skip
        if c.drift is not None:
            out += ["", f"Against `{cell(c.drift.path)}`: "
                    f"{'drifted' if c.drifted else 'no drift'}", ""]  # fmt: skip
            out += [f"- `{marker}` {cell(text)}" for marker, text in change_lines(c.drift)]
        out.append("")
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[Sequence[Checked]], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
