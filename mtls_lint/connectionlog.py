"""Connection logs: one record per TLS connection, its verification status per client.

**ALB** writes space-separated lines (a quoted field may hold spaces): timestamp, client_ip,
client_port, listener_port, tls_protocol, tls_cipher, tls_handshake_latency,
leaf_client_cert_subject, leaf_client_cert_validity, leaf_client_cert_serial_number,
tls_verify_status (``Success`` or ``Failed:$error_code``), conn_trace_id, and in the current
format tls_keyexchange, elb and ip_address (13 or 15 fields; ../shared/AWS-SERVICES.md 4).

**CloudFront** delivers its connection logs through CloudWatch's log delivery, as JSON (the
default) or plain text, with the fields the user selected (CloudFront Developer Guide,
"Observability using connection logs"; the record-field names, ``connectionStatus``,
``clientLeafCertSubject``, ``clientLeafCertSerialNumber``, ``clientLeafCertIssuer``,
``clientLeafCertValidity``, ``connectionId``..., are those of the delivery's record fields).
The JSON records are read by those names, whichever fields were chosen; ``connectionStatus``
is ``Success`` or ``Failed:<code>`` (AWS-SERVICES.md 4b lists the codes).

Connections are grouped by the leaf certificate's subject and serial number: what stays in
memory grows with distinct clients, not with lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ \d+ \d+ ")
_DECODER = json.JSONDecoder()
#: Kept of a field copied from a log into the report.
MAX_FIELD = 200
MAX_TRACE_IDS = 5
#: Distinct codes counted per client (AWS documents about a dozen; a log can invent more).
MAX_CODES = 32
#: The current format's field count, and the older one's.
FIELD_COUNTS = (15, 13, 12)
ALB, CLOUDFRONT = "alb-connection", "cloudfront-connection"
#: The time of a CloudFront record, first found first (lower case).
_CLOUDFRONT_TIMES = ("timestamp", "eventtimestamp", "time", "@timestamp")


def looks_like_alb_connection(line: str) -> bool:
    return bool(_START.match(line))


def looks_like_cloudfront_connection(line: str) -> bool:
    """A JSON record with a ``connectionStatus`` (checked cheaply: recognition only)."""
    return line.lstrip().startswith("{") and '"connectionStatus"' in line


def connection_kind(line: str) -> str | None:
    """Which connection log ``line`` is a record of, or None."""
    if looks_like_alb_connection(line):
        return ALB
    if looks_like_cloudfront_connection(line):
        return CLOUDFRONT
    return None


class Record(NamedTuple):
    """What one connection-log record says of a connection; "-" where the log has nothing."""

    time: str
    subject: str
    serial: str
    validity: str
    status: str
    trace_id: str
    issuer: str = "-"


def alb_record(line: str) -> Record | None:
    fields = _FIELD.findall(line)
    if len(fields) not in FIELD_COUNTS or not _START.match(line):
        return None
    subject, validity, serial, status = (_cut(f) for f in fields[7:11])
    return Record(_cut(fields[0]), subject, serial, validity, status, _cut(fields[11]))


def cloudfront_record(line: str) -> Record | None:
    try:
        value = _DECODER.decode(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    fields = {str(k).lower(): v for k, v in value.items() if isinstance(v, (str, int, float))}
    if "connectionstatus" not in fields:
        return None

    def get(*names: str) -> str:
        for name in names:
            found = fields.get(name)
            if found not in (None, "", "-"):
                return _cut(str(found))
        return "-"

    return Record(
        get(*_CLOUDFRONT_TIMES), get("clientleafcertsubject"), get("clientleafcertserialnumber"),
        get("clientleafcertvalidity"), get("connectionstatus"), get("connectionid"),
        get("clientleafcertissuer"),
    )  # fmt: skip


READERS: dict[str, Callable[[str], Record | None]] = {
    ALB: alb_record,
    CLOUDFRONT: cloudfront_record,
}


@dataclass
class ConnectionClient:
    """One client certificate as the connection log names it, and its connections."""

    subject: str
    serial: str
    validity: str
    issuer: str = "-"
    connections: int = 0
    first_time: str = ""
    last_time: str = ""
    statuses: Counter[str] = field(default_factory=Counter)
    trace_ids: list[str] = field(default_factory=list)
    #: What the truststore given can tell of this client's failures (filled by the caller).
    truststore_notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "Success")

    def validity_part(self, name: str) -> str | None:
        """``NotBefore`` or ``NotAfter`` of the logged validity (``NotBefore=...;NotAfter=...``),
        as written."""
        for part in self.validity.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name and value:
                return value
        return None


@dataclass
class ConnectionCounts:
    total: int = 0
    read: int = 0
    #: Lines that are not a record of the connection log read.
    unreadable: int = 0
    #: Lines over the line-length cap, skipped unread.
    too_long: int = 0
    #: Connections without a client certificate (``-`` for its subject).
    no_certificate: int = 0
    #: Connections outside ``--since``/``--until``.
    outside_window: int = 0
    #: Pieces of an export (a JSON document's rows, CSV) that held no log line, by reason.
    export_skipped: Counter[str] = field(default_factory=Counter)


def read_connection_log(
    lines: Iterable[str | None],
    keep: Callable[[str | None], bool] | None = None,
    kind: str = ALB,
) -> tuple[list[ConnectionClient], ConnectionCounts]:
    clients: dict[tuple[str, str], ConnectionClient] = {}
    counts = ConnectionCounts()
    reader = READERS[kind]
    for line in lines:
        if line is None:
            counts.total += 1
            counts.too_long += 1
            continue
        if not line.strip():
            continue
        counts.total += 1
        record = reader(line)
        if record is None:
            counts.unreadable += 1
            continue
        if keep is not None and not keep(record.time):
            counts.outside_window += 1
            continue
        counts.read += 1
        if record.subject == "-" and record.serial == "-":
            counts.no_certificate += 1
            continue
        key = (record.subject, record.serial)
        client = clients.get(key)
        if client is None:
            client = clients[key] = ConnectionClient(
                record.subject, record.serial, record.validity, record.issuer
            )
        client.connections += 1
        client.first_time = client.first_time or record.time
        client.last_time = record.time
        status = record.status
        if status in client.statuses or len(client.statuses) < MAX_CODES:
            client.statuses[status] += 1
        if status != "Success" and len(client.trace_ids) < MAX_TRACE_IDS:
            client.trace_ids.append(record.trace_id)
    return list(clients.values()), counts


def _cut(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value[:MAX_FIELD]
