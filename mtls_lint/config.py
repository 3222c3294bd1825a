"""The configuration of a run (SPEC section 6): what ``.mtls-lint.yaml`` can say, and where
it is found. Reading and validating the YAML is :mod:`mtls_lint.config_file`'s job, imported
only when a config file exists, so a run without one does not pay for PyYAML.
"""

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from mtls_lint.files import is_repository_root
from mtls_lint.findings import EMPTY, Severity

CONFIG_NAMES = (".mtls-lint.yaml", ".mtls-lint.yml")

#: The largest value each number in the config or on the command line may take. Past these a
#: cap stops protecting anything (reading 10**23 bytes is a MemoryError, 10**9 days past the
#: end of the calendar an OverflowError), so a bigger value is a mistake to report.
CEILINGS = {
    "file-bytes": 1 << 30,
    "file-certificates": 1_000_000,
    "expiry-days": 36_500,
}
#: The ceiling of every other whole number (the quotas in ``limits``).
CEILING = (1 << 31) - 1


class ConfigError(Exception):
    """A mistake in a config file; the message starts with ``file:line:``."""


class Waiver(NamedTuple):
    """Findings of ``rules`` on the certificate with this SHA-256 are not reported."""

    sha256: str
    rules: frozenset[str]
    reason: str
    until: dt.date | None
    #: Where the waiver is written, for expired-waiver and unused-waiver findings.
    path: str
    line: int

    def expired(self, now: dt.datetime) -> bool:
        return self.until is not None and now.date() > self.until


class Config(NamedTuple):
    path: Path | None = None
    profile: str | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    #: Globs of revocation-list files (ALB), found and linted as such wherever they are.
    revocation_lists: tuple[str, ...] = ()
    fail_on: str | None = None
    expiry_days: int | None = None
    limits: Mapping[str, int | None] = EMPTY
    #: Severity set per rule; None means ``off``.
    severities: Mapping[str, Severity | None] = EMPTY
    options: Mapping[str, Mapping[str, Any]] = EMPTY
    waivers: tuple[Waiver, ...] = ()
    #: The line of each key (``fail-on``, ``rules.expired``, ``limits.certificates``, ...).
    lines: Mapping[str, int] = EMPTY

    @property
    def root(self) -> Path | None:
        """The directory ``include`` and ``exclude`` globs are relative to."""
        return self.path.parent if self.path is not None else None


def find_config(start: Path) -> Path | None:
    """The first config file from ``start`` upward, stopping at the repository root."""
    directory = start.resolve()
    while True:
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        if is_repository_root(directory) or directory.parent == directory:
            return None
        directory = directory.parent
