from __future__ import annotations

import datetime as dt

from tests.conftest import fired, lint
from tests.pki import NOW, PKI, Issued

DAY = dt.timedelta(days=1)


def test_expired_fires_before_now(pki: PKI, root: Issued) -> None:
    old = pki.cert("Expired CA", issuer=root, not_after=NOW - 10 * DAY)
    (finding,) = fired(lint(root.pem + old.pem), "expired")
    assert "(10 days ago)" in finding.message
    assert "certificate has expired" in finding.message
    assert not fired(lint(root.pem + old.pem, now=NOW - 20 * DAY), "expired")


def test_not_yet_valid_fires_after_now(pki: PKI, root: Issued) -> None:
    future = pki.cert("Future CA", issuer=root, not_before=NOW + DAY)
    (finding,) = fired(lint(root.pem + future.pem), "not-yet-valid")
    assert "certificate is not yet valid" in finding.message
    assert not fired(lint(root.pem + future.pem, now=NOW + 2 * DAY), "not-yet-valid")


def test_expires_soon_uses_the_window(pki: PKI, root: Issued) -> None:
    soon = pki.cert("Soon CA", issuer=root, not_after=NOW + 20 * DAY)
    (finding,) = fired(lint(root.pem + soon.pem), "expires-soon")
    assert "in 20 days (window 30)" in finding.message
    assert not fired(lint(root.pem + soon.pem, expiry_days=10), "expires-soon")
    assert not fired(lint(root.pem + soon.pem, now=NOW + 30 * DAY), "expires-soon")  # expired
