"""The values that flow from rules to reporters.

A finding is immutable and self-contained: a reporter never needs the bundle or the parsed
certificate to print it, so reporters can be tested with hand-made findings.
"""

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

#: The default of mapping fields in the (immutable) value types.
EMPTY: Mapping[str, Any] = MappingProxyType({})

#: The values of ``--fail-on`` and ``fail-on:``: a severity, or never.
FAIL_ON = ("error", "warning", "notice", "never")


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered, so ``--fail-on`` is a comparison."""

    NOTICE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (error, warning or notice)") from None


SHORT_NAME_MAX = 120


def short_name(subject: str, common_name: str) -> str:
    """``CN=...`` when the subject has a common name, else the subject; a hostile name of
    thousands of attributes is cut, so a report line stays a line."""
    label = f"CN={common_name}" if common_name else (subject or "<empty subject>")
    return label if len(label) <= SHORT_NAME_MAX else label[: SHORT_NAME_MAX - 1] + "…"


class CertificateRef(NamedTuple):
    """What a report says about the certificate a finding is about."""

    #: 1-based position among the file's certificates. (Shadows ``tuple.index`` on purpose:
    #: the reports call it index.)
    index: int  # type: ignore[assignment]
    sha256: str
    subject: str
    issuer: str
    not_after: str
    common_name: str
    #: ISO 8601, "" when unreadable (the step summary's validity chart).
    not_before: str = ""

    @property
    def short_name(self) -> str:
        return short_name(self.subject, self.common_name)


class Finding(NamedTuple):
    rule: str
    severity: Severity
    path: str
    line: int
    end_line: int
    message: str
    certificate: CertificateRef | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, -self.severity, self.rule)

    def fingerprint(self) -> str:
        """What identifies this finding across line moves: rule + certificate SHA-256, or for
        a finding about no certificate, rule + path + message with its numbers blanked."""
        import hashlib  # loads OpenSSL: kept off the start-up of --version, rules and explain

        if self.certificate is not None:
            key = f"{self.rule}\0{self.certificate.sha256}"
        else:
            key = f"{self.rule}\0{self.path}\0{re.sub(r'[0-9]+', '#', self.message)}"
        return hashlib.sha256(key.encode()).hexdigest()


class FileResult(NamedTuple):
    """Everything a reporter needs to know about one linted file."""

    path: str
    #: Number of CERTIFICATE blocks, readable or not.
    certificates: int
    findings: tuple[Finding, ...]
    #: The readable certificates (for the step summary's expiry table).
    inventory: tuple[CertificateRef, ...] = ()
