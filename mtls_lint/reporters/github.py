"""``--format github``: workflow-command annotations, worst first, then the plain report.

GitHub shows at most 10 annotations of each level per step, so the worst come first; every
finding is also printed as plain text inside ``::stop-commands::`` with a fresh random token,
because a file name or subject chosen by a pull request's author could otherwise start a line
with ``::`` and run a workflow command.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

from mtls_lint.escape import inert_legacy, inert_text, printable, workflow_data, workflow_property
from mtls_lint.findings import Finding
from mtls_lint.reporters import Report, text

MAX_MESSAGE = 4096


def annotation(finding: Finding) -> str:
    message = printable(finding.message)
    cert = finding.certificate
    if cert is not None:
        message += f" ({printable(cert.short_name)}, sha256 {cert.sha256[:12]})"
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return workflow_annotation(
        finding.severity.label, finding.path, finding.line, finding.end_line,
        f"mtls-lint {finding.rule}", message,
    )  # fmt: skip


def from_repository_root(path: str) -> str:
    """``path`` (as reports show it: relative to the working directory, or absolute) relative
    to the repository's root, as GitHub matches an annotation to the pull request's files;
    as given when it is outside the repository."""
    prefix = _working_directory_prefix(os.getcwd())
    if os.path.isabs(path):
        root = os.path.normpath(os.path.join(os.getcwd(), *[".."] * prefix.count("/")))
        relative = os.path.relpath(path, root)
    else:
        relative = os.path.normpath(prefix + path)
    return path if relative == ".." or relative.startswith("../") else relative


@functools.lru_cache(maxsize=4)
def _working_directory_prefix(cwd: str) -> str:
    from mtls_lint.discover import repository_prefix

    return repository_prefix(Path(cwd))


def workflow_annotation(
    level: str, path: str, line: int, end_line: int, title: str, message: str
) -> str:
    """One ``::error``/``::warning``/``::notice`` command on ``path`` (relative to the working
    directory, made relative to the repository's root), escaped as ``actions/toolkit``
    escapes and free of the legacy ``##[`` syntax; ``message`` is already printable."""
    properties = ",".join(
        f"{key}={workflow_property(value)}"
        for key, value in (
            # a file name may carry terminal escapes; line breaks are the toolkit's to escape
            ("file", printable(from_repository_root(path), keep="\r\n")),
            ("line", str(line)),
            ("endLine", str(end_line)),
            ("title", title),
        )
    )
    return inert_legacy(f"::{level} {properties}::{workflow_data(message)}")


def inert(lines: list[str], token: str | None = None) -> list[str]:
    """``lines`` between ``::stop-commands::`` and its resume marker, under a fresh token, and
    each made inert too: two locks, since a runner that missed the first would obey a line."""
    token = token or secrets.token_hex(16)
    return [f"::stop-commands::{token}", *(inert_text(line) for line in lines), f"::{token}::"]


def render(report: Report, token: str | None = None) -> str:
    worst_first = sorted(report.findings, key=lambda f: (-f.severity, f.sort_key()))
    lines = [annotation(f) for f in worst_first]
    lines += inert([text.finding_line(f) for f in report.findings], token)
    lines.append(text.summary_line(report))
    return "\n".join(lines) + "\n"
