"""Read API Gateway access logs and group requests by client certificate.

The troubleshooting article has HTTP APIs log ``$context.identity.clientCert.clientCertPem``
with ``$context.requestId``, ``$context.status`` and the request time, as JSON lines. Field
names are the user's choice, so fields are found by the end of their (dotted) name, and the
certificate by its PEM armour if no field is named for it. Lines that are not JSON, carry no
certificate or a broken one are counted and skipped, never fatal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mtls_lint.bundle import PemBlock
from mtls_lint.certificate import ParsedCertificate

_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
_NOT_BASE64 = re.compile(r"\\n|\\r|[^A-Za-z0-9+/=]")
#: One decoder for every line: ``json.loads(line, strict=False)`` would build one per call.
#: Not strict: a PEM logged with real line breaks has them inside a JSON string.
_DECODER = json.JSONDecoder(strict=False)
MAX_REQUEST_IDS = 5
#: A REST execution-log line: ``(request-id) text``; the denial API Gateway logs for mutual
#: TLS is ``Access denied. Reason: ...`` (re:Post, api-gateway-mutual-tls-403-errors).
_DENIED = "Access denied. Reason: "
_EXECUTION = re.compile(r"\((?P<id>[^()\s]{1,200})\) (?:Access denied\. Reason: (?P<reason>.*)|.*)")
#: Failed requests and denials kept for the join: memory grows with failures, not with lines.
MAX_JOINED = 1_000_000
#: The fields a request's time is read from, first found first.
TIME_FIELDS = ("requesttime", "requesttimeepoch", "time", "timestamp", "@timestamp")
#: Characters of certificate texts remembered with their client (or that they hold none),
#: in all: a real client's PEM is one or two thousand, a hostile line's a million. Past it,
#: a log of ever new texts is decoded line by line, and memory stays flat.
MAX_TEXT_CHARS = 8 * 1024 * 1024
#: Shapes of record remembered with the names their lookups match (a few in a real log),
#: and the most fields a remembered shape may have; past them, a log of ever new or huge
#: shapes is searched line by line, and memory stays flat.
MAX_SHAPES = 1024
MAX_SHAPE_FIELDS = 64
#: Kept of a field copied from a log into the report: a time, a status, a request id.
MAX_FIELD = 200


@dataclass
class ClientSeen:
    """One distinct client certificate, and the requests that presented it.

    The certificate is kept as DER (a kilobyte) and parsed again when its turn to be
    verified comes: a log with 200,000 distinct clients must not hold 200,000 parsed ones.
    """

    der: bytes
    sha256: str
    line: int
    requests: int = 0
    first_time: str | None = None
    last_time: str | None = None
    request_ids: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    #: What API Gateway's execution log says of this client's requests (``Access denied.
    #: Reason: ...``), joined by request id.
    aws_reasons: Counter[str] = field(default_factory=Counter)

    def parse(self) -> ParsedCertificate:
        block = PemBlock("CERTIFICATE", self.line, self.line, self.der, 1, None, 0, None)
        return ParsedCertificate.parse(block, self.der)


@dataclass
class LineCounts:
    total: int = 0
    with_certificate: int = 0
    not_json: int = 0
    no_certificate: int = 0
    bad_certificate: int = 0
    #: Lines over the length cap, skipped unread.
    too_long: int = 0
    #: Requests outside ``--since``/``--until`` (or whose time cannot be read, when a window
    #: is given).
    outside_window: int = 0
    #: REST execution-log lines (``(request-id) ...``), and the denials among them that no
    #: access-log request of the input matched.
    execution: int = 0
    unmatched_denials: int = 0
    #: Pieces of an export (a JSON document's rows, CSV) that held no log line, by reason.
    export_skipped: Counter[str] = field(default_factory=Counter)


def _flatten(value: Any) -> Iterator[tuple[str, Any]]:
    """The leaves of nested objects as (``dotted.name`` in lower case, value), in order.

    Iterative: a log line is untrusted, and nesting deep enough would exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        prefix, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((f"{prefix}{key}.", child) for key, child in reversed(item.items()))
        else:
            yield prefix[:-1].lower(), item


class _Shape:
    """The leaves of records of one shape: each dotted lower-case name (:func:`_flatten`)
    with the key its value is read by, and the names each lookup matches, found once."""

    __slots__ = ("_matching", "keys")

    def __init__(self, keys: Iterable[str]) -> None:
        #: lower-case name -> the key to read: in the order of each name's first key, and
        #: the last key of a name, as ``dict(_flatten(record))`` keeps them
        self.keys: dict[str, str] = {}
        for key in keys:
            self.keys[key.lower()] = key
        self._matching: dict[tuple[str, ...], tuple[str, ...]] = {}

    def matching(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The keys of the leaves called one of ``names`` -- the whole dotted name or the
        end of it -- for each name in turn, in order."""
        found = self._matching.get(names)
        if found is None:
            found = self._matching[names] = tuple(
                key
                for wanted in names
                for name, key in self.keys.items()
                if name == wanted or name.endswith("." + wanted)
            )
        return found


class _Fields:
    """One record's leaves, read through its :class:`_Shape`: found once per shape of
    record -- a log holds a few in a million lines -- and then read directly. A flat record
    (most logs) is read as it is, without a walk or a copy."""

    __slots__ = ("_shape", "values")

    def __init__(self, record: Any, shapes: dict[tuple[bool, tuple[str, ...]], _Shape]) -> None:
        if type(record) is not dict:  # the decoder makes plain dicts, lists, strings, ...
            self.values: dict[str, Any] = {}
            flat = True
        elif dict in map(type, record.values()):
            self.values = dict(_flatten(record))
            flat = False
        else:
            self.values = record
            flat = True
        keys = tuple(self.values)
        shape = shapes.get((flat, keys))
        if shape is None:
            shape = _Shape(keys)
            if len(shapes) < MAX_SHAPES and len(keys) <= MAX_SHAPE_FIELDS:
                shapes[flat, keys] = shape
        self._shape = shape

    def value(self, *names: str) -> str | None:
        """The first leaf called one of ``names`` (lower case), at any depth -- its whole
        dotted name or the end of it; "-" means absent."""
        for key in self._shape.matching(names):
            value = self.values[key]
            if value not in (None, "", "-"):
                return str(value)
        return None

    def field(self, *names: str) -> str | None:
        """:meth:`value`, cut to :data:`MAX_FIELD` characters: the log is untrusted, the
        report is not its copy."""
        value = self.value(*names)
        return value[:MAX_FIELD] if value is not None else None

    def certificate_text(self) -> str | None:
        pem = self.value("identity.clientcert.clientcertpem", "clientcertpem")
        if pem is not None:
            return pem
        leaves = (self.values[key] for key in self._shape.keys.values())
        return next((v for v in leaves if isinstance(v, str) and _BEGIN in v), None)


def _der_of(text: str) -> bytes | None:
    """The DER of the first PEM certificate in a log value, however its newlines were logged.

    Two ``find`` calls, not a lazy regex: a line of a million BEGIN lines and no END would
    make ``BEGIN(.*?)END`` scan to the end from each of them.
    """
    begin = text.find(_BEGIN)
    if begin < 0:
        return None
    end = text.find(_END, begin + len(_BEGIN))
    if end < 0:
        return None
    try:
        return base64.b64decode(_NOT_BASE64.sub("", text[begin + len(_BEGIN) : end]), validate=True)
    except (binascii.Error, ValueError):
        return None


def read_access_log(
    lines: Iterable[str | None], keep: Callable[[str | None], bool] | None = None
) -> tuple[list[ClientSeen], LineCounts]:
    """Group the requests of ``lines`` by client certificate; None stands for a line over
    the length cap (counted, not read). ``keep`` decides from a request's time (as logged)
    whether it is in the window asked for."""
    seen: dict[str, ClientSeen] = {}
    counts = LineCounts()
    denials: dict[str, str] = {}  # request id -> AWS's logged reason (execution log)
    requests: dict[str, ClientSeen] = {}  # failed request id -> its client (access log)
    # a PEM as logged -> its client (None: not a certificate): a client's every request logs
    # the same text, so each is decoded, hashed and parsed once
    texts: dict[str, ClientSeen | None] = {}
    remembered = 0  # characters of the texts
    shapes: dict[tuple[bool, tuple[str, ...]], _Shape] = {}
    for number, line in enumerate(lines, 1):
        if line is None:
            counts.total += 1
            counts.too_long += 1
            continue
        if not line.strip():
            continue  # blank lines are not requests
        counts.total += 1
        try:
            record = _DECODER.decode(line)
        except (ValueError, RecursionError):  # RecursionError: [[[[... nested thousands deep
            execution = _EXECUTION.match(line)
            if execution is None:
                counts.not_json += 1
                continue
            counts.execution += 1
            reason = execution["reason"]
            if reason is not None and len(denials) < MAX_JOINED:
                denials[execution["id"]] = f"{_DENIED}{reason[:MAX_FIELD]}"
            continue
        if keep is None and "BEGIN" not in line:  # most requests log no PEM: skip the walk
            counts.no_certificate += 1
            continue
        fields = _Fields(record, shapes)
        moment = fields.field(*TIME_FIELDS)
        if keep is not None and not keep(moment):
            counts.outside_window += 1
            continue
        text = fields.certificate_text()
        if text is None:
            counts.no_certificate += 1
            continue
        if text in texts:
            client = texts[text]
        else:
            client = _client_of(text, number, seen)
            if remembered + len(text) <= MAX_TEXT_CHARS:
                texts[text] = client
                remembered += len(text)
        if client is None:
            counts.bad_certificate += 1
            continue
        counts.with_certificate += 1
        request_id, status = fields.field("requestid"), fields.field("status")
        shown_id = request_id if request_id is not None else fields.field("extendedrequestid")
        _count_request(client, moment, shown_id, status)
        failed = status is None or not status.startswith("2")  # only failures are joined
        if request_id is not None and failed and len(requests) < MAX_JOINED:
            requests[request_id] = client
    for request_id, reason in denials.items():
        client = requests.get(request_id)
        if client is None:
            counts.unmatched_denials += 1
        elif reason in client.aws_reasons or len(client.aws_reasons) < MAX_STATUSES:
            client.aws_reasons[reason] += 1
    return list(seen.values()), counts


def _client_of(text: str, line: int, seen: dict[str, ClientSeen]) -> ClientSeen | None:
    """The client whose certificate ``text`` logs (added to ``seen`` at its first line), or
    None if it holds no readable certificate."""
    der = _der_of(text)
    if der is None:
        return None
    sha256 = hashlib.sha256(der).hexdigest()
    client = seen.get(sha256)
    if client is None:
        client = ClientSeen(der, sha256, line)
        try:
            client.parse()  # only to know it is a certificate; parsed again to verify
        except Exception:  # noqa: BLE001 - untrusted DER from a log: count it and go on
            return None
        seen[sha256] = client
    return client


def _count_request(
    client: ClientSeen, moment: str | None, request_id: str | None, status: str | None
) -> None:
    client.requests += 1
    if moment is not None:
        client.first_time = client.first_time or moment
        client.last_time = moment
    if request_id is not None and len(client.request_ids) < MAX_REQUEST_IDS:
        client.request_ids.append(request_id)
    if status is not None and (status in client.statuses or len(client.statuses) < MAX_STATUSES):
        client.statuses[status] += 1


#: Distinct statuses counted per client (HTTP has a few dozen; a log can invent millions).
MAX_STATUSES = 32
