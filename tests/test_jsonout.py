"""The iterative JSON writer says exactly what json.dumps says, at any depth."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mtls_lint.findings import Severity
from mtls_lint.jsonout import MAX_INDENTED, Text, dumps, object_template, quote

#: An IntEnum (a finding's severity) is written as its number, as json writes it.
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
    | st.sampled_from(Severity)
)  # fmt: skip
#: Keys as json converts them: True is "true", 1.5 is "1.5", None is "null".
KEYS = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=30,
)


@given(VALUES)
def test_same_text_as_json_dumps(value: object) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_key_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        json.dumps({(1, 2): "tuple key"}, indent=2)
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})


def test_nesting_deeper_than_the_recursion_limit_is_linear_and_parses() -> None:
    value: dict[str, object] = {"sha256": "x", "children": []}
    top = value
    for _ in range(3000):
        child: dict[str, object] = {"sha256": "x", "children": []}
        value["children"] = [child]
        value = child
    text = dumps(top)  # under the default recursion limit
    assert len(text) < 3000 * 100  # indented 32 levels deep, inline below: not 3000**2
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # json.loads itself recurses, to check the text
    try:
        assert json.loads(text) == top
    finally:
        sys.setrecursionlimit(limit)


def _nested(value: object, depth: int) -> object:
    """``value`` as the only item of ``depth`` nested lists: placed at that depth."""
    for _ in range(depth):
        value = [value]
    return value


#: The values a template is filled with: strings (quoted) and whole numbers (``%d``).
FIELDS = st.text() | st.integers()


@given(
    st.lists(st.text(), unique=True, max_size=6).flatmap(
        lambda keys: st.tuples(
            st.just(keys), st.lists(FIELDS, min_size=len(keys), max_size=len(keys))
        )
    ),
    st.integers(0, MAX_INDENTED + 3),
)
def test_a_templated_object_is_the_text_dumps_writes_at_its_depth(
    keys_and_values: tuple[list[str], list[str | int]], depth: int
) -> None:
    keys, values = keys_and_values
    numbers = [key for key, value in zip(keys, values, strict=True) if isinstance(value, int)]
    filled = tuple(value if isinstance(value, int) else quote(value) for value in values)
    text = Text(object_template(keys, depth, numbers) % filled)
    expected = dumps(_nested(dict(zip(keys, values, strict=True)), depth))
    assert dumps(_nested(text, depth)) == expected
    if depth < MAX_INDENTED:  # json itself indents every level
        assert expected == json.dumps(
            _nested(dict(zip(keys, values, strict=True)), depth), indent=2, ensure_ascii=False
        )


def test_a_percent_sign_in_a_key_is_no_placeholder() -> None:
    template = object_template(["100%", "%s"], 0)
    assert template % ("1", "2") == '{\n  "100%": 1,\n  "%s": 2\n}'


def test_a_number_key_takes_a_whole_number_and_nothing_else() -> None:
    """A key templated as a number is written as dumps writes an int, strings beside it
    quoted; a value that is no number is refused, never written as ``None``."""
    template = object_template(["line", "text"], 1, numbers=("line",))
    assert template % (7, quote('a "b"')) == dumps([{"line": 7, "text": 'a "b"'}])[4:-2]
    with pytest.raises(TypeError):
        template % (None, quote(""))


def test_a_str_subclass_is_written_as_its_text() -> None:
    class Label(str):
        pass

    assert dumps([Label("é\n")]) == json.dumps(["é\n"], indent=2, ensure_ascii=False)
