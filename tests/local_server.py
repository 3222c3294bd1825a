"""A server on 127.0.0.1 standing in for the presigned locations ALB answers with: a body,
one over any cap (declared or chunked), a stalled answer, a refusal, and files a test sets."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

BODY = b"-----BEGIN CERTIFICATE-----\n" * 100


class Handler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()
    #: What /files/NAME answers (tests/test_aws.py serves ALB's bundles from it).
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        name = self.path.split("?", 1)[0].removeprefix("/files/")
        if self.path.startswith("/files/") and name in self.files:
            self._answer(self.files[name], len(self.files[name]))
        elif self.path.startswith("/ok"):
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
    Handler.release = threading.Event()  # each module's server stalls until its own end
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()
