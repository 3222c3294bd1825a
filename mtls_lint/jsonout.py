"""``json.dumps(value, indent=2, ensure_ascii=False)``, without recursion or quadratic size.

The standard encoder recurses once per level and stops with RecursionError near a thousand:
``inspect``'s trust tree nests a chain of 1,500 certificates 1,500 deep. Indenting each level
would also make the text grow with the square of the depth (10,000 levels: 400 MB of
spaces). This writes the same text as ``json.dumps`` iteratively down to
:data:`MAX_INDENTED` levels, and anything deeper on one line; only strings, numbers,
booleans and None go through :func:`json.dumps`.
"""

from __future__ import annotations

import json
from typing import Any

_INDENT = "  "
#: Levels written one item per line; deeper ones are written inline.
MAX_INDENTED = 32


def dumps(value: Any) -> str:
    """The text ``json.dumps(value, indent=2, ensure_ascii=False)`` gives (the same down to
    :data:`MAX_INDENTED` levels), at any depth."""
    out: list[str] = []
    # work items: a value to write at a depth, or a literal piece of text
    stack: list[tuple[Any, int] | str] = [(value, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, depth = item
        inline = depth >= MAX_INDENTED
        inner = "" if inline else "\n" + _INDENT * (depth + 1)
        close = "" if inline else "\n" + _INDENT * depth
        comma = ", " if inline else ","
        if isinstance(node, dict) and node:
            pieces: list[tuple[Any, int] | str] = ["{"]
            for i, (key, child) in enumerate(node.items()):
                pieces.append((comma if i else "") + inner + _scalar(_key(key)) + ": ")
                pieces.append((child, depth + 1))
            pieces.append(close + "}")
            stack.extend(reversed(pieces))
        elif isinstance(node, (list, tuple)) and node:
            pieces = ["["]
            for i, child in enumerate(node):
                pieces.append((comma if i else "") + inner)
                pieces.append((child, depth + 1))
            pieces.append(close + "]")
            stack.extend(reversed(pieces))
        elif isinstance(node, dict):
            out.append("{}")
        elif isinstance(node, (list, tuple)):
            out.append("[]")
        else:
            out.append(_scalar(node))
    return "".join(out)


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _key(key: Any) -> str:
    """A mapping key as ``json`` writes it: a string as it is, ``True`` as ``true``, a
    number as its JSON text (TypeError for any other key, as ``json`` raises)."""
    if isinstance(key, str):
        return key
    if isinstance(key, (bool, int, float)) or key is None:
        return json.dumps(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
