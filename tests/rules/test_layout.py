from __future__ import annotations

from tests.conftest import fired, lint
from tests.pki import Issued


def test_stray_text_fires_once_per_run_of_lines(root: Issued, intermediate: Issued) -> None:
    data = b"Bag Attributes\n  localKeyID: 01\n" + root.pem + b"\nnote\n" + intermediate.pem
    findings = fired(lint(data), "stray-text")
    n = root.pem.count(b"\n")
    assert [(f.line, f.end_line) for f in findings] == [(1, 2), (n + 4, n + 4)]
    assert all(f.severity.label == "warning" for f in findings)


def test_stray_text_allows_comments_on_alb_but_not_apigateway(root: Issued) -> None:
    data = b"# Root CA for billing\n" + root.pem
    assert fired(lint(data), "stray-text")
    assert not fired(lint(data, profile="alb"), "stray-text")
    dashed = b"# Root - billing\n" + root.pem
    (finding,) = fired(lint(dashed, profile="alb"), "stray-text")
    assert finding.severity.label == "error"


def test_stray_text_escapes_nothing_itself_but_quotes_a_preview(root: Issued) -> None:
    data = b"note " * 20 + b"\n" + root.pem
    (finding,) = fired(lint(data), "stray-text")
    assert "'" + ("note " * 8)[:40] + "…'" in finding.message


def test_stray_text_never_quotes_base64_a_key_without_its_begin_line(root: Issued) -> None:
    key = root.key_pem()
    body = key.split(b"\n", 1)[1]  # the -----BEGIN line is gone
    findings = lint(root.pem + body)
    (finding,) = fired(findings, "stray-text")
    assert "holds a private key, not quoted" in finding.message
    assert fired(findings, "private-key-in-bundle")  # and the key itself fails the run
    for line in body.decode().splitlines()[:-1]:
        assert line[:16] not in finding.message


def test_stray_text_never_quotes_a_piece_of_a_long_run(root: Issued) -> None:
    line = b"A" * 395 + b"!" + b"B" * 30  # the preview's window ends inside the second run
    (finding,) = fired(lint(line + b"\n" + root.pem), "stray-text")
    assert "BBBB" not in finding.message


def test_stray_text_never_quotes_hex_dumps(root: Issued) -> None:
    dump = b"    00:a4:b3:11:22:33:44:55:66:77:88:99:aa:bb:cc\n"
    (finding,) = fired(lint(dump + root.pem), "stray-text")
    assert "'[hex]'" in finding.message
    assert "a4:b3" not in finding.message


def test_blank_line_is_off_on_apigateway_and_an_error_on_alb(
    root: Issued, intermediate: Issued
) -> None:
    data = root.pem + b"\n\n" + intermediate.pem
    assert not fired(lint(data), "blank-line")
    (finding,) = fired(lint(data, profile="alb"), "blank-line")
    n = root.pem.count(b"\n")
    assert (finding.line, finding.end_line) == (n + 1, n + 2)
    assert fired(lint(data, select=["blank-line"]), "blank-line")


def test_pem_hygiene_reports_each_kind_once(root: Issued, intermediate: Issued) -> None:
    data = b"\xef\xbb\xbf" + (root.pem + intermediate.pem).replace(b"\n", b"\r\n")
    messages = [f.message for f in fired(lint(data), "pem-hygiene")]
    assert messages[0] == "the file starts with a UTF-8 byte order mark"
    assert "lines end in CRLF (first: line 1)" in messages[1]
    assert len(messages) == 2


def test_pem_hygiene_reports_long_lines_trailing_spaces_and_edge_blanks(root: Issued) -> None:
    body = b"".join(root.pem.splitlines(keepends=True)[1:-1]).replace(b"\n", b"")
    data = b"\n-----BEGIN CERTIFICATE-----\n" + body + b"\n-----END CERTIFICATE----- \n\n"
    messages = " | ".join(f.message for f in fired(lint(data), "pem-hygiene"))
    assert "longer than 64 characters (first: line 3)" in messages
    assert "1 lines have trailing whitespace (first: line 4)" in messages
    assert "blank lines before the first block" in messages
    assert "blank lines after the last block" in messages
