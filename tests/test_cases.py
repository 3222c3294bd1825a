"""The lint cases of tests/cases/: each file a bundle and every finding it must produce."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import lint
from tests.pki import NOW, PKI

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def build(case: Path, pki: PKI) -> tuple[bytes, dict[str, int], dict[str, Any]]:
    """The bundle's bytes, the first line of each labelled item, and the case itself."""
    spec = yaml.safe_load(case.read_text())
    issued: dict[str, Any] = {}
    for name, options in (spec.get("certificates") or {}).items():
        kwargs = dict(options or {})
        if "issuer" in kwargs:
            kwargs["issuer"] = issued[kwargs["issuer"]]
        for moment in ("not_before", "not_after"):
            if moment in kwargs:
                kwargs[moment] = _moment(kwargs[moment])
        issued[name] = pki.cert(f"case {case.stem} {name}", **kwargs)
    parts: list[bytes] = []
    labels: dict[str, int] = {}
    line = 1
    for item in spec.get("bundle") or []:
        if isinstance(item, str):
            label, data = item, issued[item].pem
        elif "key" in item:
            label, data = item.get("as", ""), issued[item["key"]].key_pem()
        else:
            label, data = item.get("as", ""), item["text"].encode() + b"\n"
        if label:
            labels[label] = line
        parts.append(data)
        line += data.count(b"\n")
    return b"".join(parts), labels, spec


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path, pki: PKI) -> None:
    data, labels, spec = build(case, pki)
    now = _moment(spec["now"]) if "now" in spec else NOW
    findings = lint(data, profile=spec.get("profile", "apigateway"), now=now)
    expected = []
    for entry in spec.get("expect") or []:
        rule, where = entry.split()
        expected.append((rule, labels[where[1:]] if where.startswith("@") else int(where)))
    assert sorted((f.rule, f.line) for f in findings) == sorted(expected), [
        f"{f.rule} {f.line}: {f.message}" for f in findings
    ]
