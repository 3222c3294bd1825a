"""What a truststore file holds: PEM blocks with their line spans, the text around them, and
the irregularities a rule may report (SPEC section 2). :mod:`mtls_lint.pem_reader` reads it.

These are values only, and know nothing about rules; the rules decide what each irregularity
means.
"""

from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mtls_lint.hidden_keys import HiddenKey

BOM = b"\xef\xbb\xbf"
MAX_BASE64_LINE = 64


class FileKind(Enum):
    PEM = "pem"  # at least one BEGIN or END line
    DER = "der"  # no armour, and the bytes are one DER certificate
    TEXT = "text"  # no armour, readable text
    BINARY = "binary"  # no armour, not text, not a certificate


class PemBlock(NamedTuple):
    """One ``-----BEGIN``/``-----END`` block, or what is left of one.

    (Named tuples, not dataclasses, for the per-line and per-block values: a hostile file can
    hold hundreds of thousands of them.)
    """

    label: str
    begin_line: int
    #: Line of ``-----END``; for a truncated block, the last line the block reached.
    end_line: int
    #: Decoded body, or None when the block is broken or holds a private key (never kept).
    der: bytes | None
    #: 1-based position among the file's CERTIFICATE blocks, or None for other labels.
    cert_index: int | None
    #: Why the armour is broken (truncated, mismatched labels, invalid base64), or None.
    problem: str | None
    #: Size of the block's text in bytes, armour lines included.
    size: int
    #: First body line longer than 64 characters, or None.
    long_line: int | None

    @property
    def is_private_key(self) -> bool:
        return self.label.endswith("PRIVATE KEY")


class TextLine(NamedTuple):
    """A non-blank line outside every block, as text (undecodable bytes replaced)."""

    line: int
    text: str


class Tally(NamedTuple):
    """How many lines have some property, and the first of them (None when there is none)."""

    lines: int = 0
    first: int | None = None

    def add(self, line: int) -> "Tally":
        return Tally(self.lines + 1, self.first or line)


class Bundle(NamedTuple):
    path: str
    kind: FileKind
    size: int
    line_count: int
    blocks: tuple[PemBlock, ...]
    outside: tuple[TextLine, ...]
    #: Lines holding ``-----END`` with no open block: (line, label).
    stray_ends: tuple[tuple[int, str], ...]
    has_bom: bool
    crlf: Tally
    trailing_space: Tally
    #: Runs of empty or whitespace-only lines, inside blocks or not: (first, last).
    blank_runs: tuple[tuple[int, int], ...]
    #: Private keys that are not a block of their own (:mod:`mtls_lint.hidden_keys`).
    hidden_keys: "tuple[HiddenKey, ...]" = ()

    @property
    def certificate_blocks(self) -> tuple[PemBlock, ...]:
        return tuple(b for b in self.blocks if b.cert_index is not None)
