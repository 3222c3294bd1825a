"""Render what ``mtls-lint diff`` found: text, JSON (SPEC section 1) or Markdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from mtls_lint import jsonout
from mtls_lint.bundle_diff import FileDiff, Listed
from mtls_lint.dates import day, iso
from mtls_lint.escape import printable
from mtls_lint.findings import Finding
from mtls_lint.reporters.json import finding_json
from mtls_lint.reporters.step_summary import cell
from mtls_lint.reporters.text import finding_line


def _cert_json(cert: Listed) -> dict[str, str]:
    return {"sha256": cert.sha256, "subject": cert.subject, "not_after": iso(cert.not_after)}


def file_json(d: FileDiff) -> dict[str, Any]:
    """One file's change, as ``diff --format json`` writes it (``aws --against`` too)."""
    return {
        "path": d.path,
        "status": d.file_status or "modified",
        "added": [_cert_json(c) for c in d.added],
        "removed": [_cert_json(c) for c in d.removed],
        "kept": [_cert_json(c) for c in d.kept],
        "renewed": [{"old": _cert_json(o), "new": _cert_json(n)} for o, n in d.renewed],
        "introduced": [finding_json(f) for f in d.introduced],
        "fixed": [finding_json(f) for f in d.fixed],
        "warnings": d.warnings,
    }


def render_json(diffs: Sequence[FileDiff]) -> str:
    files = [file_json(d) for d in diffs]
    return jsonout.dumps({"files": files}) + "\n"


def _describe(cert: Listed) -> str:
    return f"{cert.subject} (sha256 {cert.sha256[:16]}…, not after {day(cert.not_after)})"


def change_lines(d: FileDiff) -> list[tuple[str, str]]:
    """(marker, text) pairs shared by the text and Markdown renderings."""
    lines = [("+", f"added    {_describe(c)}") for c in d.added]
    lines += [("-", f"removed  {_describe(c)}") for c in d.removed]
    lines += [
        ("~", f"renewed  {old.subject}: {old.sha256[:16]}… (not after {day(old.not_after)})"
              f" -> {new.sha256[:16]}… (not after {day(new.not_after)})")
        for old, new in d.renewed
    ]  # fmt: skip
    if d.kept:
        lines.append(("=", f"kept     {len(d.kept)} certificate{'s' if len(d.kept) != 1 else ''}"))
    if not d.changes_certificates and d.file_status is None:
        lines.append(("=", "no certificate added, removed or renewed (reordered or reformatted)"))
    lines += [("!", f"warning  {w}") for w in d.warnings]
    return lines


def _totals(diffs: Sequence[FileDiff]) -> str:
    added = sum(len(d.added) for d in diffs)
    removed = sum(len(d.removed) for d in diffs)
    renewed = sum(len(d.renewed) for d in diffs)
    introduced = sum(len(d.introduced) for d in diffs)
    fixed = sum(len(d.fixed) for d in diffs)
    return (
        f"{len(diffs)} file{'s' if len(diffs) != 1 else ''} changed: {added} added, {removed} "
        f"removed, {renewed} renewed; {introduced} finding{'s' if introduced != 1 else ''} "
        f"introduced, {fixed} fixed"
    )


def render_text(diffs: Sequence[FileDiff]) -> str:
    if not diffs:
        return "no truststore changes\n"
    out: list[str] = []
    for d in diffs:
        status = (
            " (new file)"
            if d.file_status == "added"
            else (" (deleted)" if d.file_status == "deleted" else "")
        )
        out.append(f"{printable(d.path)}{status}")
        out += [f"  {marker} {printable(text)}" for marker, text in change_lines(d)]
        out += [f"  introduced: {finding_line(f)}" for f in d.introduced]
        out += [f"  fixed:      {finding_line(f)}" for f in d.fixed]
        out.append("")
    out.append(_totals(diffs))
    return "\n".join(out) + "\n"


def _finding_rows(title: str, findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return []
    rows = [f"**{title}**", "", "| Severity | Line | Rule | Message |", "|---|---|---|---|"]
    rows += [
        f"| {f.severity.label} | {f.line} | {cell(f.rule)} | {cell(f.message)} |" for f in findings
    ]
    return [*rows, ""]


def _chart(diffs: Sequence[FileDiff], now: dt.datetime, window: int) -> list[str]:
    """The validity windows of each file's certificates after the change, and of those it
    removes or replaces, marked so."""
    from mtls_lint.reporters.gantt import Bar, chart

    def bars(certs: Sequence[Listed], mark: str = "") -> list[Bar]:
        return [Bar(c.short_name + mark, c.not_before, c.not_after) for c in certs]

    sections = [
        (d.path, [
            *bars(d.kept), *bars(d.added, " (added)"),
            *bars([new for _, new in d.renewed], " (renewed)"),
            *bars([old for old, _ in d.renewed], " (replaced)"), *bars(d.removed, " (removed)"),
        ])
        for d in diffs
    ]  # fmt: skip
    return chart(sections, now, window)


def render_markdown(
    diffs: Sequence[FileDiff],
    *,
    findings_above: bool = False,
    now: dt.datetime | None = None,
    window: int = 30,
) -> str:
    """The change, file by file, and (given ``now``) a chart of the validity windows.
    ``findings_above``: the check report above lists every finding of the new files already
    (the Action), so the introduced ones are counted here, not listed a second time."""
    out = ["## mtls-lint diff", ""]
    if not diffs:
        return "\n".join([*out, "No truststore changes."]) + "\n"
    out += [f"**{cell(_totals(diffs))}**", ""]
    for d in diffs:
        status = f" ({d.file_status})" if d.file_status else ""
        out += [f"### {cell(d.path)}{status}", ""]
        out += [f"- `{marker}` {cell(text)}" for marker, text in change_lines(d)]
        out.append("")
        if not findings_above:
            out += _finding_rows("Introduced findings", d.introduced)
        elif d.introduced:
            count = len(d.introduced)
            out += [f"**Introduced findings:** {count}, listed with the others in the table "
                    "above.", ""]  # fmt: skip
        fixed = d.fixed[0].path if d.fixed else ""
        out += _finding_rows(f"Fixed findings (lines of {cell(fixed)})", d.fixed)
    drawn = _chart(diffs, now, window) if now is not None else []
    if drawn:
        out += ["### Validity after the change", "", *drawn, ""]
    return "\n".join(out) + "\n"


def render_github(diffs: Sequence[FileDiff]) -> str:
    """A warning annotation on the file for each of the change's warnings (a removed CA that
    strands its clients is the line a reviewer most needs), then the text report inside
    ``::stop-commands::``: file names and subjects come from the pull request. The findings
    are check's to annotate: the Action runs both."""
    from mtls_lint.reporters.github import inert, workflow_annotation

    annotations = [
        workflow_annotation("warning", d.path, 1, 1, "mtls-lint diff", printable(warning))
        for d in diffs
        for warning in d.warnings
    ]
    return "\n".join([*annotations, *inert(render_text(diffs).splitlines())]) + "\n"


#: ``diff --format``: each renderer.
RENDERERS: dict[str, Callable[[Sequence[FileDiff]], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "github": render_github,
}
