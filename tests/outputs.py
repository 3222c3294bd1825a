"""What every report must satisfy whatever the input: shared by the fuzz and safety tests."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

#: Characters a terminal or a log viewer may act on: controls, format characters (bidi
#: overrides), line/paragraph separators, surrogates, private use, unassigned.
UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})

ANNOTATION = re.compile(
    r"::(error|warning|notice) file=(?P<file>[^,:\r]*),line=(?P<line>\d+),"
    r"endLine=(?P<end>\d+),title=mtls-lint [a-z0-9-]+::[^\r]*"
)
SUMMARY = re.compile(
    r"\d+ errors?, \d+ warnings?, \d+ notices? in \d+ files? \(\d+ certificates?\)"
)


def assert_terminal_safe(text: str) -> None:
    """No character of ``text`` but the line breaks can drive a terminal."""
    for number, line in enumerate(text.split("\n"), 1):
        unsafe = [c for c in line if unicodedata.category(c) in UNSAFE]
        assert not unsafe, f"line {number} carries {unsafe!r}: {line!r}"


def assert_github_commands(text: str, lines_in_file: int) -> None:
    """Every line is an annotation (with a span inside the file), the plain report between
    ``::stop-commands::TOKEN`` and ``::TOKEN::``, or the summary: nothing else can reach
    the runner as a workflow command, and no command's message holds a raw line break."""
    assert_terminal_safe(text)
    lines = text.split("\n")
    assert lines.pop() == "", "output ends with a newline"
    token = None
    for line in lines:
        if token is not None:
            if line == f"::{token}::":
                token = None
            continue
        if line.startswith("::stop-commands::"):
            token = line.removeprefix("::stop-commands::")
            assert re.fullmatch(r"[0-9a-f]{32}", token), line
            continue
        match = ANNOTATION.fullmatch(line)
        if match:
            assert 1 <= int(match["line"]) <= int(match["end"]) <= lines_in_file, line
            continue
        assert SUMMARY.fullmatch(line), f"not a workflow command or the summary: {line!r}"
    assert token is None, "stop-commands never resumed"


def lines_in(data: bytes) -> int:
    """How many lines a file has as git counts them (at least 1: file-level findings)."""
    return max(1, data.count(b"\n") + (0 if data.endswith(b"\n") else 1))


def assert_json_report(text: str, lines_in_file: int) -> dict[str, Any]:
    document = json.loads(text)
    json.dumps(document, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    for finding in document["findings"]:
        assert 1 <= finding["line"] <= finding["end_line"] <= lines_in_file, finding
    return document


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    """The OASIS SARIF 2.1.0 schema (a copy in tests/data), compiled once."""
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def assert_sarif_report(text: str, lines_in_file: int) -> dict[str, Any]:
    document = json.loads(text)
    json.dumps(document, ensure_ascii=False).encode("utf-8")
    sarif_validator().validate(document)
    for result in document["runs"][0]["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert 1 <= region["startLine"] <= region["endLine"] <= lines_in_file, result
    return document
