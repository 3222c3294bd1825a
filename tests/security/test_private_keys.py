"""A private key fails the run in every shape a pull request can give it, and is never echoed."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from mtls_lint.cli import main
from tests.pki import PKI, Issued

Shape = Callable[[bytes, bytes], bytes]  # (PEM of the key, its DER) -> the file's bytes


def _b64_lines(der: bytes) -> bytes:
    text = base64.b64encode(der)
    return b"\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + b"\n"


SHAPES: dict[str, Shape] = {
    "json string": lambda pem, der: json.dumps({"key": pem.decode()}).encode() + b"\n",
    "one line": lambda pem, der: pem.replace(b"\n", b" ") + b"\n",
    "cr line ends": lambda pem, der: pem.replace(b"\n", b"\r"),
    "base64 no armour": lambda pem, der: _b64_lines(der),
    "base64url one line": lambda pem, der: base64.urlsafe_b64encode(der) + b"\n",
    "hex one line": lambda pem, der: der.hex().encode() + b"\n",
    "hex with colons": lambda pem, der: (
        b"\n".join(der[i : i + 16].hex(":").encode() for i in range(0, len(der), 16)) + b"\n"
    ),
    "yaml value": lambda pem, der: b"key: " + base64.b64encode(der) + b"\n",
}


@pytest.fixture(scope="module")
def keys(pki: PKI) -> dict[str, tuple[bytes, bytes]]:
    """(PEM, DER) of keys in the forms people paste: PKCS#8, PKCS#1, SEC1, encrypted."""
    rsa = pki.key("rsa-2048", "leaked")
    ec = pki.key("ec-p256", "leaked")
    pkcs8, raw = serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL
    none = serialization.NoEncryption()
    encrypted = serialization.BestAvailableEncryption(b"pw")
    forms = {
        "rsa pkcs8": (rsa, pkcs8, none),
        "rsa pkcs1": (rsa, raw, none),
        "ec sec1": (ec, raw, none),
        "ec pkcs8 encrypted": (ec, pkcs8, encrypted),
    }
    out = {}
    for name, (key, fmt, enc) in forms.items():
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, enc)
        der = key.private_bytes(serialization.Encoding.DER, fmt, enc)
        out[name] = (pem, der)
    return out


def fragments(pem: bytes, der: bytes) -> set[str]:
    """Every 12-character piece of the key as base64, base64url and hex."""
    texts = [
        base64.b64encode(der).decode(),
        base64.urlsafe_b64encode(der).decode(),
        der.hex(),
        "".join(pem.decode().splitlines()[1:-1]),
    ]
    return {t[i : i + 12] for t in texts for i in range(0, len(t) - 12, 6)}


@pytest.mark.parametrize("form", ["rsa pkcs8", "rsa pkcs1", "ec sec1", "ec pkcs8 encrypted"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_hidden_key_fails_the_run_and_is_never_echoed(
    keys: dict[str, tuple[bytes, bytes]],
    form: str,
    shape: str,
    root: Issued,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pem, der = keys[form]
    (tmp_path / "bundle.pem").write_bytes(root.pem + SHAPES[shape](pem, der))
    monkeypatch.chdir(tmp_path)
    pieces = fragments(pem, der)
    for fmt in ("text", "json", "sarif", "github"):
        code = main(["check", "--no-config", "--format", fmt, "bundle.pem"])
        out = capsys.readouterr().out
        assert code == 1, (fmt, out)
        assert "private-key-in-bundle" in out
        leaked = [p for p in pieces if p in out]
        assert not leaked, f"{fmt} echoed key material: {leaked[:3]}"


def test_a_file_that_is_a_key_in_der_fails_the_run(
    keys: dict[str, tuple[bytes, bytes]], tmp_path: Path, monkeypatch, capsys
) -> None:
    (tmp_path / "bundle.pem").write_bytes(keys["rsa pkcs8"][1])
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-config", "bundle.pem"]) == 1
    assert "a private key (as binary DER)" in capsys.readouterr().out


def test_base64_of_a_certificate_is_not_taken_for_a_key(root: Issued, tmp_path, capsys) -> None:
    (tmp_path / "bundle.pem").write_bytes(root.pem + _b64_lines(root.der))
    assert main(["check", "--no-config", str(tmp_path / "bundle.pem")]) == 0  # a warning only
    out = capsys.readouterr().out
    assert "private-key-in-bundle" not in out
    assert "stray-text" in out


def test_an_armour_label_made_of_base64_is_not_quoted(
    keys: dict[str, tuple[bytes, bytes]], root: Issued, tmp_path, capsys
) -> None:
    token = base64.b64encode(keys["ec sec1"][1])[:60]
    (tmp_path / "bundle.pem").write_bytes(
        root.pem + b"-----BEGIN " + token + b"-----\nAAAA\n-----END " + token + b"-----\n"
    )
    main(["check", "--no-config", str(tmp_path / "bundle.pem")])
    assert token.decode()[:16] not in capsys.readouterr().out
