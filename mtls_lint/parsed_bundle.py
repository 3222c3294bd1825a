"""A bundle with its certificates parsed once and its issuer links decided once.

Both the rules' context and ``inspect``'s inventory wrap one of these, so ``diff`` (which
needs both for each side) parses every certificate and checks every signature once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mtls_lint.bundle import Bundle, PemBlock
from mtls_lint.certificate import KEEP_OBJECTS_UP_TO, ParsedCertificate, parse_certificates
from mtls_lint.memo import cached_property
from mtls_lint.trust_graph import Checker, TrustGraph, Verdicts

if TYPE_CHECKING:
    from mtls_lint.lenient import LenientCertificate


class ParsedBundle:
    def __init__(
        self,
        bundle: Bundle,
        verdicts: Verdicts | None = None,
        known: Mapping[bytes, ParsedCertificate] | None = None,
        links: bool = False,
    ) -> None:
        """``verdicts``: signature verdicts shared with other bundles (see :class:`TrustGraph`);
        ``known``: certificates parsed already, by DER (see :func:`parse_certificates`);
        ``links``: the caller walks the issuer links and calls
        :meth:`TrustGraph.speculate` (the engine): for a bundle whose links are walked ahead
        of a child, the child starts now and checks signatures while the certificates are
        parsed (:meth:`Checker.of_blocks`)."""
        self.bundle = bundle
        self._verdicts = verdicts
        #: The readable certificates, and the certificate blocks cryptography could not read
        #: with its reason (broken armour is malformed-pem's business and in neither).
        self.certificates: list[ParsedCertificate]
        self.unparsable: list[tuple[PemBlock, str]]
        keep = len(bundle.certificate_blocks) <= KEEP_OBJECTS_UP_TO
        self._checker = Checker.of_blocks(bundle.blocks) if links else None
        try:
            self.certificates, self.unparsable = parse_certificates(
                bundle.blocks, known, keep, self._checker.parsed if self._checker else None
            )
        except BaseException:
            if self._checker is not None:
                self._checker.cancel()
            raise

    @cached_property
    def leniently_read(self) -> list[LenientCertificate]:
        """The unparsable certificates ``pyasn1`` could read (at most LENIENT_READS tried)."""
        if not self.unparsable:
            return []
        from mtls_lint.lenient import read_leniently  # pyasn1 is imported only when needed

        return read_leniently(self.unparsable)

    @cached_property
    def graph(self) -> TrustGraph:
        """Issuer links, memoised: each signature is checked at most once per bundle."""
        checker, self._checker = self._checker, None  # the graph's to send to and stop
        return TrustGraph(self.certificates, self._verdicts, checker)

    def relink(self) -> None:
        """Replace the graph with a fresh one that keeps its verdicts: its links were walked
        on signatures taken as verified that are not (:meth:`TrustGraph.confirm`)."""
        self.__dict__["graph"] = self.graph.relinked()
