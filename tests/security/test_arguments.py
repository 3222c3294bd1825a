"""Every bad argument is exit 2 with one line on stderr: never a traceback."""

from __future__ import annotations

import pytest

from mtls_lint.cli import main


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as stopped:
        code = stopped.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert code == 2, argv
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    return err


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "--base=--"],
        ["check", "--max-file-bytes=--"],
        ["check", "--max-certificates=--"],
        ["check", "--expiry-days=--"],
        ["inspect", "--now=--", "x.pem"],
        ["verify", "--truststore=--", "client.pem"],
        ["check", "--format=--"],
        ["check", "--config=--"],
    ],
)
def test_an_option_whose_value_is_a_double_dash_takes_it_literally(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert "--" in usage_error(argv, capsys)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "10000-01-01"]
)
def test_now_outside_the_calendar_in_utc_is_a_usage_error(
    moment: str, capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert "--now" in usage_error(["check", "--now", moment], capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--max-file-bytes", "1000000000000"],
        ["check", "--max-certificates", "10000000000"],
        ["check", "--expiry-days", "1000000000"],
        ["inspect", "--expiry-days", "99999999999999999999", "x.pem"],
        ["check", "--max-file-bytes", "-1"],
    ],
)
def test_numbers_beyond_their_ceiling_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert "must be from 0 to" in usage_error(argv, capsys)
