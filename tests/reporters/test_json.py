from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mtls_lint import __version__
from mtls_lint.findings import CertificateRef, FileResult, Finding, Severity
from mtls_lint.reporters import Report
from mtls_lint.reporters.json import finding_json, render
from tests.conftest import lint
from tests.pki import Issued


def test_json_has_exactly_the_spec_shape(root: Issued, intermediate: Issued) -> None:
    findings = lint(intermediate.pem + b"junk\n", path="dir/b.pem")
    document = json.loads(render(Report((FileResult("dir/b.pem", 1, tuple(findings)),))))
    assert set(document) == {"tool", "files", "findings", "summary"}
    assert document["tool"] == {"name": "mtls-lint", "version": __version__}
    assert document["files"] == [{"path": "dir/b.pem", "certificates": 1}]
    assert document["summary"] == {"error": 1, "warning": 1, "notice": 0, "waived": 0}
    missing = next(f for f in document["findings"] if f["rule"] == "missing-issuer")
    assert set(missing) == {
        "rule", "severity", "path", "line", "end_line", "message", "certificate",
    }  # fmt: skip
    assert missing["severity"] == "error"
    assert missing["path"] == "dir/b.pem"
    assert (missing["line"], missing["end_line"]) == (1, intermediate.pem.count(b"\n"))
    assert missing["certificate"] == {
        "index": 1,
        "sha256": intermediate.sha256,
        "subject": "CN=Intermediate CA,O=mtls-lint tests",
        "issuer": "CN=Root CA,O=mtls-lint tests",
        "not_after": "2030-01-01T00:00:00Z",
    }
    stray = next(f for f in document["findings"] if f["rule"] == "stray-text")
    assert stray["certificate"] is None


REFS = st.builds(
    CertificateRef,
    index=st.integers(0, 10**6),
    sha256=st.text(),
    subject=st.text(),
    issuer=st.text(),
    not_after=st.text(),
    common_name=st.text(),
)
FINDINGS = st.builds(
    Finding,
    rule=st.text(),
    severity=st.sampled_from(Severity),
    path=st.text(),
    line=st.integers(0, 10**9),
    end_line=st.integers(0, 10**9),
    message=st.text(),
    certificate=st.none() | REFS,
)


@given(st.lists(FINDINGS, max_size=5), st.lists(FINDINGS, max_size=2))
def test_the_findings_written_from_templates_are_what_json_dumps_writes(
    findings: list[Finding], config_findings: list[Finding]
) -> None:
    """Each finding is written from a template, not through the writer: the report is
    still the text json.dumps gives for the documented shape, whatever the fields hold."""
    report = Report((FileResult("a.pem", 3, tuple(findings)),), tuple(config_findings), waived=2)
    document = {
        "tool": {"name": "mtls-lint", "version": __version__},
        "files": [{"path": "a.pem", "certificates": 3}],
        "findings": [finding_json(f) for f in [*findings, *config_findings]],
        "summary": {
            **{s.label: report.number_of(s) for s in reversed(Severity)},
            "waived": 2,
        },
    }
    assert render(report) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
