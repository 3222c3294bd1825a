"""ALB connection logs: one line per TLS connection, ``tls_verify_status`` per client.

The fields, space-separated (a quoted one may hold spaces), are: timestamp, client_ip,
client_port, listener_port, tls_protocol, tls_cipher, tls_handshake_latency,
leaf_client_cert_subject, leaf_client_cert_validity, leaf_client_cert_serial_number,
tls_verify_status (``Success`` or ``Failed:$error_code``), conn_trace_id, and in the current
format tls_keyexchange, elb and ip_address (13 or 15 fields; ../shared/AWS-SERVICES.md 4).
Connections are grouped by the leaf certificate's subject and serial number: what stays in
memory grows with distinct clients, not with lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ \d+ \d+ ")
#: Kept of a field copied from a log into the report.
MAX_FIELD = 200
MAX_TRACE_IDS = 5
#: Distinct codes counted per client (AWS documents about a dozen; a log can invent more).
MAX_CODES = 32
#: The current format's field count, and the older one's.
FIELD_COUNTS = (15, 13, 12)


def looks_like_alb_connection(line: str) -> bool:
    return bool(_START.match(line))


@dataclass
class ConnectionClient:
    """One client certificate as the connection log names it, and its connections."""

    subject: str
    serial: str
    validity: str
    connections: int = 0
    first_time: str = ""
    last_time: str = ""
    statuses: Counter[str] = field(default_factory=Counter)
    trace_ids: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "Success")

    @property
    def not_after(self) -> str | None:
        """The ``NotAfter=`` of the logged validity, as written."""
        for part in self.validity.split(";"):
            if part.startswith("NotAfter="):
                return part.removeprefix("NotAfter=")
        return None


@dataclass
class ConnectionCounts:
    total: int = 0
    read: int = 0
    #: Lines that are not an ALB connection-log line.
    unreadable: int = 0
    #: Connections without a client certificate (``-`` for its subject).
    no_certificate: int = 0
    #: Connections outside ``--since``/``--until``.
    outside_window: int = 0


def read_connection_log(
    lines: Iterable[str | None], keep: Callable[[str | None], bool] | None = None
) -> tuple[list[ConnectionClient], ConnectionCounts]:
    clients: dict[tuple[str, str], ConnectionClient] = {}
    counts = ConnectionCounts()
    for line in lines:
        if line is None or not line.strip():
            counts.total += line is None
            counts.unreadable += line is None
            continue
        counts.total += 1
        fields = _FIELD.findall(line)
        if len(fields) not in FIELD_COUNTS or not _START.match(line):
            counts.unreadable += 1
            continue
        if keep is not None and not keep(fields[0]):
            counts.outside_window += 1
            continue
        counts.read += 1
        subject, validity, serial, status = (_cut(f) for f in fields[7:11])
        if subject == "-" and serial == "-":
            counts.no_certificate += 1
            continue
        key = (subject, serial)
        client = clients.get(key)
        if client is None:
            client = clients[key] = ConnectionClient(subject, serial, validity)
        client.connections += 1
        moment = _cut(fields[0])
        client.first_time = client.first_time or moment
        client.last_time = moment
        if status in client.statuses or len(client.statuses) < MAX_CODES:
            client.statuses[status] += 1
        if status != "Success" and len(client.trace_ids) < MAX_TRACE_IDS:
            client.trace_ids.append(_cut(fields[11]))
    return list(clients.values()), counts


def _cut(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value[:MAX_FIELD]
