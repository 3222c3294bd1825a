"""Reporters turn the results of a run into the text of one output format.

A reporter is a function from a :class:`Report` to a string. It does not decide the exit code
and does not know about rules beyond what a :class:`~mtls_lint.findings.Finding` says, so each
can be tested with hand-made findings.
"""

from collections.abc import Callable
from typing import NamedTuple

from mtls_lint.findings import FileResult, Finding, Severity


class Report(NamedTuple):
    files: tuple[FileResult, ...]
    #: Findings about the config file (expired-waiver, unused-waiver).
    config_findings: tuple[Finding, ...] = ()
    #: Findings hidden by waivers.
    waived: int = 0
    color: bool = False
    #: The profile in force (SARIF reports each rule's default level on it).
    profile: str = "apigateway"
    #: The working directory relative to the repository root ("" at the root, else "a/b/"),
    #: so SARIF can give repository-relative URIs for the paths findings carry.
    repo_prefix: str = ""
    #: Whether the text report ends with its summary line (not under ``--quiet``).
    summary: bool = True

    @property
    def findings(self) -> list[Finding]:
        found = [finding for result in self.files for finding in result.findings]
        return found + list(self.config_findings)

    def number_of(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def certificates(self) -> int:
        return sum(result.certificates for result in self.files)


Reporter = Callable[[Report], str]


def reporter(fmt: str) -> Reporter:
    """The renderer of one of :data:`FORMATS`, importing that reporter only (a hook run that
    prints text never loads json)."""
    import importlib

    render: Reporter = importlib.import_module(f"mtls_lint.reporters.{fmt}").render
    return render


FORMATS = ("text", "github", "json", "sarif")
#: Which encoder of :data:`mtls_lint.escape.ENCODERS` keeps each format's output inert, for
#: every format of every command.
KINDS = {
    "text": "text",
    "github": "github",
    "json": "json",
    "sarif": "json",
    "markdown": "markdown",
}
