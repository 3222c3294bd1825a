"""check --fix and --diff: the mechanical repairs, nothing else, idempotent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtls_lint.bundle import FileKind
from mtls_lint.cli import main
from mtls_lint.fix import fix
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import PROFILES
from tests.pki import NOW_ISO, Issued
from tests.test_fuzz import mutate, seeds  # noqa: F401 - the fuzz suite's fixture

APIGW, ALB = PROFILES["apigateway"], PROFILES["alb"]


def fixed(data: bytes, profile=APIGW) -> bytes:
    return fix(data, read_bundle("t.pem", data), profile).data


def ders(data: bytes) -> list[bytes]:
    bundle = read_bundle("t.pem", data)
    return [b.der for b in bundle.certificate_blocks if b.der is not None and b.problem is None]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_hygiene_blank_lines_and_wrapping(root: Issued, intermediate: Issued) -> None:
    body = root.pem.decode().splitlines()
    long = "".join(body[1:-1])  # one base64 line of ~600 characters
    messy = ("\ufeff" + "\r\n".join([body[0], long, body[-1]]) + "  \r\n\r\n\n").encode()
    messy += intermediate.pem
    assert fixed(messy) == root.pem + intermediate.pem


def test_stray_text_is_removed_or_kept_as_a_comment(root: Issued) -> None:
    data = b"Certificate:\n    Data: v3\n" + root.pem + b"# ok comment\n# not-ok comment\n"
    assert fixed(data, APIGW) == root.pem
    assert fixed(data, ALB) == b"# Certificate:\n# Data: v3\n" + root.pem + b"# ok comment\n"


def test_later_copies_of_a_certificate_are_removed(root: Issued, intermediate: Issued) -> None:
    assert fixed(root.pem + intermediate.pem + root.pem) == root.pem + intermediate.pem


def test_der_is_written_as_pem(root: Issued) -> None:
    assert read_bundle("t.der", root.der).kind is FileKind.DER
    assert fixed(root.der) == root.pem


def test_private_keys_are_removed_in_blocks_and_hidden_in_text(root: Issued) -> None:
    key = root.key_pem()
    hidden = b"notes: " + key.replace(b"\n", b" ") + b"\n"
    result = fix(root.pem + key + hidden, read_bundle("t.pem", root.pem + key + hidden), APIGW)
    assert result.data == root.pem
    assert result.removed_key


def test_a_broken_block_is_left_alone(root: Issued) -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n\n-----END CERTIFICATE-----\n"
    assert fixed(root.pem + broken) == root.pem + broken  # its blank line too: not ours to guess


def test_fix_writes_then_reports_what_is_left(repo: Path, root: Issued, capsys) -> None:
    (repo / "b.pem").write_bytes(b"\r\n".join(root.pem.splitlines()) + b"\r\n" + root.key_pem())
    assert main(["check", "--now", NOW_ISO, "--fix", "b.pem"]) == 1  # the key stays leaked
    captured = capsys.readouterr()
    assert (repo / "b.pem").read_bytes() == root.pem
    assert "[private-key-in-bundle]" in captured.out
    assert "removed by --fix; still rotate the key" in captured.out
    assert "[pem-hygiene]" not in captured.out
    assert "fixed 1 file(s): b.pem" in captured.err
    assert main(["check", "--now", NOW_ISO, "--fix", "b.pem"]) == 0  # nothing left to fix


def test_diff_shows_the_change_without_writing_or_echoing_a_key(
    repo: Path, root: Issued, capsys
) -> None:
    original = root.pem + b"\n" + root.key_pem()
    (repo / "b.pem").write_bytes(original)
    assert main(["check", "--now", NOW_ISO, "--diff", "b.pem"]) == 1
    out = capsys.readouterr().out
    assert (repo / "b.pem").read_bytes() == original
    assert out.startswith("--- a/b.pem\n+++ b/b.pem\n")
    assert "-[private key: not shown]" in out
    assert root.key_pem().decode().splitlines()[1] not in out
    (repo / "b.pem").write_bytes(root.pem)
    assert main(["check", "--now", NOW_ISO, "--diff", "b.pem"]) == 0
    assert capsys.readouterr().out == ""


def test_fix_never_writes_through_a_symlink(repo: Path, root: Issued, tmp_path_factory, capsys):
    """Inside the repository (current.pem -> v2.pem) the link is read but not written
    through; out of it, it is not even read."""
    (repo / "v2.pem").write_bytes(root.pem + b"\n\n")
    os.symlink("v2.pem", repo / "current.pem")
    assert main(["check", "--now", NOW_ISO, "--fix", "current.pem"]) == 2
    assert (repo / "v2.pem").read_bytes() == root.pem + b"\n\n"
    err = capsys.readouterr().err
    assert "current.pem: --fix: " in err
    assert "a symbolic link; not written through" in err
    outside = tmp_path_factory.mktemp("outside") / "target.pem"
    outside.write_bytes(root.pem + b"\n\n")
    os.symlink(outside, repo / "link.pem")
    assert main(["check", "--now", NOW_ISO, "--fix", "link.pem"]) == 2
    assert outside.read_bytes() == root.pem + b"\n\n"
    assert "link.pem" in capsys.readouterr().err


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_fixing_twice_is_fixing_once_and_certificates_never_change(
    seeds: list[bytes],  # noqa: F811
    data: st.DataObject,
) -> None:
    seed = data.draw(st.sampled_from(seeds))
    mutated = mutate(seed, data.draw)
    profile = PROFILES[data.draw(st.sampled_from(sorted(PROFILES)))]
    once = fix(mutated, read_bundle("t.pem", mutated), profile).data
    twice = fix(once, read_bundle("t.pem", once), profile).data
    assert twice == once
    before, after = ders(mutated), ders(once)
    assert set(after) <= set(before) | {_der_of(mutated)}  # nothing new, nothing altered
    assert len(after) == len(set(after))  # each certificate once


def _der_of(data: bytes) -> bytes | None:
    """A DER file's certificate (not-pem writes it as PEM)."""
    return data if read_bundle("t.der", data).kind is FileKind.DER else None
