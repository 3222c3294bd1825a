"""The downloader of ALB's presigned locations, against a server on 127.0.0.1: bytes in,
bounded by size and by time, and the URL's signature never in a message."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from mtls_lint.download import DownloadError, HttpDownloader, where

BODY = b"-----BEGIN CERTIFICATE-----\n" * 100


class Handler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self) -> None:
        if self.path.startswith("/ok"):
            self._answer(BODY, len(BODY))
        elif self.path.startswith("/huge-declared"):
            self._answer(b"", 10**9)
        elif self.path.startswith("/huge-chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            for _ in range(64):  # 4 MiB, past any cap the tests set
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:
                    return  # the client stopped reading: as it should
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/stall"):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self.wfile.flush()
            self.release.wait(10)  # holds the answer open until the test is over
        else:
            self.send_error(403, "SignatureDoesNotMatch")

    def _answer(self, data: bytes, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


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
