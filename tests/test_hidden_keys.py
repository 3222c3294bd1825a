"""How the hidden-key reader tells a line of base64 or hex from any other text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mtls_lint.hidden_keys import _kind

BASE64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-=")
HEX = set("0123456789abcdefABCDEF: \t")


@given(st.text(alphabet=st.sampled_from(sorted(BASE64 | HEX | set("#.\\\n\u00e9\u2028")))))
def test_a_line_is_hex_or_base64_when_every_character_is(text: str) -> None:
    expected = "hex" if set(text) <= HEX else "base64" if set(text) <= BASE64 else ""
    assert _kind(text) == expected
