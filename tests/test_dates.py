"""Moments as reports write them: ISO 8601 in UTC, four digits for any year."""

from __future__ import annotations

import datetime as dt

from mtls_lint.dates import day, iso, minute, minute_utc

YEAR_50 = dt.datetime(50, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_a_year_before_1000_has_four_digits() -> None:
    # what strftime("%Y") gives on glibc: "50-01-02"
    assert (iso(YEAR_50), minute(YEAR_50), minute_utc(YEAR_50), day(YEAR_50)) == (
        "0050-01-02T03:04:05Z", "0050-01-02 03:04", "0050-01-02 03:04 UTC", "0050-01-02"
    )  # fmt: skip


def test_another_time_zone_is_written_in_utc() -> None:
    moment = dt.datetime(2027, 1, 1, 1, 30, 59, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert (iso(moment), minute(moment), day(moment)) == (
        "2026-12-31T23:30:59Z", "2026-12-31 23:30", "2026-12-31"
    )  # fmt: skip
