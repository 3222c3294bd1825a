from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mtls_lint.cli import main
from tests.pki import NOW, NOW_ISO, PKI, Issued


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the repository root: config discovery stops here
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def check(*args: str) -> int:
    return main(["check", "--now", NOW_ISO, *args])


def test_clean_bundle_exits_0(repo: Path, clean_bundle: bytes, capsys) -> None:
    (repo / "good.pem").write_bytes(clean_bundle)
    assert check("good.pem") == 0
    assert capsys.readouterr().out == "0 errors, 0 warnings, 0 notices in 1 file (2 certificates)\n"


def test_an_error_exits_1(repo: Path, intermediate: Issued, capsys) -> None:
    (repo / "bad.pem").write_bytes(intermediate.pem)
    assert check("bad.pem") == 1
    out = capsys.readouterr().out
    assert out.startswith("bad.pem:1: error [missing-issuer] the issuer of certificate #1")
    assert "(CN=Intermediate CA, sha256 " in out


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("error", 0), ("warning", 1), ("notice", 1), ("never", 0)]
)
def test_fail_on_sets_the_threshold(
    repo: Path, clean_bundle: bytes, fail_on: str, expected: int
) -> None:
    (repo / "b.pem").write_bytes(clean_bundle + b"note\n")  # stray-text: a warning
    assert check("--fail-on", fail_on, "b.pem") == expected


def test_fail_on_never_still_reports_errors(repo: Path, intermediate: Issued) -> None:
    (repo / "b.pem").write_bytes(intermediate.pem)
    assert check("--fail-on", "never", "b.pem") == 0


def test_a_missing_file_exits_2_and_the_others_are_still_linted(
    repo: Path, intermediate: Issued, capsys
) -> None:
    (repo / "b.pem").write_bytes(intermediate.pem)
    assert check("nope.pem", "b.pem") == 2
    captured = capsys.readouterr()
    assert captured.err == "mtls-lint: error: nope.pem: cannot read: No such file or directory\n"
    assert "[missing-issuer]" in captured.out


def test_a_fifo_is_refused_instead_of_hanging(repo: Path, capsys) -> None:
    os.mkfifo(repo / "pipe.pem")
    assert check("pipe.pem") == 2
    assert "pipe.pem: not a regular file" in capsys.readouterr().err


def test_an_oversize_file_is_refused(repo: Path, capsys) -> None:
    (repo / "big.pem").write_bytes(b"x" * 2048)
    assert check("--max-file-bytes", "1024", "big.pem") == 2
    assert "over the 1024-byte limit" in capsys.readouterr().err


def test_a_file_over_the_certificate_limit_is_refused_at_the_first_extra_certificate(
    repo: Path, root: Issued, intermediate: Issued, capsys
) -> None:
    (repo / "many.pem").write_bytes(root.pem + intermediate.pem + root.pem)
    (repo / "few.pem").write_bytes(root.pem)
    assert check("--max-certificates", "2", "many.pem", "few.pem") == 2
    captured = capsys.readouterr()
    third = (root.pem + intermediate.pem).count(b"\n") + 1
    assert captured.err == (
        f"mtls-lint: error: many.pem:{third}: certificate 3, over the limit of 2 certificates "
        "for one file (raise it with --max-certificates or limits.file-certificates)\n"
    )
    assert "in 1 file (1 certificate)" in captured.out  # the other file is still linted


def test_the_certificate_limit_is_a_config_limit(
    repo: Path, root: Issued, intermediate: Issued
) -> None:
    (repo / "b.pem").write_bytes(root.pem + intermediate.pem)
    (repo / ".mtls-lint.yaml").write_text("limits: {file-certificates: 1}\n")
    assert check("b.pem") == 2
    assert check("--max-certificates", "2", "b.pem") == 0  # the command line wins


@pytest.mark.parametrize("command", ["inspect", "verify"])
def test_operator_commands_honour_the_file_limits(
    repo: Path, root: Issued, intermediate: Issued, command: str, capsys
) -> None:
    (repo / "store.pem").write_bytes(root.pem + intermediate.pem)
    args = {"inspect": ["inspect", "store.pem"],
            "verify": ["verify", "--truststore", "store.pem", "store.pem"]}[command]  # fmt: skip
    assert main([*args, "--max-certificates", "1"]) == 2
    assert "store.pem:" in capsys.readouterr().err
    assert main([*args, "--max-file-bytes", "100"]) == 2
    assert "over the 100-byte limit" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--now", "yesterday"],
        ["check", "--select", "no-such-rule"],
        ["check", "--format", "xml"],
        ["check", "--expiry-days", "-1"],
        ["explain", "no-such-rule"],
        [],
    ],
)
def test_usage_errors_exit_2(repo: Path, args: list[str], capsys) -> None:
    try:
        code = main(args)
    except SystemExit as exited:  # argparse exits by itself
        code = exited.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip()
    assert "Traceback" not in err


def test_directories_are_walked_for_the_default_globs(
    repo: Path, intermediate: Issued, capsys
) -> None:
    for name in ("a.pem", "sub/b.crt", "sub/c.cer", "d.key", ".git/e.pem", "notes.txt"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(intermediate.pem)
    assert check() == 1
    paths = sorted({line.split(":")[0] for line in capsys.readouterr().out.splitlines()[:-1]})
    assert paths == ["a.pem", "sub/b.crt", "sub/c.cer"]


def test_a_file_named_explicitly_is_always_linted(repo: Path, intermediate: Issued) -> None:
    (repo / "bundle.txt").write_bytes(intermediate.pem)
    assert check("bundle.txt") == 1


def test_no_files_is_a_warning_not_an_error(repo: Path, capsys) -> None:
    assert check() == 0
    assert "no files to lint" in capsys.readouterr().err


def test_github_format_is_the_default_on_actions(
    repo: Path, intermediate: Issued, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    (repo / "b.pem").write_bytes(intermediate.pem)
    check("b.pem")
    assert capsys.readouterr().out.startswith("::error file=b.pem,line=1,")


def test_output_writes_the_report_to_a_file(repo: Path, intermediate: Issued, capsys) -> None:
    (repo / "b.pem").write_bytes(intermediate.pem)
    assert check("--format", "json", "--output", "report.json", "b.pem") == 1
    assert capsys.readouterr().out == ""
    assert json.loads((repo / "report.json").read_text())["summary"]["error"] == 1


def test_profile_changes_the_outcome(repo: Path, pki: PKI) -> None:
    (repo / "p521.pem").write_bytes(pki.cert("P-521 root", key="ec-p521").pem)
    assert check("p521.pem") == 0
    assert check("--profile", "alb", "p521.pem") == 0
    assert check("--profile", "cloudfront", "p521.pem") == 1


def test_expiry_days_widens_the_window(repo: Path, root: Issued) -> None:
    (repo / "r.pem").write_bytes(root.pem)  # expires 2030-01-01, 1310 days after NOW
    assert check("--fail-on", "warning", "r.pem") == 0
    assert check("--fail-on", "warning", "--expiry-days", "2000", "r.pem") == 1


def test_ignore_skips_a_rule(repo: Path, intermediate: Issued) -> None:
    (repo / "b.pem").write_bytes(intermediate.pem)
    assert check("--ignore", "missing-issuer,leaf-in-truststore", "b.pem") == 0


def test_text_is_coloured_on_a_terminal_unless_no_color(
    repo: Path, intermediate: Issued, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (repo / "b.pem").write_bytes(intermediate.pem)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    check("b.pem")
    assert "\x1b[31merror\x1b[0m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    check("b.pem")
    assert "\x1b[" not in capsys.readouterr().out


def test_rules_lists_every_rule_with_its_severities(capsys) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "blank-line" in out
    assert "expires-soon" in out
    assert "days: int" in out
    blank = next(line for line in out.splitlines() if line.startswith("blank-line"))
    assert blank.split()[1:4] == ["off", "error", "error"]


def test_explain_prints_the_documentation(capsys) -> None:
    assert main(["explain", "weak-signature-hash"]) == 0
    out = capsys.readouterr().out
    assert "Client cert using an insecure Signature Algorithm" in out
    assert "openssl x509 -in FILE -noout -text | grep 'Signature Algorithm'" in out
    assert "Source: " in out


def test_python_dash_m_runs_the_cli(tmp_path: Path, clean_bundle: bytes) -> None:
    (tmp_path / "b.pem").write_bytes(clean_bundle)
    result = subprocess.run(
        [sys.executable, "-m", "mtls_lint", "check", "--now", NOW_ISO, "b.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert "in 1 file (2 certificates)" in result.stdout


#: A process that runs ``cli.run()`` with ``main`` replaced by one that registers an exit
#: handler, leaves its output in stdout's buffer and returns 3 (0 with stdout on a pipe
#: nobody reads, if asked); and an object whose finalizer says when the interpreter tears
#: its modules down.
_RUN = """
import atexit, os, sys
from mtls_lint import cli

class Noisy:
    def __del__(self):
        os.write(2, b"torn down")

kept = Noisy()
if "gone" in sys.argv:
    read, write = os.pipe()
    os.close(read)
    os.dup2(write, 1)

def main(argv=None):
    atexit.register(print, "handler ran")
    print("output", end=" ")
    return 0 if "gone" in sys.argv else 3

cli.main = main
sys.exit(main()) if "usual" in sys.argv else cli.run()
"""


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run it
    return subprocess.run(
        [sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, check=False, env=env
    )


def test_run_leaves_without_tearing_the_interpreter_down() -> None:
    assert _run("usual").stderr == "torn down"  # what the exit below saves
    done = _run()
    assert (done.returncode, done.stdout, done.stderr) == (3, "output handler ran\n", "")


#: A process that runs ``cli.run()`` over a bundle, saying on stderr whenever the cyclic
#: garbage collector starts a collection.
_COLLECTED = """
import gc, os
from mtls_lint import cli

gc.collect()  # from here, a collection starts only after allocations the run makes
gc.callbacks.append(lambda phase, info: phase == "start" and os.write(2, b"collected "))
cli.run()
"""


def test_run_never_collects_cyclic_garbage(tmp_path: Path, clean_bundle: bytes) -> None:
    """main() pauses the collector while it runs; run() does not let it resume, to scan
    what the run made, just before leaving."""
    (tmp_path / "b.pem").write_bytes(clean_bundle)
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTED, "check", "--now", NOW_ISO, "b.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert "in 1 file (2 certificates)" in done.stdout


#: A process that runs ``cli.run()``, saying on stderr when each bundle's parse is made and
#: when it is freed.
_FREED = """
import os, weakref
from mtls_lint import cli
from mtls_lint.parsed_bundle import ParsedBundle

watched = []
made = ParsedBundle.__init__


def traced(self, bundle, *args, **kwargs):
    said = lambda what: os.write(2, f"{what} {bundle.path}\\n".encode())
    said("parsed")
    watched.append(weakref.ref(self, lambda _: said("freed")))
    made(self, bundle, *args, **kwargs)


ParsedBundle.__init__ = traced
cli.run()
"""


#: Prepended to ``_FREED``: every bundle is linted on its own, as a large one is.
_ALONE = "import mtls_lint.engine as engine; engine.TOGETHER_UP_TO = 0\n"


def test_run_leaves_the_last_parse_to_the_exit(tmp_path: Path, clean_bundle: bytes) -> None:
    """Freeing a parse object by object is left to the exit, for the last file; an earlier
    one is freed before the next file is read, so no two are held at once."""
    for name in ("a.pem", "b.pem"):
        (tmp_path / name).write_bytes(clean_bundle)
    done = subprocess.run(
        [sys.executable, "-c", _ALONE + _FREED, "check", "--now", NOW_ISO, "a.pem", "b.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert "in 2 files (4 certificates)" in done.stdout
    assert done.stderr.splitlines() == ["parsed a.pem", "freed a.pem", "parsed b.pem"]


def test_small_files_are_parsed_a_batch_at_a_time(tmp_path: Path, clean_bundle: bytes) -> None:
    """Small bundles are linted together, a batch of files at a time: a batch's parses are
    freed before the next batch is read, and the last batch's are left to the exit."""
    for name in ("a.pem", "b.pem", "c.pem"):
        (tmp_path / name).write_bytes(clean_bundle)
    two = "import mtls_lint.cli.check as check; check.FILES_TOGETHER = 2\n"
    done = subprocess.run(
        [sys.executable, "-c", two + _FREED, "check", "--now", NOW_ISO, "a.pem", "b.pem", "c.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert "in 3 files (6 certificates)" in done.stdout
    said = done.stderr.splitlines()
    assert said[:2] == ["parsed a.pem", "parsed b.pem"]
    assert sorted(said[2:4]) == ["freed a.pem", "freed b.pem"]
    assert said[4:] == ["parsed c.pem"]


def test_fix_frees_the_parse_of_the_file_before_the_fix_first(tmp_path: Path, root: Issued) -> None:
    """--fix lints a file whose key it removes twice (the key's findings stay): the parse of
    the file as it was is freed before the fixed file is parsed, not held beside it."""
    (tmp_path / "a.pem").write_bytes(root.pem + root.key_pem())
    done = subprocess.run(
        [sys.executable, "-c", _FREED, "check", "--now", NOW_ISO, "--fix", "a.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1  # the key stays leaked
    assert "removed by --fix" in done.stdout
    assert done.stderr.splitlines()[:3] == ["parsed a.pem", "freed a.pem", "parsed a.pem"]


#: Prepended to ``_FREED``: says on stderr when certificates are parsed outside a
#: ``ParsedBundle`` (the CAs of every bundle, read again for the revocation lists).
_READ_AGAIN = """
import os
import mtls_lint.certificate as certificate
import mtls_lint.parsed_bundle  # holds the parse it uses: only the lazy importers see the patch

parse = certificate.parse_certificates


def traced(*args, **kwargs):
    os.write(2, b"read again\\n")
    return parse(*args, **kwargs)


certificate.parse_certificates = traced
"""


def test_the_last_parse_is_freed_before_the_bundles_are_read_again_for_lists(
    tmp_path: Path, root: Issued
) -> None:
    """A run with revocation lists reads every bundle again for its CAs: the parse left for
    the exit is let go first, not held beside them."""
    from tests.test_revocation import crl

    (tmp_path / "a.crl").write_bytes(crl(root, NOW + dt.timedelta(days=60)))
    (tmp_path / "b.pem").write_bytes(root.pem)
    done = subprocess.run(
        [sys.executable, "-c", _READ_AGAIN + _FREED, "check", "--now", NOW_ISO, "a.crl", "b.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.splitlines()[:3] == ["parsed b.pem", "freed b.pem", "read again"]


def test_a_file_linted_on_its_own_is_not_held_as_bytes_beside_its_blocks(
    repo: Path, clean_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a bundle too large to be linted with others is linted, what read it (the file's
    bytes with its bundle) is gone: a 100,000-certificate file is not held twice."""
    import gc

    import mtls_lint.engine as engine

    monkeypatch.setattr(engine, "TOGETHER_UP_TO", 0)
    lint_bundle = engine.lint_bundle
    held: list[int] = []

    def looking(bundle: object, settings: object) -> object:
        held.append(sum(
            1 for o in gc.get_referrers(bundle)
            if type(o) is tuple and any(isinstance(x, bytes) for x in o)
        ))  # fmt: skip
        return lint_bundle(bundle, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "lint_bundle", looking)
    (repo / "b.pem").write_bytes(clean_bundle)
    assert main(["check", "--now", NOW_ISO, "b.pem"]) == 0
    assert main(["check", "--now", NOW_ISO, "--fix", "b.pem"]) == 0  # a file at a time
    assert held == [0, 0]


def test_main_keeps_no_parse_after_it_returns(
    repo: Path, clean_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process callers (these tests, a tool importing the CLI) hold nothing afterwards."""
    from mtls_lint.parsed_bundle import ParsedBundle

    (repo / "b.pem").write_bytes(clean_bundle)
    watched: list[weakref.ref[ParsedBundle]] = []
    made = ParsedBundle.__init__

    def traced(self: ParsedBundle, *args: object, **kwargs: object) -> None:
        watched.append(weakref.ref(self))
        made(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ParsedBundle, "__init__", traced)
    assert main(["check", "--now", NOW_ISO, "b.pem"]) == 0
    assert len(watched) == 1
    assert watched[0]() is None


def test_run_exits_2_when_its_last_output_cannot_be_written() -> None:
    done = _run("gone")
    assert (done.returncode, done.stderr) == (2, "")


@pytest.mark.parametrize(("args", "code"), [(["--version"], 0), (["check", "--bogus"], 2)])
def test_argparse_exits_from_run_the_usual_way(args: list[str], code: int) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mtls_lint", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == code
    assert (done.stdout + done.stderr).count("\n") == 1


def test_errors_about_hostile_file_names_stay_on_one_line(repo: Path, capsys) -> None:
    assert check("x\n::error::pwned.pem") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "x\\x0a::error::pwned.pem: cannot read" in err


@pytest.mark.parametrize("enabled", [True, False])
def test_a_run_leaves_the_garbage_collector_as_it_found_it(
    repo: Path, clean_bundle: bytes, enabled: bool
) -> None:
    (repo / "b.pem").write_bytes(clean_bundle)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assert check("b.pem") == 0
        assert main(["check", "--now", "nonsense", "b.pem"]) == 2  # an error on the way out
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_no_garbage_collection_runs_during_a_command_not_even_while_it_imports(
    repo: Path, clean_bundle: bytes
) -> None:
    (repo / "b.pem").write_bytes(clean_bundle)
    # collections are counted from main()'s start until it hands the collector back
    before = """import gc, mtls_lint.cli
started = []
def count(phase, info):
    started.append(phase)
gc.callbacks.append(count)
enable = gc.enable
def handed_back():
    gc.callbacks.remove(count)
    enable()
gc.enable = handed_back
"""
    after = "print(len(started))"
    assert _in_a_child(["check", "b.pem"], repo, before=before, after=after) == "0"


def _in_a_child(
    argv: list[str], cwd: Path | None = None, *, before: str = "", after: str = ""
) -> str:
    """The last line a fresh interpreter prints after running ``main(argv)``, with ``before``
    run first and ``after`` (default: the modules imported, space-separated) last: what a
    run imports is only seen in a process of its own."""
    code = (
        f"import sys\n{before}from mtls_lint.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        + (after or "print(' '.join(sorted(sys.modules)))")
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True, cwd=cwd
    )
    return result.stdout.splitlines()[-1]


@functools.cache
def _imported_by_cryptography() -> frozenset[str]:
    """What ``import cryptography.x509`` imports by itself: no command can do without it,
    and its releases differ (cryptography 51 imports ``dataclasses`` and ``inspect``)."""
    code = "import sys, cryptography.x509\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return frozenset(result.stdout.split())


def _ours(loaded: str) -> set[str]:
    """The modules of a run's listing that ``import cryptography.x509`` did not import."""
    return set(loaded.split()) - _imported_by_cryptography()


@pytest.mark.parametrize("args", [["--version"], ["rules"], ["explain", "expired"]])
def test_commands_that_read_no_certificate_do_not_import_cryptography(args: list[str]) -> None:
    after = "print('imported' if 'cryptography' in sys.modules else 'lazy')"
    assert _in_a_child(args, after=after) == "lazy"


def test_a_one_file_check_imports_only_what_it_uses(repo: Path, clean_bundle: bytes) -> None:
    """The hook's start-up: no other command's module, no other reporter, none of the
    key-serialisation machinery (ssh, ciphers) that only diff, verify and CRLs need."""
    (repo / "b.pem").write_bytes(clean_bundle)
    loaded = _ours(_in_a_child(["check", "--no-config", "b.pem"], repo))
    assert "mtls_lint.engine" in loaded  # the check did run
    unwanted = {
        "json", "shutil", "dataclasses", "inspect",
        "cryptography.hazmat.primitives.serialization",
        "mtls_lint.cli.verify", "mtls_lint.cli.diff", "mtls_lint.cli.inspect",
        "mtls_lint.reporters.json", "mtls_lint.reporters.sarif", "mtls_lint.reporters.github",
        "mtls_lint.gitsource", "difflib", "concurrent.futures", "logging",
    }  # fmt: skip
    assert loaded & unwanted == set()


@pytest.mark.parametrize(
    "command", [["diff", "--no-config", "b.pem", "b.pem"], ["inspect", "b.pem"]]
)
def test_diff_and_inspect_do_not_import_dataclasses(
    repo: Path, clean_bundle: bytes, command: list[str]
) -> None:
    """dataclasses imports inspect, ast and tokenize: 13 ms of a run."""
    (repo / "b.pem").write_bytes(clean_bundle)
    loaded = _ours(_in_a_child(command, repo))
    assert "mtls_lint.inventory" in loaded  # the command did run
    assert loaded & {"dataclasses", "inspect"} == set()


def test_a_one_file_check_compiles_few_annotations(repo: Path, clean_bundle: bytes) -> None:
    """typing.NamedTuple compiles each field's annotation that is a string, as every one is
    under ``from __future__ import annotations``: 195 of them, about 4 ms of a one-file
    check. The named tuples' modules on the start-up path evaluate their annotations, and
    quote only the names a type checker alone imports (and ``cli.check``'s two tuples)."""
    (repo / "b.pem").write_bytes(clean_bundle)
    counting = (
        "import typing\ncompiled = []\nreal = typing.ForwardRef.__init__\n"
        "def counting(self, *args, **kwargs):\n"
        "    compiled.append(args[0])\n    real(self, *args, **kwargs)\n"
        "typing.ForwardRef.__init__ = counting\n"
    )
    shown = _in_a_child(["check", "--no-config", "b.pem"], repo, before=counting,
                        after="print(len(compiled))")  # fmt: skip
    assert int(shown) <= 20


def test_explain_names_where_each_services_numbers_come_from(capsys) -> None:
    from mtls_lint.profiles import PROFILES

    assert main(["explain", "chain-too-deep"]) == 0
    out = capsys.readouterr().out
    for profile in PROFILES.values():
        assert f"  {profile.name}: {profile.source}" in out


def test_rules_json_lists_every_rule_with_each_profiles_severity(capsys) -> None:
    from mtls_lint.profiles import PROFILES
    from mtls_lint.rules import RULES

    assert main(["rules", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["profiles"] == list(PROFILES)
    by_id = {rule["id"]: rule for rule in document["rules"]}
    assert list(by_id) == list(RULES)
    for rule_id, rule in RULES.items():
        shown = by_id[rule_id]["severity"]
        assert shown == {n: (s.label if s else None) for n, s in rule.severity.items()}
    assert by_id["crl-expired"]["target"] == "revocation"
    assert by_id["expires-soon"]["options"] == {"days": "int"}


def test_a_chain_depth_limit_in_config_replaces_the_services_four(pki, tmp_path) -> None:
    chain = pki.chain("config depth", 5)
    (tmp_path / "bundle.pem").write_bytes(b"".join(c.pem for c in chain))
    config = tmp_path / ".mtls-lint.yaml"
    select = ["--select", "chain-too-deep", str(tmp_path / "bundle.pem")]
    assert main(["check", "--no-config", *select]) == 1
    config.write_text("limits: {chain-depth: 5}\n")
    assert main(["check", "--config", str(config), *select]) == 0


def test_force_exclude_holds_for_named_files(repo: Path, intermediate: Issued, capsys) -> None:
    (repo / "fixtures").mkdir()
    (repo / "fixtures" / "broken.pem").write_bytes(intermediate.pem)
    (repo / ".mtls-lint.yaml").write_text('exclude: ["fixtures/**"]\n')
    assert check("fixtures/broken.pem") == 1  # named: linted, as before
    capsys.readouterr()
    assert check("--force-exclude", "fixtures/broken.pem") == 0
    assert capsys.readouterr().err == ""  # nothing to say: what the hook asked for
    assert check("--force-exclude", "fixtures") == 2  # a directory named, all of it excluded


def test_a_walk_finds_extensions_in_any_case_and_ca_bundles(
    repo: Path, root: Issued, intermediate: Issued, capsys
) -> None:
    for name in ("ROOT.PEM", "x.Crt", "partner.ca-bundle", "old.CER"):
        (repo / name).write_bytes(intermediate.pem)  # its issuer is missing: each is reported
    assert check("--format", "json", ".") == 1
    files = {f["path"] for f in json.loads(capsys.readouterr().out)["files"]}
    assert files == {"ROOT.PEM", "x.Crt", "partner.ca-bundle", "old.CER"}


def test_a_named_directory_with_nothing_to_lint_is_exit_2(repo: Path, capsys) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.txt").write_text("no bundle here\n")
    assert check("docs") == 2
    err = capsys.readouterr().err
    assert "docs: no file to lint (include: *.pem, *.crt, *.cer, *.ca-bundle, *.crl)" in err


@pytest.mark.parametrize("command", ["inspect", "diff", "verify", "check"])
def test_no_python_warning_reaches_stderr(repo: Path, root: Issued, command) -> None:
    """cryptography warns on a serial number of zero, here in the authority key identifier as
    in three Starfield roots of the Mozilla bundle; the warning text never reaches the user."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name.from_rfc4514_string("CN=zero serial in the AKI")
    zero = x509.AuthorityKeyIdentifier(b"\x01" * 20, [x509.DirectoryName(subject)], 0)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(7)
        .not_valid_before(dt.datetime(2025, 1, 1)).not_valid_after(dt.datetime(2035, 1, 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(zero, critical=False).sign(key, hashes.SHA256())
    )  # fmt: skip
    (repo / "store.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM) + root.pem)
    argv = {
        "inspect": ["inspect", "store.pem"],
        "diff": ["diff", "store.pem", "store.pem"],
        "verify": ["verify", "--truststore", "store.pem", "store.pem"],
        "check": ["check", "store.pem"],
    }[command]
    # a fresh interpreter, warnings on as a user's may have them (pytest would record them)
    result = subprocess.run([sys.executable, "-W", "default", "-m", "mtls_lint", *argv],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert "Traceback" not in result.stderr
    assert "Warning" not in result.stderr, result.stderr


def test_statistics_counts_findings_per_rule(repo: Path, pki, intermediate: Issued, capsys):
    old = pki.cert(
        "cli stats expired root", not_after=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    )
    (repo / "a.pem").write_bytes(intermediate.pem)
    (repo / "b.pem").write_bytes(intermediate.pem + old.pem)
    assert check("--statistics", "--select", "missing-issuer,expired") == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "2  missing-issuer  (error)",
        "1  expired  (error)",
        "3 findings in 2 files",
    ]
    assert check("--statistics", "--format", "json", "--select", "missing-issuer") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["statistics"] == [{"rule": "missing-issuer", "severity": "error", "count": 2}]
    assert check("--statistics", "--format", "sarif") == 2


def test_quiet_prints_the_findings_only(repo: Path, intermediate: Issued, capsys) -> None:
    (repo / "a.pem").write_bytes(intermediate.pem)
    assert check("--quiet", "--select", "missing-issuer") == 1
    out = capsys.readouterr().out
    assert out.startswith("a.pem:1: error [missing-issuer]")
    assert len(out.splitlines()) == 1
    (repo / "a.pem").unlink()
    assert check("-q") == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("choice", "no_color", "colored"), [
    ("auto", None, False),  # not a terminal
    ("always", "1", True),
    ("never", None, False),
])  # fmt: skip
def test_color_choice(repo: Path, intermediate: Issued, capsys, monkeypatch, choice, no_color,
                      colored) -> None:  # fmt: skip
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    (repo / "a.pem").write_bytes(intermediate.pem)
    check("--color", choice, "--select", "missing-issuer")
    assert ("\x1b[31m" in capsys.readouterr().out) is colored


@pytest.mark.parametrize(("no_color", "colored"), [("", True), ("1", False)])
def test_an_empty_no_color_does_not_count(
    repo: Path, intermediate: Issued, capsys, monkeypatch, no_color, colored
) -> None:
    """no-color.org: NO_COLOR disables colour when it is set and not empty."""
    monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    (repo / "a.pem").write_bytes(intermediate.pem)
    check("--select", "missing-issuer")
    assert ("\x1b[31m" in capsys.readouterr().out) is colored


@pytest.mark.parametrize(("argv", "suggestion"), [
    (["check", "--profile", "ablb"], "did you mean 'alb'?"),
    (["check", "--formt", "json"], "did you mean '--format'?"),
    (["check", "--select", "missing-isuer"], "did you mean 'missing-issuer'?"),
    (["chek"], "did you mean 'check'?"),
    (["explain", "expird"], "did you mean 'expired'?"),
])  # fmt: skip
def test_did_you_mean(repo: Path, capsys, argv: list[str], suggestion: str) -> None:
    with pytest.raises(SystemExit) if argv[0] != "explain" else contextlib.nullcontext():
        main(argv)
    err = capsys.readouterr().err
    assert suggestion in err
    assert len(err.strip().splitlines()) == 1


def test_did_you_mean_in_the_config(repo: Path, capsys) -> None:
    (repo / ".mtls-lint.yaml").write_text("profle: alb\n")
    assert check() == 2
    assert "did you mean 'profile'?" in capsys.readouterr().err
    (repo / ".mtls-lint.yaml").write_text("rules:\n  expird: off\n")
    assert check() == 2
    assert "did you mean 'expired'?" in capsys.readouterr().err


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    import io

    class Stdin(io.TextIOWrapper):
        def fileno(self) -> int:
            raise io.UnsupportedOperation("fileno")

    monkeypatch.setattr("sys.stdin", Stdin(io.BytesIO(data)))


def test_check_reads_a_bundle_from_stdin_under_the_name_given(
    repo: Path, intermediate: Issued, capsys, monkeypatch
) -> None:
    _stdin(monkeypatch, intermediate.pem)
    assert check("--select", "missing-issuer", "--stdin-filename", "alb/ts.pem", "-") == 1
    assert capsys.readouterr().out.startswith("alb/ts.pem:1: error [missing-issuer]")
    _stdin(monkeypatch, intermediate.pem)
    (repo / ".mtls-lint.yaml").write_text('exclude: ["alb/**"]\n')
    assert check("--force-exclude", "--stdin-filename", "alb/ts.pem", "-") == 0
    assert check("--stdin-filename", "x.pem", "some.pem") == 2  # no - to name


def test_check_stdin_is_capped(repo: Path, capsys, monkeypatch) -> None:
    _stdin(monkeypatch, b"#" * 5000)
    assert check("--max-file-bytes", "1000", "-") == 2
    assert "-: over the 1000-byte limit" in capsys.readouterr().err


def test_under_pre_commit_a_key_is_staged_not_committed(
    repo: Path, root: Issued, capsys, monkeypatch
) -> None:
    (repo / "ts.pem").write_bytes(root.pem + root.key_pem())
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert check("ts.pem") == 1
    out = capsys.readouterr().out
    assert "the key is staged, not yet committed" in out
    assert "git restore --staged ts.pem" in out
    assert "now in git history" not in out
    monkeypatch.delenv("PRE_COMMIT")
    check("ts.pem")
    assert "now in git history" in capsys.readouterr().out


def test_help_is_as_wide_as_columns_says(monkeypatch, capsys) -> None:
    from mtls_lint.cli.common import terminal_columns

    def widest_help_line(columns: str) -> int:
        monkeypatch.setenv("COLUMNS", columns)
        with pytest.raises(SystemExit):
            main(["check", "--help"])
        return max(map(len, capsys.readouterr().out.splitlines()))

    monkeypatch.setenv("COLUMNS", "60")
    assert terminal_columns() == 60
    assert widest_help_line("60") < 70 < 150 < widest_help_line("200") <= 198
    monkeypatch.setenv("COLUMNS", "wide")
    assert terminal_columns() == 80  # stdout is no terminal under pytest


def test_named_files_share_their_directorys_boundary(
    repo: Path, clean_bundle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook names every staged file: each directory's boundary is found once, and a
    file in another directory is asked of its own."""
    from mtls_lint import files
    from mtls_lint.discover import find

    (repo / "a").mkdir()
    (repo / "outside").mkdir()
    names = [f"a/{n}.pem" for n in range(5)]
    for name in names:
        (repo / name).write_bytes(clean_bundle)
    (repo / "outside" / "x.pem").write_bytes(clean_bundle)
    asked: list[Path] = []
    real = files.boundary

    def counting(given: Path) -> Path:
        asked.append(given)
        return real(given)

    monkeypatch.setattr(files, "boundary", counting)
    found = list(find([*names, "outside/x.pem"]))
    assert [str(p) for p in asked] == ["a/0.pem", "outside/x.pem"]
    assert {f.within for f in found} == {real(Path("a/0.pem"))}
