"""``mtls-lint check``: lint bundles, apply waivers, report, and map the outcome to an exit
code."""

from __future__ import annotations

import argparse
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeAlias, TypeVar

from mtls_lint.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_run_options,
    complain,
    exit_code,
    output_format,
    read_file,
    refuse_over_limits,
    rule_list,
    wants_color,
    write_out,
    write_report,
)

if TYPE_CHECKING:
    from mtls_lint.bundle import Bundle
    from mtls_lint.cli.common import Commands
    from mtls_lint.config import Config
    from mtls_lint.crl import RevocationFile, TrustedCA
    from mtls_lint.discover import Found
    from mtls_lint.findings import FileResult, Finding
    from mtls_lint.lint_settings import LintSettings
    from mtls_lint.reporters import Report
    from mtls_lint.scopes import ConfigSource, Scope, Scopes
    from mtls_lint.settings import FileLimits, RunSettings


T = TypeVar("T")


def add_parser(commands: Commands, name: str, summary: str) -> None:
    from mtls_lint.reporters import FORMATS

    check = commands.add_parser(name, help=summary)
    check.set_defaults(run=run)
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default .)")
    check.add_argument("--format", choices=FORMATS, help="report format (default text, or "
                       "github when GITHUB_ACTIONS=true)")  # fmt: skip
    check.add_argument("--output", metavar="FILE", help="write the report to FILE")
    check.add_argument("--select", type=rule_list, metavar="RULE,...", help="run only these")
    check.add_argument("--ignore", type=rule_list, metavar="RULE,...", default=[])
    check.add_argument("--crl", action="append", default=[], metavar="FILE", help="a revocation "
                       "list (ALB) linted with the run's trust stores; repeatable")  # fmt: skip
    check.add_argument("--fix", action="store_true", help="repair what is mechanical (PEM "
                       "hygiene, blank lines, stray text, duplicates, DER, private keys) in "
                       "place, then report what is left")  # fmt: skip
    check.add_argument("--diff", action="store_true", help="print the repairs --fix would "
                       "make, as a unified diff, and write nothing (exit 1 if any)")  # fmt: skip
    check.add_argument("--stdin-filename", metavar="PATH", help="the name to report (and to "
                       "match excludes against) for the bundle read from - (stdin)")  # fmt: skip
    check.add_argument("--statistics", action="store_true", help="print how many findings each "
                       "rule has instead of the findings (text or json)")  # fmt: skip
    check.add_argument("--quiet", "-q", action="store_true", help="print the findings only: no "
                       "summary line, no warnings")  # fmt: skip
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: on a terminal, unless NO_COLOR is "
                       "set and not empty)")  # fmt: skip
    check.add_argument("--force-exclude", action="store_true", help="apply the config's exclude "
                       "globs to files named on the command line too (the pre-commit hook "
                       "does)")  # fmt: skip
    add_run_options(check)


def lint_files(
    paths: Sequence[str],
    scopes: Scopes,
    crls: Sequence[str] = (),
    force_exclude: bool = False,
    stdin_name: str | None = None,
    repair: Repair | None = None,
) -> tuple[list[Linted], int]:
    """Lint every file found, each with the settings of its scope; I/O errors are printed and
    counted, never fatal. Revocation-list files -- found, or named with ``crls`` -- are
    linted last, against the CA certificates of every trust store of the run. ``-`` is a
    bundle read from stdin, reported as ``stdin_name`` (and excluded by its name under
    ``force_exclude``).

    Files are found and linted :data:`FILES_PER_CHUNK` at a time, read in batches of at most
    :data:`FILES_TOGETHER` whose small bundles are linted together
    (:func:`~mtls_lint.engine.lint_together`); a round of at least
    :data:`~mtls_lint.forked.WORTH_SHARING_FROM` is shared with a forked child per further CPU
    (:mod:`mtls_lint.forked`), a batch at a time, its outcomes taken in order, so what is
    printed is the serial run's. A round linted here alone reads a large file with a child's
    help, importing the engine meanwhile (:func:`~mtls_lint.pem_reader.read_bundle`)."""
    if "-" in paths:
        piped, piped_errors = _lint_stdin(scopes, force_exclude, stdin_name)
        rest = [p for p in paths if p != "-"]
        if not rest:
            return piped, piped_errors
        more, more_errors = lint_files(rest, scopes, crls, force_exclude, None, repair)
        return piped + more, piped_errors + more_errors
    from mtls_lint import leftovers
    from mtls_lint.discover import display_path, find, matches
    from mtls_lint.forked import share_out, workers_for
    from mtls_lint.pem_reader import read_bundle

    results: list[Linted] = []
    errors = 0
    lists: list[tuple[Scope, Bundle, RevocationFile]] = []
    bundles: list[tuple[Found, Scope]] = []  # read again for their CAs if lists are found

    def named_list(found: Found) -> bool:
        globs = found.scope.run.revocation_lists
        return bool(globs) and matches(_relative(found.path, found.scope), globs)

    alone = True  # whether this process lints the round by itself (it may fork to read)

    def read_one(entry: tuple[Found, bool]) -> tuple[Bundle, bytes] | _ListFile | str:
        """The file's bundle and bytes; a revocation-list file, to lint once every bundle is
        read; or the line to complain with."""
        item, named_crl = entry
        leftovers.let_go()  # the last file's parse, left for the exit: freed before this is read
        run = item.scope.run
        limits = _crl_limits(run) if named_crl or item.path.suffix == ".crl" else run.file_limits
        try:
            data = read_file(item.path, limits, item.within, walked=item.walked)
        except UsageError as exc:
            return str(exc)
        bundle = read_bundle(display_path(item.path), data, _import_linting if alone else None)
        from mtls_lint.crl import is_revocation_file

        if is_revocation_file(bundle, data):
            return _ListFile(bundle, data)
        if named_crl:
            return (f"{bundle.path}: named a revocation list (--crl, or the config's "
                    "revocation-lists) but holds no X509 CRL blocks")  # fmt: skip
        return bundle, data

    def lint_one(entry: tuple[Found, bool], repair: Repair) -> Outcome:
        """``--fix`` and ``--diff``, a file at a time: the findings of the file as repaired,
        or what :func:`read_one` gives. Prints nothing."""
        read = read_one(entry)
        if isinstance(read, (str, _ListFile)):
            return read
        from mtls_lint.engine import lint_bundle

        (item, _), (bundle, data) = entry, read
        del read  # what it holds is let go with data, below
        run = item.scope.run
        bundle, data = repair.apply(item.path, item.within, bundle, data, run.lint)
        leftovers.let_go()  # the parse of the file before its key was removed, if any
        del data  # the blocks hold what the rules need, not the whole file a second time
        return repair.kept_keys(lint_bundle(bundle, run.lint))

    def lint_some(entries: list[tuple[Found, bool]]) -> list[Outcome]:
        """Each file's findings, or what :func:`read_one` gives: the small bundles linted
        together (:func:`~mtls_lint.engine.lint_together`), a larger one as it is read.
        Prints nothing: it may run in a forked child. (The engine is imported once the first
        file is read, or while it is: see :func:`read_one`.)"""
        outcomes: list[Outcome | None] = []
        small: list[tuple[int, Bundle, LintSettings]] = []  # (place, bundle, its settings)
        for entry in entries:
            read = read_one(entry)
            if isinstance(read, (str, _ListFile)):
                outcomes.append(read)
                continue
            bundle, settings = read[0], entry[0].scope.run.lint
            del read  # the blocks hold what the rules need, not the whole file a second time
            from mtls_lint import engine

            if engine.lints_together(bundle):
                small.append((len(outcomes), bundle, settings))
                outcomes.append(None)
            else:
                outcomes.append(engine.lint_bundle(bundle, settings))
        from mtls_lint import engine

        linted = engine.lint_together([(bundle, settings) for _, bundle, settings in small])
        for (place, _, _), result in zip(small, linted, strict=True):
            outcomes[place] = result
        return [outcome for outcome in outcomes if outcome is not None]

    found = ((f, named_list(f)) for f in find(paths, force_exclude=force_exclude, scopes=scopes))
    # find() of no paths would walk the working directory
    named = find(crls, scopes=scopes) if crls else ()
    for chunk in _chunks(itertools.chain(found, ((f, True) for f in named)), FILES_PER_CHUNK):
        # --fix and --diff write and print as they go: one file after another, each file's
        # complaint printed before the next is read
        if repair is not None:
            outcomes: Iterable[Outcome] = map(partial(lint_one, repair=repair), chunk)
        else:
            workers = workers_for(len(chunk))
            batches = _batches(chunk, workers)
            alone = workers < 2
            if not alone:
                _import_linting()  # before the fork: each child has it
            done = map(lint_some, batches) if alone else share_out(batches, lint_some, workers)
            outcomes = itertools.chain.from_iterable(done)
        for (item, _), outcome in zip(chunk, outcomes, strict=True):
            if isinstance(outcome, str):
                complain("error", outcome)
                errors += 1
            elif isinstance(outcome, _ListFile):
                from mtls_lint.crl import read_revocation_file

                lists.append((item.scope, outcome.bundle, read_revocation_file(*outcome)))
            else:
                results.append(Linted(item.scope, outcome))
                bundles.append((item, item.scope))
    if lists:
        leftovers.let_go()  # the last bundle's parse: not held while every bundle is read again
        results += _lint_lists(lists, _trusted(bundles))
    return results, errors


def _import_linting() -> None:
    """Import what linting needs, ``cryptography`` with it: some 55 ms, while a child reads
    a large file (:func:`~mtls_lint.pem_reader.read_bundle`)."""
    import mtls_lint.crl
    import mtls_lint.engine  # noqa: F401 - imported for its effect: the modules loaded


#: Files linted in one round (a child's share is pickled back whole): a tree of 100,000 files
#: is found a chunk at a time, not held as a list.
FILES_PER_CHUNK = 512
#: Files read before their small bundles are linted together (a claim of
#: :func:`~mtls_lint.forked.share_out`): a batch holds at most this many times
#: :data:`~mtls_lint.engine.TOGETHER_BYTES`. Over the hook's 200 files, 8 gave 0.94x the
#: time of one at a time, 16 to 50 0.91x to 0.93x (30 alternating runs each).
FILES_TOGETHER = 16


def _batches(items: list[T], workers: int) -> list[list[T]]:
    """``items`` in batches of :data:`FILES_TOGETHER`; shared by ``workers`` processes, in
    four a process at least, so that none is left with much to do once the others are done."""
    size = FILES_TOGETHER
    if workers > 1:
        size = max(1, min(size, len(items) // (4 * workers)))
    return [items[n : n + size] for n in range(0, len(items), size)]


class _ListFile(NamedTuple):
    """A revocation-list file, read: linted after every bundle of the run."""

    bundle: Bundle
    data: bytes


#: What linting a file gives: its findings, a revocation-list file read (linted once every
#: bundle is), or the line to complain with.
Outcome: TypeAlias = "FileResult | _ListFile | str"


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size``. If taking the next item raises (a config file the
    walk reads is broken), the items taken before are given first, as a serial run would
    have linted them before meeting the error."""
    chunk: list[T] = []
    try:
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
    except Exception:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


class Linted(NamedTuple):
    """A file's findings, and the scope whose settings (waivers, fail-on) they answer to."""

    scope: Scope
    result: FileResult


class Repair:
    """``--fix`` (``write``) or ``--diff``: each file's mechanical repairs, and what was done."""

    def __init__(self, write: bool) -> None:
        self.write = write
        self.diffs: list[str] = []
        self.fixed: list[str] = []
        self.errors = 0
        #: The removed keys' findings, until :meth:`kept_keys` puts them back.
        self._original: tuple[Finding, ...] = ()

    def apply(
        self, path: Path, within: Path, bundle: Bundle, data: bytes, lint: LintSettings
    ) -> tuple[Bundle, bytes]:
        """The bundle to report on: the fixed one when the fix is written. ``lint``: the
        file's settings (its profile decides whether a comment may stay)."""
        from mtls_lint.engine import lint_bundle
        from mtls_lint.fix import fix, redacted, unified_diff
        from mtls_lint.pem_reader import read_bundle

        fixed = fix(data, bundle, lint.profile)
        if fixed.data == data:
            return bundle, data
        if not self.write:
            after = read_bundle(bundle.path, fixed.data)
            self.diffs.append(
                unified_diff(bundle.path, redacted(data, bundle), redacted(fixed.data, after))
            )
            return bundle, data
        from mtls_lint.files import UnsafePath, write_confined

        if fixed.removed_key:  # the key's findings stay: it is leaked whatever the file says now
            key_rule = {r: s for r, s in lint.rules.items() if r == "private-key-in-bundle"}
            self._original = lint_bundle(bundle, lint._replace(rules=key_rule)).findings
        try:
            write_confined(path, fixed.data, within)
        except UnsafePath as exc:
            complain("error", f"{bundle.path}: --fix: {exc}")
            self.errors += 1
            self._original = ()  # nothing was removed: the file's own findings stand
            return bundle, data
        self.fixed.append(bundle.path)
        return read_bundle(bundle.path, fixed.data), fixed.data

    def kept_keys(self, result: FileResult) -> FileResult:
        """``result`` of the fixed file, with the removed keys' findings put back."""
        if not self._original:
            return result
        findings = tuple(
            f._replace(message=f"{f.message} (removed by --fix; still rotate the key)")
            for f in self._original
        )
        self._original = ()
        return result._replace(findings=tuple(sorted(
            (*result.findings, *findings), key=lambda f: f.sort_key()
        )))  # fmt: skip


def _lint_stdin(
    scopes: Scopes, force_exclude: bool, stdin_name: str | None
) -> tuple[list[Linted], int]:
    """The bundle on stdin, with the settings of where ``stdin_name`` says it is."""
    from mtls_lint.discover import matches, relative_to
    from mtls_lint.engine import lint_bundle
    from mtls_lint.files import UnsafePath, standard_input
    from mtls_lint.pem_reader import read_bundle

    shown = stdin_name or "-"
    scope = scopes.at(Path(stdin_name).parent) if stdin_name else scopes.top()
    run = scope.run
    if force_exclude and stdin_name and run.exclude:
        relative = relative_to(Path(stdin_name), scope.globs.base)
        if relative is not None and matches(relative, run.exclude):
            return [], 0
    try:
        data = standard_input().read(run.file_limits.max_bytes + 1)
    except (UnsafePath, OSError) as exc:
        complain("error", f"-: cannot read standard input: {exc}")
        return [], 1
    try:
        refuse_over_limits(shown, data, run.file_limits)
    except UsageError as exc:
        complain("error", str(exc))
        return [], 1
    return [Linted(scope, lint_bundle(read_bundle(shown, data), run.lint))], 0


def _trusted(bundles: list[tuple[Found, Scope]]) -> tuple[TrustedCA, ...]:
    """The CA certificates of the run's bundles, each once, for its revocation lists. Read
    again here rather than kept while linting: most runs have no lists, and a record of every
    CA would cost them time and memory for nothing."""
    from mtls_lint.certificate import parse_certificates
    from mtls_lint.crl import TrustedCA
    from mtls_lint.discover import display_path
    from mtls_lint.pem_reader import read_bundle

    trusted: dict[str, TrustedCA] = {}  # by certificate: a CA in many bundles counts once
    for found, scope in bundles:
        try:
            data = read_file(found.path, scope.run.file_limits, found.within, walked=found.walked)
        except UsageError:
            continue  # it was read a moment ago; what changed since is not this run's
        certificates, _ = parse_certificates(read_bundle(display_path(found.path), data).blocks)
        for cert in certificates:
            if cert.is_ca and cert.sha256 not in trusted:
                record = TrustedCA.of(cert)
                if record is not None:
                    trusted[cert.sha256] = record
    return tuple(trusted.values())


def _relative(path: Path, scope: Scope) -> str:
    """``path`` as its config's globs see it: relative to the config's directory."""
    try:
        return path.absolute().relative_to(scope.run.base.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def _crl_limits(run: RunSettings) -> FileLimits:
    """A revocation list may be larger than a bundle: ALB takes 50 MB. Twice the quota is
    read, so a list over it is a finding (crl-too-large), not a refused file."""
    from mtls_lint.profiles import PROFILES

    quota = run.lint.profile.revocation or PROFILES["alb"].revocation
    most = 2 * quota.max_list_bytes if quota is not None else 0
    return run.file_limits._replace(max_bytes=max(run.file_limits.max_bytes, most))


def _lint_lists(
    lists: list[tuple[Scope, Bundle, RevocationFile]], trusted: tuple[TrustedCA, ...]
) -> list[Linted]:
    from mtls_lint.engine import lint_revocation
    from mtls_lint.rule import Revocation

    entries = sum(revocation.entries for _, _, revocation in lists)
    count = sum(len(revocation.lists) for _, _, revocation in lists)
    return [
        Linted(scope, lint_revocation(
            bundle, Revocation(revocation, trusted, count, entries), scope.run.lint
        ))
        for scope, bundle, revocation in lists
    ]  # fmt: skip


class CheckOutcome(NamedTuple):
    report: Report
    #: The working directory's settings: the run's instant, the profile a report names.
    run: RunSettings
    #: Files that could not be read (each already reported on stderr).
    io_errors: int
    #: What --fix or --diff did.
    repair: Repair | None = None
    #: A finding at or above the fail-on of the config governing it.
    failed: bool = False

    @property
    def exit_code(self) -> int:
        if self.io_errors:
            return EXIT_ERROR
        if self.repair is not None and not self.repair.write:  # --diff: is there a fix to make
            return EXIT_FINDINGS if self.repair.diffs else EXIT_OK
        return EXIT_FINDINGS if self.failed else EXIT_OK


def execute_check(
    args: argparse.Namespace, fmt: str, configs: ConfigSource | Config | None = None
) -> CheckOutcome:
    """Lint what ``args`` names and apply waivers: the report, nothing printed yet.
    ``configs`` (the base ref's, in the Action): one config for every file, or where each
    directory's is read, instead of what ``args`` says."""
    from mtls_lint.cli.common import run_scopes
    from mtls_lint.discover import repository_prefix
    from mtls_lint.reporters import Report

    summary = fmt == "github" and bool(os.environ.get("GITHUB_STEP_SUMMARY"))
    scopes = run_scopes(args, configs, inventory=summary)

    force_exclude = getattr(args, "force_exclude", False)
    stdin_name = getattr(args, "stdin_filename", None)
    if stdin_name is not None and "-" not in args.paths:
        raise UsageError("--stdin-filename names the bundle read from -: give - as a path")
    repair = None
    if getattr(args, "fix", False) or getattr(args, "diff", False):
        if "-" in args.paths:
            raise UsageError("--fix and --diff rewrite files: not the bundle read from -")
        repair = Repair(write=not args.diff)
    with config_errors():
        top = scopes.top()
        linted, errors = lint_files(args.paths, scopes, args.crl, force_exclude, stdin_name,
                                    repair)  # fmt: skip
    if os.environ.get("PRE_COMMIT") == "1":  # pre-commit sets it for its hooks
        linted = [item._replace(result=_staged_keys(item.result)) for item in linted]
    errors += repair.errors if repair is not None else 0
    if not linted and not errors:
        _nothing_to_lint(args.paths, top.run, force_exclude, getattr(args, "quiet", False))
    files, config_findings, hidden, failed = _waive(linted, scopes, args.paths)
    color = fmt == "text" and wants_color(getattr(args, "color", "auto"), args.output is None)
    report = Report(
        tuple(files),
        tuple(config_findings),
        hidden,
        color=color,
        profile=top.run.lint.profile.name,
        repo_prefix=repository_prefix(Path.cwd()),
        summary=not getattr(args, "quiet", False),
    )
    return CheckOutcome(report, top.run, errors, repair, failed)


@contextmanager
def config_errors() -> Iterator[None]:
    """A config met on the way (a directory's own) that is not valid, or that git cannot
    give (``config-from: base``): exit 2, naming the file and line."""
    from mtls_lint.config import ConfigError

    try:
        yield
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:
        # whatever raised a GitError imported git's module: a run that never asks git
        # does not pay for importing it here
        from mtls_lint.gitsource import GitError

        if not isinstance(exc, GitError):
            raise
        raise UsageError(str(exc)) from None


def _waive(
    linted: list[Linted], scopes: Scopes, paths: Sequence[str]
) -> tuple[list[FileResult], list[Finding], int, bool]:
    """Each config's waivers over the files it governs; the files in their order, the
    waivers' own findings, how many findings were hidden, and whether the run fails.

    A waiver that hid nothing is ``unused-waiver`` only when the run walked the whole tree
    its config governs (a named directory at or above the config's): linting one file of it,
    or one subdirectory, cannot tell."""
    from mtls_lint.waiving import apply_waivers

    walked = [Path(os.path.realpath(p)) for p in paths or ["."] if p != "-" and os.path.isdir(p)]
    files: list[FileResult | None] = [None] * len(linted)
    config_findings: list[Finding] = []
    hidden = 0
    failed = False
    by_scope: dict[int, list[int]] = {}  # one pass: a tree may hold a config per directory
    for index, item in enumerate(linted):
        by_scope.setdefault(id(item.scope), []).append(index)
    for scope in scopes:
        mine = by_scope.get(id(scope), [])
        governs = scope.globs.base if scope.config.path is not None else None
        whole_tree = governs is not None and any(
            d == governs or d in governs.parents for d in walked
        )
        waived = apply_waivers(
            [linted[i].result for i in mine], scope.run.waivers, scope.run.lint.now,
            scope.run.lint.rules, whole_tree=whole_tree,
        )  # fmt: skip
        for index, result in zip(mine, waived.files, strict=True):
            files[index] = result
        config_findings += waived.config_findings
        hidden += waived.hidden
        findings = [f for r in waived.files for f in r.findings] + list(waived.config_findings)
        failed = failed or exit_code(findings, scope.run.fail_on) != EXIT_OK
    return [f for f in files if f is not None], config_findings, hidden, failed


def _staged_keys(result: FileResult) -> FileResult:
    """Under pre-commit the key is staged, not yet committed: say so, and how to take it out
    of the commit (it is still leaked if it was ever pushed or shared)."""
    from mtls_lint.rules.armour import KEY_IN_HISTORY

    if not any(f.rule == "private-key-in-bundle" for f in result.findings):
        return result
    staged = (
        "the key is staged, not yet committed: take it out of the file and unstage it "
        f"(git restore --staged {result.path}, or git add {result.path} once it is gone); "
        "if it was ever pushed or shared, treat it as leaked"
    )
    return result._replace(findings=tuple(
        f._replace(message=f.message.replace(KEY_IN_HISTORY, staged))
        if f.rule == "private-key-in-bundle" else f
        for f in result.findings
    ))  # fmt: skip


def _nothing_to_lint(
    paths: Sequence[str], run: RunSettings, force_exclude: bool, quiet: bool
) -> None:
    """Say why no file was linted. Exit 0 only when that is what was asked: the default walk
    of a tree without bundles, or named files that are all excluded (``--force-exclude``);
    a directory named on the command line with no file to lint is a mistake (exit 2)."""
    if force_exclude and paths and not any(Path(p).is_dir() for p in paths):
        return  # pre-commit staged only excluded files: nothing to say
    include = ", ".join(run.include)
    named = [p for p in paths if Path(p).is_dir()]
    if named:
        raise UsageError(
            f"{', '.join(named)}: no file to lint (include: {include}); name files to lint "
            "them whatever their name, or set include in the config"
        )
    if not quiet:
        complain("warning", f"no files to lint (include: {include})")


def emit(
    outcome: CheckOutcome,
    fmt: str,
    output: str | None,
    within: Path | None = None,
    errors: Sequence[str] = (),
) -> None:
    """Write the report in ``fmt`` to ``output`` (or stdout), inside ``within`` when given;
    the step summary for github, saying first the ``errors`` that kept files from it."""
    from mtls_lint.escape import ENCODERS
    from mtls_lint.reporters import KINDS, reporter

    text = reporter(fmt)(outcome.report)
    if output:
        write_report(output, ENCODERS[KINDS[fmt]](text), within)
    else:
        write_out(text, KINDS[fmt])
    if fmt == "github":
        from mtls_lint.reporters.step_summary import append_step_summary

        problem = append_step_summary(outcome.report, outcome.run.lint.now, errors)
        if problem:
            complain("warning", problem)


def _say_repairs(repair: Repair | None) -> None:
    if repair is None:
        return
    if not repair.write:
        write_out("".join(repair.diffs), "text")
        return
    if repair.fixed:
        complain("info", f"fixed {len(repair.fixed)} file(s): {', '.join(repair.fixed)}")


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    if args.statistics and fmt not in ("text", "json"):
        raise UsageError(f"--statistics: counts are printed as text or json, not {fmt}")
    outcome = execute_check(args, fmt)
    _say_repairs(outcome.repair)
    if args.diff:
        return outcome.exit_code
    if args.statistics:
        from mtls_lint.escape import ENCODERS
        from mtls_lint.reporters import statistics

        text = (statistics.render_json if fmt == "json" else statistics.render_text)(outcome.report)
        if args.output:
            write_report(args.output, ENCODERS[fmt](text))
        else:
            write_out(text, fmt)
    else:
        emit(outcome, fmt, args.output)
    return outcome.exit_code
