"""Private keys that are not in a tidy ``-----BEGIN ... PRIVATE KEY-----`` block of their own.

A key pasted into a bundle is a leak whatever its shape, and the hook must stop it: inside a
JSON string (``"-----BEGIN PRIVATE KEY-----\\nMII..."``), on one line with its armour, in a
file with CR-only line ends (one "line" to the splitter), as base64 or hex with no armour at
all, or as raw DER. The reader finds each with its line; it never keeps or returns the key.
"""

import base64
import binascii
import re
from collections.abc import Collection, Iterable, Iterator
from typing import NamedTuple

#: Armour of any private key (PKCS#8, encrypted PKCS#8, RSA, EC, DSA, OpenSSH ...).
_KEY_ARMOUR = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
#: A whole line of base64 (or base64url), or of hex with separators. Each is one character
#: class repeated, which the regex engine matches in one pass without keeping state (a
#: pattern of repeated groups keeps state per repetition: hundreds of MB over a 10 MB
#: line); three times as fast as deleting the characters with ``str.translate``.
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/_=-]*")
_HEX_LINE = re.compile(r"[0-9a-fA-F: \t]*")
#: Tokens of either inside a longer line (a JSON string, a YAML value): escapes of line
#: breaks are removed first, so ``MIIE...\nAbc...`` is one token. Single character classes,
#: which the regex engine repeats without keeping state.
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{64,}={0,2}")
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f:]{96,}")
_ESCAPED_BREAK = re.compile(r"\\[nr]")
#: The shortest private key DER worth looking at (an Ed25519 PKCS#8 key is 48 bytes).
MIN_KEY_BYTES = 48


class HiddenKey(NamedTuple):
    line: int
    end_line: int
    #: How it is hidden, for the message: "in armour outside a block", "as base64", ...
    how: str


def find_hidden_keys(
    data: bytes,
    *,
    binary: bool,
    line_count: int,
    key_blocks: Collection[int],
    outside: Iterable[tuple[int, str]],
) -> tuple[HiddenKey, ...]:
    """Every private key in ``data`` that is not a block of its own.

    The reader says what it found: whether the file is ``binary``, its ``line_count``, the
    first lines of its private-key blocks (reported as blocks already), and the text lines
    ``outside`` every block as (line, text).
    """
    found: list[HiddenKey] = []
    if binary:
        if is_private_key_der(data):
            found.append(HiddenKey(1, max(1, line_count), "as binary DER"))
        return tuple(found)
    found += (
        HiddenKey(line, line, "in armour that is not a block of its own")
        for line in _armour_lines(data)
        if line not in key_blocks
    )
    armoured = {key.line for key in found}
    found += (key for key in _encoded(outside) if key.line not in armoured)
    found.sort()
    return tuple(found)


def _armour_lines(data: bytes) -> Iterator[int]:
    """The line of each private-key armour in ``data``, counted at ``\\n`` (linear)."""
    line, counted_to = 1, 0
    for match in _KEY_ARMOUR.finditer(data):
        line += data.count(b"\n", counted_to, match.start())
        counted_to = match.start()
        yield line


def _encoded(lines: Iterable[tuple[int, str]]) -> Iterator[HiddenKey]:
    """Keys as base64 or hex outside the blocks: runs of consecutive lines that are only
    that, and long tokens inside other lines."""
    run: list[tuple[int, str]] = []
    run_kind = ""
    for number, raw in lines:
        text = raw.strip()
        kind = _kind(text)
        if run and (kind != run_kind or number != run[-1][0] + 1):
            yield from _check_run(run, run_kind)
            run = []
        if kind:
            run.append((number, text))
            run_kind = kind
            continue
        flat = _ESCAPED_BREAK.sub("", text) if "\\" in text else text
        for token in _BASE64_TOKEN.findall(flat):
            if _decodes_to_key(token, "base64"):
                yield HiddenKey(number, number, "as base64 inside a line")
                break
        else:
            for match in _HEX_TOKEN.finditer(flat):
                if _decodes_to_key(match[0], "hex"):
                    yield HiddenKey(number, number, "as hex inside a line")
                    break
    if run:
        yield from _check_run(run, run_kind)


def _kind(text: str) -> str:
    """What a whole line (stripped) is made of: "hex", "base64" (hex first: every line of
    hex digits is base64 too), or neither ("")."""
    if _HEX_LINE.fullmatch(text):
        return "hex"
    return "base64" if _BASE64_LINE.fullmatch(text) else ""


def _check_run(run: list[tuple[int, str]], kind: str) -> Iterator[HiddenKey]:
    if _decodes_to_key("".join(text for _, text in run), kind):
        yield HiddenKey(run[0][0], run[-1][0], f"as {kind} with no armour")


def _decodes_to_key(text: str, kind: str) -> bool:
    try:
        if kind == "hex":
            der = binascii.unhexlify("".join(text.split()).replace(":", ""))
        else:
            text = text.rstrip("=").translate(_URLSAFE)
            der = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return is_private_key_der(der)


_URLSAFE = str.maketrans("-_", "+/")


def is_private_key_der(der: bytes) -> bool:
    """Whether ``der`` is a private key (encrypted ones included) that ``cryptography``
    reads; keys are parsed without RSA validation, so a hostile key costs no prime test."""
    if len(der) < MIN_KEY_BYTES or der[:1] != b"\x30":  # every form is a DER SEQUENCE
        return False
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    try:
        load_der_private_key(der, None, unsafe_skip_rsa_key_validation=True)
    except TypeError:  # "Password was not given but private key is encrypted": a key
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return True
