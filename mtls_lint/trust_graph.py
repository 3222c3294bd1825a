"""Who issued whom inside one bundle.

Issuers are found through indexes by subject name and key identifier, never by trying every
pair, at most MAX_CANDIDATES per certificate, and every walk up a chain is iterative and
memoised, so a bundle of N certificates costs O(N) signature checks (thousands of copies of
one certificate, or of one name, included) and a 10,000-link chain cannot exhaust the stack.
"""

import enum
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from cryptography.exceptions import UnsupportedAlgorithm

from mtls_lint.certificate import ParsedCertificate
from mtls_lint.forked import Background, share_out
from mtls_lint.forked import cpus as _cpus
from mtls_lint.names import Canonical
from mtls_lint.signatures import VERIFIED, SignatureCheck, check_signature

if TYPE_CHECKING:
    import queue
    import threading

    from cryptography import x509

    from mtls_lint.bundle import PemBlock

T = TypeVar("T")

#: Same-name certificates tried as one certificate's issuer. A CA rollover leaves two or three;
#: a hostile bundle of thousands that verify nothing would otherwise cost a check per pair.
MAX_CANDIDATES = 8
#: Signature checks a bundle may spend on issuer candidates beyond each certificate's first:
#: this many per certificate, and never fewer than FLOOR. A legitimate bundle needs about one
#: check per certificate; 9,000 same-name certificates that verify nothing would take eight
#: each (3.7 times a bundle of their size). Past the budget, only the first candidate -- the
#: certificate itself, or the one its key identifier names -- is tried, and the finding says
#: how many were not.
EXTRA_CHECKS_PER_CERTIFICATE = 1
EXTRA_CHECKS_FLOOR = 256
#: Distinct certificates from which the first issuer checks are spread over every core: below
#: it, threads cost more than they save. Measured as fresh `check` runs on two CPUs, 60
#: alternating pairs each (the median of the pairs' ratios, threads against none): the
#: Mozilla bundle's 117 roots (RSA-4096 and P-384 among them) 0.94x, the synthetic
#: 100-certificate bundle 1.01x. (With concurrent.futures, before plain threads, Mozilla's
#: bundle was slower on threads: 315 against 296 ms.)
PARALLEL_FROM = 100
#: Distinct certificates from which the engine walks the links ahead of a forked child that
#: checks their signatures (:meth:`TrustGraph.speculate`). After the fork, each page either
#: process writes is copied first (reference counts are writes): a bundle of a few hundred
#: certificates pays more in copies than the checks take.
SPECULATE_FROM = 1000
#: And up to which it does with a child forked after the parse (:meth:`Checker.of_certificates`:
#: a graph not built by the engine), since the two processes then hold nearly two copies of
#: the parsed bundle while the rules run (100,000 certificates: 856 MB between them, against
#: 564 MB on threads and 545 MB for the baseline). A child forked before the parse
#: (:meth:`Checker.of_blocks`) shares only the blocks and holds the issuers' keys: at 100,000,
#: 756 MB between the two processes, the parent 583 MB of it.
SPECULATE_UP_TO = 20_000


class LinkStatus(enum.Enum):
    SELF_SIGNED = "self-signed"
    ISSUED = "issued"  # signed by another certificate of the bundle
    MISSING = "missing"  # no certificate with the issuer's name
    BAD_SIGNATURE = "bad-signature"  # certificates with the name, none verifies
    #: The algorithm cannot be checked (MD2, unknown); matched by name and key identifier only.
    UNCHECKED = "unchecked"


class IssuerLink(NamedTuple):
    status: LinkStatus
    issuer: ParsedCertificate | None = None
    candidates: tuple[ParsedCertificate, ...] = ()
    reason: str = ""
    #: Distinct certificates with the issuer's name beyond the MAX_CANDIDATES tried.
    untried: int = 0


class PathLengthViolation(NamedTuple):
    #: The CA whose pathLenConstraint is exceeded.
    constrained: ParsedCertificate
    path_length: int


class _Bucket:
    """The distinct certificates of one subject name: all of them, and an index by subject
    key identifier (with those that have none) built when a bucket of several is first
    filtered -- so filtering never scans a bucket, and the many names that have one
    certificate keep no index."""

    __slots__ = ("_index", "all")

    def __init__(self) -> None:
        self.all: list[ParsedCertificate] = []
        #: (by key identifier, without one), built when first asked (:meth:`_indexed`).
        self._index: tuple[dict[bytes, list[ParsedCertificate]], list[ParsedCertificate]] | None
        self._index = None

    def add(self, cert: ParsedCertificate) -> None:
        self.all.append(cert)
        self._index = None

    @property
    def by_key_id(self) -> dict[bytes, list[ParsedCertificate]]:
        return self._indexed()[0]

    def _indexed(self) -> tuple[dict[bytes, list[ParsedCertificate]], list[ParsedCertificate]]:
        if self._index is None:
            by_key_id: dict[bytes, list[ParsedCertificate]] = {}
            without: list[ParsedCertificate] = []
            for cert in self.all:
                if cert.subject_key_id is None:
                    without.append(cert)
                else:
                    by_key_id.setdefault(cert.subject_key_id, []).append(cert)
            self._index = by_key_id, without
        return self._index

    def eligible(self, aki: bytes | None) -> tuple[list[ParsedCertificate], ...]:
        """The lists a certificate with authority key identifier ``aki`` may take its issuer
        from, in order: with an AKI, the CAs of that key id and those without one (as
        OpenSSL's ``X509_check_issued``); without one, all of them."""
        if aki is None:
            return (self.all,)
        if len(self.all) == 1:
            key_id = self.all[0].subject_key_id
            if key_id is None:
                return ([], self.all)
            return (self.all if key_id == aki else [], [])
        by_key_id, without = self._indexed()
        return (by_key_id.get(aki, []), without)


_EMPTY_BUCKET = _Bucket()  # shared, never written


#: Signature verdicts by (certificate, candidate issuer) SHA-256: what :func:`check_link`
#: answered. Both are named by their bytes, so a verdict holds in any bundle holding both.
Verdicts = dict[tuple[str, str], tuple[SignatureCheck, str]]
_Pair = tuple[str, str]
#: A signature to check: the certificate, its candidate issuer, and the issuer's key.
_Check = tuple[ParsedCertificate, ParsedCertificate, object]
#: The links a speculating walk took as signed (:meth:`TrustGraph.speculate`), by pair: the
#: certificate and the issuer.
_Assumed = dict[_Pair, tuple[ParsedCertificate, ParsedCertificate]]


class TrustGraph:
    def __init__(
        self,
        certificates: Iterable[ParsedCertificate],
        verdicts: Verdicts | None = None,
        checker: "Checker | None" = None,
    ) -> None:
        """``verdicts``: shared with other graphs (``diff``'s two sides), so a link both
        sides hold is checked once. ``checker``: a child started while the certificates
        were parsed (:meth:`Checker.of_blocks`), that :meth:`speculate` sends the rest to."""
        self.certificates = list(certificates)
        self._verdicts: Verdicts = {} if verdicts is None else verdicts
        self._by_subject: dict[bytes, list[ParsedCertificate]] = {}
        # issuer candidates: the first copy of each certificate, by name and by key identifier
        self._distinct: dict[str, ParsedCertificate] = {}
        self._issuers: dict[bytes, _Bucket] = {}
        for cert in self.certificates:
            self._by_subject.setdefault(cert.subject_der, []).append(cert)
            if cert.sha256 in self._distinct:
                continue
            self._distinct[cert.sha256] = cert
            self._issuers.setdefault(cert.subject_der, _Bucket()).add(cert)
        #: The same candidates by canonical name, built at the first issuer name that matches
        #: no subject byte for byte: most bundles never pay for it.
        self._issuers_by_canon: dict[Canonical, _Bucket] | None = None
        self._extra_checks = max(
            EXTRA_CHECKS_FLOOR, EXTRA_CHECKS_PER_CERTIFICATE * len(self.certificates)
        )
        self._links: dict[int, IssuerLink] = {}
        self._depth: dict[int, int] = {}
        self._allowance: dict[int, tuple[float, ParsedCertificate | None]] = {}
        self._violations: dict[int, PathLengthViolation] = {}
        self._issued_something: set[str] | None = None
        #: Signature checks made ahead, on every core (:meth:`check_ahead`): each answer is
        #: taken once, where the serial walk would make the check.
        self._ahead: _Ahead | None = None
        self._checking_ahead = False
        #: Each distinct certificate's candidates, found by :meth:`check_ahead` (by SHA-256).
        self._candidates: dict[str, list[ParsedCertificate]] = {}
        #: While the walk goes ahead of a forked child (:meth:`speculate`): the links taken
        #: as signed, and the child checking them.
        self._assumed: _Assumed | None = None
        self._checker = checker
        #: Each first pair's place in the order the child checks them.
        self._order: dict[_Pair, int] = {}
        #: What the child said so far: it answered the pairs up to this place in its order,
        #: and these are its answers other than VERIFIED (of first pairs).
        self._done_to = -1
        self._failed: Verdicts = {}
        self._unheard = 0  # links taken as signed since the child was last heard

    def with_subject(self, subject_der: bytes) -> list[ParsedCertificate]:
        return self._by_subject.get(subject_der, [])

    def link(self, cert: ParsedCertificate) -> IssuerLink:
        key = id(cert)
        if key not in self._links:
            self.check_ahead()
            self._links[key] = self._find_issuer(cert)
        return self._links[key]

    def check_ahead(self) -> None:
        """Start checking the signature of each distinct certificate with its first issuer
        candidate on a thread per CPU (``cryptography`` releases the GIL while it verifies),
        for a bundle large enough to pay for the threads, and return once the checks are
        handed out (finding the candidates is the caller's): the caller goes on (with rules
        that need no links, say) while the threads work through the bundle in order. Only
        signatures are checked there; the walk that decides links stays serial and in
        order, and takes each answer where the serial walk would have checked it, so the
        findings are the serial run's. Called again, it does nothing."""
        if self._checking_ahead:
            return
        self._checking_ahead = True
        self._stop_child()  # one started while parsing, for a walk that does not speculate
        workers = _cpus()
        distinct = list(self._distinct.values())
        if workers < 2 or len(distinct) < PARALLEL_FROM:
            return
        self._ahead = _Ahead(workers, self._first_pairs(distinct))

    def speculate(self) -> bool:
        """For a caller that calls :meth:`confirm` once it is done with the links (the
        engine, after its rules): check the signature of each distinct certificate with its
        first issuer candidate in a forked child (:class:`Checker`), in bundle order, and
        meanwhile walk the links as if each of those signatures verified -- which, in a real
        bundle, nearly all do. The walk never waits for a check, and the child checks beside
        all of the caller's Python, not only beside the rules that need no links (threads
        cannot: each verify waits out the GIL's switch interval while the walk runs Python).
        Returns whether a child checks. A child started while the bundle was parsed is sent
        the first pairs it was not sent yet; else one is forked now, unless forking is
        unsafe or fails, or the bundle is too small to pay for a fork or too large to hold
        twice (:data:`SPECULATE_UP_TO`), and then :meth:`check_ahead` decides instead."""
        if self._checking_ahead:
            return False
        distinct = list(self._distinct.values())
        checker = self._checker
        if checker is None and _cpus() >= 2 and SPECULATE_FROM <= len(distinct) <= SPECULATE_UP_TO:
            checker = Checker.of_certificates(distinct)
        if checker is None:  # too few or too many, one CPU, or no child could be forked
            self.check_ahead()
            return False
        self._checking_ahead = True
        self._checker = checker
        for cert, issuer, _ in self._first_pairs(distinct):
            self._order[cert.sha256, issuer.sha256] = checker.send(cert, issuer)
        checker.sent_all()
        self._assumed = {}
        return True

    def _assume(
        self, cert: ParsedCertificate, issuer: ParsedCertificate
    ) -> tuple[SignatureCheck, str] | None:
        """While speculating: :data:`VERIFIED` for a pair whose signature a check would
        decide (the key is readable and its exponent usual: see :func:`check_link`),
        remembered for :meth:`confirm`; else None, and the caller checks it now."""
        if self._assumed is None or _checkable_key(issuer) is None:
            return None
        self._unheard += 1
        if self._unheard == HEAR_EVERY:
            self._unheard = 0
            self._hear()
            if self._failed:  # a link will be found unsigned: the walk so far is no good
                raise Mispredicted
        self._assumed[cert.sha256, issuer.sha256] = (cert, issuer)
        return VERIFIED

    def _hear(self) -> None:
        """Take what the child has said since it was last heard, without waiting: of its
        answers other than :data:`VERIFIED`, those of first pairs (a pair the child was sent
        while the bundle was parsed may have turned out to be none)."""
        checker = self._checker
        if checker is None:
            return
        for done_to, failed in checker.poll():
            self._done_to = done_to
            for at, answer in failed.items():
                pair = checker.pairs[at]
                if self._order.get(pair) == at:
                    self._failed[pair] = answer

    def confirm(self) -> bool:
        """After :meth:`speculate`: check every pair taken as signed (:meth:`_answers`) and
        remember each answer as its pair's verdict. True when every link the walk took as
        signed is signed, or nothing was assumed; else the links walked are wrong, and the
        caller walks them again on a fresh graph (:meth:`relinked`), which has every
        answer."""
        assumed = self._assumed
        if assumed is None:
            return True
        try:
            answers, crashed = self._answers(assumed)
        finally:
            self._stop_child()
        self._assumed = None
        for pair in crashed:
            del self._verdicts[pair]  # checked again where a rule asks, as serially
        for pair, answer in answers.items():  # the rest: the verdict the walk took
            cert, issuer = assumed[pair]
            self._verdicts[pair] = check_link(cert, issuer, answer)
        return not crashed and not answers

    def settle(self) -> None:
        """After the walk raised :class:`Mispredicted`: forget every link taken as signed,
        check the first issuer candidate of every distinct certificate (:meth:`_answers`:
        the child goes on from where it got), and remember each verdict, so that the next
        walk (:meth:`relinked`) checks only what is left."""
        self._forget()
        distinct = list(self._distinct.values())
        todo = {(c.sha256, i.sha256): (c, i) for c, i, _ in self._first_pairs(distinct)}
        try:
            answers, crashed = self._answers(todo)
        finally:
            self._stop_child()
        known: dict[tuple[str, bytes | str], tuple[SignatureCheck, str]] = {}
        for pair, (cert, issuer) in todo.items():
            if pair not in crashed:  # else checked again where a rule asks, as serially
                answer = answers.get(pair, VERIFIED)
                self._verdicts[pair] = check_link(cert, issuer, answer)
                known[_signer(cert, issuer)] = answer
        # where first candidates fail, the walk tries further ones, serially: check those
        # now, on every core, each certificate once per distinct issuer key (same-name CAs
        # re-issued with one key need one answer)
        further = self._further_pairs()
        unknown: dict[tuple[str, bytes | str], _Check] = {}
        for cert, issuer, key in further:
            signer = _signer(cert, issuer)
            if signer not in known:
                unknown.setdefault(signer, (cert, issuer, key))
        checked = share_out(list(unknown.values()), _check_one, _cpus())
        known.update(zip(unknown, checked, strict=True))
        for cert, issuer, _ in further:
            verdict = check_link(cert, issuer, known[_signer(cert, issuer)])
            self._verdicts[cert.sha256, issuer.sha256] = verdict

    def _further_pairs(self) -> list[_Check]:
        """The pairs past each certificate's first candidate that a walk may check, with
        the budget it has for them (:data:`EXTRA_CHECKS_PER_CERTIFICATE`), certificate by
        certificate in bundle order, as if every one failed: the walk stops at one that
        verifies, and may walk in another order, so these are the pairs it most likely
        checks (one it checks that is not here, it checks itself)."""
        budget = self._extra_checks
        pairs: list[_Check] = []
        for cert in self._distinct.values():
            candidates = self._candidates.get(cert.sha256) or self.candidates(cert)
            first = self._verdicts.get((cert.sha256, candidates[0].sha256)) if candidates else None
            if first is None or first[0] is SignatureCheck.VALID:
                continue
            for candidate in candidates[1:]:
                if budget <= 0:
                    return pairs
                budget -= 1
                if (cert.sha256, candidate.sha256) in self._verdicts:
                    continue
                key = _checkable_key(candidate)
                if key is not None:  # else check_link says why, serially
                    pairs.append((cert, candidate, key))
        return pairs

    def _answers(self, todo: "_Assumed") -> tuple[Verdicts, set[_Pair]]:
        """:func:`check_signature` of each pair of ``todo``: the answers other than
        :data:`VERIFIED` (the rest verify), and the pairs whose check raised.

        The parent checks the pairs the child was never sent (no first pairs), in order, then
        the others from the last place of the child's order down, while the child goes on
        up, until they meet, so neither waits for the other; the child's answers are those
        of the first pairs up to where it got. The pairs the child answered, nearly all of
        them, are only looked up here (is it one the child was sent?), never sorted nor
        checked again: at 100,000 certificates, sorting and walking them all took 200 ms
        once the child was done."""
        order = self._order
        sent = self._checker.pairs if self._checker is not None else []

        def mine() -> Iterator[tuple[float, _Pair]]:
            """The pairs for the parent, each with its place in the child's order."""
            for pair in todo:
                if pair not in order:  # a pair past the first: the child never checks it
                    yield math.inf, pair
            place = len(sent) - 1
            while place > self._done_to:  # the child's order, from the top
                pair = sent[place]
                if order.get(pair) == place and pair in todo:  # a first pair the walk took
                    yield place, pair
                place -= 1

        answers: Verdicts = {}
        crashed: set[_Pair] = set()
        checked: set[_Pair] = set()
        for done, (at, pair) in enumerate(mine()):
            if done % 8 == 0:
                self._hear()
            if at <= self._done_to:
                break
            checked.add(pair)
            cert, issuer = todo[pair]
            try:
                answer = check_signature(cert.cert, issuer.public_key)
            except Exception:  # noqa: BLE001 - a bug: walked again, it is the rule's crash
                crashed.add(pair)
                continue
            if answer != VERIFIED:
                answers[pair] = answer
        for pair, answer in self._failed.items():  # the child's: first pairs, to where it got
            if pair in todo and pair not in checked:
                answers[pair] = answer
        return answers, crashed

    def abandon(self) -> None:
        """After :meth:`speculate`, when neither :meth:`confirm` nor :meth:`settle` ran
        (the caller raised): forget every link taken as signed, and stop the child."""
        self._forget()
        self._stop_child()

    def _forget(self) -> None:
        for pair in self._assumed or ():
            del self._verdicts[pair]  # never confirmed: a verdict shared with diff's other side
        self._assumed = None

    def _stop_child(self) -> None:
        """Kill and reap the child of :meth:`speculate`, done or not."""
        if self._checker is not None:
            self._checker.cancel()
            self._checker = None
        self._order = {}

    def relinked(self) -> "TrustGraph":
        """A fresh graph over the same certificates, with every verdict this one learnt."""
        return TrustGraph(self.certificates, self._verdicts)

    def _first_pairs(self, distinct: list[ParsedCertificate]) -> "Iterator[_Check]":
        """(certificate, first candidate, its key) for each certificate whose first check is
        still to make. Keys are read here, in the caller's thread: no worker computes a
        cached property."""
        for cert in distinct:
            candidates = self._candidates[cert.sha256] = self.candidates(cert)
            if not candidates or (cert.sha256, candidates[0].sha256) in self._verdicts:
                continue
            key = _checkable_key(candidates[0])
            if key is not None:  # else check_link says why, serially
                yield cert, candidates[0], key

    def checked(
        self, cert: ParsedCertificate, issuer: ParsedCertificate
    ) -> tuple[SignatureCheck, str]:
        """:func:`check_link` of ``cert`` and ``issuer`` (either may be from outside the
        bundle), remembered by their SHA-256: a pair is checked once, or taken from the
        checks made ahead."""
        pair = (cert.sha256, issuer.sha256)
        verdict = self._verdicts.get(pair)
        if verdict is None:
            verdict = self._assume(cert, issuer) if self._assumed is not None else None
            if verdict is None:
                ahead = self._ahead.get(pair) if self._ahead is not None else None
                verdict = check_link(cert, issuer, ahead)
            self._verdicts[pair] = verdict
        return verdict

    def is_self_signed(self, cert: ParsedCertificate) -> bool:
        link = self.link(cert)
        return link.issuer is not None and link.issuer.sha256 == cert.sha256

    def parent(self, cert: ParsedCertificate) -> ParsedCertificate | None:
        """The issuer within the bundle, or None at a root, a missing or a broken link."""
        link = self.link(cert)
        if link.issuer is None or link.issuer.sha256 == cert.sha256:
            return None
        return link.issuer

    def issued_something(self, cert: ParsedCertificate) -> bool:
        """Whether ``cert`` is the parent of another certificate of the bundle."""
        if self._issued_something is None:
            parents = (self.parent(c) for c in self.certificates)
            self._issued_something = {p.sha256 for p in parents if p is not None}
        return cert.sha256 in self._issued_something

    def ca_depth(self, cert: ParsedCertificate) -> int:
        """CA certificates on the path from ``cert`` up to its top, both ends included."""

        def step(node: ParsedCertificate, above: int | None) -> int:
            return (above or 0) + (1 if node.is_ca else 0)

        return self._fold_up(cert, self._depth, step)

    def path_length_violation(self, cert: ParsedCertificate) -> PathLengthViolation | None:
        """The first pathLenConstraint above ``cert`` that ``cert`` (a CA) exceeds."""
        self._fold_up(cert, self._allowance, lambda n, a: self._allow(n, a))
        return self._violations.get(id(cert))

    def _allow(
        self, node: ParsedCertificate, above: tuple[float, ParsedCertificate | None] | None
    ) -> tuple[float, ParsedCertificate | None]:
        # (intermediate CAs still allowed below node, the CA whose constraint sets that number)
        allowed, source = above if above is not None else (math.inf, None)
        if above is not None and node.is_ca and not node.is_self_issued:
            allowed -= 1
            if allowed < 0 and source is not None:
                self._violations[id(node)] = PathLengthViolation(source, source.path_length or 0)
                allowed, source = math.inf, None  # report a branch once, at its first excess
        if node.path_length is not None and node.path_length < allowed:
            allowed, source = node.path_length, node
        return allowed, source

    def _fold_up(
        self,
        cert: ParsedCertificate,
        memo: dict[int, T],
        step: Callable[[ParsedCertificate, T | None], T],
    ) -> T:
        """Compute ``step(node, value_of_parent)`` from the top of ``cert``'s path down."""
        stack: list[ParsedCertificate] = []
        seen: set[int] = set()
        node: ParsedCertificate | None = cert
        while node is not None and id(node) not in memo and id(node) not in seen:
            seen.add(id(node))
            stack.append(node)
            node = self.parent(node)
        # a cycle (cross-signed pair) ends the walk as if the path had a top there
        value = memo[id(node)] if node is not None and id(node) in memo else None
        for item in reversed(stack):
            value = step(item, value)
            memo[id(item)] = value
        return memo[id(cert)]

    def candidates(self, cert: ParsedCertificate) -> list[ParsedCertificate]:
        """Distinct certificates that may have issued ``cert``, at most MAX_CANDIDATES: itself
        first, then those whose subject key identifier is its authority key identifier, then
        those without a subject key identifier, in bundle order. As OpenSSL's
        ``X509_check_issued``, a same-name CA whose subject key identifier differs from the
        authority key identifier is no candidate (it is :meth:`rekeyed`), nor is one whose
        serial number or issuer name is not the authority key identifier's (:meth:`reissued`)."""
        own = self._distinct.get(cert.sha256) if cert.subject_der == cert.issuer_der else None
        aki = cert.authority_key_id
        ordered = itertools.chain(
            [own] if own is not None else [], *self._named(cert).eligible(aki)
        )
        picked: dict[str, ParsedCertificate] = {}
        # each list holds distinct certificates, and one the authorityKeyIdentifier's serial
        # rules out counts as looked at: O(MAX) steps however many share the name and key
        for looked, candidate in enumerate(ordered, 1):
            if akid_names(cert, candidate):
                picked.setdefault(candidate.sha256, candidate)
            if len(picked) == MAX_CANDIDATES or looked == 2 * MAX_CANDIDATES:
                break
        return list(picked.values())

    def rekeyed(self, cert: ParsedCertificate) -> list[ParsedCertificate]:
        """Certificates with ``cert``'s issuer name but another key than its authority key
        identifier names: a CA re-keyed under the same name (at most MAX_CANDIDATES)."""
        aki = cert.authority_key_id
        if aki is None:
            return []
        bucket = self._named(cert)
        others = (c for key_id, same in bucket.by_key_id.items() if key_id != aki for c in same)
        return list(itertools.islice(others, MAX_CANDIDATES))

    def reissued(self, cert: ParsedCertificate) -> list[ParsedCertificate]:
        """Certificates with ``cert``'s issuer name and key that its authorityKeyIdentifier
        rules out by serial number or issuer name: a CA re-issued with the same key, where
        the certificate names the old one (at most MAX_CANDIDATES)."""
        if cert.authority_cert_serial is None and cert.authority_cert_issuer is None:
            return []
        ruled_out = (
            c
            for same in self._named(cert).eligible(cert.authority_key_id)
            for c in itertools.islice(same, 2 * MAX_CANDIDATES)
            if not akid_names(cert, c)
        )
        return list(itertools.islice(ruled_out, MAX_CANDIDATES))

    def rekeyed_note(self, cert: ParsedCertificate) -> str:
        """What to say of the same-name CAs the authorityKeyIdentifier rules out -- by key id
        (:meth:`rekeyed`) or by serial number (:meth:`reissued`) -- naming what the certificate
        asks for and what is there; "" when there are none."""
        notes = []
        rekeyed = self.rekeyed(cert)
        if rekeyed and cert.authority_key_id is not None:
            listed = ", ".join(
                f"#{ca.index} (line {ca.block.begin_line}, key id "
                f"{(ca.subject_key_id or b'').hex()})"
                for ca in rekeyed
            )
            notes.append(
                f"a CA of that name with another key is there ({listed}), but the certificate "
                f"names key id {cert.authority_key_id.hex()}: a re-keyed CA, and the old one is "
                "needed"
            )
        reissued = self.reissued(cert)
        if reissued:
            listed = ", ".join(
                f"#{ca.index} (line {ca.block.begin_line}, serial {ca.cert.serial_number:#x})"
                for ca in reissued
            )
            wanted = cert.authority_cert_serial
            asks = f"serial {wanted:#x}" if wanted is not None else "another issuer name"
            notes.append(
                f"a CA of that name is there ({listed}), but the certificate's "
                f"authorityKeyIdentifier names the CA certificate with {asks}: a CA re-issued, "
                "and the certificate it names is needed"
            )
        return "; ".join(notes)

    def _named(self, cert: ParsedCertificate) -> _Bucket:
        exact = self._issuers.get(cert.issuer_der)  # most names: no canonical form computed
        return exact if exact is not None else self._bucket(cert.issuer_der, cert.issuer_canon)

    def named(self, issuer_der: bytes, issuer_canon: Canonical | None) -> list[ParsedCertificate]:
        """Distinct certificates with this subject name (at most MAX_CANDIDATES): the issuer
        candidates of a certificate known only by its issuer name."""
        return self._bucket(issuer_der, issuer_canon).all[:MAX_CANDIDATES]

    def _bucket(self, issuer_der: bytes, issuer_canon: Canonical | None) -> _Bucket:
        """The distinct certificates whose subject is this issuer name: byte for byte, else
        as OpenSSL compares names (case, spaces and string type aside)."""
        exact = self._issuers.get(issuer_der)
        if exact is not None or issuer_canon is None:
            return exact or _EMPTY_BUCKET
        if self._issuers_by_canon is None:
            self._issuers_by_canon = {}
            for candidate in self._distinct.values():
                self._issuers_by_canon.setdefault(candidate.subject_canon, _Bucket()).add(candidate)
        return self._issuers_by_canon.get(issuer_canon, _EMPTY_BUCKET)

    def _find_issuer(self, cert: ParsedCertificate) -> IssuerLink:
        candidates = self._candidates.pop(cert.sha256, None)  # the link keeps them now
        if candidates is None:
            candidates = self.candidates(cert)
        if not candidates:
            return IssuerLink(LinkStatus.MISSING)
        tried: dict[str, SignatureCheck] = {}  # by certificate: copies are checked once
        reasons: list[str] = []
        unchecked: ParsedCertificate | None = None
        for position, candidate in enumerate(candidates):
            if position and candidate.sha256 not in tried:
                if self._extra_checks <= 0:  # the bundle spent its budget: say so, below
                    candidates = candidates[:position]
                    break
                self._extra_checks -= 1
            if candidate.sha256 not in tried:
                # copies of a certificate are linked one by one: each may take the answer
                tried[candidate.sha256], reason = self.checked(cert, candidate)
                if reason:
                    reasons.append(f"#{candidate.index}: {reason}")
            result = tried[candidate.sha256]
            if result is SignatureCheck.VALID:
                status = (
                    LinkStatus.SELF_SIGNED if candidate.sha256 == cert.sha256 else LinkStatus.ISSUED
                )
                return IssuerLink(status, candidate, tuple(candidates))
            if result is SignatureCheck.UNCHECKABLE and unchecked is None:
                unchecked = candidate
        status = LinkStatus.BAD_SIGNATURE if unchecked is None else LinkStatus.UNCHECKED
        eligible = sum(map(len, self._named(cert).eligible(cert.authority_key_id)))
        untried = max(0, eligible - len(candidates))
        return IssuerLink(status, unchecked, tuple(candidates), "; ".join(reasons), untried)


def check_link(
    cert: ParsedCertificate,
    issuer: ParsedCertificate,
    signed: tuple[SignatureCheck, str] | None = None,
) -> tuple[SignatureCheck, str]:
    """Did ``issuer`` sign ``cert``? VALID, INVALID, or UNCHECKABLE -- a signature nothing can
    check, accepted on name and agreeing key identifiers -- with the reason when not VALID.
    ``signed``: :func:`check_signature`'s answer, when it was asked ahead.

    The one place both the bundle's issuer graph and ``verify``'s path search decide a link.
    """
    try:
        key = issuer.public_key
    except (ValueError, UnsupportedAlgorithm) as exc:
        return SignatureCheck.INVALID, f"unreadable key ({exc})"
    if issuer.unusual_rsa_exponent:  # never spend minutes on a hostile key
        exponent = issuer.rsa_exponent or 0
        verdict = (
            SignatureCheck.UNCHECKABLE,
            (
                f"not checked: the issuer's RSA exponent ({exponent.bit_length()} bits) is one no "
                "real key has (unusual-rsa-exponent)"
            ),
        )
    else:
        verdict = signed if signed is not None else check_signature(cert.cert, key)
    if verdict[0] is SignatureCheck.UNCHECKABLE and not key_ids_agree(cert, issuer):
        return SignatureCheck.INVALID, verdict[1]
    return verdict  # as it came: a large bundle's many VERIFIED answers are one tuple


#: What a checking child says (:func:`_check_sent`): the place of the last pair it checked,
#: and its answers other than :data:`VERIFIED` since it last said, by place.
_Progress = tuple[int, dict[int, tuple[SignatureCheck, str]]]
#: Pairs sent to a checking child at once; it says how far it got after each such batch.
PROGRESS_EVERY = 64
#: Links a speculating walk takes as signed between two looks at what the child said.
HEAR_EVERY = 64


class Checker:
    """A forked child that checks the signatures it is sent, a certificate and its candidate
    issuer at a time, in the order sent, and says how far it got (:data:`_Progress`) after
    each batch of :data:`PROGRESS_EVERY` (:class:`~mtls_lint.forked.Background`).

    Started before the bundle is parsed (:meth:`of_blocks`), it reads the certificates from
    the blocks it was forked with and is sent each certificate's likely first candidate as
    the parse finds both (:meth:`parsed`, a batch at a time): it checks while the parent
    still parses. The graph sends the first pairs it was not sent when it walks
    (:meth:`TrustGraph.speculate`); a pair sent that is no first pair costs the child a
    check, and nothing else.

    The pairs go as two certificates' :attr:`~ParsedCertificate.index` (distinct within a
    bundle), so a batch is a few hundred bytes."""

    def __init__(self, child: Background[_Progress]) -> None:
        self._child = child
        #: Each pair sent, by its place in the order sent, and that place by pair.
        self.pairs: list[_Pair] = []
        self._place: dict[_Pair, int] = {}
        self._batch: list[tuple[int, int]] = []
        #: While the bundle is parsed: the distinct certificates so far (a copy is skipped:
        #: its pair is its first copy's, and it must read no key of its own), and the first
        #: of them by subject name and by subject name and key identifier.
        self._seen: set[str] = set()
        self._named: dict[bytes, ParsedCertificate] = {}
        self._keyed: dict[tuple[bytes, bytes], ParsedCertificate] = {}

    @classmethod
    def of_blocks(cls, blocks: "Sequence[PemBlock]") -> "Checker | None":
        """A child over ``blocks`` (a bundle's, before its certificates are parsed) from
        :data:`SPECULATE_FROM` certificates on, on more than one CPU; else, or where no
        child can be forked, None."""
        if len(blocks) < SPECULATE_FROM:  # most bundles: neither counted nor the CPUs asked
            return None
        count = sum(1 for block in blocks if block.der is not None and block.cert_index)
        if count < SPECULATE_FROM or _cpus() < 2:
            return None
        child = Background.fed(partial(_check_sent, partial(_from_blocks, blocks)))
        return None if child is None else cls(child)

    @classmethod
    def of_certificates(cls, certificates: list[ParsedCertificate]) -> "Checker | None":
        """A child over parsed ``certificates``; None where no child can be forked."""
        child = Background.fed(partial(_check_sent, partial(_from_parsed, certificates)))
        return None if child is None else cls(child)

    def parsed(self, cert: ParsedCertificate) -> None:
        """Send ``cert`` with its likely first candidate among the certificates parsed so
        far: itself if self-issued; else the first of its issuer name with the key
        identifier its authorityKeyIdentifier names, or, without one, the first of that
        name (see :meth:`TrustGraph.candidates`). One whose candidate comes later is sent by
        the graph."""
        if cert.sha256 in self._seen:
            return
        self._seen.add(cert.sha256)
        self._named.setdefault(cert.subject_der, cert)
        if cert.subject_key_id is not None:
            self._keyed.setdefault((cert.subject_der, cert.subject_key_id), cert)
        issuer: ParsedCertificate | None
        if cert.subject_der == cert.issuer_der:
            issuer = cert
        elif (aki := cert.authority_key_id) is None:
            issuer = self._named.get(cert.issuer_der)
        else:
            issuer = self._keyed.get((cert.issuer_der, aki))
        try:
            if issuer is None or not akid_names(cert, issuer) or not _checkable_key(issuer):
                return
        except Exception:  # noqa: BLE001 - a field a rule will report: the graph decides
            return
        self.send(cert, issuer)

    def send(self, cert: ParsedCertificate, issuer: ParsedCertificate) -> int:
        """Have the child check ``cert`` with ``issuer``'s key (once); returns the pair's
        place in the order the child checks."""
        pair = (cert.sha256, issuer.sha256)
        place = self._place.get(pair)
        if place is None:
            place = self._place[pair] = len(self.pairs)
            self.pairs.append(pair)
            self._batch.append((cert.index, issuer.index))
            if len(self._batch) == PROGRESS_EVERY:
                self._send_batch()
        return place

    def _send_batch(self) -> None:
        if self._batch:
            self._child.send(self._batch)
            self._batch = []

    def sent_all(self) -> None:
        """Send what is left of the last batch, and end the child's input: it leaves once it
        has checked everything."""
        self._send_batch()
        self._child.close()
        self._seen = set()
        self._named = {}
        self._keyed = {}

    def poll(self) -> list[_Progress]:
        """What the child said since it was last asked (sending what waited to go)."""
        return self._child.poll()

    def cancel(self) -> None:
        """Kill and reap the child, done or not."""
        self._child.cancel()


#: How a checking child reads a certificate, and an issuer's key, by index.
_Source = tuple[Callable[[int], "x509.Certificate"], Callable[[int], object]]


def _from_blocks(blocks: "Sequence[PemBlock]") -> _Source:
    """In a child forked before parsing: each certificate loaded from its block as asked."""
    from cryptography import x509

    ders = {b.cert_index: b.der for b in blocks if b.der is not None and b.cert_index}

    def load(index: int) -> x509.Certificate:
        return x509.load_der_x509_certificate(ders[index])

    return load, lambda index: load(index).public_key()


def _from_parsed(certificates: list[ParsedCertificate]) -> _Source:
    by_index = {cert.index: cert for cert in certificates}
    return (lambda index: by_index[index].cert), (lambda index: by_index[index].public_key)


def _check_sent(
    source: Callable[[], _Source], received: Iterator[list[tuple[int, int]]]
) -> Iterator[_Progress]:
    """In a :class:`Checker`'s child: :func:`check_signature` of each pair sent, in order,
    and after each batch, the place of the last one and the answers other than
    :data:`VERIFIED` (each issuer's key read once)."""
    import warnings

    load, key_of = source()
    keys: dict[int, object] = {}
    at = -1
    with warnings.catch_warnings():  # what cryptography warns of, the rules report
        warnings.simplefilter("ignore")
        for batch in received:
            failed: dict[int, tuple[SignatureCheck, str]] = {}
            for cert, issuer in batch:
                at += 1
                key = keys.get(issuer)
                if key is None:
                    key = keys[issuer] = key_of(issuer)
                signed = check_signature(load(cert), key)
                if signed != VERIFIED:
                    failed[at] = signed
            yield at, failed


class Mispredicted(BaseException):
    """Raised by a link (past the rules' guards, which catch Exception) while the walk is
    ahead of its child (:meth:`TrustGraph.speculate`), once the child has found a signature
    that does not verify: the links walked so far cannot all be right, so the engine stops
    and walks them again, checking as it goes. A bundle built so that nothing verifies
    then costs one walk and a little, not two."""


#: Certificates per batch handed to a signature thread: small enough that the first
#: answers come early and the batches spread evenly, large enough that handing them over
#: costs nothing next to their checks (~50 us each).
BATCH = 64


class _Ahead:
    """Signature checks on a thread per CPU, batch by batch in bundle order, so whoever
    walks the bundle in order waits at most for the batch in hand.

    Plain threads and a queue rather than ``concurrent.futures``, whose import (it brings
    ``logging`` and ``traceback``) costs 10 to 15 ms: more than threads save on a bundle the
    size of Mozilla's."""

    def __init__(self, workers: int, checks: Iterable[_Check]) -> None:
        """Hand ``checks`` to the threads as they come: the first batch is checked while
        the caller still finds the candidates of the next."""
        import queue
        import threading

        self._batch_of: dict[_Pair, int] = {}
        self._batches: list[_Batch] = []
        waiting: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        idle = [
            threading.Thread(target=_work, args=(waiting,), name="mtls-lint-signatures")
            for _ in range(workers)
        ]
        batch: list[_Check] = []
        for check in checks:
            self._batch_of[check[0].sha256, check[1].sha256] = len(self._batches)
            batch.append(check)
            if len(batch) == BATCH:
                self._hand_over(_Batch(batch), waiting, idle)
                batch = []
        if batch:
            self._hand_over(_Batch(batch), waiting, idle)
        for _ in range(workers - len(idle)):
            waiting.put(None)  # each thread started ends at one, once the batches are done

    def _hand_over(
        self,
        batch: "_Batch",
        waiting: "queue.SimpleQueue[_Batch | None]",
        idle: "list[threading.Thread]",
    ) -> None:
        self._batches.append(batch)
        waiting.put(batch)
        if idle:  # a thread per batch until there is one per CPU
            idle.pop().start()

    def get(self, pair: _Pair) -> tuple[SignatureCheck, str] | None:
        """The answer for ``pair`` if it was checked ahead (waiting for its batch), else None;
        asked once per pair (:meth:`TrustGraph.checked` remembers it)."""
        at = self._batch_of.pop(pair, None)  # each answer is taken once: let it go
        return None if at is None else self._batches[at].result().pop(pair)


class _Batch:
    """Checks one thread makes, and their answers once it has."""

    __slots__ = ("_answers", "_checks", "_done", "_error")

    def __init__(self, checks: list[_Check]) -> None:
        import threading

        self._checks: list[_Check] | None = checks
        self._answers: dict[_Pair, tuple[SignatureCheck, str]] = {}
        self._error: BaseException | None = None
        self._done = threading.Event()

    def run(self) -> None:
        try:
            checks, self._checks = self._checks or [], None
            self._answers = _check_batch(checks)
        except BaseException as exc:  # noqa: BLE001 - raised where the answer is asked for
            self._error = exc
        finally:
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> dict[_Pair, tuple[SignatureCheck, str]]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._answers


def _work(waiting: "queue.SimpleQueue[_Batch | None]") -> None:
    while (batch := waiting.get()) is not None:
        batch.run()


def _checkable_key(issuer: ParsedCertificate) -> object | None:
    """``issuer``'s key where a signature check decides a link with it (see
    :func:`check_link`): readable, its exponent usual. The key is kept: an issuer's, read
    before its exponent."""
    try:
        key = issuer.public_key
    except (ValueError, UnsupportedAlgorithm):
        return None
    return None if issuer.unusual_rsa_exponent else key


def _signer(cert: ParsedCertificate, issuer: ParsedCertificate) -> tuple[str, bytes | str]:
    """What decides a signature check: the certificate, and the issuer's key (its SPKI; the
    issuer itself where that cannot be written)."""
    return cert.sha256, issuer.spki or issuer.sha256


def _check_one(check: _Check) -> tuple[SignatureCheck, str]:
    cert, _, key = check
    return check_signature(cert.cert, key)


def _check_batch(batch: list[_Check]) -> dict[_Pair, tuple[SignatureCheck, str]]:
    return {(c.sha256, i.sha256): check_signature(c.cert, key) for c, i, key in batch}


def akid_names(cert: ParsedCertificate, issuer: ParsedCertificate) -> bool:
    """Whether the issuer serial number and name in ``cert``'s authorityKeyIdentifier, where
    present, are ``issuer``'s, as OpenSSL's ``X509_check_akid`` asks (a mismatch is
    ``X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH``: the CA is no issuer). Key ids are matched by
    the name index already."""
    serial = cert.authority_cert_serial
    if serial is not None and serial != issuer.cert.serial_number:
        return False
    named = cert.authority_cert_issuer
    return named is None or named == issuer.issuer_canon


def key_ids_agree(cert: ParsedCertificate, issuer: ParsedCertificate) -> bool:
    """The fallback for signatures nothing can check: the key identifiers must not contradict.

    For a certificate and itself, an absent authority key identifier is agreement; for two
    certificates, the identifiers must be present and equal.
    """
    aki = cert.authority_key_id
    if issuer.sha256 == cert.sha256:
        return aki is None or aki == issuer.subject_key_id
    return aki is not None and aki == issuer.subject_key_id
