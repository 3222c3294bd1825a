"""Run the enabled rules over one bundle and turn their problems into findings.

The engine knows rules only through :class:`~mtls_lint.rule.Rule`; it resolves which rules run
at which severity, contains crashes, and never looks at a rule's id to decide anything.
"""

import warnings
from collections.abc import Sequence

from mtls_lint import leftovers
from mtls_lint.bundle import Bundle
from mtls_lint.certificate import CertificateFacts
from mtls_lint.findings import CertificateRef, FileResult, Finding
from mtls_lint.lint_settings import LintSettings, RuleSetting
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.rule import Crash, LintContext, Problem, Revocation, Rule
from mtls_lint.rules import RULES
from mtls_lint.trust_graph import Mispredicted

#: A hostile file can hold hundreds of thousands of broken blocks; past this many findings of
#: one rule in one file, the rest are counted in one last finding instead of listed.
MAX_FINDINGS_PER_RULE = 1000


def lint_bundle(bundle: Bundle | ParsedBundle, settings: LintSettings) -> FileResult:
    """Run the enabled rules over ``bundle``; a :class:`ParsedBundle` shares its parsed
    certificates and issuer links with whoever else holds it (``diff``'s inventory). The
    parse of a :class:`Bundle` is left to the process's exit (:mod:`mtls_lint.leftovers`)."""
    with warnings.catch_warnings():
        # cryptography warns about what rules report (negative serials, ...): say it once, well
        warnings.simplefilter("ignore")
        if isinstance(bundle, ParsedBundle):
            parsed = bundle
        else:
            parsed = ParsedBundle(bundle, links=_reads_links(settings))
            leftovers.leave(parsed)
        ctx = _context(parsed, settings)
        return _result(ctx, settings, _lint(ctx, settings))


def _context(
    parsed: ParsedBundle, settings: LintSettings, revocation: Revocation | None = None
) -> LintContext:
    """What the rules are given: ``parsed`` (and ``revocation``), with the run's settings."""
    return LintContext(parsed, settings.profile, settings.now, settings.expiry_days, revocation)


def _result(ctx: LintContext, settings: LintSettings, findings: list[Finding]) -> FileResult:
    """The file's result: ``findings`` in report order, and its inventory if asked for."""
    inventory = tuple(_ref(c) for c in ctx.certificates) if settings.inventory else ()
    findings.sort(key=Finding.sort_key)
    bundle = ctx.bundle
    return FileResult(bundle.path, len(bundle.certificate_blocks), tuple(findings), inventory)


#: Bundles of at most this many certificate blocks may be linted together
#: (:func:`lint_together`): a hook's files. Below :data:`~mtls_lint.trust_graph.PARALLEL_FROM`,
#: so no thread or child checks their signatures ahead: their links are walked as the rules
#: ask, and what a rule finds in one does not depend on what ran on the others in between.
TOGETHER_UP_TO = 64
#: And of at most this many bytes: a caller reading a batch of files to lint together holds
#: them all at once (:data:`~mtls_lint.cli.check.FILES_TOGETHER`).
TOGETHER_BYTES = 512 * 1024


def lints_together(bundle: Bundle) -> bool:
    """Whether ``bundle`` is small enough to be linted with others (:func:`lint_together`)."""
    return len(bundle.certificate_blocks) <= TOGETHER_UP_TO and bundle.size <= TOGETHER_BYTES


def lint_together(bundles: Sequence[tuple[Bundle, LintSettings]]) -> list[FileResult]:
    """``[lint_bundle(b, s) for b, s in bundles]``, the same results, for small bundles: all
    are parsed, then each rule runs over each of them in turn, rule after rule. One bundle
    after another, the parse and 40 rules take turns on the CPU for every small file, and
    each finds little of what it needs still in the CPU's caches: over the hook's 200 files
    the run took 0.92x the time linted 16 files together (30 alternating runs).

    A larger bundle (:func:`lints_together`) is linted on its own (:func:`lint_bundle`), and
    the small ones before it first, so that its parse is never held beside theirs. The
    parses are left together (:mod:`mtls_lint.leftovers`)."""
    results: list[FileResult] = []
    small: list[tuple[Bundle, LintSettings]] = []
    for bundle, settings in bundles:
        if lints_together(bundle):
            small.append((bundle, settings))
            continue
        results += _lint_small(small)
        small = []
        results.append(lint_bundle(bundle, settings))
    return results + _lint_small(small)


def _lint_small(bundles: Sequence[tuple[Bundle, LintSettings]]) -> list[FileResult]:
    """:func:`lint_together` of bundles of at most :data:`TOGETHER_UP_TO` certificates."""
    if not bundles:
        return []
    leftovers.let_go()  # a large bundle's parse, linted before these
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as lint_bundle
        contexts = [
            (_context(ParsedBundle(bundle, links=_reads_links(settings)), settings), settings)
            for bundle, settings in bundles
        ]
        leftovers.leave([ctx.parsed for ctx, _ in contexts])
        found: list[dict[str, list[Finding]]] = [{} for _ in contexts]
        for rule_id, rule in RULES.items():
            if rule.target != "bundle":
                continue
            for (ctx, settings), by_rule in zip(contexts, found, strict=True):
                setting = settings.rules.get(rule_id)
                if setting is not None:
                    by_rule[rule_id] = _run_rule(ctx, rule, setting)
        return [
            _result(ctx, settings, [f for r in settings.rules for f in by_rule.get(r, ())])
            for (ctx, settings), by_rule in zip(contexts, found, strict=True)
        ]


def lint_revocation(bundle: Bundle, revocation: Revocation, settings: LintSettings) -> FileResult:
    """Run the enabled revocation-list rules over a file of CRLs (:mod:`mtls_lint.crl`)."""
    parsed = ParsedBundle(bundle)
    ctx = _context(parsed, settings, revocation)
    findings = _lint(ctx, settings)
    findings.sort(key=Finding.sort_key)
    return FileResult(bundle.path, 0, tuple(findings), ())


def _lint(ctx: LintContext, settings: LintSettings) -> list[Finding]:
    """The findings of the enabled rules, in rule order. Where a rule reads issuer links,
    the signatures of a large bundle are checked on another core while the rules run on
    links that take them as verified (:meth:`~mtls_lint.trust_graph.TrustGraph.speculate`);
    if one is not, the rules that read links run again on links walked with every answer,
    and the others keep what they found: the findings are always the serial run's."""
    by_rule: dict[str, list[Finding]] = {}
    links = ctx.revocation is None and _reads_links(settings)
    graph = ctx.parsed.graph if links else None
    if graph is None or not graph.speculate():  # (which starts threads where they pay)
        _run_rules(ctx, settings, by_rule)
        return [f for found in by_rule.values() for f in found]
    try:
        _run_rules(ctx, settings, by_rule)
        held = graph.confirm()
    except Mispredicted:  # the child found a bad signature while the rules ran
        graph.settle()
        held = False
    finally:
        graph.abandon()  # ^C, or a rule that raised past its guard: no child left behind
    if not held:
        ctx.parsed.relink()
        for rule_id in [r for r in by_rule if RULES[r].links]:
            del by_rule[rule_id]
        _run_rules(ctx, settings, by_rule)  # those, and the rules the walk stopped before
    return [f for rule_id in settings.rules for f in by_rule.get(rule_id, ())]


def _reads_links(settings: LintSettings) -> bool:
    """Whether an enabled rule reads issuer links (``links=True``)."""
    return any(RULES[rule_id].links for rule_id in settings.rules)


def _run_rules(ctx: LintContext, settings: LintSettings, by_rule: dict[str, list[Finding]]) -> None:
    """Run each enabled rule of ``ctx``'s target not in ``by_rule`` yet, in rule order, and
    put its findings there as it finishes."""
    target = "bundle" if ctx.revocation is None else "revocation"
    for rule_id, setting in settings.rules.items():
        rule = RULES[rule_id]
        if rule.target == target and rule_id not in by_rule:
            by_rule[rule_id] = _run_rule(ctx, rule, setting)


def _run_rule(ctx: LintContext, rule: Rule, setting: RuleSetting) -> list[Finding]:
    """The findings of ``rule`` on ``ctx``'s target: at most
    :data:`MAX_FINDINGS_PER_RULE` listed, the rest counted in one more."""
    bundle = ctx.bundle
    findings: list[Finding] = []
    listed = 0
    unlisted: Problem | None = None
    unlisted_count = 0
    for problem in rule.run(ctx, setting.options):
        if isinstance(problem, Crash):
            findings.append(_crash_finding(rule, setting, bundle, problem))
        elif listed >= MAX_FINDINGS_PER_RULE:  # counted: its message is never made
            unlisted = unlisted or problem
            unlisted_count += 1
        else:
            listed += 1
            findings.append(_finding(rule, setting, bundle, problem))
    if unlisted is not None:
        findings.append(_finding(rule, setting, bundle, unlisted, unlisted_count))
    return findings


def _finding(
    rule: Rule, setting: RuleSetting, bundle: Bundle, problem: Problem, unlisted: int = 0
) -> Finding:
    """The finding of ``problem``, or, with ``unlisted``, of that many problems past the cap,
    at the first of them. If the message, made only now (:data:`~mtls_lint.rule.Message`),
    raises, the rule's crash on its certificate, as if the check itself had raised."""
    try:
        message = problem.text
    except Exception as exc:  # noqa: BLE001 - the point is to contain any bug in a rule
        return _crash_finding(rule, setting, bundle, Crash(exc, problem.certificate))
    if unlisted:
        message = (
            f"{unlisted} more {rule.id} findings in this file are not listed (at most "
            f"{MAX_FINDINGS_PER_RULE} per rule and file); the first is: {message}"
        )
    ref = _ref(problem.certificate) if problem.certificate is not None else None
    return Finding(
        rule=rule.id,
        severity=setting.severity,
        path=bundle.path,
        line=problem.line,
        end_line=max(problem.end_line, problem.line),
        message=message,
        certificate=ref,
    )


#: Kept of an exception's text in a finding: it may quote a pull request's bytes at length.
MAX_CRASH_TEXT = 200


def _crash_finding(rule: Rule, setting: RuleSetting, bundle: Bundle, crash: Crash) -> Finding:
    """A rule that crashed says so at its own severity: a bug in a notice never fails a run
    that ``--fail-on error`` would pass, and a bug in an error rule never passes one."""
    exc, cert = crash.error, crash.certificate
    where = f" on certificate #{cert.index}" if cert is not None else ""
    text = str(exc)
    if len(text) > MAX_CRASH_TEXT:
        text = text[: MAX_CRASH_TEXT - 1] + "…"
    return Finding(
        rule=rule.id,
        severity=setting.severity,
        path=bundle.path,
        line=cert.block.begin_line if cert is not None else 1,
        end_line=cert.block.end_line if cert is not None else 1,
        message=(
            f"internal error in rule {rule.id}{where}: {type(exc).__name__}: {text}; the other "
            "rules ran. Please report this with the certificate's SHA-256."
        ),
        certificate=_ref(cert) if cert is not None else None,
    )


def _ref(cert: CertificateFacts) -> CertificateRef:
    try:
        return cert.ref()
    except Exception:  # noqa: BLE001 - an unreadable field must not lose the finding
        return CertificateRef(cert.index, cert.sha256, "<unreadable>", "<unreadable>", "", "")
