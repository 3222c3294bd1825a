"""Render what a connection log says of each client certificate, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mtls_lint import jsonout
from mtls_lint.connectionlog import ConnectionClient, ConnectionCounts
from mtls_lint.denials import CODE_FIXES
from mtls_lint.escape import printable
from mtls_lint.profiles import CODE_DESCRIPTIONS, Profile
from mtls_lint.reporters.step_summary import cell


@dataclass
class Connections:
    """One run over connection logs: its clients, what became of the lines, the service."""

    clients: Sequence[ConnectionClient]
    counts: ConnectionCounts
    profile: Profile
    log_format: str
    #: What the truststore given says of itself (certificates not valid when the log ends).
    truststore_notes: Sequence[str] = ()

    def by_failures(self) -> list[ConnectionClient]:
        return sorted(self.clients, key=lambda c: (-c.failures, c.subject, c.serial))


def _explanations(client: ConnectionClient, profile: Profile) -> list[dict[str, Any]]:
    out = []
    for status, count in client.statuses.most_common():
        if status == "Success":
            continue
        code = status.removeprefix("Failed:")
        fix = CODE_FIXES.get(code)
        out.append({
            "status": status,
            "count": count,
            "description": CODE_DESCRIPTIONS.get(code, "not a code AWS documents"),
            "fix": fix.format(
                profile=profile.name, publish=profile.publish,
                ignore_expiry=profile.ignore_expiry_option or "no option to ignore expiry",
            ) if fix else None,
        })  # fmt: skip
    return out


def _client_json(client: ConnectionClient, profile: Profile) -> dict[str, Any]:
    return {
        "subject": client.subject,
        "serial": client.serial,
        "issuer": client.issuer,
        "validity": client.validity,
        "connections": client.connections,
        "failures": client.failures,
        "first_time": client.first_time,
        "last_time": client.last_time,
        "statuses": dict(client.statuses),
        "trace_ids": client.trace_ids,
        "explanations": _explanations(client, profile),
        "truststore_notes": client.truststore_notes,
    }


def connections_json(report: Connections) -> str:
    document = {
        "service": report.profile.service,
        "log_format": report.log_format,
        "clients": [_client_json(c, report.profile) for c in report.by_failures()],
        "truststore_notes": list(report.truststore_notes),
        "lines": vars(report.counts),
    }
    return jsonout.dumps(document) + "\n"


def _counts_line(report: Connections) -> str:
    counts = report.counts
    skipped = "".join(f", {n} {reason}" for reason, n in counts.export_skipped.most_common())
    return (
        f"{counts.total} lines: {counts.read} connections, {counts.no_certificate} without a "
        f"client certificate, {counts.unreadable} not {report.profile.service} connection-log "
        "records"
        + (f", {counts.too_long} over the line-length cap" if counts.too_long else "")
        + (f", {counts.outside_window} outside --since/--until" if counts.outside_window else "")
        + skipped
    )


def connections_text(report: Connections) -> str:
    lines = []
    for client in report.by_failures():
        outcome = f"{client.failures} of {client.connections} connections failed"
        lines.append(printable(f"{client.subject} (serial {client.serial}): {outcome}"))
        issuer = f"; issuer {client.issuer}" if client.issuer != "-" else ""
        lines.append(printable(f"  {client.first_time} to {client.last_time}; {client.validity}"
                               f"{issuer}"))  # fmt: skip
        for item in _explanations(client, report.profile):
            lines.append(printable(f"  {item['count']}x {item['status']}: {item['description']}"))
            if item["fix"]:
                lines.append(printable(f"    Fix: {item['fix']}"))
        lines.extend(printable(f"  Truststore: {note}") for note in client.truststore_notes)
        if client.trace_ids:
            lines.append(printable(f"  trace ids: {', '.join(client.trace_ids)}"))
        lines.append("")
    lines.extend(printable(f"Truststore: {note}") for note in report.truststore_notes)
    lines.append(printable(_counts_line(report)))
    return "\n".join(lines) + "\n"


def connections_markdown(report: Connections) -> str:
    lines = [
        "| client | serial | connections | failed | statuses | fix | truststore |",
        "|---|---|---|---|---|---|---|",
    ]
    for client in report.by_failures():
        explanations = _explanations(client, report.profile)
        statuses = ", ".join(f"{n}x {s}" for s, n in client.statuses.most_common())
        fixes = " ".join(item["fix"] for item in explanations if item["fix"])
        cells = [client.subject, client.serial, str(client.connections), str(client.failures),
                 statuses, fixes, " ".join(client.truststore_notes)]  # fmt: skip
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    lines.append("")
    if report.truststore_notes:
        lines += [f"- {cell(note)}" for note in report.truststore_notes] + [""]
    lines.append(cell(_counts_line(report)))
    return "\n".join(lines) + "\n"


CONNECTION_FORMATS = {
    "text": connections_text,
    "json": connections_json,
    "markdown": connections_markdown,
}
