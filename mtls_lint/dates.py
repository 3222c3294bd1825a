"""How reports write a moment: ISO 8601, in UTC, with a four-digit year whatever the year.

``strftime``'s ``%Y`` writes a year before 1000 in as few digits as the C library likes
(glibc: ``50``), and a certificate may say it was issued in year 50 (GeneralizedTime
``0050``): ``50-01-01`` is no date a reader, ``fromisoformat`` or a Mermaid chart takes.
"""

import datetime as dt


def _utc(moment: dt.datetime) -> dt.datetime:
    # a certificate's times are in UTC already: no conversion for them
    return moment if moment.tzinfo is dt.timezone.utc else moment.astimezone(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    """``2027-01-01T00:00:00Z``."""
    return _utc(moment).isoformat(timespec="seconds")[:19] + "Z"  # less its "+00:00"


def minute(moment: dt.datetime) -> str:
    """``2027-01-01 00:00`` (UTC)."""
    return _utc(moment).isoformat(sep=" ", timespec="minutes")[:16]


def minute_utc(moment: dt.datetime) -> str:
    """``2027-01-01 00:00 UTC``: how messages name a certificate's times."""
    return f"{minute(moment)} UTC"


def day(moment: dt.datetime) -> str:
    """``2027-01-01`` (UTC)."""
    return _utc(moment).date().isoformat()
