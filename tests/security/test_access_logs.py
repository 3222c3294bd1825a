"""Access logs are as hostile as bundles: bounded lines, no devices, inert and valid output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtls_lint.accesslog import read_access_log
from mtls_lint.cli import main
from tests.pki import NOW_ISO, Issued
from tests.security.conftest import child


@pytest.fixture
def store(tmp_path: Path, root: Issued) -> Path:
    (tmp_path / "store.pem").write_bytes(root.pem)
    return tmp_path


def test_a_device_named_as_the_log_is_refused(store: Path) -> None:
    result = child(["verify", "--truststore", "store.pem", "--access-log", "/dev/zero"], store)
    assert result.returncode == 2
    assert result.stderr == "mtls-lint: error: /dev/zero: not a regular file\n"


def test_a_device_on_standard_input_is_refused(store: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        result = child(["verify", "--truststore", "store.pem", "--access-log", "-"], store,
                       stdin=zero.fileno())  # fmt: skip
    assert result.returncode == 2
    assert "standard input is a device" in result.stderr


def test_a_line_over_the_cap_is_counted_and_skipped_without_being_held(
    store: Path, root: Issued, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from mtls_lint.cli import verify as verify_cli

    monkeypatch.setattr(verify_cli, "MAX_LOG_LINE", 1000)
    good = json.dumps({"requestId": "r1", "clientCertPem": root.pem.decode()})
    (store / "access.log").write_text("x" * 5000 + "\n" + good + "\n" + "y" * 3000)
    code = main(["verify", "--now", NOW_ISO, "--format", "json", "--truststore",
                 str(store / "store.pem"), "--access-log", str(store / "access.log")])  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["lines"]["too_long"] == 2
    assert document["lines"]["with_certificate"] == 1


def test_begin_armour_without_end_is_read_in_linear_time() -> None:
    # a lazy BEGIN(.*?)END regex would scan to the end from each of the 40,000 BEGINs
    line = json.dumps({"clientCertPem": "-----BEGIN CERTIFICATE-----" * 40_000})
    clients, counts = read_access_log([line])
    assert clients == []
    assert counts.bad_certificate == 1


def test_lone_surrogates_from_a_log_do_not_break_the_json_report(
    store: Path, root: Issued, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = json.dumps(root.pem.decode())
    line = '{"requestId": "\\ud800##[error]x", "status": "\\udfff", "clientCertPem": ' + pem + "}"
    (store / "access.log").write_text(line + "\n")
    code = main(["verify", "--now", NOW_ISO, "--format", "json", "--truststore",
                 str(store / "store.pem"), "--access-log", str(store / "access.log")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    out.encode("utf-8")
    (client,) = json.loads(out)["certificates"]
    assert client["request_ids"] == ["\ufffd##[error]x"]  # the same text, written inertly
    assert "##[" not in out


def test_fields_copied_from_a_log_are_cut(store: Path, root: Issued) -> None:
    line = json.dumps({"requestId": "r" * 10_000, "status": "s" * 10_000,
                       "clientCertPem": root.pem.decode()})  # fmt: skip
    (client,), _ = read_access_log([line])
    assert len(client.request_ids[0]) == 200
    assert len(next(iter(client.statuses))) == 200
