"""What a bundle holds, as a reviewer wants to see it: roles and the trust tree.

Shared by ``inspect`` (which draws it) and ``diff`` (which compares two of them).
"""

from typing import NamedTuple

from mtls_lint.bundle import Bundle, PemBlock
from mtls_lint.certificate import ParsedCertificate
from mtls_lint.parsed_bundle import ParsedBundle
from mtls_lint.trust_graph import TrustGraph

ROOT, INTERMEDIATE, LEAF, SELF_SIGNED_LEAF = "root", "intermediate", "leaf", "self-signed-leaf"

# Named tuples and a plain class, not dataclasses: importing dataclasses brings inspect, ast
# and tokenize, 13 ms of every diff and inspect run.


class Node(NamedTuple):
    cert: ParsedCertificate
    children: "tuple[Node, ...]" = ()


class Unreadable(NamedTuple):
    block: PemBlock
    reason: str


class Inventory:
    def __init__(
        self,
        path: str,
        certificates: list[ParsedCertificate],
        unreadable: list[Unreadable],
        graph: TrustGraph,
    ) -> None:
        self.path = path
        self.certificates = certificates
        self.unreadable = unreadable
        self.graph = graph
        #: Self-signed certificates, with what they issued below them.
        self.roots: list[Node] = []
        #: Certificates whose issuer is not in the bundle (or does not verify), with their
        #: subtrees; certificates caught in a cycle of cross-signatures land here too.
        self.orphans: list[Node] = []

    def role(self, cert: ParsedCertificate) -> str:
        if self.graph.is_self_signed(cert):
            return ROOT if cert.is_ca else SELF_SIGNED_LEAF
        return INTERMEDIATE if cert.is_ca else LEAF


def take_inventory(bundle: Bundle | ParsedBundle) -> Inventory:
    """What ``bundle`` holds; a :class:`ParsedBundle` lends its parse and issuer links."""
    parsed = bundle if isinstance(bundle, ParsedBundle) else ParsedBundle(bundle)
    bundle = parsed.bundle
    certificates, unreadable = parsed.certificates, parsed.unparsable
    broken = [
        Unreadable(b, f"{b.label or 'unlabelled'} block: {b.problem}")
        for b in bundle.blocks
        if b.problem
    ]
    broken += [Unreadable(b, f"certificate #{b.cert_index}: {why}") for b, why in unreadable]
    broken += [
        Unreadable(b, f"a {b.label or 'unlabelled'} block, not a certificate")
        for b in bundle.blocks
        if not b.problem and b.cert_index is None
    ]
    inventory = Inventory(
        path=bundle.path,
        certificates=certificates,
        unreadable=broken,
        graph=parsed.graph,
    )
    children: dict[int, list[ParsedCertificate]] = {}
    tops: list[ParsedCertificate] = []
    for cert in certificates:
        parent = inventory.graph.parent(cert)
        if parent is None:
            tops.append(cert)
        else:
            children.setdefault(id(parent), []).append(cert)
    placed: set[int] = set()

    def build(top: ParsedCertificate) -> Node:
        # iterative, so a 10,000-link chain does not exhaust the stack
        order: list[ParsedCertificate] = []
        stack = [top]
        while stack:
            cert = stack.pop()
            if id(cert) in placed:
                continue
            placed.add(id(cert))
            order.append(cert)
            stack.extend(reversed(children.get(id(cert), [])))
        nodes: dict[int, Node] = {}
        for cert in reversed(order):
            kids = tuple(nodes[id(c)] for c in children.get(id(cert), []) if id(c) in nodes)
            nodes[id(cert)] = Node(cert, kids)
        return nodes[id(top)]

    for cert in tops:
        node = build(cert)
        (inventory.roots if inventory.graph.is_self_signed(cert) else inventory.orphans).append(
            node
        )
    for cert in certificates:  # what no top reaches: a cycle of cross-signed certificates
        if id(cert) not in placed:
            inventory.orphans.append(build(cert))
    return inventory
