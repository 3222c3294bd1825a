"""``json.dumps(value, indent=2, ensure_ascii=False)``, faster, without recursion or
quadratic size.

The standard encoder writes indented text with its pure-Python encoder (the C one only
writes compact text), three nested generators per value: rendering the hook's 866 findings
took 10 ms, three times their compact text. This writes the same text from a loop, strings
through ``json``'s own C escaper.

A report's many records of one shape (a finding's fields) can be written from a template
instead (:func:`object_template`, :func:`quote`) and placed as :class:`Text`: rendering the
hook's findings so takes a quarter of the time.

It is also iterative: the standard encoder recurses once per level and stops with
RecursionError near a thousand, and ``inspect``'s trust tree nests a chain of 1,500
certificates 1,500 deep. Indenting each level would make the text grow with the square of
the depth (10,000 levels: 400 MB of spaces), so anything deeper than :data:`MAX_INDENTED`
levels is written on one line.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from json.encoder import encode_basestring  # the C escaper where CPython has it
from typing import Any

_INDENT = "  "
#: Levels written one item per line; deeper ones are written inline.
MAX_INDENTED = 32
#: (before each item, after the last) of a container at each depth to MAX_INDENTED.
_BREAKS = [("\n" + _INDENT * (d + 1), "\n" + _INDENT * d) for d in range(MAX_INDENTED)]


class Text(str):
    """JSON text written as it is, already indented for the depth it is placed at (from
    :func:`object_template`)."""

    __slots__ = ()


def object_template(keys: Sequence[str], depth: int, numbers: Collection[str] = ()) -> str:
    """The text of an object with ``keys`` (in this order) that :func:`dumps` writes at
    ``depth``, with a ``%s`` where each value goes -- a string's :func:`quote`, or the
    :class:`Text` of a container templated one level deeper -- and a ``%d`` for each key of
    ``numbers``, whose value is a whole number (``%d`` refuses any other)."""
    if not keys:
        return "{}"
    inner, between, close = _layout(depth)
    items = [
        encode_basestring(key).replace("%", "%%") + (": %d" if key in numbers else ": %s")
        for key in keys
    ]
    return "{" + inner + between.join(items) + close + "}"


#: A string's JSON text, as :func:`dumps` writes it (``json``'s C escaper).
quote = encode_basestring


def dumps(value: Any) -> str:
    """The text ``json.dumps(value, indent=2, ensure_ascii=False)`` gives (the same down to
    :data:`MAX_INDENTED` levels), at any depth."""
    out: list[str] = []
    # open containers: (their items still to write, depth, closing bracket); a container
    # is left where a nested one opens, and taken up again once that one is closed
    stack: list[tuple[Iterator[tuple[int, Any]], int, str]] = []
    _open(value, 0, out, stack)
    while stack:
        items, depth, bracket = stack[-1]
        inner, between, close = _layout(depth)
        opened = False
        if bracket == "}":
            for position, (key, child) in items:
                name = encode_basestring(key) if type(key) is str else _key(key)
                head = f"{between if position else inner}{name}: "
                kind = type(child)
                if kind is str:  # most values: the item in one piece, no call of ours
                    out.append(head + encode_basestring(child))
                elif kind is int:  # lines, counts (a bool or an IntEnum is no int here)
                    out.append(head + int.__repr__(child))
                else:
                    out.append(head)
                    if _open(child, depth + 1, out, stack):
                        opened = True
                        break  # the nested container first; this one's iterator keeps its place
        else:
            for position, child in items:
                head = between if position else inner
                if type(child) is str:
                    out.append(head + encode_basestring(child))
                else:
                    out.append(head)
                    if _open(child, depth + 1, out, stack):
                        opened = True
                        break
        if not opened:
            out.append(close + bracket)
            stack.pop()
    return "".join(out)


def _layout(depth: int) -> tuple[str, str, str]:
    """What a container at ``depth`` writes before its first item, between two, and after
    its last: one per line down to :data:`MAX_INDENTED`, inline below."""
    if depth < MAX_INDENTED:
        inner, close = _BREAKS[depth]
        return inner, "," + inner, close
    return "", ", ", ""


def _open(
    value: Any, depth: int, out: list[str], stack: list[tuple[Iterator[Any], int, str]]
) -> bool:
    """Write ``value`` if it is a scalar or empty, else its opening bracket, leaving its items
    on ``stack``; True when it did the latter."""
    if type(value) is Text:
        out.append(value)
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return False
        out.append("{")
        stack.append((enumerate(value.items()), depth, "}"))
        return True
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return False
        out.append("[")
        stack.append((enumerate(value), depth, "]"))
        return True
    else:
        out.append(_scalar(value))
    return False


def _scalar(value: Any) -> str:
    if isinstance(value, str):  # a str subclass: its text, as json writes it
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)  # as json writes an IntEnum: its number
    return json.dumps(value)  # floats (NaN, Infinity), and TypeError for anything else


def _key(key: Any) -> str:
    """A mapping key as ``json`` writes it: a string as it is, ``True`` as ``true``, a
    number as its JSON text (TypeError for any other key, as ``json`` raises)."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, (bool, int, float)) or key is None:
        return encode_basestring(_scalar(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
