"""mtls-lint logs: the access logs people actually export, recognised without being told.

Each export is generated here from the session's PKI: JSON lines with the PEM's line breaks
escaped or real, ``aws logs filter-log-events`` JSON, Logs Insights CSV and JSON, and
CloudWatch's gzipped S3 export.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest

from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, Issued


@pytest.fixture(scope="module")
def clients(pki: PKI, root: Issued, intermediate: Issued) -> tuple[Issued, Issued]:
    good = pki.cert("logs good client", issuer=intermediate, ca=False)
    bad = pki.cert("logs bad client", issuer=pki.cert("logs orphan CA"), ca=False)
    return good, bad


def line(client: Issued, request_id: str) -> str:
    certificate = {"clientCert": {"clientCertPem": client.pem.decode()}}
    return json.dumps({"requestId": request_id, "status": "403", "identity": certificate})


def events(clients) -> dict[str, list[str]]:
    good, bad = clients
    return {"good": [line(good, "g1"), line(good, "g2")], "bad": [line(bad, "b1")]}


def exports(clients) -> dict[str, bytes]:
    """Each shape a user downloads, holding the same three requests."""
    messages = [*events(clients)["good"], *events(clients)["bad"]]
    rows = [{"@timestamp": "2026-05-31 10:00:00.000", "@message": m} for m in messages]
    out = io.StringIO()
    writer = csv.DictWriter(out, ["@timestamp", "@message"])
    writer.writeheader()
    writer.writerows(rows)
    s3 = "".join(f"2026-05-31T10:00:00.000Z {m}\n" for m in messages).encode()
    real_breaks = "\n".join(m.replace("\\n", "\n") for m in messages) + "\n"
    return {
        "lines.log": ("\n".join(messages) + "\n").encode(),
        "events.json": json.dumps(
            {"events": [{"timestamp": 1, "message": m, "logStreamName": "s"} for m in messages]},
            indent=2,
        ).encode(),
        "insights.csv": out.getvalue().encode(),
        "insights.json": json.dumps(rows, indent=2).encode(),
        "export.gz": gzip.compress(s3),
        "real-breaks.log": real_breaks.encode(),
    }


def logs(store: Path, *paths: Path | str, capsys, fmt: str = "json") -> tuple[int, dict | str]:
    code = main(["logs", "--now", NOW_ISO, "--format", fmt, "--truststore", str(store),
                 *map(str, paths)])  # fmt: skip
    out = capsys.readouterr()
    if not out.out:
        return code, out.err
    return code, (json.loads(out.out) if fmt == "json" else out.out)


@pytest.fixture
def store(root: Issued, intermediate: Issued, tmp_path: Path) -> Path:
    path = tmp_path / "store.pem"
    path.write_bytes(root.pem + intermediate.pem)
    return path


@pytest.mark.parametrize("name", ["lines.log", "events.json", "insights.csv", "insights.json",
                                  "export.gz", "real-breaks.log"])  # fmt: skip
def test_each_export_is_read_without_being_told_its_format(
    clients, store: Path, tmp_path: Path, name: str, capsys
) -> None:
    (tmp_path / name).write_bytes(exports(clients)[name])
    code, report = logs(store, tmp_path / name, capsys=capsys)
    assert isinstance(report, dict)
    assert report["lines"]["with_certificate"] == 3, report["lines"]
    verdicts = sorted((c["requests"], c["verdict"]["allowed"]) for c in report["certificates"])
    assert verdicts == [(1, False), (2, True)]
    assert code == 1  # one client is denied


def test_a_directory_of_logs_is_read_file_by_file(clients, store, tmp_path, capsys) -> None:
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    for name, data in exports(clients).items():
        if name in ("lines.log", "export.gz"):
            (logs_dir / name).write_bytes(data)
    _, report = logs(store, logs_dir, capsys=capsys)
    assert isinstance(report, dict)
    assert report["lines"]["with_certificate"] == 6


def test_verify_access_log_stays_an_alias(clients, store, tmp_path, capsys) -> None:
    (tmp_path / "events.json").write_bytes(exports(clients)["events.json"])
    code = main(["verify", "--now", NOW_ISO, "--format", "json", "--truststore", str(store),
                 "--access-log", str(tmp_path / "events.json")])  # fmt: skip
    assert code == 1
    assert json.loads(capsys.readouterr().out)["lines"]["with_certificate"] == 3


def test_nothing_recognisable_is_exit_2_with_the_export_commands(store, tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("this is not a log\nnor is this\n")
    code, err = logs(store, tmp_path / "notes.txt", capsys=capsys)
    assert code == 2
    assert isinstance(err, str)
    assert "no line is in a log format mtls-lint reads" in err
    assert "aws logs filter-log-events" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("content", [b"", b"\n\n", bytes(range(256)) * 64],
                         ids=["empty", "blank", "binary"])  # fmt: skip
def test_empty_and_garbage_files_are_exit_2_with_the_hint(
    store, tmp_path, capsys, content: bytes
) -> None:
    (tmp_path / "export.log").write_bytes(content)
    code, err = logs(store, tmp_path / "export.log", capsys=capsys)
    assert code == 2
    assert "no line is in a log format mtls-lint reads" in str(err)
    assert "Traceback" not in str(err)


def test_a_log_of_only_overlong_lines_says_so(store, tmp_path, capsys) -> None:
    from mtls_lint.cli.verify import MAX_LOG_LINE

    line = json.dumps({"clientCertPem": "-----BEGIN CERTIFICATE-----" * (MAX_LOG_LINE // 27)})
    (tmp_path / "long.log").write_text(f"{line}\n" * 3)
    code, err = logs(store, tmp_path / "long.log", capsys=capsys)
    assert code == 2
    assert "long.log: every line (3) is longer than 1 MiB" in str(err)
    assert len(str(err).strip().splitlines()) == 1


def test_a_truncated_gzip_is_exit_2_naming_the_file(store, tmp_path, capsys) -> None:
    whole = gzip.compress(exports_lines() * 50)
    (tmp_path / "cut.log.gz").write_bytes(whole[: len(whole) // 2])
    code, err = logs(store, tmp_path / "cut.log.gz", capsys=capsys)
    assert code == 2
    assert "cut.log.gz: cannot read" in str(err)
    assert len(str(err).strip().splitlines()) == 1


def exports_lines() -> bytes:
    return b"".join(json.dumps({"requestId": f"r{i}", "status": "200"}).encode() + b"\n"
                    for i in range(100))  # fmt: skip


def test_a_log_without_certificates_says_so_and_exits_0(store, tmp_path, capsys) -> None:
    (tmp_path / "plain.log").write_text(json.dumps({"requestId": "r", "status": "200"}) + "\n")
    code, out = logs(store, tmp_path / "plain.log", capsys=capsys, fmt="text")
    assert code == 0
    assert "0 with a client certificate" in str(out)


def test_a_gzip_bomb_is_refused_past_the_cap(store, tmp_path, capsys, monkeypatch) -> None:
    import mtls_lint.cli.verify as verify_cli

    monkeypatch.setattr(verify_cli, "MAX_GUNZIPPED", 1000)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(b"{}\n" * 100_000))
    code, err = logs(store, tmp_path / "bomb.gz", capsys=capsys)
    assert code == 2
    assert "decompresses to more than" in str(err)


def test_a_pem_without_a_json_end_is_given_up_after_a_few_lines(monkeypatch) -> None:
    """A hostile run of short lines after END: each try parses the record, so tries are few."""
    from mtls_lint import logformats
    from mtls_lint.logformats import MAX_TRIES, Shape, messages

    tries = []
    whole = logformats._whole
    monkeypatch.setattr(logformats, "_whole", lambda text: tries.append(1) or whole(text))
    head = '{"clientCertPem": "-----BEGIN CERTIFICATE-----'
    lines = [head, "QUJD", "-----END CERTIFICATE-----", *["x"] * 10_000]
    out = list(messages(lines, "apigateway-access", Shape()))
    assert out == lines  # passed on as they were, to be counted as lines that are not JSON
    assert len(tries) == MAX_TRIES


def alb_line(subject: str, serial: str, status: str, when: str = "2026-05-31T10:00:00.000000Z",
             fields: int = 15) -> str:  # fmt: skip
    """An ALB connection-log line (AWS-SERVICES.md section 4 lists the fields)."""
    validity = "NotBefore=2025-01-01T00:00:00Z;NotAfter=2030-01-01T00:00:00Z"
    parts = [when, "203.0.113.1", "36280", "443", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256",
             "4.036", f'"{subject}"', validity, serial, status,
             "TID_1c71a68d70587445ad5127ff8b2687d7", "ECDHE", "app/lb/1", "10.0.0.1"]  # fmt: skip
    return " ".join(parts[:fields])


ALB_CODES = ["ClientCertMaxChainDepthExceeded", "ClientCertMaxSizeExceeded", "ClientCertCrlHit",
             "ClientCertCrlProcessingError", "ClientCertUntrusted", "ClientCertNotYetValid",
             "ClientCertExpired", "ClientCertTypeUnsupported", "ClientCertInvalid",
             "ClientCertPurposeInvalid", "ClientCertRejected", "UnmappedConnectionError",
             "ClientCertIncompatible"]  # fmt: skip


def test_alb_connection_logs_group_by_client_and_explain_every_code(
    store, tmp_path, capsys
) -> None:
    lines = [alb_line("CN=partner client,O=Example Corp", "FEF257372D5C14D4", "Success")]
    lines += [alb_line(f"CN=client {i}", f"{i:X}", f"Failed:{code}", fields=13 if i % 2 else 15)
              for i, code in enumerate(ALB_CODES)]  # fmt: skip
    lines += [alb_line("CN=partner client,O=Example Corp", "FEF257372D5C14D4",
                       "Failed:ClientCertUntrusted")] * 3  # fmt: skip
    (tmp_path / "conn.log").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    code, report = logs(store, tmp_path / "conn.log", capsys=capsys)
    assert code == 1
    assert isinstance(report, dict)
    assert report["service"] == "ALB"
    clients = {c["subject"]: c for c in report["clients"]}
    partner = clients["CN=partner client,O=Example Corp"]
    assert (partner["connections"], partner["failures"]) == (4, 3)
    (untrusted,) = partner["explanations"]
    assert untrusted["description"] == "Client certificate is untrusted"
    assert "modify-trust-store" in untrusted["fix"]
    for i, code_name in enumerate(ALB_CODES):
        (item,) = clients[f"CN=client {i}"]["explanations"]
        assert item["status"] == f"Failed:{code_name}"
        assert item["description"] != "not a code AWS documents"
    assert report["lines"]["read"] == len(lines)


def test_alb_connection_log_text(store, tmp_path, capsys) -> None:
    (tmp_path / "conn.log").write_text(
        alb_line("CN=c", "AB", "Failed:ClientCertExpired") + "\nnot a log line\n"
    )
    code, out = logs(store, tmp_path / "conn.log", capsys=capsys, fmt="text")
    assert code == 1
    assert "CN=c (serial AB): 1 of 1 connections failed" in str(out)
    assert "1x Failed:ClientCertExpired: Client certificate is expired" in str(out)
    assert "IgnoreClientCertificateExpiry" in str(out)
    assert "1 not ALB connection-log records" in str(out)


def test_save_certs_writes_each_client_and_the_fixes_name_the_files(
    clients, store, tmp_path, capsys
) -> None:
    (tmp_path / "lines.log").write_bytes(exports(clients)["lines.log"])
    saved = tmp_path / "certs"
    code = main(["logs", "--now", NOW_ISO, "--format", "json", "--truststore", str(store),
                 "--save-certs", str(saved), str(tmp_path / "lines.log")])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    files = sorted(saved.iterdir())
    assert len(files) == 2
    denied = next(c for c in report["certificates"] if not c["verdict"]["allowed"])
    (path,) = [f for f in files if f.name == f"{denied['sha256'][:16]}.pem"]
    assert str(path) in denied["verdict"]["fix"]  # the openssl command runs as printed
    assert path.read_bytes() == clients[1].pem


def test_save_certs_will_not_write_through_a_symlink(clients, store, tmp_path, capsys) -> None:
    from tests.security.conftest import git

    (tmp_path / "lines.log").write_bytes(exports(clients)["lines.log"])
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "certs").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    other = tmp_path / "other"  # another checkout: a repository, but not this one
    other.mkdir()
    git(other, "init", "-q")
    (repo / "vendored").symlink_to(other, target_is_directory=True)
    for target in (
        repo / "certs", repo / "certs" / "new" / "deeper", repo / "vendored",
        repo / "vendored" / "new",
    ):  # fmt: skip
        code = main(["logs", "--now", NOW_ISO, "--truststore", str(store), "--save-certs",
                     str(target), str(tmp_path / "lines.log")])  # fmt: skip
        assert code == 2
        assert "symbolic link" in capsys.readouterr().err
        assert not list((tmp_path / "elsewhere").iterdir())  # not even a directory made
        assert [p.name for p in other.iterdir()] == [".git"]


def test_markdown_for_a_ticket(clients, store, tmp_path, capsys) -> None:
    (tmp_path / "lines.log").write_bytes(exports(clients)["lines.log"])
    code, out = logs(store, tmp_path / "lines.log", capsys=capsys, fmt="markdown")
    assert code == 1
    table = [row for row in str(out).splitlines() if row.startswith("| CN=")]
    assert len(table) == 2
    assert any("DENIED: Could not find issuer for certificate" in row for row in table)
    (tmp_path / "conn.log").write_text(alb_line("CN=c", "AB", "Failed:ClientCertExpired") + "\n")
    code, out = logs(store, tmp_path / "conn.log", capsys=capsys, fmt="markdown")
    assert "| CN=c | AB | 1 | 1 | 1x Failed:ClientCertExpired |" in str(out)


def test_verify_markdown_gives_the_checks_as_a_table(store, clients, tmp_path, capsys) -> None:
    (tmp_path / "bad.pem").write_bytes(clients[1].pem)
    code = main(["verify", "--now", NOW_ISO, "--format", "markdown", "--truststore", str(store),
                 str(tmp_path / "bad.pem")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("### DENIED: Could not find issuer for certificate\n")
    assert "| issuer | CN=logs bad client,O=mtls-lint tests | NO |" in out


@pytest.mark.parametrize(
    ("since", "until", "kept"),
    [(None, None, 3), ("2026-05-31T11:00:00Z", None, 2), (None, "2026-05-31T10:30:00Z", 1),
     ("1d", None, 2), ("2026-05-31T10:30:00Z", "2026-05-31T11:30:00Z", 1)],
)  # fmt: skip
def test_since_and_until_cut_a_window(clients, store, tmp_path, capsys, since, until, kept):
    good, bad = clients
    times = ["31/May/2026:10:00:00 +0000", "1780225200000", "2026-05-31T12:00:00Z"]  # 10, 11, 12 h
    records = [json.loads(line(client, f"r{i}")) for i, client in enumerate((good, good, bad))]
    for record, moment in zip(records, times, strict=True):
        record["requestTime"] = moment
    (tmp_path / "w.log").write_text("\n".join(map(json.dumps, records)) + "\n")
    window = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    main(["logs", "--now", "2026-06-01T10:30:00Z", "--format", "json", "--truststore", str(store),
          *window, str(tmp_path / "w.log")])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["lines"]["with_certificate"] == kept
    assert report["lines"]["outside_window"] == 3 - kept


def test_since_is_checked(store, tmp_path, capsys) -> None:
    (tmp_path / "w.log").write_text("{}\n")
    code = main(
        ["logs", "--since", "yesterday", "--truststore", str(store), str(tmp_path / "w.log")]
    )
    assert code == 2
    assert "--since: 'yesterday' is not ISO 8601" in capsys.readouterr().err


def test_since_applies_to_connection_logs(store, tmp_path, capsys) -> None:
    days = ("2026-05-30T10:00:00.000000Z", "2026-05-31T10:00:00.000000Z")
    lines = [alb_line("CN=c", "AB", "Failed:ClientCertExpired", when=when) for when in days]
    (tmp_path / "conn.log").write_text("\n".join(lines) + "\n")
    _, report = logs(store, "--since", "2026-05-31T00:00:00Z", tmp_path / "conn.log",
                     capsys=capsys)  # fmt: skip
    assert isinstance(report, dict)
    assert report["clients"][0]["connections"] == 1
    assert report["lines"]["outside_window"] == 1


def test_each_file_of_a_directory_has_its_own_shape(clients, store, tmp_path, capsys) -> None:
    logs_dir = tmp_path / "mixed"
    logs_dir.mkdir()
    for name in ("lines.log", "events.json", "insights.csv", "export.gz"):
        (logs_dir / name).write_bytes(exports(clients)[name])
    _, report = logs(store, logs_dir, capsys=capsys)
    assert isinstance(report, dict)
    assert report["lines"]["with_certificate"] == 12


def test_connection_logs_among_access_logs_are_skipped_with_a_warning(
    clients, store, tmp_path, capsys
) -> None:
    (tmp_path / "a.log").write_bytes(exports(clients)["lines.log"])
    (tmp_path / "b.log").write_text(alb_line("CN=c", "AB", "Failed:ClientCertExpired") + "\n")
    code = main(["logs", "--now", NOW_ISO, "--format", "json", "--truststore", str(store),
                 str(tmp_path / "a.log"), str(tmp_path / "b.log")])  # fmt: skip
    out = capsys.readouterr()
    assert code == 1
    assert json.loads(out.out)["lines"]["with_certificate"] == 3
    assert "alb-connection log among apigateway-access logs, skipped" in out.err


def execution(request_id: str, reason: str) -> str:
    """REST execution-log lines for a mutual-TLS denial (re:Post's wording)."""
    return (f"({request_id}) Extended Request Id: X{request_id}=\n"
            f"({request_id}) Access denied. Reason: {reason}\n"
            f"({request_id}) ForbiddenException Forbidden: {request_id}\n")  # fmt: skip


def test_execution_logs_join_the_access_log_by_request_id(clients, store, tmp_path, capsys):
    (tmp_path / "access.log").write_bytes(exports(clients)["lines.log"])
    (tmp_path / "execution.log").write_text(
        execution("b1", "Could not find issuer for certificate")
    )
    code, report = logs(store, tmp_path / "access.log", tmp_path / "execution.log",
                        capsys=capsys)  # fmt: skip
    assert code == 1
    assert isinstance(report, dict)
    bad = next(c for c in report["certificates"] if not c["verdict"]["allowed"])
    assert bad["aws_reasons"] == {"Access denied. Reason: Could not find issuer for certificate": 1}
    assert not any("DISAGREEMENT" in n for n in bad["verdict"]["notes"])
    assert report["lines"]["execution"] == 3
    assert report["lines"]["unmatched_denials"] == 0


def test_a_disagreement_with_aws_is_said_loudly(clients, store, tmp_path, capsys) -> None:
    """AWS refused a certificate the truststore admits: usually another truststore version."""
    (tmp_path / "access.log").write_bytes(exports(clients)["lines.log"])
    (tmp_path / "execution.log").write_text(execution("g1", "self signed certificate"))
    code, out = logs(store, tmp_path / "access.log", tmp_path / "execution.log",
                     capsys=capsys, fmt="text")  # fmt: skip
    assert code == 1  # the bad client is denied, and AWS refused the good one
    assert "AWS logged 1x: Access denied. Reason: self signed certificate" in str(out)
    assert "DISAGREEMENT: AWS logged 1x" in str(out)
    assert "another truststore version" in str(out)


def test_an_execution_log_alone_is_recognised(store, tmp_path, capsys) -> None:
    (tmp_path / "execution.log").write_text(execution("zz", "self signed certificate"))
    code, report = logs(store, tmp_path / "execution.log", capsys=capsys)
    assert code == 1  # recognised, no certificate to judge, but a request failed mutual TLS
    assert isinstance(report, dict)
    assert report["lines"]["unmatched_denials"] == 1


def test_a_request_aws_refused_fails_the_run_even_if_the_truststore_admits_it(
    clients, store, tmp_path, capsys
) -> None:
    good = clients[0]
    (tmp_path / "access.log").write_text(line(good, "g1") + "\n")
    assert logs(store, tmp_path / "access.log", capsys=capsys)[0] == 0
    (tmp_path / "execution.log").write_text(execution("g1", "self signed certificate"))
    code, _ = logs(store, tmp_path / "access.log", tmp_path / "execution.log", capsys=capsys)
    assert code == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_shows_on_a_terminal_only_and_is_cleared(
    store, tmp_path, capsys, monkeypatch, terminal: bool
) -> None:
    import itertools

    from mtls_lint.cli import progress

    ticks = itertools.count(0.0, 1.0)  # each look at the clock is a second later: no sleeping
    monkeypatch.setattr(progress, "CLOCK", lambda: next(ticks))
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    lines = "\n".join(['{"requestId": "r", "status": "200"}'] * (3 * progress.STRIDE))
    (tmp_path / "big.log").write_text(lines + "\n")
    code, out = logs(store, tmp_path / "big.log", capsys=capsys, fmt="text")
    assert code == 0
    assert "49152 lines" in str(out)
    if terminal:
        assert "\rmtls-lint: 32,768 lines read (" in err.getvalue()
        assert err.getvalue().endswith("\r\x1b[K")  # the line is gone before the report
    else:
        assert err.getvalue() == ""
