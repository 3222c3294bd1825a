"""Fetch what an AWS API hands over as a download location (ALB's CA bundle and revocation
lists), bounded in size and in time.

``GetTrustStoreCaCertificatesBundle`` and ``GetTrustStoreRevocationContent`` answer with a
presigned URL, not the bytes. The URL carries a signature and often a session token, so it is
never printed: errors name its host and path only. The answer is read a socket read at a time
against one deadline (each read also times out), so a server that drips a byte a second holds
a run at most twice the timeout, and reading stops one chunk past the cap.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

DEFAULT_TIMEOUT = 30.0
#: http:// only to this machine (a test's server); AWS's locations are https.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class DownloadError(Exception):
    """A location that cannot be fetched within the bounds; the message names where."""


class Downloader(Protocol):
    def __call__(self, url: str, max_bytes: int) -> bytes:
        """The body at ``url``; raises :class:`DownloadError` past ``max_bytes``."""


def where(url: str) -> str:
    """``url`` without its query (the signature and token) or user info: what a message may
    show."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


class HttpDownloader:
    """:class:`Downloader` over HTTPS, with one deadline for the whole answer."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    def __call__(self, url: str, max_bytes: int) -> bytes:
        shown = where(url)
        parts = urllib.parse.urlsplit(url)
        if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)):
            raise DownloadError(f"{shown}: not an https location; not fetched")
        deadline = time.monotonic() + self.timeout
        try:
            # no redirect is followed to another scheme: urllib refuses https -> file
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:  # noqa: S310
                length = answer.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise DownloadError(f"{shown}: {length} bytes, over the cap of {max_bytes}")
                chunks: list[bytes] = []
                size = 0
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise DownloadError(f"{shown}: not fetched within {self.timeout:g} s")
                    chunk = answer.read1(65536)
                    if not chunk:
                        return b"".join(chunks)
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadError(f"{shown}: over the cap of {max_bytes} bytes")
                    chunks.append(chunk)
        except DownloadError:
            raise
        except urllib.error.HTTPError as exc:
            raise DownloadError(f"{shown}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DownloadError(f"{shown}: {reason}") from None
