"""The PEM splitter: every block kept with the lines it spans, whatever surrounds it."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtls_lint import forked, pem_reader
from mtls_lint.bundle import BOM, Bundle, FileKind
from mtls_lint.pem_reader import read_bundle
from tests.pki import Issued


def lines_of(pem: bytes) -> int:
    return pem.count(b"\n")


def test_blocks_carry_begin_and_end_lines(root: Issued, intermediate: Issued) -> None:
    n = lines_of(root.pem)
    bundle = read_bundle("b.pem", root.pem + intermediate.pem)
    assert [(b.begin_line, b.end_line) for b in bundle.blocks] == [
        (1, n),
        (n + 1, n + lines_of(intermediate.pem)),
    ]
    assert [b.cert_index for b in bundle.blocks] == [1, 2]
    assert bundle.blocks[0].der == root.der
    assert bundle.kind is FileKind.PEM


def test_crlf_and_bom_keep_line_numbers(root: Issued, intermediate: Issued) -> None:
    data = b"\xef\xbb\xbf" + (root.pem + b"\n" + intermediate.pem).replace(b"\n", b"\r\n")
    bundle = read_bundle("b.pem", data)
    n = lines_of(root.pem)
    assert [b.begin_line for b in bundle.blocks] == [1, n + 2]
    assert [b.der for b in bundle.blocks] == [root.der, intermediate.der]
    assert bundle.has_bom
    assert bundle.crlf.first == 1
    assert bundle.blank_runs == ((n + 1, n + 1),)


def test_text_outside_blocks_is_kept_with_its_lines(root: Issued) -> None:
    data = b"subject=CN = Root\n\n" + root.pem + b"trailing note\n"
    bundle = read_bundle("b.pem", data)
    assert [(t.line, t.text) for t in bundle.outside] == [
        (1, "subject=CN = Root"),
        (3 + lines_of(root.pem), "trailing note"),
    ]
    assert bundle.blank_runs == ((2, 2),)
    assert bundle.blocks[0].begin_line == 3


def test_truncated_last_block_is_kept_not_dropped(root: Issued, intermediate: Issued) -> None:
    cut = intermediate.pem.splitlines(keepends=True)[:5]
    bundle = read_bundle("b.pem", root.pem + b"".join(cut))
    assert len(bundle.blocks) == 2
    last = bundle.blocks[1]
    assert last.der is None
    assert "truncated" in (last.problem or "")
    assert (last.begin_line, last.end_line) == (lines_of(root.pem) + 1, lines_of(root.pem) + 5)
    assert last.cert_index == 2


def test_begin_inside_a_block_closes_it_as_truncated(root: Issued, intermediate: Issued) -> None:
    cut = b"".join(root.pem.splitlines(keepends=True)[:3])
    bundle = read_bundle("b.pem", cut + intermediate.pem)
    assert [b.begin_line for b in bundle.blocks] == [1, 4]
    assert bundle.blocks[0].end_line == 3
    assert "before this block's -----END" in (bundle.blocks[0].problem or "")
    assert bundle.blocks[1].der == intermediate.der


def test_bad_base64_names_the_line(root: Issued, intermediate: Issued) -> None:
    lines = root.pem.splitlines(keepends=True)
    lines[3] = b"not*base64!\n"
    bundle = read_bundle("b.pem", b"".join(lines) + intermediate.pem)
    assert bundle.blocks[0].problem == "invalid base64 at line 4"
    assert bundle.blocks[0].der is None
    assert bundle.blocks[1].der == intermediate.der  # a bad block never hides a good one


def test_bad_padding_is_reported(root: Issued) -> None:
    lines = root.pem.splitlines(keepends=True)
    lines[-2] = lines[-2].rstrip(b"\n")[:-1] + b"\n"  # one character short
    bundle = read_bundle("b.pem", b"".join(lines))
    assert bundle.blocks[0].problem is not None
    assert bundle.blocks[0].problem.startswith("invalid base64")


def test_mismatched_labels_keep_the_body(root: Issued) -> None:
    data = root.pem.replace(b"-----END CERTIFICATE-----", b"-----END X509 CRL-----")
    block = read_bundle("b.pem", data).blocks[0]
    assert "does not match" in (block.problem or "")
    assert block.der == root.der


def test_end_without_begin_is_recorded(root: Issued) -> None:
    bundle = read_bundle("b.pem", root.pem + b"-----END CERTIFICATE-----\n")
    assert bundle.stray_ends == ((lines_of(root.pem) + 1, "CERTIFICATE"),)


def test_private_key_block_is_kept_without_its_content(root: Issued) -> None:
    key = root.key_pem()
    bundle = read_bundle("b.pem", root.pem + key)
    block = bundle.blocks[1]
    assert block.label == "PRIVATE KEY"
    assert block.is_private_key
    assert block.der is None
    assert block.cert_index is None


def test_der_file_is_read_as_one_certificate(root: Issued) -> None:
    bundle = read_bundle("root.cer", root.der)
    assert bundle.kind is FileKind.DER
    assert [b.der for b in bundle.blocks] == [root.der]


def test_binary_and_text_files_have_no_blocks() -> None:
    assert read_bundle("x.pem", b"\x00\x01\xff junk").kind is FileKind.BINARY
    text = read_bundle("x.pem", b"just a note\n")
    assert text.kind is FileKind.TEXT
    assert text.outside[0].text == "just a note"
    empty = read_bundle("x.pem", b"")
    assert (empty.kind, empty.blocks, empty.line_count) == (FileKind.TEXT, (), 0)


def test_long_lines_and_trailing_whitespace_are_noted(root: Issued) -> None:
    body = b"".join(root.pem.splitlines(keepends=True)[1:-1]).replace(b"\n", b"")
    data = b"-----BEGIN CERTIFICATE-----  \n" + body + b"\n-----END CERTIFICATE-----\n"
    bundle = read_bundle("b.pem", data)
    assert bundle.blocks[0].der == root.der
    assert bundle.blocks[0].long_line == 2
    assert bundle.trailing_space == (1, 1)


def _by_lines(data: bytes) -> Bundle:
    """What the line-at-a-time reader makes of ``data``: the reference for the fast one."""
    has_bom = data.startswith(BOM)
    body = data[len(BOM) :] if has_bom else data
    armoured = b"-----BEGIN" in body or b"-----END" in body
    return pem_reader._read_by_lines("b.pem", data, body, has_bom, armoured)


def _pieces(root: Issued, intermediate: Issued) -> list[bytes]:
    wide = b"".join(  # the same certificate in 76-character lines
        [b"-----BEGIN CERTIFICATE-----\n"]
        + [root_b64[i : i + 76] + b"\n" for root_b64 in [base64.b64encode(root.der)]
           for i in range(0, len(root_b64), 76)]
        + [b"-----END CERTIFICATE-----\n"]
    )  # fmt: skip
    body = root.pem.split(b"\n")
    return [
        root.pem,
        intermediate.pem,
        b"\n",
        b"   \n",
        b"# Issuer: CN=Root\n",
        b"# a comment with a trailing space \n",
        b"\t indented text\n",
        b"subject=\xff\xfe not utf-8\n",
        wide,
        root.pem.replace(b"-----\n", b"----- \n", 1),  # armour with a trailing space
        root.pem.replace(b"\n", b"\r\n"),
        b"\n".join([*body[:3], b"AA=A" + body[3][4:], *body[4:]]),  # padding mid-body
        b"\n".join(body[:3] + body[4:]),  # a line short: bad length
        root.pem.replace(b"CERTIFICATE", b"X509 CRL"),
        root.pem.split(b"-----END")[0],  # truncated
        b"-----END CERTIFICATE-----\n",
        b"----- not armour\n",
        b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
    ]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_fast_reader_reads_as_the_line_reader_does(
    root: Issued, intermediate: Issued, data: st.DataObject
) -> None:
    pieces = _pieces(root, intermediate)
    chosen = data.draw(st.lists(st.sampled_from(range(len(pieces))), max_size=8))
    text = b"".join(pieces[i] for i in chosen)
    if data.draw(st.booleans()):
        text = text.removesuffix(b"\n")
    if data.draw(st.booleans()):
        text = BOM + text
    reference = _by_lines(text)
    body = text.removeprefix(BOM)
    if b"-----BEGIN" in body or b"-----END" in body:  # read_bundle asks it of armour only
        fast = pem_reader._read_tidy("b.pem", text, body, text.startswith(BOM))
        assert fast is None or fast == reference
    bundle = read_bundle("b.pem", text)
    assert bundle._replace(hidden_keys=reference.hidden_keys) == reference


def test_a_bundle_of_tidy_blocks_and_comments_takes_the_fast_reader(
    root: Issued, intermediate: Issued
) -> None:
    text = b"# Root\n" + root.pem + b"\n# Intermediate \n" + intermediate.pem.removesuffix(b"\n")
    fast = pem_reader._read_tidy("b.pem", text, text, False)
    assert fast is not None
    assert fast == _by_lines(text)
    assert [b.der for b in fast.blocks] == [root.der, intermediate.der]
    assert fast.trailing_space.first == lines_of(root.pem) + 3
    for untidy in (text.replace(b"\n", b"\r\n"), text + b"\n-----END CERTIFICATE-----\n"):
        assert pem_reader._read_tidy("b.pem", untidy, untidy, False) is None


@pytest.fixture
def cut_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of a few blocks read in pieces of about one block, on two CPUs."""
    monkeypatch.setattr(pem_reader, "SPLIT_FROM", 1)
    monkeypatch.setattr(pem_reader, "PIECE_BYTES", 600)
    monkeypatch.setattr(pem_reader.forked, "cpus", lambda: 2)


@pytest.mark.skipif(not forked.can_fork(), reason="forks on Linux only")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_file_read_in_pieces_by_two_processes_is_the_file_read_whole(
    root: Issued, intermediate: Issued, cut_small: None, forks: list[int], data: st.DataObject
) -> None:
    """Cut at BEGIN lines and read a piece at a time by this process and a child, the
    pieces' lines and certificates numbered on from the last, a file is the bundle it is
    read whole; what cannot be read tidy in a piece is read by lines, whole."""
    pieces = _pieces(root, intermediate)
    chosen = data.draw(st.lists(st.sampled_from(range(len(pieces))), min_size=2, max_size=8))
    text = b"".join(pieces[i] for i in chosen)
    if data.draw(st.booleans()):
        text = BOM + text
    called: list[int] = []
    forks.clear()
    bundle = read_bundle("b.pem", text, meanwhile=lambda: called.append(len(forks)))
    assert bundle == read_bundle("b.pem", text)
    assert called == [len(forks)]  # once, after the child (if any) is forked
    if pem_reader._pieces(text.removeprefix(BOM)) is not None:
        assert len(forks) == 1


def test_a_large_file_is_read_by_two_processes_while_the_caller_goes_on(
    root: Issued, intermediate: Issued, cut_small: None, forks: list[int]
) -> None:
    text = b"# roots\n" + (root.pem + b"\n" + intermediate.pem) * 6
    pieces = pem_reader._pieces(text)
    assert pieces is not None
    assert len(pieces) >= 6
    assert all(text[start:].startswith(b"-----BEGIN CERTIFICATE-----\n") for start, _ in pieces[1:])
    called: list[int] = []
    bundle = read_bundle("b.pem", text, meanwhile=lambda: called.append(len(forks)))
    assert called == [1]  # with the child already reading
    assert len(forks) == 1
    assert [b.cert_index for b in bundle.blocks] == list(range(1, 13))
    assert bundle == _by_lines(text)


def test_a_file_read_alone_is_never_cut(root: Issued, cut_small: None, forks: list[int]) -> None:
    text = root.pem * 4
    assert read_bundle("b.pem", text) == _by_lines(text)  # no caller going on meanwhile
    assert forks == []
    crlf = text.replace(b"\n", b"\r\n")
    called: list[bool] = []
    assert read_bundle("b.pem", crlf, meanwhile=lambda: called.append(True)) == _by_lines(crlf)
    assert called == [True]
    assert forks == []
