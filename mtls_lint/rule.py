"""What a rule is, and what it is given.

A rule is a function decorated with :func:`file_rule` or :func:`certificate_rule`. Its
docstring is its documentation (``mtls-lint explain`` prints it); the decorator records its id,
one-line summary, severity per profile, citation and options. A rule yields :class:`Problem`s;
it knows nothing about severities in force, waivers or output formats.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from mtls_lint.findings import EMPTY, Severity
from mtls_lint.profiles import PROFILES, Profile

if TYPE_CHECKING:  # cryptography is imported only to lint: `rules` and `explain` skip it
    from mtls_lint.bundle import PemBlock
    from mtls_lint.certificate import CertificateFacts, ParsedCertificate
    from mtls_lint.crl import RevocationFile, TrustedCA
    from mtls_lint.lenient import LenientCertificate
    from mtls_lint.parsed_bundle import ParsedBundle
    from mtls_lint.trust_graph import TrustGraph

Options = Mapping[str, Any]


#: A problem's message: the text, or a function that makes it. A rule that may fire for each
#: of thousands of certificates gives the function where the text costs more than the check
#: (a name decoded to be quoted): only the findings that are listed
#: (:data:`~mtls_lint.engine.MAX_FINDINGS_PER_RULE` a rule and file) pay for their text.
Message = str | Callable[[], str]


class Problem(NamedTuple):
    message: Message
    line: int
    end_line: int
    certificate: "CertificateFacts | None" = None

    @property
    def text(self) -> str:
        """The message, made now if it was given as a function."""
        return self.message if isinstance(self.message, str) else self.message()


def about(cert: "CertificateFacts", message: Message) -> Problem:
    """A problem with a certificate, located at its block."""
    return Problem(message, cert.block.begin_line, cert.block.end_line, cert)


def at_block(block: "PemBlock", message: str) -> Problem:
    return Problem(message, block.begin_line, block.end_line)


def describe(cert: "CertificateFacts") -> str:
    """How messages name a certificate: ``certificate #2 (line 31)``."""
    return f"certificate #{cert.index} (line {cert.block.begin_line})"


class Revocation(NamedTuple):
    """A revocation-list file, and what it is judged against: the CA certificates of the
    trust store(s) of the run, and the lists and entries of every list file of the run (the
    quotas count per trust store)."""

    file: "RevocationFile"
    trusted: "tuple[TrustedCA, ...]"
    lists_in_run: int
    entries_in_run: int


class LintContext:
    """One parsed bundle, or a revocation-list file, with the settings of the run."""

    def __init__(
        self,
        parsed: "ParsedBundle",
        profile: Profile,
        now: dt.datetime,
        expiry_days: int,
        revocation: Revocation | None = None,
    ) -> None:
        self.revocation = revocation
        self.parsed = parsed
        self.bundle = parsed.bundle
        self.profile = profile
        self.now = now
        self.expiry_days = expiry_days
        self.certificates = parsed.certificates
        self.unparsable = parsed.unparsable

    @property
    def leniently_read(self) -> "list[LenientCertificate]":
        """The unparsable certificates whose fields could be read all the same."""
        return self.parsed.leniently_read

    @property
    def graph(self) -> "TrustGraph":
        return self.parsed.graph


FileCheck = Callable[[LintContext, Options], Iterable[Problem]]
CertificateCheck = Callable[[LintContext, "ParsedCertificate", Options], Iterable[Problem]]
#: The check of a rule declared with ``facts=True``.
FactsCheck = Callable[[LintContext, "CertificateFacts", Options], Iterable[Problem]]


class Rule(NamedTuple):
    id: str
    summary: str
    #: Default severity per profile name; None means off by default.
    severity: Mapping[str, Severity | None]
    citation: str
    #: The check function's docstring: what ``mtls-lint explain`` prints.
    docstring: str
    file_check: FileCheck | None = None
    certificate_check: CertificateCheck | None = None
    #: Option name -> type, and defaults (yamllint's CONF and DEFAULT).
    options: Mapping[str, type] = EMPTY
    defaults: Options = EMPTY
    #: Also run on the certificates only the lenient reader could read (the check reads
    #: :class:`CertificateFacts` only).
    facts: bool = False
    #: What the rule lints: CA bundles, or revocation-list files (``ctx.revocation``).
    target: str = "bundle"
    #: The check reads issuer links (``ctx.graph``): the engine starts checking signatures
    #: ahead, on every core, before the first rule runs.
    links: bool = False

    @property
    def doc(self) -> str:
        import inspect  # only `explain` needs it; the hook's start-up time does not

        return inspect.cleandoc(self.docstring)

    def run(self, ctx: LintContext, options: Options) -> "Iterator[Problem | Crash]":
        """Yield problems; a crash yields a :class:`Crash` and, per certificate, moves on.

        The engine turns a crash into a finding, so one rule's bug never loses the report.
        """
        if self.file_check is not None:
            yield from _guard(partial(self.file_check, ctx, options), None)
        check = self.certificate_check
        if check is None:
            return
        # inlined rather than through _guard: this loop runs rules x certificates times
        for cert in ctx.certificates:
            try:
                yield from check(ctx, cert, options)
            except Exception as exc:  # noqa: BLE001 - the point is to contain any bug in a rule
                yield Crash(exc, cert)
        if self.facts:
            facts_check = cast(FactsCheck, check)
            for lenient in ctx.leniently_read:
                yield from _guard(partial(facts_check, ctx, lenient, options), lenient)


class Crash(NamedTuple):
    """An exception raised inside a rule, and the certificate it was checking."""

    error: Exception
    certificate: "CertificateFacts | None"


def _guard(
    call: Callable[[], Iterable[Problem]], cert: "CertificateFacts | None"
) -> Iterator[Problem | Crash]:
    try:
        yield from call()
    except Exception as exc:  # noqa: BLE001 - the point is to contain any bug in a rule
        yield Crash(exc, cert)


Declare = Callable[[Callable[..., Iterable[Problem]]], Rule]


def _declarer(kind: str, doc: str) -> Callable[..., Declare]:
    """Make a rule decorator whose check is stored as ``kind`` (one signature for both)."""

    def declare(
        rule_id: str,
        summary: str,
        *,
        severity: Severity | Mapping[str, Severity | None] | None,
        citation: str,
        options: Mapping[str, type] | None = None,
        defaults: Options | None = None,
        facts: bool = False,
        target: str = "bundle",
        links: bool = False,
    ) -> Declare:
        """``severity``: one for every profile, or a mapping naming each profile's. ``facts``:
        the check reads only :class:`CertificateFacts`, so it runs on leniently read
        certificates too. ``links``: the check reads ``ctx.graph``."""
        by_profile = _by_profile(rule_id, severity)

        def decorate(function: Callable[..., Iterable[Problem]]) -> Rule:
            return Rule(
                id=rule_id,
                summary=summary,
                severity=by_profile,
                citation=citation,
                docstring=function.__doc__ or "",
                options=dict(options or {}),
                defaults=dict(defaults or {}),
                facts=facts,
                target=target,
                links=links,
                **{kind: function},
            )

        return decorate

    declare.__doc__ = doc
    return declare


file_rule = _declarer(
    "file_check", "Declare a rule that looks at the whole file: ``check(ctx, options)``."
)
revocation_rule = partial(
    _declarer(
        "file_check",
        "Declare a rule about a revocation-list file: ``check(ctx, options)``, with "
        "``ctx.revocation`` set.",
    ),
    target="revocation",
)
certificate_rule = _declarer(
    "certificate_check",
    "Declare a rule called once per parsed certificate: ``check(ctx, cert, options)``.",
)


def _by_profile(
    rule_id: str, severity: Severity | Mapping[str, Severity | None] | None
) -> dict[str, Severity | None]:
    if severity is None or isinstance(severity, Severity):
        return dict.fromkeys(PROFILES, severity)
    if set(severity) != set(PROFILES):  # a new service must be given a severity everywhere
        raise ValueError(f"{rule_id}: severities for {sorted(severity)}, not {sorted(PROFILES)}")
    return {name: severity[name] for name in PROFILES}


def config_rule(
    rule_id: str, summary: str, *, severity: Severity | None, citation: str
) -> Callable[[Callable[..., Any]], Rule]:
    """Declare a rule about the config file itself; findings come from applying waivers.

    The decorated function holds only the documentation.
    """

    def decorate(function: Callable[..., Any]) -> Rule:
        return Rule(rule_id, summary, _by_profile(rule_id, severity), citation,
                    function.__doc__ or "")  # fmt: skip

    return decorate
