"""Render what a connection log says of each client certificate, and why."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mtls_lint.connectionlog import ConnectionClient, ConnectionCounts
from mtls_lint.denials import CODE_FIXES
from mtls_lint.escape import printable
from mtls_lint.profiles import CODE_DESCRIPTIONS, Profile
from mtls_lint.reporters.step_summary import cell


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
            "fix": fix.format(profile=profile.name) if fix else None,
        })  # fmt: skip
    return out


def _client_json(client: ConnectionClient, profile: Profile) -> dict[str, Any]:
    return {
        "subject": client.subject,
        "serial": client.serial,
        "validity": client.validity,
        "connections": client.connections,
        "failures": client.failures,
        "first_time": client.first_time,
        "last_time": client.last_time,
        "statuses": dict(client.statuses),
        "trace_ids": client.trace_ids,
        "explanations": _explanations(client, profile),
    }


def connections_json(
    clients: Sequence[ConnectionClient], counts: ConnectionCounts, profile: Profile
) -> str:
    document = {
        "service": profile.service,
        "log_format": "alb-connection",
        "clients": [_client_json(c, profile) for c in clients],
        "lines": vars(counts),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def connections_text(
    clients: Sequence[ConnectionClient], counts: ConnectionCounts, profile: Profile
) -> str:
    lines = []
    for client in sorted(clients, key=lambda c: -c.failures):
        outcome = f"{client.failures} of {client.connections} connections failed"
        lines.append(printable(f"{client.subject} (serial {client.serial}): {outcome}"))
        lines.append(printable(f"  {client.first_time} to {client.last_time}; {client.validity}"))
        for item in _explanations(client, profile):
            lines.append(printable(f"  {item['count']}x {item['status']}: {item['description']}"))
            if item["fix"]:
                lines.append(printable(f"    Fix: {item['fix']}"))
        if client.trace_ids:
            lines.append(printable(f"  trace ids: {', '.join(client.trace_ids)}"))
        lines.append("")
    lines.append(
        f"{counts.total} lines: {counts.read} connections, {counts.no_certificate} without a "
        f"client certificate, {counts.unreadable} not ALB connection-log lines"
        + (f", {counts.outside_window} outside --since/--until" if counts.outside_window else "")
    )
    return "\n".join(lines) + "\n"


def connections_markdown(
    clients: Sequence[ConnectionClient], counts: ConnectionCounts, profile: Profile
) -> str:
    lines = [
        "| client | serial | connections | failed | statuses | fix |",
        "|---|---|---|---|---|---|",
    ]
    for client in sorted(clients, key=lambda c: -c.failures):
        explanations = _explanations(client, profile)
        statuses = ", ".join(f"{n}x {s}" for s, n in client.statuses.most_common())
        fixes = " ".join(item["fix"] for item in explanations if item["fix"])
        cells = [client.subject, client.serial, str(client.connections), str(client.failures),
                 statuses, fixes]  # fmt: skip
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    lines += ["", f"{counts.total} lines: {counts.read} connections"]
    return "\n".join(lines) + "\n"


CONNECTION_FORMATS = {
    "text": connections_text,
    "json": connections_json,
    "markdown": connections_markdown,
}
