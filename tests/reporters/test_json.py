from __future__ import annotations

import json

from mtls_lint import __version__
from mtls_lint.findings import FileResult
from mtls_lint.reporters import Report
from mtls_lint.reporters.json import render
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
