"""The bundles in examples/ say what the README says they say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import lint, rules_of

EXAMPLES = Path(__file__).parent.parent / "examples"
#: After the examples were made (2026-11-26), long before their CAs expire (2045).
LATER = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


def test_the_clean_example_is_clean() -> None:
    assert lint((EXAMPLES / "clean" / "bundle.pem").read_bytes(), now=LATER) == []


def test_the_broken_example_shows_the_four_classic_mistakes() -> None:
    findings = lint((EXAMPLES / "broken" / "bundle.pem").read_bytes(), now=LATER)
    assert rules_of(findings) == [
        "expired",
        "weak-signature-hash",
        "missing-issuer",
        "private-key-in-bundle",
    ]
