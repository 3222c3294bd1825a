"""The downloader of ALB's presigned locations, against a server on 127.0.0.1: bytes in,
bounded by size and by time, and the URL's signature never in a message."""

from __future__ import annotations

import pytest

from mtls_lint.download import DownloadError, HttpDownloader, where
from tests.local_server import BODY

SIGNED = "?X-Amz-Signature=s3cr3t&X-Amz-Security-Token=t0k3n"


def test_the_body_is_fetched(server: str) -> None:
    assert HttpDownloader()(f"{server}/ok{SIGNED}", 1 << 20) == BODY


@pytest.mark.parametrize("path", ["/huge-declared", "/huge-chunked"])
def test_an_answer_over_the_cap_is_refused(server: str, path: str) -> None:
    with pytest.raises(DownloadError, match="over the cap") as raised:
        HttpDownloader()(f"{server}{path}{SIGNED}", 1 << 20)
    assert "s3cr3t" not in str(raised.value)


def test_a_stalled_answer_times_out(server: str) -> None:
    with pytest.raises(DownloadError) as raised:
        HttpDownloader(timeout=0.5)(f"{server}/stall{SIGNED}", 1 << 20)
    assert str(raised.value).startswith(f"{server}/stall: ")
    assert "t0k3n" not in str(raised.value)


def test_an_http_error_names_the_status_not_the_signature(server: str) -> None:
    with pytest.raises(DownloadError, match="HTTP 403") as raised:
        HttpDownloader()(f"{server}/denied{SIGNED}", 1 << 20)
    assert "s3cr3t" not in str(raised.value)


@pytest.mark.parametrize("url", ["http://example.com/x", "file:///etc/passwd", "ftp://h/x"])
def test_only_https_or_this_machine(url: str) -> None:
    with pytest.raises(DownloadError, match="not an https location"):
        HttpDownloader()(url, 1024)


def test_where_drops_the_query() -> None:
    assert where("https://b.s3.amazonaws.com/k.pem?X-Amz-Signature=x") == (
        "https://b.s3.amazonaws.com/k.pem"
    )
