"""No input crashes the tool: mutated real bundles give findings, never a traceback.

Each example mutates a real bundle (bit flips in the base64 and in the DER under it,
truncated blocks, shuffled labels, CRLF/CR/BOM mixes, huge lines, NUL bytes, bytes that are
not UTF-8, workflow commands in both runner syntaxes...) and runs ``mtls-lint check`` on it
in every format; no output line may be one a runner would obey. Symlinked inputs are fuzzed
too: a link out of the directory is refused, and nothing of its target is printed.
``HYPOTHESIS_PROFILE=deep`` runs 5,000 examples per test instead of the default (see
``bench/README.md``).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import cryptography_vectors
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtls_lint.admission import Names, verify
from mtls_lint.certificate import parse_certificates
from mtls_lint.cli import main
from mtls_lint.pem_reader import read_bundle
from mtls_lint.profiles import PROFILES
from tests.conftest import lint
from tests.outputs import (
    assert_github_commands,
    assert_json_report,
    assert_sarif_report,
    assert_terminal_safe,
    lines_in,
)
from tests.pki import NOW, NOW_ISO, PKI, Issued
from tests.security.runner import foreign_commands

REPO = Path(__file__).parent.parent
VECTORS = Path(cryptography_vectors.__file__).parent / "x509"
BLOCK = re.compile(rb"-----BEGIN ([^-\r\n]*)-----\r?\n(.*?)-----END [^-\r\n]*-----", re.S)
ARMOUR = re.compile(rb"-----(BEGIN|END) ([^-\r\n]*)-----")
BASE64_LINE = re.compile(rb"[A-Za-z0-9+/=]+\r?")
ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
LABELS = [b"CERTIFICATE", b"PRIVATE KEY", b"TRUSTED CERTIFICATE", b"X509 CRL", b"", b"CERT"]
ODD_BYTES = [b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xe9t\xe9", b"\xed\xa0\x80", b"\x1b[2J", b"\r"]


@pytest.fixture(scope="module")
def seeds(pki: PKI, root: Issued, intermediate: Issued) -> list[bytes]:
    """Real bundles: generated with a private key in it, the repository's broken example,
    and real-world chains with text around them from cryptography-vectors."""
    leaf = pki.cert("fuzz leaf", issuer=intermediate, ca=False)
    weak = pki.cert("fuzz weak", key="rsa-1024")
    generated = b"# comment\n" + root.pem + intermediate.pem + leaf.pem + weak.pem + leaf.key_pem()
    return [
        generated,
        (REPO / "examples" / "broken" / "bundle.pem").read_bytes(),
        (VECTORS / "cryptography.io.chain_with_garbage.pem").read_bytes(),
        (VECTORS / "cryptography.io.with_headers.pem").read_bytes(),
    ]


def key_chunks(data: bytes) -> set[str]:
    """16-character pieces of every private key's base64 in ``data``: none may be printed."""
    chunks = set()
    for label, body in BLOCK.findall(data):
        if label.endswith(b"PRIVATE KEY"):
            for line in body.split():
                text = line.decode()
                chunks.update(text[i : i + 16] for i in range(0, len(text) - 15, 8))
    return chunks


def _at_lines(data: bytes, draw: st.DrawFn, change) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(change(lines, draw(st.integers(0, len(lines) - 1))))


def _flip_base64(data: bytes, draw: st.DrawFn) -> bytes:
    lines = data.split(b"\n")
    body = [i for i, line in enumerate(lines) if BASE64_LINE.fullmatch(line)]
    if not body:
        return data
    i = draw(st.sampled_from(body))
    line = bytearray(lines[i])
    line[draw(st.integers(0, len(line) - 1))] = draw(st.sampled_from(ALPHABET))
    lines[i] = bytes(line)
    return b"\n".join(lines)


def _flip_der(data: bytes, draw: st.DrawFn) -> bytes:
    """Flip one bit of the DER under a block, re-encoded as valid base64: reaches the parser."""
    blocks = list(BLOCK.finditer(data))
    if not blocks:
        return data
    block = draw(st.sampled_from(blocks))
    try:
        der = bytearray(base64.b64decode(b"".join(block[2].split())))
    except ValueError:
        return data
    if not der:
        return data
    der[draw(st.integers(0, len(der) - 1))] ^= 1 << draw(st.integers(0, 7))
    body = base64.encodebytes(bytes(der)).replace(b"\n", b"") or b""
    wrapped = b"\n".join(body[i : i + 64] for i in range(0, len(body), 64)) + b"\n"
    return data[: block.start(2)] + wrapped + data[block.end(2) :]


def _truncate_block(data: bytes, draw: st.DrawFn) -> bytes:
    blocks = list(BLOCK.finditer(data))
    if not blocks:
        return data[: draw(st.integers(0, len(data)))]
    block = draw(st.sampled_from(blocks))
    cut = draw(st.integers(block.start(), block.end()))
    rest = data[block.end() :] if draw(st.booleans()) else b""  # mid-file or at the end
    return data[:cut] + rest


def _shuffle_labels(data: bytes, draw: st.DrawFn) -> bytes:
    lines = list(ARMOUR.finditer(data))
    if not lines:
        return data
    labels = [m[2] for m in lines]
    new = draw(st.permutations(labels)) if draw(st.booleans()) else labels[:]
    i = draw(st.integers(0, len(new) - 1))
    new[i] = draw(st.sampled_from(LABELS))
    out, last = [], 0
    for match, label in zip(lines, new, strict=True):
        out += [data[last : match.start(2)], label]
        last = match.end(2)
    return b"".join([*out, data[last:]])


def _line_endings(data: bytes, draw: st.DrawFn) -> bytes:
    lines = data.split(b"\n")
    endings = draw(
        st.lists(st.sampled_from([b"\n", b"\r\n", b"\r", b"\n\r"]), min_size=1, max_size=4)
    )
    out = b"".join(line + endings[i % len(endings)] for i, line in enumerate(lines))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + out


def _huge_line(data: bytes, draw: st.DrawFn) -> bytes:
    filler = draw(st.sampled_from([b"A", b"x", b"-", b"\xff", b" ", b"="]))
    huge = filler * draw(st.integers(5_000, 200_000))
    return _at_lines(data, draw, lambda lines, i: [*lines[:i], huge, *lines[i:]])


def _insert(data: bytes, draw: st.DrawFn) -> bytes:
    at = draw(st.integers(0, len(data)))
    piece = draw(st.sampled_from(ODD_BYTES) | st.binary(min_size=1, max_size=40))
    return data[:at] + piece + data[at:]


def _cut_lines(data: bytes, draw: st.DrawFn) -> bytes:
    n = draw(st.integers(1, 4))
    return _at_lines(data, draw, lambda lines, i: lines[:i] + lines[i + n :])


def _dup_line(data: bytes, draw: st.DrawFn) -> bytes:
    return _at_lines(data, draw, lambda lines, i: [*lines[: i + 1], *lines[i:]])


def _swap_blocks(data: bytes, draw: st.DrawFn) -> bytes:
    blocks = list(BLOCK.finditer(data))
    if len(blocks) < 2:
        return data
    a, b = sorted(draw(st.permutations(range(len(blocks))))[:2])
    x, y = blocks[a], blocks[b]
    return data[: x.start()] + y[0] + data[x.end() : y.start()] + x[0] + data[y.end() :]


#: Workflow commands a pull request would hide in a bundle, in both of the runner's syntaxes.
COMMANDS = [
    b"##[stop-commands]x", b"  ::add-mask::secret", b"\t::error::x", b"##[error]x ::warning::y",
    b"-----BEGIN ##[error]x-----", b"::stop-commands::token", b"a##[set-output name=x]y",
]  # fmt: skip


def _workflow_command(data: bytes, draw: st.DrawFn) -> bytes:
    """A runner command as a line of its own, or spliced into a line (a label, base64...)."""
    piece = draw(st.sampled_from(COMMANDS))
    if draw(st.booleans()):
        return _at_lines(data, draw, lambda lines, i: [*lines[:i], piece, *lines[i:]])
    at = draw(st.integers(0, len(data)))
    return data[:at] + piece + data[at:]


MUTATIONS = [
    _flip_base64, _flip_der, _truncate_block, _shuffle_labels, _line_endings,
    _huge_line, _insert, _cut_lines, _dup_line, _swap_blocks, _workflow_command,
]  # fmt: skip


def mutate(data: bytes, draw: st.DrawFn) -> bytes:
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        data = mutation(data, draw) if data else data
    return data


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        patch.delenv("GITHUB_ACTIONS", raising=False)
        yield tmp_path_factory.mktemp("fuzz")


def run_cleanly(args: list[str], secrets: set[str]) -> str:
    """Run the CLI in-process; it must exit 0 or 1, print nothing on stderr and no piece of
    a private key anywhere. Returns stdout."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    assert code in (0, 1), err.getvalue()
    assert err.getvalue() == ""
    leaked = [chunk for chunk in secrets if chunk in out.getvalue()]
    assert not leaked, f"private key material in the output of {args}: {leaked[:3]}"
    assert "##[" not in out.getvalue()
    assert not foreign_commands(out.getvalue()), f"a runner would obey the output of {args}"
    return out.getvalue()


@settings(
    # the property that matters most gets 3x the profile's examples (450 by default)
    max_examples=3 * settings.default.max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_bundles_give_sound_reports_in_every_format(
    seeds: list[bytes], workdir: Path, data: st.DataObject
) -> None:
    seed = data.draw(st.sampled_from(seeds))
    mutated = mutate(seed, data.draw)
    path = workdir / "fuzz.pem"
    path.write_bytes(mutated)
    lines = lines_in(mutated)
    secrets = key_chunks(seed)
    profile = data.draw(st.sampled_from(sorted(PROFILES)))
    for fmt in ("text", "json", "sarif", "github"):
        args = ["check", "--no-config", "--now", NOW_ISO, "--profile", profile, "--format", fmt]
        out = run_cleanly([*args, str(path)], secrets)
        if fmt == "json":
            document = assert_json_report(out, lines)
            assert not [f for f in document["findings"] if "internal error" in f["message"]]
        elif fmt == "sarif":
            assert_sarif_report(out, lines)
        elif fmt == "github":
            assert_github_commands(out, lines)
        else:
            assert_terminal_safe(out)


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_inspect_and_diff_give_sound_output_for_mutated_bundles(
    seeds: list[bytes], workdir: Path, data: st.DataObject
) -> None:
    seed = data.draw(st.sampled_from(seeds))
    old, new = workdir / "old.pem", workdir / "new.pem"
    old.write_bytes(seed)
    new.write_bytes(mutate(seed, data.draw))
    secrets = key_chunks(seed)
    commands = [["inspect", "--now", NOW_ISO, "--format", fmt, str(new)]
                for fmt in ("text", "json", "markdown")]  # fmt: skip
    commands += [["diff", "--no-config", "--now", NOW_ISO, "--format", fmt, str(old), str(new)]
                 for fmt in ("text", "json", "markdown", "github")]  # fmt: skip
    for args in commands:
        out = run_cleanly(args, secrets)
        if "json" in args:
            json.loads(out)
        else:
            assert_terminal_safe(out)


@settings(deadline=None)
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes_yield_findings(raw: bytes) -> None:
    findings = lint(raw)
    assert not [f for f in findings if f.message.startswith("internal error")]
    assert all(1 <= f.line <= f.end_line <= lines_in(raw) for f in findings)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_verify_gives_a_verdict_for_mutated_inputs(
    seeds: list[bytes], pki: PKI, intermediate: Issued, data: st.DataObject
) -> None:
    client_file = pki.cert("fuzz leaf", issuer=intermediate, ca=False).pem + intermediate.pem
    store_file = mutate(data.draw(st.sampled_from(seeds)), data.draw)
    store = parse_certificates(read_bundle("store.pem", store_file).blocks)[0]
    sent = parse_certificates(read_bundle("client.pem", mutate(client_file, data.draw)).blocks)[0]
    if not sent:
        return  # the CLI stops with exit 2 before verifying: tested in test_verify
    verdict = verify(
        sent[0], store, now=NOW, profile=PROFILES["apigateway"],
        names=Names("store.pem", "client.pem"), sent=sent[1:],
    )  # fmt: skip
    assert verdict.allowed or verdict.reason


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_bundles_behind_links_are_read_only_inside(
    seeds: list[bytes], workdir: Path, data: st.DataObject
) -> None:
    inside, outside = workdir / "tree", workdir / "outside"
    inside.mkdir(exist_ok=True)
    outside.mkdir(exist_ok=True)
    secret = b"# OUTSIDE-SECRET-CONTENT\n"
    (outside / "target.pem").write_bytes(secret + mutate(data.draw(st.sampled_from(seeds)),
                                                         data.draw))  # fmt: skip
    (inside / "target.pem").write_bytes(mutate(data.draw(st.sampled_from(seeds)), data.draw))
    link = inside / "link.pem"
    link.unlink(missing_ok=True)
    points_out = data.draw(st.booleans())
    link.symlink_to("../outside/target.pem" if points_out else "target.pem")
    fmt = data.draw(st.sampled_from(["text", "json", "sarif", "github"]))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--no-config", "--now", NOW_ISO, "--format", fmt, str(inside)])
    assert b"OUTSIDE-SECRET" not in (out.getvalue() + err.getvalue()).encode()
    if points_out:
        assert code == 2
        assert "link.pem: a symbolic link to a file outside" in err.getvalue()
    else:
        assert code in (0, 1), err.getvalue()
        assert err.getvalue() == ""
