"""Lint bytes into a FileResult, as the CLI would, for reporter tests."""

from __future__ import annotations

from mtls_lint.engine import lint_bundle
from mtls_lint.findings import FileResult
from mtls_lint.lint_settings import LintSettings, enabled_rules
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import PROFILES
from tests.pki import NOW


def result_for(data: bytes, path: str, profile: str = "apigateway") -> FileResult:
    chosen = PROFILES[profile]
    settings = LintSettings(profile=chosen, now=NOW, rules=enabled_rules(chosen), inventory=True)
    return lint_bundle(read_bundle(path, data), settings)
