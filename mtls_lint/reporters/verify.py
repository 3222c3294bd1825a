"""Render verdicts of ``verify`` (one certificate, or one per certificate of an access log)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from mtls_lint.accesslog import ClientSeen, LineCounts
from mtls_lint.admission import Link, Verdict
from mtls_lint.certificate import ParsedCertificate
from mtls_lint.dates import day, iso
from mtls_lint.escape import printable
from mtls_lint.keyfile import PublicKeyInfo
from mtls_lint.reporters.step_summary import cell


def _link_json(link: Link) -> dict[str, Any]:
    cert = link.cert
    return {
        "sha256": cert.sha256,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "not_before": iso(cert.not_before) if cert.not_before else None,
        "not_after": iso(cert.not_after) if cert.not_after else None,
        "source": link.source,
        "line": cert.block.begin_line,
    }


def _date(moment: dt.datetime | None) -> str:
    return day(moment) if moment is not None else "(unreadable)"


def _service_line(verdict: Verdict) -> str:
    """What the service logs for a denial, or that AWS documents no wording for it."""
    profile = verdict.profile
    if verdict.connection_log_status is not None:
        return (
            f"  {profile.service} {profile.refuses}; connection log: "
            f"{verdict.connection_log_status} (cause: {verdict.cause})"
        )
    if verdict.log_reason is not None:
        return f"  {profile.service} logs: {verdict.log_reason}"
    return "  (OpenSSL's wording: AWS does not document the log line for this reason)"


def verdict_json(verdict: Verdict, skipped: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "allowed": verdict.allowed,
        "reason": verdict.reason,
        "documented_by_aws": verdict.documented_by_aws,
        "service": verdict.profile.service,
        **(
            {"connection_log_status": verdict.connection_log_status}
            if verdict.profile.codes
            else {"log_reason": verdict.log_reason}
        ),
        "cause": verdict.cause,
        "chain": [_link_json(link) for link in verdict.chain],
        "checks": [
            {
                "name": c.name,
                "ok": c.ok,
                "subject": c.subject,
                "sha256": c.sha256,
                "detail": c.detail,
            }
            for c in verdict.checks
        ],
        "fix": verdict.fix,
        "notes": list(verdict.notes),
        "skipped": list(skipped),
    }


def verdict_text(verdict: Verdict, skipped: Sequence[str] = ()) -> str:
    lines = []
    service = verdict.profile.service
    if verdict.allowed:
        lines.append(f"ALLOWED: {service} would accept this client certificate")
    else:
        lines.append(f"DENIED: {verdict.reason}")
        lines.append(_service_line(verdict))
    lines += ["", "Path:"]
    for link in verdict.chain:
        cert = link.cert
        where = f" line {cert.block.begin_line}" if link.source != "client" else ""
        lines.append(f"  {link.source + where:<20} {printable(cert.subject)}")
        lines.append(
            f"  {'':<20} issuer {printable(cert.issuer)}; sha256 {cert.sha256[:16]}…; "
            f"{_date(cert.not_before)} to {_date(cert.not_after)}"
        )
    lines += ["", "Checks:"]
    for check in verdict.checks:
        about = f"{printable(check.subject)}: " if check.subject else ""
        mark = "ok  " if check.ok else "FAIL"
        lines.append(f"  [{mark}] {check.name:<13} {about}{printable(check.detail)}")
    if verdict.fix:
        lines += ["", f"Fix: {printable(verdict.fix)}"]
    lines += [f"Note: {printable(note)}" for note in verdict.notes]
    if skipped:
        lines += ["", "Truststore entries skipped (unreadable):"]
        lines += [f"  {printable(entry)}" for entry in skipped]
    return "\n".join(lines) + "\n"


def client_json(seen: ClientSeen, cert: ParsedCertificate, verdict: Verdict) -> str:
    """One client of an access log, written as it sits in ``access_log_json``'s document
    (two levels in): a log's thousands of clients are held as their text, not as trees of
    objects, and never encoded all at once (``json`` would hold a list of millions of
    pieces)."""
    entry = {
        "sha256": cert.sha256,
        "subject": cert.subject,
        "requests": seen.requests,
        "first_time": seen.first_time,
        "last_time": seen.last_time,
        "request_ids": seen.request_ids,
        "statuses": dict(seen.statuses),
        "aws_reasons": dict(seen.aws_reasons),
        "verdict": verdict_json(verdict),
    }
    # a string never holds a raw newline in JSON: each line break is the indentation's
    return json.dumps(entry, indent=2, ensure_ascii=False).replace("\n", "\n    ")


def access_log_json(clients: Sequence[str], counts: LineCounts, skipped: Sequence[str]) -> str:
    """``json.dumps({"certificates": [...], "lines": ..., "skipped": ...}, indent=2)``, from
    clients :func:`client_json` wrote."""
    rest = json.dumps({"lines": vars(counts), "skipped": list(skipped)}, indent=2,
                      ensure_ascii=False)  # fmt: skip
    listed = "[\n    " + ",\n    ".join(clients) + "\n  ]" if clients else "[]"
    return '{\n  "certificates": ' + listed + ",\n" + rest.removeprefix("{\n") + "\n"


def client_text(seen: ClientSeen, cert: ParsedCertificate, verdict: Verdict) -> list[str]:
    """One client of an access log, as ``access_log_text`` prints it."""
    outcome = "ALLOWED" if verdict.allowed else f"DENIED: {verdict.reason}"
    lines = [f"{printable(cert.subject)} (sha256 {cert.sha256[:16]}…): {outcome}"]
    when = f", {seen.first_time} to {seen.last_time}" if seen.first_time else ""
    statuses = ", ".join(f"{n}x {s}" for s, n in seen.statuses.most_common())
    lines.append(  # times and statuses come from the log: untrusted like the rest
        printable(f"  {seen.requests} request{'s' if seen.requests != 1 else ''}{when}")
        + (f" (status {printable(statuses)})" if statuses else "")
    )
    if seen.request_ids:
        lines.append(f"  request ids: {printable(', '.join(seen.request_ids))}")
    for reason, count in seen.aws_reasons.most_common():
        lines.append(printable(f"  AWS logged {count}x: {reason}"))
    if verdict.fix:
        lines.append(f"  Fix: {printable(verdict.fix)}")
    lines.extend(f"  Note: {printable(note)}" for note in verdict.notes)
    lines.append("")
    return lines


def _counts_line(counts: LineCounts) -> str:
    """What became of the log's lines, as the text and Markdown reports end."""
    return (
        f"{counts.total} lines: {counts.with_certificate} with a client certificate, "
        f"{counts.not_json} not JSON, {counts.no_certificate} without a certificate, "
        f"{counts.bad_certificate} with an unreadable certificate"
        + (f", {counts.too_long} over the line-length cap" if counts.too_long else "")
        + (f", {counts.outside_window} outside --since/--until" if counts.outside_window else "")
        + (f", {counts.execution} execution-log lines" if counts.execution else "")
        + (
            f" ({counts.unmatched_denials} denials matched no access-log request)"
            if counts.unmatched_denials
            else ""
        )
        + "".join(f", {n} {reason}" for reason, n in counts.export_skipped.most_common())
    )


def access_log_text(
    clients: Sequence[list[str]], counts: LineCounts, skipped: Sequence[str]
) -> str:
    lines = [line for client in clients for line in client]
    lines.append(_counts_line(counts))
    if skipped:
        lines.append(f"Truststore entries skipped (unreadable): {printable('; '.join(skipped))}")
    return "\n".join(lines) + "\n"


def _verdict_json_text(verdict: Verdict, skipped: Sequence[str] = ()) -> str:
    return json.dumps(verdict_json(verdict, skipped), indent=2) + "\n"


class VerifyFormat(NamedTuple):
    """How one ``verify --format`` renders a verdict, and an access log client by client
    (each rendered as it is judged, so a log of many clients never holds many verdicts)."""

    verdict: Callable[[Verdict, Sequence[str]], str]
    client: Callable[[ClientSeen, ParsedCertificate, Verdict], Any]
    access_log: Callable[[Sequence[Any], LineCounts, Sequence[str]], str]


def verdict_markdown(verdict: Verdict, skipped: Sequence[str] = ()) -> str:
    """A verdict for a ticket or a step summary: the outcome, the checks as a table, the fix."""
    outcome = "ALLOWED" if verdict.allowed else f"DENIED: {verdict.reason}"
    lines = [
        f"### {cell(outcome)}",
        "",
        "| check | certificate | ok | detail |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {cell(c.name)} | {cell(c.subject or '')} | {'yes' if c.ok else 'NO'} | "
        f"{cell(c.detail)} |"
        for c in verdict.checks
    ]
    if verdict.fix:
        lines += ["", f"**Fix:** {cell(verdict.fix)}"]
    lines += [f"- {cell(note)}" for note in verdict.notes]
    return "\n".join(lines) + "\n"


def client_markdown(seen: ClientSeen, cert: ParsedCertificate, verdict: Verdict) -> str:
    """One client of an access log: a row of ``access_log_markdown``'s table."""
    outcome = "allowed" if verdict.allowed else f"DENIED: {verdict.reason}"
    cells = [cert.subject, cert.sha256[:16], outcome, str(seen.requests),
             seen.first_time or "", seen.last_time or "", ", ".join(seen.request_ids),
             verdict.fix or ""]  # fmt: skip
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def access_log_markdown(clients: Sequence[str], counts: LineCounts, skipped: Sequence[str]) -> str:
    lines = [
        "| client | sha256 | verdict | requests | first | last | request ids | fix |",
        "|---|---|---|---|---|---|---|---|",
        *clients,
        "",
        _counts_line(counts),
    ]
    return "\n".join(lines) + "\n"


#: ``verify --format``.
VERIFY_FORMATS: dict[str, VerifyFormat] = {
    "text": VerifyFormat(verdict_text, client_text, access_log_text),
    "json": VerifyFormat(_verdict_json_text, client_json, access_log_json),
    "markdown": VerifyFormat(verdict_markdown, client_markdown, access_log_markdown),
}


def match_text(keys: Sequence[PublicKeyInfo], same: bool) -> str:
    lines = [f"{key.spki_sha256}  {key.kind:<12} {printable(key.path)}" for key in keys]
    lines.append("all match: they share one public key" if same else "DO NOT MATCH")
    return "\n".join(lines) + "\n"


def match_json(keys: Sequence[PublicKeyInfo], same: bool) -> str:
    document = {
        "match": same,
        "files": [
            {"path": k.path, "kind": k.kind, "public_key_sha256": k.spki_sha256} for k in keys
        ],
    }
    return json.dumps(document, indent=2) + "\n"


#: ``match --format``.
MATCH_FORMATS: dict[str, Callable[[Sequence[PublicKeyInfo], bool], str]] = {
    "text": match_text,
    "json": match_json,
}
