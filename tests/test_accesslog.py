"""verify --access-log: one verdict per distinct client certificate in API Gateway's logs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mtls_lint.accesslog import TIME_FIELDS, read_access_log
from mtls_lint.cli import main
from tests.pki import NOW_ISO, PKI, Issued


def flat(pem: bytes, request_id: str, status: str = "403", time: str = "") -> str:
    """The flat format: field names chosen by the user, PEM with escaped newlines."""
    return json.dumps({
        "requestId": request_id, "status": status, "requestTime": time or f"t-{request_id}",
        "clientCertPem": pem.decode(),
    })  # fmt: skip


def nested(pem: bytes, request_id: str) -> str:
    """The troubleshooting article's names: identity.clientCert.clientCertPem."""
    return json.dumps({
        "requestId": request_id, "status": "200",
        "identity": {"clientCert": {"clientCertPem": pem.decode(), "subjectDN": "x"}},
    })  # fmt: skip


@pytest.fixture(scope="module")
def clients(pki: PKI, root: Issued, intermediate: Issued) -> tuple[Issued, Issued]:
    good = pki.cert("log good client", issuer=intermediate, ca=False)
    orphan_ca = pki.cert("log orphan CA")
    bad = pki.cert("log bad client", issuer=orphan_ca, ca=False)
    return good, bad


@pytest.fixture
def log_lines(clients: tuple[Issued, Issued]) -> list[str]:
    good, bad = clients
    one_line_pem = good.pem.replace(b"\n", b" ")  # some pipelines flatten newlines
    return [
        flat(good.pem, "r1", "200", "25/Nov/2026:10:00:00 +0000"),
        "this is not json",
        flat(bad.pem, "r2"),
        json.dumps({"requestId": "r3", "status": "403", "clientCertPem": "-"}),
        nested(good.pem, "r4"),
        flat(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "r5"),
        flat(bad.pem, "r6", time="25/Nov/2026:10:05:00 +0000"),
        flat(one_line_pem, "r7", "200", "25/Nov/2026:10:09:00 +0000"),
        "[1, 2, 3]",
        "",
    ]


def test_requests_are_grouped_by_certificate(log_lines: list[str]) -> None:
    seen, counts = read_access_log(log_lines)
    by_subject = {client.parse().common_name: client for client in seen}
    assert set(by_subject) == {"log good client", "log bad client"}
    good_seen = by_subject["log good client"]
    assert (good_seen.requests, good_seen.request_ids) == (3, ["r1", "r4", "r7"])
    assert good_seen.first_time == "25/Nov/2026:10:00:00 +0000"
    assert good_seen.last_time == "25/Nov/2026:10:09:00 +0000"
    assert dict(good_seen.statuses) == {"200": 3}
    assert by_subject["log bad client"].request_ids == ["r2", "r6"]
    assert (counts.total, counts.with_certificate) == (9, 5)  # the blank line is no request
    assert (counts.not_json, counts.no_certificate, counts.bad_certificate) == (1, 2, 1)


def test_each_certificate_text_is_decoded_once(
    clients: tuple[Issued, Issued], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client logs the same PEM with every request: it is decoded, hashed and parsed at
    its first line, and an unreadable one is refused once, yet counted on every line."""
    import mtls_lint.accesslog as accesslog

    decoded: list[str] = []
    der_of = accesslog._der_of

    def counting(text: str) -> bytes | None:
        decoded.append(text)
        return der_of(text)

    monkeypatch.setattr(accesslog, "_der_of", counting)
    good, _ = clients
    not_a_certificate = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
    lines = [flat(good.pem, f"g{n}") for n in range(50)]
    lines += [flat(not_a_certificate, f"b{n}") for n in range(50)]
    seen, counts = read_access_log(lines)
    assert len(decoded) == 2
    assert [client.requests for client in seen] == [50]
    assert (counts.with_certificate, counts.bad_certificate) == (50, 50)


def test_past_the_remembered_texts_every_line_still_counts(
    clients: tuple[Issued, Issued], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Texts are remembered up to a budget of characters (a hostile line is a million):
    past it, each line is decoded again, and counted all the same."""
    import mtls_lint.accesslog as accesslog

    good, bad = clients
    monkeypatch.setattr(accesslog, "MAX_TEXT_CHARS", len(bad.pem))  # the first text only
    decoded: list[str] = []
    der_of = accesslog._der_of
    monkeypatch.setattr(accesslog, "_der_of", lambda text: decoded.append(text) or der_of(text))
    lines = [flat(bad.pem, "b0"), *(flat(good.pem.replace(b"\n", b" " * n), "g") for n in (1, 2))]
    lines += [flat(good.pem, f"g{n}") for n in range(3)]
    lines += [flat(bad.pem, "b1")]
    seen, counts = read_access_log(lines)
    assert len(decoded) == 6  # every text but the remembered one's second line
    assert sorted(client.requests for client in seen) == [2, 5]
    assert counts.with_certificate == 7


def test_one_verdict_per_certificate(
    log_lines: list[str], root: Issued, intermediate: Issued, tmp_path: Path, capsys
) -> None:
    (tmp_path / "store.pem").write_bytes(root.pem + intermediate.pem)
    (tmp_path / "access.log").write_text("\n".join(log_lines))
    store, log = str(tmp_path / "store.pem"), str(tmp_path / "access.log")
    code = main(
        ["verify", "--format", "json", "--now", NOW_ISO, "--truststore", store, "--access-log", log]
    )
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    verdicts = {c["subject"]: c for c in document["certificates"]}
    good = verdicts["CN=log good client,O=mtls-lint tests"]
    bad = verdicts["CN=log bad client,O=mtls-lint tests"]
    assert (good["verdict"]["allowed"], good["requests"]) == (True, 3)
    assert bad["verdict"]["reason"] == "Could not find issuer for certificate"
    assert bad["request_ids"] == ["r2", "r6"]
    assert document["lines"]["not_json"] == 1


def test_text_report_and_stdin(
    log_lines: list[str], root: Issued, intermediate: Issued, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys,
) -> None:  # fmt: skip
    (tmp_path / "store.pem").write_bytes(root.pem + intermediate.pem)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("\n".join(log_lines).encode())))
    code = main(["verify", "--now", NOW_ISO, "--truststore", str(tmp_path / "store.pem"),
                 "--access-log", "-"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "CN=log bad client,O=mtls-lint tests (sha256 " in out
    assert "): DENIED: Could not find issuer for certificate" in out
    assert "  2 requests, t-r2 to 25/Nov/2026:10:05:00 +0000 (status 2x 403)" in out
    assert "  request ids: r2, r6" in out
    assert out.rstrip().endswith(
        "9 lines: 5 with a client certificate, 1 not JSON, 2 without a certificate, "
        "1 with an unreadable certificate"
    )


def test_a_log_of_only_good_clients_exits_0(
    clients, root: Issued, intermediate: Issued, tmp_path: Path
) -> None:
    good, _ = clients
    (tmp_path / "store.pem").write_bytes(root.pem + intermediate.pem)
    (tmp_path / "access.log").write_text(flat(good.pem, "r1", "200") + "\n")
    assert main(["verify", "--now", NOW_ISO, "--truststore", str(tmp_path / "store.pem"),
                 "--access-log", str(tmp_path / "access.log")]) == 0  # fmt: skip


def test_a_missing_log_file_exits_2(root: Issued, tmp_path: Path, capsys) -> None:
    (tmp_path / "store.pem").write_bytes(root.pem)
    code = main(["verify", "--truststore", str(tmp_path / "store.pem"), "--access-log",
                 str(tmp_path / "missing.log")])  # fmt: skip
    assert code == 2
    assert "missing.log: cannot read" in capsys.readouterr().err


def test_deeply_nested_lines_are_counted_not_crashed_on() -> None:
    lines = [
        "[" * 100_000 + "]" * 100_000,  # beyond the JSON decoder's recursion limit
        '{"a":' * 950 + "1" + "}" * 950,  # within it, but deep for a recursive walk
    ]
    clients, counts = read_access_log(lines)
    assert clients == []
    assert (counts.total, counts.not_json, counts.no_certificate) == (2, 1, 1)


def test_the_truststore_signatures_are_checked_once_for_all_clients(
    pki: PKI, root: Issued, intermediate: Issued, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys,
) -> None:  # fmt: skip
    """Each client's own signature is checked, but the CA above it and the root are
    checked once for the whole log (after the truststore's own inventory), not per client."""
    import mtls_lint.trust_graph as trust_graph

    clients = [pki.cert(f"log many {n}", issuer=intermediate, ca=False) for n in range(6)]
    (tmp_path / "store.pem").write_bytes(root.pem + intermediate.pem)
    (tmp_path / "access.log").write_text("\n".join(flat(c.pem, f"m{n}", "200")
                                                   for n, c in enumerate(clients)))  # fmt: skip
    checked: list[str] = []
    check = trust_graph.check_signature

    def counting(cert, key):  # type: ignore[no-untyped-def]
        checked.append(cert.subject.rfc4514_string())
        return check(cert, key)

    monkeypatch.setattr(trust_graph, "check_signature", counting)
    store, log = str(tmp_path / "store.pem"), str(tmp_path / "access.log")
    code = main(
        ["verify", "--format", "json", "--now", NOW_ISO, "--truststore", store, "--access-log", log]
    )
    verdicts = json.loads(capsys.readouterr().out)["certificates"]
    assert code == 0
    assert [v["verdict"]["allowed"] for v in verdicts] == [True] * 6
    for client in clients:
        assert checked.count(client.cert.subject.rfc4514_string()) == 1
    for ca in (root, intermediate):
        assert checked.count(ca.cert.subject.rfc4514_string()) == 2  # inventory, then the log


def _searched(record: object, *names: str) -> str | None:
    """The generic search the lookup stands for: every leaf, in order, for each name."""
    from mtls_lint.accesslog import _flatten

    fields = dict(_flatten(record)) if isinstance(record, dict) else {}
    for wanted in names:
        for name, value in fields.items():
            if (name == wanted or name.endswith("." + wanted)) and value not in (None, "", "-"):
                return str(value)
    return None


_KEYS = st.sampled_from(
    ["status", "Status", "STATUS", "a.status", "requestId", "identity", "clientCert",
     "clientCertPem", "time", "x"]
)  # fmt: skip
_LEAVES = st.none() | st.sampled_from(["", "-", "v", "w"]) | st.integers(0, 3)
_RECORDS = st.recursive(
    _LEAVES, lambda inner: st.dictionaries(_KEYS, inner, max_size=5), max_leaves=12
)
_LOOKUPS = st.sampled_from(
    [("status",), ("requestid", "extendedrequestid"), ("identity.clientcert.clientcertpem",
     "clientcertpem"), TIME_FIELDS]
)  # fmt: skip
#: Shared by every example, as by every line of one log: what is found for one record's
#: shape must hold for the next record of that shape, whatever its values.
_SHAPES: dict = {}


@given(_RECORDS, _LOOKUPS)
@example({"status": "v", "STATUS": "w"}, ("status",))  # one name twice: the last value
@example({"a": {"status": "-"}, "A.Status": "v", "status": 2}, ("status",))
def test_a_lookup_finds_what_the_generic_search_finds(record: object, names: tuple) -> None:
    from mtls_lint.accesslog import _Fields

    assert _Fields(record, _SHAPES).value(*names) == _searched(record, *names)


@pytest.mark.parametrize("with_clients", [True, False], ids=["clients", "no-client"])
def test_the_json_report_is_json_dumps_text(
    pki: PKI, log_lines: list[str], root: Issued, intermediate: Issued, tmp_path: Path, capsys,
    with_clients: bool,
) -> None:  # fmt: skip
    """Clients are written one by one as they are judged; the document is byte for byte
    what ``json.dumps(document, indent=2)`` writes of it."""
    (tmp_path / "store.pem").write_bytes(root.pem + intermediate.pem)
    quoted = pki.cert('log “ünïcode”\n"client"', issuer=intermediate, ca=False)
    lines = [*log_lines, flat(quoted.pem, "u1")]
    if not with_clients:
        lines = [json.dumps({"requestId": "r", "status": "200"})]
    (tmp_path / "access.log").write_text("\n".join(lines))
    store, log = str(tmp_path / "store.pem"), str(tmp_path / "access.log")
    main(
        ["verify", "--format", "json", "--now", NOW_ISO, "--truststore", store, "--access-log", log]
    )
    out = capsys.readouterr().out
    document = json.loads(out)
    assert bool(document["certificates"]) is with_clients
    assert out == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_a_record_of_many_fields_is_searched_but_its_shape_not_remembered(
    clients: tuple[Issued, Issued],
) -> None:
    from mtls_lint.accesslog import MAX_SHAPE_FIELDS, _Fields

    good, _ = clients
    record = {f"pad{n}": "x" for n in range(MAX_SHAPE_FIELDS)}
    record["clientCertPem"] = good.pem.decode()
    shapes: dict = {}
    assert _Fields(record, shapes).certificate_text() == good.pem.decode()
    assert shapes == {}
    del record["pad0"]
    assert _Fields(record, shapes).certificate_text() == good.pem.decode()
    assert len(shapes) == 1


def test_a_request_without_an_id_is_named_by_its_extended_id(
    clients: tuple[Issued, Issued],
) -> None:
    good, _ = clients
    pem = good.pem.decode()
    lines = [
        json.dumps({"requestId": "-", "extendedRequestId": "e1", "clientCertPem": pem}),
        json.dumps({"extendedRequestId": "e2", "requestId": "r2", "clientCertPem": pem}),
    ]
    (client,), _ = read_access_log(lines)
    assert client.request_ids == ["e1", "r2"]
