"""Read a truststore file into PEM blocks with line numbers (SPEC section 2).

Library loaders such as ``cryptography.x509.load_pem_x509_certificates`` drop what they cannot
read and fail a whole file for one bad block, so this module splits RFC 7468 armour itself and
keeps every block -- broken, truncated or not a certificate -- with the lines it spans, in a
:class:`~mtls_lint.bundle.Bundle`. It knows nothing about rules.
"""

from __future__ import annotations

import array
import base64
import binascii
import itertools
import re
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from typing import cast

from mtls_lint import forked
from mtls_lint.bundle import BOM, MAX_BASE64_LINE, Bundle, FileKind, PemBlock, Tally, TextLine

_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def read_bundle(path: str, data: bytes, meanwhile: Callable[[], object] | None = None) -> Bundle:
    """Split ``data`` (the bytes of the file at ``path``) into blocks and outside text.

    Lines end at ``\n`` (a preceding ``\r`` is CRLF), as git and GitHub count them, so line
    numbers match the pull request's.

    ``meanwhile``, what the caller would do next that does not need the bundle, is called
    while a large file is read by a forked child too (see :func:`_pieces`); before reading,
    where the file is small or no child can help. Only a run that has the other CPUs to
    itself should pass it.
    """
    has_bom = data.startswith(BOM)
    body = data[len(BOM) :] if has_bom else data
    armoured = b"-----BEGIN" in body or b"-----END" in body
    pieces = _pieces(body) if meanwhile is not None and armoured else None
    if pieces is None and meanwhile is not None:
        meanwhile()
    bundle = _read_tidy(path, data, body, has_bom, pieces, meanwhile) if armoured else None
    if bundle is None:
        bundle = _read_by_lines(path, data, body, has_bom, armoured)
    if bundle.outside or bundle.kind is FileKind.BINARY or b"PRIVATE KEY-----" in data:
        from mtls_lint.hidden_keys import find_hidden_keys  # a tidy bundle never needs it

        hidden = find_hidden_keys(
            data,
            binary=bundle.kind is FileKind.BINARY,
            line_count=bundle.line_count,
            key_blocks={b.begin_line for b in bundle.blocks if b.is_private_key},
            outside=bundle.outside,
        )
        bundle = bundle._replace(hidden_keys=hidden)
    return bundle


def _read_by_lines(path: str, data: bytes, body: bytes, has_bom: bool, armoured: bool) -> Bundle:
    """Read any file, a line at a time."""
    raw_lines = body.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()  # the newline ending the last line does not start another
    if armoured:
        return _Splitter(path, data, raw_lines, has_bom).run()
    return _read_unarmoured(path, data, raw_lines, has_bom)


#: A certificate block as ``openssl x509`` writes one: base64 lines of at most 64 characters
#: between its armour lines, nothing else on any line. The class has no ``-``, so a body
#: line never runs into the END line, and a failed attempt gives back at most 64 characters
#: a line: the cost stays linear in the file's size, whatever its bytes.
_TIDY_BLOCK = re.compile(
    rb"^-----BEGIN CERTIFICATE-----\n((?:[A-Za-z0-9+/=]{1,%d}\n)+)-----END CERTIFICATE-----(\n|\Z)"
    % MAX_BASE64_LINE,
    re.MULTILINE,
)
#: A file of this many bytes or more is read in pieces of about :data:`PIECE_BYTES`, by this
#: process and a forked child at once (:func:`~mtls_lint.forked.share_out`): the tidy read of
#: 10,000 certificates takes some 75 ms, the engine's imports some 55, and a child reads
#: pieces while the parent imports. Below it, the fork and the pickle cost more than the
#: other CPU saves.
SPLIT_FROM = 2 << 20
PIECE_BYTES = 1 << 19
_BEGIN_LINE = b"\n-----BEGIN CERTIFICATE-----\n"


def _pieces(body: bytes) -> list[tuple[int, int]] | None:
    """Where to cut ``body`` to read it on two CPUs: (start, end) of each piece, each cut at
    the start of a BEGIN CERTIFICATE line, so a tidy block is never cut; None for a file
    read whole (small, CRLF lines, one CPU, or no line to cut at)."""
    if len(body) < SPLIT_FROM or b"\r" in body or forked.cpus() < 2:
        return None
    cuts = [0]
    while (cut := body.find(_BEGIN_LINE, cuts[-1] + PIECE_BYTES)) >= 0:
        cuts.append(cut + 1)
    if len(cuts) == 1:
        return None
    cuts.append(len(body))
    return list(itertools.pairwise(cuts))


class _Part:
    """A piece of a tidy file, read as a file of its own (lines and certificates numbered
    from 1). Pickled by the child that read it, it travels as a :class:`_Sent`. (Classes of
    slots, not named tuples: each is built at every start, and costs ten times less.)"""

    __slots__ = ("blank_runs", "blocks", "lines", "outside", "trailing")

    def __init__(
        self,
        lines: int,
        blocks: list[PemBlock],
        outside: list[TextLine],
        blank_runs: tuple[tuple[int, int], ...],
        trailing: Tally,
    ) -> None:
        #: The piece's number of lines.
        self.lines = lines
        self.blocks = blocks
        self.outside = outside
        self.blank_runs = blank_runs
        self.trailing = trailing

    def rows(self) -> Iterator[tuple[bytes | None, int, int, int]]:
        """(DER, first line, last line, size) of each block."""
        return ((b.der, b.begin_line, b.end_line, b.size) for b in self.blocks)

    def __reduce__(self) -> tuple[type[_Sent], tuple[object, ...]]:
        spans: array.array[int] = array.array("q")
        for block in self.blocks:
            spans.extend((block.begin_line, block.end_line, block.size))
        ders = [block.der for block in self.blocks]
        return _Sent, (self.lines, spans, ders, self.outside, self.blank_runs, self.trailing)


class _Sent:
    """A :class:`_Part` as a child sends it: its blocks as numbers and bytes, a few large
    pickle steps rather than one per block, made blocks again only once the parent knows
    where in the file they are."""

    __slots__ = ("blank_runs", "ders", "lines", "outside", "spans", "trailing")

    def __init__(
        self,
        lines: int,
        spans: array.array[int],
        ders: list[bytes],
        outside: list[TextLine],
        blank_runs: tuple[tuple[int, int], ...],
        trailing: Tally,
    ) -> None:
        self.lines = lines
        #: (first line, last line, size in bytes) of each block, in a row.
        self.spans = spans
        self.ders = ders
        self.outside = outside
        self.blank_runs = blank_runs
        self.trailing = trailing

    def rows(self) -> Iterator[tuple[bytes | None, int, int, int]]:
        spans = self.spans
        return zip(self.ders, spans[0::3], spans[1::3], spans[2::3], strict=True)


def _read_tidy(
    path: str,
    data: bytes,
    body: bytes,
    has_bom: bool,
    pieces: list[tuple[int, int]] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Bundle | None:
    """The bundle, read without a step per line, when every block in it is a tidy
    certificate block and no line around them looks like armour; else None, and
    :class:`_Splitter` reads the file (what it reports of a tidy file is exactly this).

    Most files are of this kind, and the hook reads every one of them on every commit. Read
    in several ``pieces``, the first ones by a forked child while the parent does
    ``meanwhile``, then each by whichever is free."""
    if b"\r" in body:
        return None  # CRLF lines: the splitter counts them (and no file of them is cut)
    if pieces is None or len(pieces) == 1:
        parts = [_tidy_part(body, (0, len(body)))]
    else:
        parts = forked.share_out(pieces, partial(_tidy_part, body), 2, first=meanwhile)
    if any(part is None for part in parts):
        return None
    whole = _joined(cast("list[_Part | _Sent]", parts))
    return Bundle(
        path=path,
        kind=FileKind.PEM,
        size=len(data),
        line_count=whole.lines,
        blocks=tuple(whole.blocks),
        outside=tuple(whole.outside),
        stray_ends=(),
        has_bom=has_bom,
        crlf=Tally(),
        trailing_space=whole.trailing,
        blank_runs=whole.blank_runs,
    )


def _tidy_part(body: bytes, piece: tuple[int, int]) -> _Part | None:
    """The piece of ``body`` between the offsets ``piece``, read as a tidy file of its
    own; None where it is not one."""
    text = body[piece[0] : piece[1]]
    blocks: list[PemBlock] = []
    add = blocks.append
    around = _Around()
    at, line = 0, 1  # the byte, and the number of the line, reading has reached
    for match in _TIDY_BLOCK.finditer(text):
        start, end = match.span()
        if start > at:  # the lines between two blocks, or before the first
            after = around.read(text[at:start], line)
            if after is None:
                return None
            line = after
        encoded = match[1]
        try:
            der = base64.b64decode(encoded.replace(b"\n", b""), validate=True)
        except binascii.Error:
            return None  # the splitter finds the line to blame
        lines = encoded.count(b"\n") + 2
        size = end - start if match[2] else end - start + 1  # the last line's missing newline
        add(PemBlock("CERTIFICATE", line, line + lines - 1, der, len(blocks) + 1, None, size, None))
        at, line = end, line + lines
    if len(text) > at:  # the lines after the last block
        after = around.read(text[at:], line)
        if after is None:
            return None
        line = after
    return _Part(line - 1, blocks, around.outside, around.blank.runs(), around.trailing)


def _joined(parts: list[_Part | _Sent]) -> _Part:
    """The parts of a tidy file as one, each part's lines and blocks numbered on from the
    last's."""
    if len(parts) == 1 and isinstance(parts[0], _Part):
        return parts[0]  # a file read whole: numbered as it is
    blocks: list[PemBlock] = []
    add = blocks.append
    outside: list[TextLine] = []
    blank: list[tuple[int, int]] = []
    trailing = Tally()
    before = 0  # the lines of the parts before this one
    for part in parts:
        for der, first, last, size in part.rows():
            add(PemBlock("CERTIFICATE", before + first, before + last, der, len(blocks) + 1,
                         None, size, None))  # fmt: skip
        outside += [TextLine(before + t.line, t.text) for t in part.outside]
        blank += [(before + first, before + last) for first, last in part.blank_runs]
        if part.trailing.first is not None:
            first = trailing.first or before + part.trailing.first
            trailing = Tally(trailing.lines + part.trailing.lines, first)
        before += part.lines
    return _Part(before, blocks, outside, tuple(blank), trailing)


class _Around:
    """The lines of a tidy file outside its blocks: blank, or text."""

    def __init__(self) -> None:
        self.outside: list[TextLine] = []
        self.blank = _Runs()
        self.trailing = Tally()

    def read(self, text: bytes, line: int) -> int | None:
        """Take ``text``'s lines, the first numbered ``line``: the number of the line after
        them, or None at a line that looks like armour (of another kind, or broken: the
        splitter says what)."""
        for raw in text.removesuffix(b"\n").split(b"\n"):
            stripped = raw.strip()
            if not stripped:
                self.blank.add(line)
            elif stripped.startswith(b"-----"):
                return None
            else:
                if raw[-1:].isspace():
                    self.trailing = self.trailing.add(line)
                self.outside.append(TextLine(line, _decode(raw)))
            line += 1
        return line


def _decode(line: bytes) -> str:
    return line.decode("utf-8", "replace")


def _read_unarmoured(path: str, data: bytes, raw_lines: list[bytes], has_bom: bool) -> Bundle:
    kind = FileKind.TEXT
    blocks: tuple[PemBlock, ...] = ()
    outside: tuple[TextLine, ...] = ()
    if data and _is_der_certificate(data):
        kind = FileKind.DER
        blocks = (PemBlock("CERTIFICATE", 1, 1, data, 1, None, len(data), None),)
    elif b"\0" in data or not _is_utf8(data):
        kind = FileKind.BINARY
    blanks = _Runs()
    if kind is FileKind.TEXT:
        texts = []
        for number, line in enumerate(raw_lines, 1):
            if line.strip():
                texts.append(TextLine(number, _decode(line.removesuffix(b"\r"))))
            else:
                blanks.add(number)
        outside = tuple(texts)
    return Bundle(
        path=path,
        kind=kind,
        size=len(data),
        line_count=len(raw_lines),
        blocks=blocks,
        outside=outside,
        stray_ends=(),
        has_bom=has_bom,
        crlf=Tally(),
        trailing_space=Tally(),
        blank_runs=blanks.runs(),
    )


class _Runs:
    """Collects line numbers as (first, last) runs, so a million blank lines cost one pair."""

    def __init__(self) -> None:
        self._runs: list[list[int]] = []

    def add(self, line: int) -> None:
        if self._runs and self._runs[-1][1] == line - 1:
            self._runs[-1][1] = line
        else:
            self._runs.append([line, line])

    def runs(self) -> tuple[tuple[int, int], ...]:
        return tuple((first, last) for first, last in self._runs)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_der_certificate(data: bytes) -> bool:
    if data[:1] != b"\x30":  # a DER certificate is a SEQUENCE
        return False
    from cryptography import x509  # only for files without armour: `rules` never needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x509.load_der_x509_certificate(data)
    except ValueError:
        return False
    return True


#: RFC 7468 labels are printable ASCII. Odd ones (lowercase, a stray dash) are still armour,
#: for the rules to report; a "label" with control characters or a run of dashes is text that
#: merely starts with five dashes (a file with CR-only line endings is one such "line", its
#: keys included, which a message quoting the label would print).
_LABEL = re.compile(rb"[\x20-\x7e]*")
MAX_LABEL = 64
#: The longest word of a real label is 11 letters (CERTIFICATE); messages quote labels.
MAX_LABEL_WORD = 15


def _armour(stripped: bytes, keyword: bytes) -> str | None:
    """The label of a ``-----BEGIN label-----`` (or END) line, or None for other lines."""
    if not (stripped.startswith(keyword) and stripped.endswith(b"-----")):
        return None
    label = stripped[len(keyword) : -5]
    if len(label) > MAX_LABEL or b"--" in label or not _LABEL.fullmatch(label):
        return None
    if any(len(word) > MAX_LABEL_WORD for word in label.split()):
        return None  # a label is words ("ENCRYPTED PRIVATE KEY"), not a run of base64
    return label.decode("ascii")


class _Splitter:
    """The state machine over lines: outside a block, or inside one."""

    def __init__(self, path: str, data: bytes, raw_lines: list[bytes], has_bom: bool) -> None:
        self.path = path
        self.data = data
        self.raw_lines = raw_lines
        self.has_bom = has_bom
        self.blocks: list[PemBlock] = []
        self.outside: list[TextLine] = []
        self.stray_ends: list[tuple[int, str]] = []
        self.crlf = Tally()
        self.trailing = Tally()
        self.blank = _Runs()
        self.cert_count = 0
        # the open block
        self.label: str | None = None
        self.begin = 0
        #: The open block's base64, joined (its lines are begin + 1, begin + 2, ...).
        self.body = bytearray()
        self.long_line: int | None = None
        self.size = 0

    def run(self) -> Bundle:
        for number, raw in enumerate(self.raw_lines, 1):
            nbytes = len(raw) + 1
            if raw.endswith(b"\r"):
                self.crlf = self.crlf.add(number)
                raw = raw[:-1]
            stripped = raw.strip()
            if not stripped:
                self.blank.add(number)
            elif len(stripped) != len(raw) and raw[-1:].isspace():
                self.trailing = self.trailing.add(number)
            if stripped.startswith(b"-----"):
                self._armour_line(number, stripped, raw, nbytes)
            elif self.label is not None:
                self._body_line(number, stripped, nbytes)
            elif stripped:
                self.outside.append(TextLine(number, _decode(raw)))
        if self.label is not None:
            last = len(self.raw_lines)
            self._close(last, "no -----END line: the block is truncated", truncated=True)
        return Bundle(
            path=self.path,
            kind=FileKind.PEM,
            size=len(self.data),
            line_count=len(self.raw_lines),
            blocks=tuple(self.blocks),
            outside=tuple(self.outside),
            stray_ends=tuple(self.stray_ends),
            has_bom=self.has_bom,
            crlf=self.crlf,
            trailing_space=self.trailing,
            blank_runs=self.blank.runs(),
        )

    def _armour_line(self, number: int, stripped: bytes, raw: bytes, nbytes: int) -> None:
        begin = _armour(stripped, b"-----BEGIN ")
        end = None if begin is not None else _armour(stripped, b"-----END ")
        if begin is not None:
            if self.label is not None:
                problem = f"-----BEGIN at line {number} before this block's -----END"
                self._close(number - 1, problem, truncated=True)
            self.label, self.begin, self.size = begin, number, nbytes
            self.body, self.long_line = bytearray(), None
        elif end is not None and self.label is not None:
            self.size += nbytes
            problem = None
            if end != self.label:
                problem = f"-----END {end}----- does not match -----BEGIN {self.label}-----"
            self._close(number, problem)
        elif end is not None:
            self.stray_ends.append((number, end))
        elif self.label is not None:
            self._body_line(number, stripped, nbytes)  # not base64: the decode reports it
        else:
            self.outside.append(TextLine(number, _decode(raw)))

    def _close(self, end_line: int, problem: str | None, *, truncated: bool = False) -> None:
        label = self.label or ""
        cert_index = None
        if label == "CERTIFICATE":
            self.cert_count += 1
            cert_index = self.cert_count
        der = None
        if not label.endswith("PRIVATE KEY") and not truncated:
            der, base64_problem = self._decode_body(end_line)
            problem = problem or base64_problem
        self.blocks.append(
            PemBlock(
                label=label,
                begin_line=self.begin,
                end_line=max(end_line, self.begin),
                der=der,
                cert_index=cert_index,
                problem=problem,
                size=self.size,
                long_line=self.long_line,
            )
        )
        self.label = None
        self.body = bytearray()

    def _body_line(self, number: int, stripped: bytes, nbytes: int) -> None:
        self.size += nbytes
        self.body += stripped
        if self.long_line is None and len(stripped) > MAX_BASE64_LINE:
            self.long_line = number

    def _decode_body(self, end_line: int) -> tuple[bytes | None, str | None]:
        try:
            return base64.b64decode(bytes(self.body), validate=True), None
        except binascii.Error as exc:
            for number in range(self.begin + 1, end_line):  # find the line to blame
                text = self.raw_lines[number - 1].strip()
                if text.translate(None, _BASE64_ALPHABET) or b"=" in text.rstrip(b"="):
                    return None, f"invalid base64 at line {number}"
            return None, f"invalid base64: {exc}"
