"""``check --fix``: the mechanical repairs, byte for byte everywhere else.

What is repaired, and how (each is a rule's finding):

- ``pem-hygiene``: the byte-order mark, CR before LF and trailing whitespace are removed,
  and every readable certificate block is written again from its DER, base64 in 64
  columns (the certificate itself never changes);
- ``blank-line``: blank lines are removed (inside an unreadable block they stay: that block
  is not ours to guess at);
- ``stray-text``: text outside the blocks is removed or, where the profile allows comments
  (ALB, CloudFront), kept as a ``#`` comment when it holds no ``-``;
- ``duplicate-certificate``: later copies of a certificate are removed;
- ``not-pem``: a DER certificate is written as PEM;
- ``private-key-in-bundle``: private key blocks, and keys hidden in text, are removed (the
  key stays leaked in git history: the run still fails and says so).

Fixing is idempotent: the output of :func:`fix` fixed again is itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from mtls_lint.bundle import BOM, Bundle, FileKind, PemBlock
from mtls_lint.profiles import Profile

_PLACEHOLDER = b"[private key: not shown]"


class Fixed(NamedTuple):
    data: bytes
    #: Whether a private key was removed (the run must still fail: it is leaked).
    removed_key: bool


def pem_certificate(der: bytes) -> bytes:
    """``der`` as one PEM block, base64 in 64 columns (the standard library's encoder)."""
    import ssl

    return ssl.DER_cert_to_PEM_cert(der).encode("ascii")


def fix(data: bytes, bundle: Bundle, profile: Profile) -> Fixed:
    """``data`` (read as ``bundle``) with the mechanical findings repaired."""
    if bundle.kind is FileKind.DER:
        return Fixed(pem_certificate(data), False)
    if bundle.kind is not FileKind.PEM:
        return Fixed(data, False)
    out, removed = [], False
    for line in _lines(data, bundle, profile):
        if line is None:
            removed = True
        else:
            out.append(line)
    return Fixed(b"".join(out), removed)


def redacted(data: bytes, bundle: Bundle) -> bytes:
    """``data`` with each private key's lines replaced by one placeholder line: what a diff
    of the fix may show (a key is never echoed)."""
    lines = _physical(data)
    keyed = _key_lines(bundle)
    out: list[bytes] = []
    for number, line in enumerate(lines, 1):
        if number in keyed:
            if number - 1 not in keyed:
                out.append(_PLACEHOLDER + b"\n")
            continue
        out.append(line)
    return b"".join(out)


def _physical(data: bytes) -> list[bytes]:
    """The lines as :func:`mtls_lint.pem_reader.read_bundle` numbers them: ending at LF."""
    text = data[len(BOM) :] if data.startswith(BOM) else data
    lines = text.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [line + b"\n" for line in lines]


def _key_lines(bundle: Bundle) -> set[int]:
    spans = [(b.begin_line, b.end_line) for b in bundle.blocks if b.is_private_key]
    spans += [(k.line, k.end_line) for k in bundle.hidden_keys]
    return {n for first, last in spans for n in range(first, last + 1)}


def _lines(data: bytes, bundle: Bundle, profile: Profile) -> Iterator[bytes | None]:
    """The fixed file's lines; None where a private key was dropped."""
    lines = _physical(data)
    starts: dict[int, PemBlock] = {b.begin_line: b for b in bundle.blocks}
    outside = {t.line for t in bundle.outside}
    keyed = _key_lines(bundle)
    seen: set[bytes] = set()
    number = 1
    while number <= len(lines):
        block = starts.get(number)
        if block is not None and block.end_line >= number:
            after = block.end_line + 1
            if block.is_private_key:
                yield None
            elif block.cert_index is not None and block.der is not None and block.problem is None:
                if block.der not in seen:
                    seen.add(block.der)
                    yield pem_certificate(block.der)
            else:  # another kind of block, or a broken one: kept, cleaned of the hygiene only
                yield from (_clean(line) for line in lines[number - 1 : block.end_line])
            number = after
            continue
        line = _clean(lines[number - 1])
        if number in keyed:
            yield None
        elif not line.strip():
            pass  # blank-line
        elif number in outside:
            comment = _as_comment(line, profile)
            if comment is not None:
                yield comment
        else:
            yield line  # a stray END line: not ours to fix
        number += 1


def _clean(line: bytes) -> bytes:
    return line.rstrip() + b"\n"


def _as_comment(line: bytes, profile: Profile) -> bytes | None:
    """A stray line as the profile's comment, or None to remove it."""
    if not profile.allows_comments:
        return None
    text = line.strip()
    if b"-" in text:
        return None
    return line if text.startswith(b"#") else b"# " + text + b"\n"


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """The change as ``diff -u`` shows it (both sides already redacted of keys)."""
    import difflib

    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"))
