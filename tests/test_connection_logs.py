"""Connection logs: CloudFront's JSON records, and what the truststore given can tell of the
failures ALB and CloudFront log.

The CloudFront records are built here with the record-field names of CloudFront's log
delivery (connectionStatus, clientLeafCertSubject, ...); ../shared/AWS-SERVICES.md 4b lists
the codes. ALB's lines come from tests/test_logs.py's builder.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, Issued
from tests.test_logs import alb_line

CLOUDFRONT_CODES = ["ClientCertMaxChainDepthExceeded", "ClientCertMaxSizeExceeded",
                    "ClientCertUntrusted", "ClientCertNotYetValid", "ClientCertExpired",
                    "ClientCertTypeUnsupported", "ClientCertInvalid", "ClientCertIntentInvalid",
                    "ClientCertRejected", "ClientCertMissing", "TcpError", "TcpTimeout",
                    "ConnectionFunctionError", "ConnectionFunctionDenied", "Internal",
                    "UnmappedConnectionError"]  # fmt: skip
VALID = "NotBefore=2025-01-01T00:00:00Z;NotAfter=2030-01-01T00:00:00Z"


def record(subject: str, serial: str, status: str, issuer: str = "-", *,
           validity: str = VALID, when: str = "2026-05-31T10:00:00Z") -> str:  # fmt: skip
    """A CloudFront connection-log record, as its JSON log delivery writes one."""
    return json.dumps({
        "timestamp": when, "connectionId": f"conn-{serial}", "connectionStatus": status,
        "clientIp": "203.0.113.9", "clientPort": "41234", "serverIp": "198.51.100.1",
        "tlsProtocol": "TLSv1.3", "clientLeafCertSubject": subject,
        "clientLeafCertSerialNumber": serial, "clientLeafCertIssuer": issuer,
        "clientLeafCertValidity": validity, "distributionId": "E1A2B3C4D5E6F7",
    })  # fmt: skip


def run(store: Path, log: Path, capsys, *extra: str, fmt: str = "json") -> tuple[int, object]:
    code = main(["logs", "--now", NOW_ISO, "--format", fmt, "--truststore", str(store), *extra,
                 str(log)])  # fmt: skip
    out = capsys.readouterr().out
    return code, json.loads(out) if fmt == "json" else out


@pytest.fixture
def store(root: Issued, intermediate: Issued, tmp_path: Path) -> Path:
    path = tmp_path / "store.pem"
    path.write_bytes(root.pem + intermediate.pem)
    return path


def test_cloudfront_records_are_recognised_and_every_code_explained(
    store, tmp_path, capsys
) -> None:
    lines = [record("CN=ok", "01", "Success")]
    lines += [record(f"CN=client {i}", f"{i + 16:X}", f"Failed:{code}")
              for i, code in enumerate(CLOUDFRONT_CODES)]  # fmt: skip
    (tmp_path / "cf.log").write_text("\n".join(lines) + "\n")
    code, report = run(store, tmp_path / "cf.log", capsys)
    assert code == 1
    assert isinstance(report, dict)
    assert (report["service"], report["log_format"]) == ("CloudFront", "cloudfront-connection")
    clients = {c["subject"]: c for c in report["clients"]}
    assert clients["CN=ok"]["failures"] == 0
    for i, code_name in enumerate(CLOUDFRONT_CODES):
        (item,) = clients[f"CN=client {i}"]["explanations"]
        assert item["status"] == f"Failed:{code_name}"
        assert item["description"] != "not a code AWS documents"
    untrusted = clients[f"CN=client {CLOUDFRONT_CODES.index('ClientCertUntrusted')}"]
    fix = untrusted["explanations"][0]["fix"]
    assert "update the trust store" in fix
    assert "modify-trust-store" not in fix
    expired = clients[f"CN=client {CLOUDFRONT_CODES.index('ClientCertExpired')}"]
    assert "'Ignore certificate expiration date'" in expired["explanations"][0]["fix"]


def test_cloudfront_records_inside_a_cloudwatch_export(store, tmp_path, capsys) -> None:
    """Delivered to CloudWatch Logs and exported with ``aws logs filter-log-events``."""
    messages = [record("CN=a", "0A", "Failed:ClientCertUntrusted"), record("CN=a", "0A", "Success")]
    document = {"events": [{"timestamp": 1, "message": m} for m in messages]}
    (tmp_path / "events.json").write_text(json.dumps(document, indent=2))
    code, report = run(store, tmp_path / "events.json", capsys)
    assert isinstance(report, dict)
    assert code == 1
    (client,) = report["clients"]
    assert (client["connections"], client["failures"]) == (2, 1)
    assert report["log_format"] == "cloudfront-connection"


def test_cloudfront_among_alb_logs_is_skipped_with_a_warning(store, tmp_path, capsys) -> None:
    (tmp_path / "a.log").write_text(alb_line("CN=alb", "01", "Success") + "\n")
    (tmp_path / "b.log").write_text(record("CN=cf", "02", "Failed:ClientCertUntrusted") + "\n")
    code = main(["logs", "--now", NOW_ISO, "--format", "json", "--truststore", str(store),
                 str(tmp_path / "a.log"), str(tmp_path / "b.log")])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0
    assert "b.log: a cloudfront-connection log among alb-connection logs, skipped" in out.err
    assert [c["subject"] for c in json.loads(out.out)["clients"]] == ["CN=alb"]


# -- what the truststore tells -------------------------------------------------------------


def test_an_issuer_missing_from_the_truststore_is_named(store, tmp_path, capsys) -> None:
    (tmp_path / "cf.log").write_text(
        record("CN=c", "0C", "Failed:ClientCertUntrusted", "CN=Partner CA,O=Elsewhere") + "\n"
    )
    _, report = run(store, tmp_path / "cf.log", capsys)
    assert isinstance(report, dict)
    (note,) = report["clients"][0]["truststore_notes"]
    assert "has the subject 'CN=Partner CA,O=Elsewhere'" in note
    assert "lacks the client's CA (ClientCertUntrusted)" in note


def test_an_issuer_in_the_truststore_is_found_however_the_log_spaces_it(
    store, intermediate: Issued, tmp_path, capsys
) -> None:
    logged = ", ".join(reversed(intermediate.cert.subject.rfc4514_string().split(","))).upper()
    (tmp_path / "cf.log").write_text(record("CN=c", "0D", "Failed:ClientCertRejected", logged))
    _, report = run(store, tmp_path / "cf.log", capsys)
    assert isinstance(report, dict)
    assert report["clients"][0]["truststore_notes"] == []


def test_an_expired_issuer_and_its_expiry_are_named(pki: PKI, tmp_path, capsys) -> None:
    old = pki.cert("connlog expired CA", not_after=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    (tmp_path / "store.pem").write_bytes(old.pem)
    (tmp_path / "cf.log").write_text(
        record(
            "CN=c", "0E", "Failed:ClientCertUntrusted", "CN=connlog expired CA,O=mtls-lint tests"
        )
    )
    _, report = run(tmp_path / "store.pem", tmp_path / "cf.log", capsys)
    assert isinstance(report, dict)
    (note,) = report["clients"][0]["truststore_notes"]
    assert "was not valid at the last connection (its validity ends 2026-01-01)" in note
    (store_note,) = report["truststore_notes"]
    assert (
        "'CN=connlog expired CA,O=mtls-lint tests' was not valid at 2026-05-31 10:00Z" in store_note
    )


def test_a_path_deeper_than_the_service_allows_is_named(pki: PKI, tmp_path, capsys) -> None:
    chain = pki.chain("connlog deep", 5)
    (tmp_path / "store.pem").write_bytes(b"".join(c.pem for c in chain))
    issuer = chain[-1].cert.subject.rfc4514_string()
    (tmp_path / "cf.log").write_text(
        record("CN=c", "0F", "Failed:ClientCertMaxChainDepthExceeded", issuer)
    )
    _, report = run(tmp_path / "store.pem", tmp_path / "cf.log", capsys)
    assert isinstance(report, dict)
    (note,) = report["clients"][0]["truststore_notes"]
    assert "is 5 CA certificates from its root" in note
    assert "over CloudFront's 4 (ClientCertMaxChainDepthExceeded)" in note


def test_a_path_that_stops_short_of_a_root_is_named(pki: PKI, tmp_path, capsys) -> None:
    chain = pki.chain("connlog short", 3)
    (tmp_path / "store.pem").write_bytes(chain[2].pem)  # the root and the middle CA left out
    (tmp_path / "cf.log").write_text(record(
        "CN=c", "10", "Failed:ClientCertUntrusted", chain[2].cert.subject.rfc4514_string()
    ))  # fmt: skip
    _, report = run(tmp_path / "store.pem", tmp_path / "cf.log", capsys)
    assert isinstance(report, dict)
    (note,) = report["clients"][0]["truststore_notes"]
    assert f"stops at '{chain[1].cert.subject.rfc4514_string()}'" in note


def test_a_logged_validity_already_past_is_named_on_alb(store, tmp_path, capsys) -> None:
    """ALB logs no issuer: what the log itself tells (the validity window) is still checked."""
    line = alb_line("CN=late", "AB", "Failed:ClientCertExpired").replace(
        "NotAfter=2030-01-01T00:00:00Z", "NotAfter=2026-05-01T00:00:00Z"
    )
    (tmp_path / "conn.log").write_text(line + "\n")
    code, out = run(store, tmp_path / "conn.log", capsys, fmt="text")
    assert code == 1
    assert ("Truststore: the logged validity ended 2026-05-01T00:00:00Z, before the last "
            "connection (2026-05-31T10:00:00.000000Z): ALB logs ClientCertExpired unless the "
            "listener's IgnoreClientCertificateExpiry is set") in str(out)  # fmt: skip


def test_markdown_carries_the_truststore_notes(store, tmp_path, capsys) -> None:
    (tmp_path / "cf.log").write_text(
        record("CN=c", "11", "Failed:ClientCertUntrusted", "CN=Nobody") + "\n"
    )
    code, out = run(store, tmp_path / "cf.log", capsys, fmt="markdown")
    assert code == 1
    assert "| client | serial | connections | failed | statuses | fix | truststore |" in str(out)
    assert "lacks the client's CA" in str(out)


# -- exports read a row at a time ----------------------------------------------------------


def test_a_json_export_is_read_row_by_row_not_whole() -> None:
    """The first rows come out before the rest of the document is read: memory is bounded by
    the largest row, not by the export."""
    from mtls_lint.logformats import Shape, messages

    read = []

    def lines():
        yield "{"
        yield '  "events": ['
        for i in range(100_000):
            read.append(i)
            yield f'    {{"timestamp": {i}, "message": "line {i}"}},'
        yield '    {"timestamp": 0, "message": "last"}'
        yield "  ]"
        yield "}"

    out = messages(lines(), "auto", Shape())
    assert [next(out) for _ in range(3)] == ["line 0", "line 1", "line 2"]
    assert len(read) < 1000
    rest = list(out)
    assert rest[-1] == "last"
    assert len(rest) == 99_998


@pytest.mark.parametrize(("text", "reason"), [
    ('{"events": [{"message": "a"}, {"message": "b"', "JSON export broken or cut short"),
    ('{"events": [{"message": "a"},', "JSON export cut short"),
    ('{\n  "nextToken": "x"\n}', "JSON export without a list of events"),
    ('[{"@message": "a"}, 7, ', "JSON export row that is not an object"),
])  # fmt: skip
def test_what_an_export_loses_is_counted_by_reason(text: str, reason: str) -> None:
    from mtls_lint.logformats import Shape, messages

    shape = Shape()
    out = list(messages(text.splitlines(), "auto", shape))
    assert out == (["a"] if '"a"' in text else [])
    assert shape.skipped[reason] == 1


def test_a_row_over_the_cap_stops_the_export(monkeypatch) -> None:
    from mtls_lint import logformats
    from mtls_lint.logformats import Shape, messages

    monkeypatch.setattr(logformats, "MAX_ROW_BYTES", 10_000)
    lines = ['{"events": [', '{"message": "ok"},', '{"message": "' + "x" * 5000]
    lines += ["y" * 5000] * 5
    shape = Shape()
    assert list(messages(lines, "auto", shape)) == ["ok"]
    assert shape.skipped["JSON export row over the size cap"] == 1


def test_skipped_pieces_of_an_export_reach_the_report(store, tmp_path, capsys) -> None:
    body = json.dumps({"events": [{"message": alb_line("CN=x", "01", "Success")}]})
    (tmp_path / "cut.json.gz").write_bytes(gzip.compress(body[:-2].encode()))
    code, out = run(store, tmp_path / "cut.json.gz", capsys, fmt="text")
    assert code == 0
    assert "1 JSON export cut short" in str(out)


def test_connection_logs_need_no_truststore(tmp_path, capsys) -> None:
    """Without one, what the log itself tells (its validity window) is still said."""
    (tmp_path / "conn.log").write_text(
        record("CN=n", "01", "Failed:ClientCertExpired", "CN=Somebody",
               validity="NotBefore=2020-01-01T00:00:00Z;NotAfter=2021-01-01T00:00:00Z")
    )  # fmt: skip
    code = main(["logs", "--format", "json", str(tmp_path / "conn.log")])
    out = capsys.readouterr()
    assert code == 1
    report = json.loads(out.out)
    (note,) = report["clients"][0]["truststore_notes"]
    assert note.startswith("the logged validity ended 2021-01-01T00:00:00Z")
    assert report["truststore_notes"] == []


def test_access_logs_without_a_truststore_are_exit_2(tmp_path, capsys) -> None:
    (tmp_path / "a.log").write_text('{"requestId": "r", "status": "200"}\n')
    assert main(["logs", str(tmp_path / "a.log")]) == 2
    assert "give --truststore BUNDLE" in capsys.readouterr().err
