"""The runner model itself: it must see what a runner sees, or the suite proves nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtls_lint.escape import inert_json, inert_text, runner_command
from tests.security.runner import commands, foreign_commands, try_parse_legacy, try_parse_v2


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("::error::x", "error"),
        ("   \t::add-mask::secret", "add-mask"),
        ("::warning file=a,line=1::m", "warning"),
        ("::stop-commands::token", "stop-commands"),
        (":: no name::", None),
        ("::unterminated", None),
        ("x ::error::y", None),
    ],
)
def test_v2_needs_colons_after_leading_whitespace(line: str, name: str | None) -> None:
    assert try_parse_v2(line) == name


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("##[stop-commands]x", "stop-commands"),
        ("mtls-lint: error: ts/x##[stop-commands]p.pem: cannot read", "stop-commands"),
        ("##[error file=a]m", "error"),
        ("##[error no bracket", None),
        ("#[error]x", None),
    ],
)
def test_legacy_is_found_anywhere_in_a_line(line: str, name: str | None) -> None:
    assert try_parse_legacy(line) == name


def test_a_carriage_return_starts_a_line() -> None:
    assert [c.name for c in commands("ok\r::error::x\r\n##[warning]y")] == ["error", "warning"]


def test_own_annotations_are_not_foreign_unless_they_carry_legacy_syntax() -> None:
    own = "::error file=a.pem,line=1,endLine=2,title=mtls-lint expired::msg"
    assert foreign_commands(own) == []
    assert foreign_commands(own + " ##[add-mask]x") != []


HOSTILE_LINES = [
    "::error::x",
    "  ::warning::x",
    "\u3000::notice::x",
    "a##[stop-commands]b",
    "###[error]x",
    "##[##[error]x]",
    ":::error::x",
]


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_the_shared_predicate_sees_every_command_the_runner_would(line: str) -> None:
    assert commands(line)
    assert runner_command(line)


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_inert_text_leaves_no_command_and_shows_the_escape(line: str) -> None:
    out = inert_text(f"first\n{line}\r{line}")
    assert commands(out) == []
    assert not any(runner_command(part) for part in out.splitlines())
    assert "\\x23[" in out or "\\x3a:" in out


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_inert_json_keeps_the_document_and_leaves_no_command(line: str) -> None:
    import json

    value = {"k": f"{line}\u2028{line}\x85{line}\ud800"}
    out = inert_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert commands(out) == []
    assert json.loads(out)["k"] == value["k"].replace("\ud800", "\ufffd")
    out.encode("utf-8")  # no lone surrogate left


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab:#[ \n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ud800é")))
def test_inert_json_takes_its_shortcut_only_where_the_escapes_change_nothing(text: str) -> None:
    """Pure-ASCII text without a raw break goes through untouched: for any text, the result
    is what escaping every break and surrogate gives."""
    import re

    from mtls_lint.escape import LINE_BREAKS

    expected = text.replace("##[", "#\\u0023[")
    expected = re.sub(f"[{LINE_BREAKS[2:]}]", lambda m: f"\\u{ord(m[0]):04x}", expected)
    assert inert_json(text) == re.sub("[\ud800-\udfff]", "\ufffd", expected)
