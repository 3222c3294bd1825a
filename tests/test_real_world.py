"""Certificates from the wild: every X.509 file of the ``cryptography-vectors`` package.

Nearly 1,800 files (PKITS, real chains, certificates with broken encodings, RSA-PSS with bad
parameters, MD2 roots, CSRs, CRLs, keys...) must lint without an internal error, with every
finding inside its file, and render to schema-valid SARIF.
"""

from __future__ import annotations

from pathlib import Path

import cryptography_vectors
import pytest

from mtls_lint.findings import FileResult, Finding
from mtls_lint.reporters import Report, reporter
from tests.conftest import fired, lint
from tests.outputs import assert_sarif_report, lines_in

VECTORS = Path(cryptography_vectors.__file__).parent / "x509"


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[bytes, list[Finding]]]:
    files = sorted(p for p in VECTORS.rglob("*") if p.is_file())
    assert len(files) > 1000
    results = {}
    for path in files:
        name = path.relative_to(VECTORS).as_posix()
        data = path.read_bytes()
        results[name] = (data, lint(data, path=name))
    return results


def test_no_real_world_file_makes_a_rule_crash(corpus) -> None:
    crashes = [
        f"{name}: {f.message}"
        for name, (_, findings) in corpus.items()
        for f in findings
        if f.message.startswith("internal error")
    ]
    assert crashes == []


def test_every_real_world_finding_lies_inside_its_file(corpus) -> None:
    outside = [
        f"{name}:{f.line}-{f.end_line} {f.rule}"
        for name, (data, findings) in corpus.items()
        for f in findings
        if not 1 <= f.line <= f.end_line <= lines_in(data)
    ]
    assert outside == []


def test_real_world_findings_render_in_every_format(corpus) -> None:
    report = Report(
        tuple(FileResult(name, 0, tuple(findings)) for name, (_, findings) in corpus.items())
    )
    longest = max(lines_in(data) for data, _ in corpus.values())
    assert_sarif_report(reporter("sarif")(report), longest)
    for fmt in ("text", "json", "github"):
        assert reporter(fmt)(report)


def test_rsa_pss_with_unreadable_parameters_is_an_unsupported_algorithm(corpus) -> None:
    for name in ("custom/rsa_pss_cert_no_sig_params.der", "custom/rsa_pss_cert_invalid_mgf.der"):
        _, findings = corpus[name]
        (finding,) = fired(findings, "unsupported-signature-algorithm")
        assert not finding.message.startswith("internal error"), finding.message


def test_an_md2_root_is_matched_by_name_and_reported_weak(corpus) -> None:
    _, findings = corpus["verisign_md2_root.pem"]
    (finding,) = fired(findings, "weak-signature-hash")
    assert "MD2" in finding.message
    assert not fired(findings, "self-signed-leaf")
