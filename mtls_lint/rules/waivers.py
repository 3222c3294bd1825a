"""Rules about the waivers in ``.mtls-lint.yaml``; :mod:`mtls_lint.waiving` fires them."""

from __future__ import annotations

from mtls_lint.findings import Severity
from mtls_lint.rule import config_rule

CITATION = "mtls-lint SPEC section 6 (config: waivers)"


@config_rule(
    "expired-waiver",
    "a config waiver whose until date has passed",
    severity=Severity.WARNING,
    citation=CITATION,
)
def expired_waiver() -> None:
    """Fires at the waiver's line in the config file once its ``until`` date is before
    ``--now``. The waiver stops applying that day, so the findings it hid come back too.

    AWS: nothing changes on AWS's side; this is a reminder that an accepted risk was meant to be
    temporary (a pinned partner certificate, a legacy SHA-1 root).

    Fix: fix what the waiver hid, then delete the waiver; or, if the exception must last,
    extend ``until`` with a fresh ``reason``.

    Show it: ``mtls-lint check --ignore expired-waiver`` lists the findings the waiver hid.
    """


@config_rule(
    "unused-waiver",
    "a config waiver that matched nothing in this run",
    severity=Severity.NOTICE,
    citation=CITATION,
)
def unused_waiver() -> None:
    """Fires at the waiver's line when the waiver hid no finding in a run over whole
    directories: its certificate left the truststore, or the problem was fixed. A run over
    named files only (as pre-commit makes) cannot know, and stays quiet.

    AWS: nothing; stale waivers make the next real exception easy to miss.

    Fix: delete the waiver.

    Show it: ``mtls-lint inspect --format json BUNDLE...`` lists every certificate's sha256;
    the waiver's is not among them.
    """
