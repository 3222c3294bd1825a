"""The shapes API Gateway access logs come in, turned back into one log line per request.

An operator has what the console or the CLI exported, not tidy JSON lines: ``aws logs
filter-log-events`` (or ``get-log-events``) JSON, whose events carry each line as
``message``; a CloudWatch Logs Insights export, CSV or JSON, with ``@message`` (or the fields
the query chose); CloudWatch's export to S3, ``<timestamp> <message>`` lines, gzipped; and raw
lines whose PEM was logged with real line breaks. :func:`messages` recognises the shape from
the first lines (or is told it) and yields the access-log lines inside, for
:func:`mtls_lint.accesslog.read_access_log`.

Connection logs come the same ways: ALB's lines as the load balancer writes them, and
CloudFront's JSON records as CloudWatch delivers them (raw, or inside any of the exports
above). :attr:`Shape.records` says which kind of log the lines inside are.

Every shape is read in bounded pieces: a whole-document export (JSON) one row at a time (a row
at most MAX_ROW_BYTES), a PEM spread over lines at most MAX_JOINED_BYTES and MAX_TRIES lines
past its END. What is skipped of an export is counted by reason in :attr:`Shape.skipped`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mtls_lint.connectionlog import (
    ALB,
    CLOUDFRONT,
    connection_kind,
    looks_like_alb_connection,
    looks_like_cloudfront_connection,
)

#: ``--log-format`` values, ``auto`` first.
LOG_FORMATS = (
    "auto",
    "apigateway-access",
    "apigateway-execution",
    "cloudwatch-events",
    "insights-csv",
    "insights-json",
    "cloudwatch-s3-export",
    ALB,
    CLOUDFRONT,
)
#: What the lines inside a shape are: access logs, or one of the connection logs.
ACCESS = "access"
#: How each shape is made, for the hint when nothing is recognised.
EXPORTS = {
    "apigateway-access": "access-log lines as the stage writes them (JSON, one per line)",
    "apigateway-execution": "REST execution-log lines, '(request-id) Access denied. Reason: ...'",
    "cloudwatch-events": "aws logs filter-log-events --log-group-name GROUP > events.json",
    "insights-csv": "Logs Insights: 'Export results' > 'Download table (CSV)'",
    "insights-json": "Logs Insights: 'Export results' > 'Download table (JSON)'",
    "cloudwatch-s3-export": "aws logs create-export-task ... (the .gz files it writes to S3)",
    ALB: "the load balancer's connection logs in S3 (aws s3 cp --recursive s3://BUCKET/PREFIX .)",
    CLOUDFRONT: "the distribution's connection logs, JSON, from their CloudWatch log group "
    "(aws logs filter-log-events) or their S3 delivery",
}
#: One row of a whole-document export: CloudWatch events are at most 256 KiB; a PEM logged
#: with escapes doubles a little.
MAX_ROW_BYTES = 2 * 1024 * 1024
MAX_JOINED_BYTES = 64 * 1024
#: Lines after a PEM's END tried as the end of its record: each try parses the record, so an
#: unbounded number would make a hostile run of short lines quadratic.
MAX_TRIES = 8
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
_EXECUTION_LINE = re.compile(r"\([^()\s]{1,200}\) ")
_S3_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z? ")


@dataclass
class Shape:
    """What :func:`messages` found: the format, and pieces it could not use."""

    name: str = "unknown"
    #: What the lines inside are: ACCESS, ALB or CLOUDFRONT (known once one is read).
    records: str = ACCESS
    #: Lines joined because a PEM in them was logged with real line breaks.
    joined: int = 0
    #: Pieces of an export that held no log line, by reason.
    skipped: Counter[str] = field(default_factory=Counter)


def messages(lines: Iterable[str | None], log_format: str, shape: Shape) -> Iterator[str | None]:
    """The access-log lines in ``lines`` (None: a line over the length cap, passed on)."""
    stream = iter(lines)
    head: list[str | None] = []
    for line in stream:
        head.append(line)
        if line is not None and line.strip():
            break
    first = next((h for h in head if h is not None and h.strip()), None)
    name = log_format if log_format != "auto" else _recognise(first)
    shape.name = name
    rest = _chain(head, stream)
    inside: Iterator[str | None]
    if name in ("cloudwatch-events", "insights-json"):
        inside = _document(rest, shape)
    elif name == "insights-csv":
        inside = _csv(rest, shape)
    elif name in (ALB, CLOUDFRONT):
        inside = rest  # read by mtls_lint.connectionlog, not as access-log lines
    elif name == "cloudwatch-s3-export":
        inside = (_after_timestamp(line) for line in rest)
    else:
        inside = _joined(rest, shape)
    for line in inside:  # the first line inside tells access logs from connection logs
        if line is not None and line.strip():
            shape.records = connection_kind(line) or ACCESS
            yield line
            break
        yield line
    yield from inside


def _chain(head: list[str | None], rest: Iterator[str | None]) -> Iterator[str | None]:
    yield from head
    yield from rest


def _recognise(first: str | None) -> str:
    if first is None:  # empty, blank, or only lines over the length cap: nothing to go by
        return "unknown"
    text = first.strip()
    if text.startswith("["):
        return "insights-json"
    if text == "{" or text.startswith('{"events"'):  # aws logs output, pretty or compact
        return "cloudwatch-events"
    if looks_like_cloudfront_connection(text):
        return CLOUDFRONT
    if text.startswith("{"):
        return "apigateway-access"
    if "@message" in text or "@timestamp" in text:
        return "insights-csv"
    if _EXECUTION_LINE.match(text):
        return "apigateway-execution"
    if looks_like_alb_connection(text):
        return ALB
    if _S3_LINE.match(text):
        return "cloudwatch-s3-export"
    return "unknown"


def _document(lines: Iterable[str | None], shape: Shape) -> Iterator[str]:
    """The messages of one JSON export, a row at a time: ``{"events": [{"message": ...}]}``
    from ``aws logs``, or ``[{"@message": ...}]`` (or rows of chosen fields) from Logs
    Insights. Each row is decoded by :mod:`json` from a window of the text; memory is bounded
    by the largest row (MAX_ROW_BYTES), not by the document."""
    stream = iter(lines)
    buffer, position, ended = "", -1, False

    def more(at_least: int) -> bool:
        """Read lines until ``at_least`` more characters are buffered; False at the end. The
        rows already decoded are dropped first: one copy per read, not one per row."""
        nonlocal buffer, position, ended
        if position > 0:
            buffer, position = buffer[position:], 0
        pieces, size = [], 0
        for line in stream:
            if line is None:  # a line over the length cap: no row can be read across it
                shape.skipped["line over the length cap inside a JSON export"] += 1
                break
            pieces.append(line)
            size += len(line) + 1
            if size >= at_least:
                buffer += "\n".join(pieces) + "\n"
                return True
        ended = True
        buffer += "\n".join(pieces) + ("\n" if pieces else "")
        return bool(pieces)

    while True:  # the rows: the list after "events" (aws logs), or the top level's (Insights)
        events = buffer.find('"events"')
        position = buffer.find("[", max(events, 0))
        if position >= 0 and (events >= 0 or buffer.lstrip().startswith("[")):
            break
        position = -1
        if len(buffer) > MAX_ROW_BYTES or not more(max(len(buffer), 4096)):
            break
    if position < 0:
        shape.skipped["JSON export without a list of events"] += 1
        return
    position += 1
    while True:
        while True:  # skip the separators between rows
            length = len(buffer)
            while position < length and buffer[position] in " \t\r\n,":
                position += 1
            if position < length or ended or not more(4096):
                break
        if position >= len(buffer):
            shape.skipped["JSON export cut short"] += 1
            return
        if buffer[position] == "]":
            return
        try:
            row, after = _DECODER.raw_decode(buffer, position)
        except (ValueError, RecursionError):
            # the row may go on past the buffer: read as much again (linear in the row), up
            # to MAX_ROW_BYTES; past that, or at the end, the export is broken here
            unread = len(buffer) - position
            if unread > MAX_ROW_BYTES:
                shape.skipped["JSON export row over the size cap"] += 1
                return
            if ended or not more(max(unread, 4096)):
                shape.skipped["JSON export broken or cut short"] += 1
                return
            continue
        position = after
        message = row.get("message", row.get("@message")) if isinstance(row, dict) else None
        if isinstance(message, str):
            yield message
        elif isinstance(row, dict):
            yield json.dumps(row)
        else:
            shape.skipped["JSON export row that is not an object"] += 1


_DECODER = json.JSONDecoder(strict=False)


def _csv(lines: Iterable[str | None], shape: Shape) -> Iterator[str | None]:
    """Logs Insights CSV: the ``@message`` column, or each row's fields as one JSON object.
    A PEM with real line breaks is one quoted field over several lines: csv joins them."""
    text = (line + "\n" for line in lines if line is not None)
    try:
        for row in csv.DictReader(text):
            message = row.get("@message")
            yield message if message else json.dumps({k: v for k, v in row.items() if k})
    except csv.Error as exc:
        shape.skipped[f"CSV export unreadable past this point ({exc})"[:MAX_REASON]] += 1
        return


MAX_REASON = 120


def _after_timestamp(line: str | None) -> str | None:
    if line is None:
        return None
    match = _S3_LINE.match(line)
    return line[match.end() :] if match else line


def _joined(lines: Iterable[str | None], shape: Shape) -> Iterator[str | None]:
    """Raw access-log lines, a record whose PEM was logged with real line breaks joined back
    into one: from the line that opens a PEM to the first line after its END where the
    record is whole JSON again (at most MAX_JOINED_BYTES; a longer run is passed on as it
    is, to be counted as lines that are not JSON)."""
    pending: list[str] = []
    size, tries = 0, -1  # tries: -1 until the PEM's END is seen
    for line in lines:
        if line is None or (
            pending and (size + len(line) > MAX_JOINED_BYTES or tries >= MAX_TRIES)
        ):
            yield from pending
            pending, size, tries = [], 0, -1
            if line is None:
                yield None
                continue
        if pending:
            pending.append(line)
            size += len(line) + 1
            if tries < 0 and _END in line:
                tries = 0
            if tries >= 0:
                tries += 1
                if _whole("\n".join(pending)):
                    shape.joined += 1
                    yield "\n".join(pending)
                    pending, size, tries = [], 0, -1
            continue
        begin = line.find(_BEGIN)
        if begin >= 0 and line.find(_END, begin) < 0:
            pending, size, tries = [line], len(line), -1
            continue
        yield line
    yield from pending


def _whole(text: str) -> bool:
    try:
        json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return False
    return True


def recognised(shape: Shape) -> bool:
    return shape.name != "unknown"


def hint() -> str:
    """What to say when no line was in a shape the reader knows."""
    shapes = "; ".join(f"{name}: {how}" for name, how in EXPORTS.items())
    return f"expected one of these log formats ({shapes}); --log-format forces one"


_CLF = "%d/%b/%Y:%H:%M:%S %z"  # $context.requestTime: 01/Jun/2026:10:00:00 +0000


def log_time(text: str | None) -> dt.datetime | None:
    """A time as the logs write it: API Gateway's ``requestTime`` (``01/Jun/2026:10:00:00
    +0000``), ``requestTimeEpoch`` (milliseconds), ISO 8601 (ALB, S3 exports) or Logs
    Insights' ``2026-05-31 10:00:00.000``; None when it is none of them."""
    if not text:
        return None
    value = text.strip()
    try:
        if value.isdigit():
            number = int(value)
            return dt.datetime.fromtimestamp(
                number / 1000 if number > 10**11 else number, dt.timezone.utc
            )
        if "/" in value:
            return dt.datetime.strptime(value, _CLF).astimezone(dt.timezone.utc)
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
