"""Rules about the text around the blocks: stray text, blank lines, encoding hygiene."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from mtls_lint import citations
from mtls_lint.bundle import MAX_BASE64_LINE, FileKind, TextLine
from mtls_lint.findings import Severity
from mtls_lint.rule import LintContext, Options, Problem, file_rule

PREVIEW = 40


def runs(lines: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Group sorted line numbers into (first, last) runs of consecutive lines."""
    first = last = None
    for number in lines:
        if last is not None and number == last + 1:
            last = number
            continue
        if first is not None and last is not None:
            yield first, last
        first = last = number
    if first is not None and last is not None:
        yield first, last


def _is_allowed_comment(line: TextLine) -> bool:
    text = line.text.strip()
    return text.startswith("#") and "-" not in text


@file_rule(
    "stray-text",
    "non-blank text outside the PEM blocks",
    severity={"apigateway": Severity.WARNING, "alb": Severity.ERROR, "cloudfront": Severity.ERROR},
    citation=f"{citations.ALB_MTLS}; {citations.APIGW_TRUSTSTORE}",
)
def stray_text(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for each run of non-blank lines outside the blocks: ``openssl x509 -text`` dumps,
    ``Bag Attributes`` from PKCS#12 exports, notes. On ``alb`` and ``cloudfront``, lines that
    are ``#`` comments without a ``-`` are allowed and skipped.

    AWS: API Gateway does not document text between certificates (a warning here); ALB accepts
    only ``#`` comment lines without ``-`` and rejects the trust store otherwise.

    Fix: delete the text, or keep notes as ``#`` comments on ALB/CloudFront. A clean copy:
    ``openssl storeutl -certs -noout FILE`` lists what is there;
    ``awk '/-----BEGIN/,/-----END/' FILE`` keeps only the blocks.

    Previews: a finding quotes at most the first 40 characters of a run, with base64 and hex
    dumps replaced by ``[base64]``/``[hex]`` (text outside the blocks may be a key whose BEGIN
    line is gone), and only in a file that holds at least one CERTIFICATE block: a file with
    none is not a bundle, and quoting it would print any text file a link or a path led to.

    Show it: ``grep -n -v -e '^[A-Za-z0-9+/=]*$' -e '-----' FILE``
    """
    if ctx.bundle.kind is FileKind.BINARY:
        return
    quote = bool(ctx.bundle.certificate_blocks)
    keyed = [(key.line, key.end_line) for key in ctx.bundle.hidden_keys]
    texts = {
        line.line: line
        for line in ctx.bundle.outside
        if not (ctx.profile.allows_comments and _is_allowed_comment(line))
    }
    where = (
        f"{ctx.profile.service} accepts only '#' comments without '-' there"
        if ctx.profile.allows_comments
        else ("API Gateway does not document text between certificates")
    )
    for first, last in runs(sorted(texts)):
        preview = _preview(texts[first].text)
        count = last - first + 1
        lines = f"{count} lines" if count > 1 else "1 line"
        if any(start <= last and first <= end for start, end in keyed):
            what = f"text outside PEM blocks ({lines}; holds a private key, not quoted)"
        elif preview == ENCODED_PLACEHOLDER:
            what = f"base64 outside PEM blocks ({lines}; a block without its -----BEGIN line?)"
        elif quote:
            what = f"text outside PEM blocks ({lines}): {preview!r}"
        else:
            what = f"text and no certificate block ({lines}; not quoted)"
        yield Problem(f"{what}; {where}", first, last)


#: Runs of base64 (and the hex of ``openssl -text`` dumps) are never quoted: text outside
#: the blocks may be a private key whose BEGIN line is gone.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}=*")  # base64url too
_HEX_DUMP = re.compile(r"(?:[0-9A-Fa-f]{2}:){8,}[0-9A-Fa-f]{0,2}")
ENCODED_PLACEHOLDER = "[base64]"


_SPLIT_TOKEN = re.compile(r"[A-Za-z0-9+/=:_-]+\Z")


def _preview(text: str) -> str:
    # The patterns see only the start of the line (over a 10 MB line they cost hundreds of
    # MB of backtracking state), less the token the cut may have split: a piece of a long
    # run would be too short to match, and quoted.
    text = text.strip()
    start = text[: PREVIEW * 10]
    if len(start) < len(text):
        start = _SPLIT_TOKEN.sub("", start)
    preview = _BASE64.sub(ENCODED_PLACEHOLDER, _HEX_DUMP.sub("[hex]", start))
    return preview if len(preview) <= PREVIEW else preview[:PREVIEW] + "…"


@file_rule(
    "blank-line",
    "blank lines in the file",
    severity={"apigateway": None, "alb": Severity.ERROR, "cloudfront": Severity.ERROR},
    citation=citations.ALB_MTLS,
)
def blank_line(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires for each run of blank (empty or whitespace-only) lines, between blocks or inside
    one. Off by default on ``apigateway``, an error on ``alb`` and ``cloudfront``.

    AWS: the ALB trust store format allows no blank lines; the trust store is rejected.

    Fix: delete the blank lines: ``sed -i '/^[[:space:]]*$/d' FILE``.

    Show it: ``grep -n '^[[:space:]]*$' FILE``
    """
    for first, last in ctx.bundle.blank_runs:
        count = last - first + 1
        lines = f"{count} blank lines" if count > 1 else "a blank line"
        yield Problem(f"{lines}; the {ctx.profile.name} format allows none", first, last)


@file_rule(
    "pem-hygiene",
    "BOM, CRLF, trailing whitespace, long base64 lines, leading or trailing blank lines",
    severity=Severity.NOTICE,
    citation=citations.RFC7468,
)
def pem_hygiene(ctx: LintContext, options: Options) -> Iterator[Problem]:
    """Fires once per kind of irregularity that parsers tolerate but some do not: a UTF-8 byte
    order mark, CRLF line ends, trailing whitespace, base64 lines longer than 64 characters,
    blank lines before the first or after the last line of content.

    AWS: nothing documented; mtls-lint reads these files, but a stricter reader or a later
    change to the service may not. Clean files also diff cleanly.

    Fix: ``openssl storeutl -certs FILE`` rewrites blocks canonically; ``dos2unix FILE`` drops
    CRLF and BOM.

    Show it: ``cat -A FILE | head``
    """
    bundle = ctx.bundle
    if bundle.kind is not FileKind.PEM:
        return
    if bundle.has_bom:
        yield Problem("the file starts with a UTF-8 byte order mark", 1, 1)
    count, first = bundle.crlf
    if first is not None:
        yield Problem(f"{count} lines end in CRLF (first: line {first})", first, first)
    count, first = bundle.trailing_space
    if first is not None:
        message = f"{count} lines have trailing whitespace (first: line {first})"
        yield Problem(message, first, first)
    long_lines = [block.long_line for block in bundle.blocks if block.long_line is not None]
    if long_lines:
        first = long_lines[0]
        yield Problem(
            f"base64 lines longer than {MAX_BASE64_LINE} characters (first: line {first})",
            first,
            first,
        )
    blanks = bundle.blank_runs
    if blanks and blanks[0][0] == 1:
        yield Problem("blank lines before the first block", *blanks[0])
    if blanks and blanks[-1][1] == bundle.line_count and blanks[-1][0] > 1:
        yield Problem("blank lines after the last block", *blanks[-1])
