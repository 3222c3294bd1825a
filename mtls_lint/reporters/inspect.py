"""``mtls-lint inspect``: a table of every certificate and the trust tree, as text, JSON or
Markdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from mtls_lint import jsonout
from mtls_lint.certificate import ParsedCertificate, algorithm_refusal, days_left
from mtls_lint.dates import day, iso
from mtls_lint.escape import printable
from mtls_lint.inventory import Inventory, Node, Unreadable
from mtls_lint.profiles import Profile
from mtls_lint.reporters.gantt import Bar, chart
from mtls_lint.reporters.step_summary import cell

_RED, _YELLOW, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[0m"
COLUMNS = ("#", "LINE", "ROLE", "SUBJECT", "ISSUER", "KEY", "HASH", "NOT AFTER", "DAYS", "SHA256")


def _name(cert: ParsedCertificate) -> str:
    return f"CN={cert.common_name}" if cert.common_name else cert.subject


def _issuer_name(cert: ParsedCertificate) -> str:
    cn = cert.issuer_common_name
    return f"CN={cn}" if cn else cert.issuer


def _rows(inventory: Inventory, now: dt.datetime) -> list[list[str]]:
    rows = []
    for cert in inventory.certificates:
        algorithm = cert.signature_algorithm
        rows.append([
            str(cert.index), str(cert.block.begin_line), inventory.role(cert),
            printable(_name(cert)), printable(_issuer_name(cert)), str(cert.key),
            algorithm.hash or algorithm.family, day(cert.not_after),
            str(days_left(cert.not_after, now)), cert.sha256[:16],
        ])  # fmt: skip
    for broken in inventory.unreadable:
        index = str(broken.block.cert_index or "-")
        role = "unreadable" if broken.block.problem or broken.block.cert_index else "other"
        rows.append([index, str(broken.block.begin_line), role,
                     printable(broken.reason), "", "", "", "", "", ""])  # fmt: skip
    return rows


#: Certificates of the same subject a tree label lists by index; the rest are counted.
SAME_SUBJECT_SHOWN = 3
#: Levels of the tree drawn indented; deeper ones say their depth instead, so a chain of
#: 10,000 certificates is 10,000 lines, not 10,000 lines of ever more indentation.
MAX_DRAWN_DEPTH = 16


def _label(cert: ParsedCertificate, inventory: Inventory) -> str:
    same = [c for c in inventory.graph.with_subject(cert.subject_der) if c is not cert]
    note = ""
    if same:  # 10,000 certificates of one subject must not list 10,000 others each
        listed = ", #".join(str(c.index) for c in same[:SAME_SUBJECT_SHOWN])
        more = len(same) - SAME_SUBJECT_SHOWN
        note = f"; same subject as #{listed}" + (f" and {more} more" if more > 0 else "")
    return f"{printable(_name(cert))} (#{cert.index}, {inventory.role(cert)}{note})"


def _tree_lines(nodes: Sequence[Node], inventory: Inventory) -> Iterator[str]:
    """Each top node flush left, its descendants drawn with box-drawing branches."""
    for top in nodes:
        yield _label(top.cert, inventory)
        stack = [(kid, "", i == len(top.children) - 1, 1) for i, kid in enumerate(top.children)]
        stack.reverse()
        while stack:  # iterative: a very long chain must not exhaust the stack
            node, indent, last, depth = stack.pop()
            branch = "└── " if last else "├── "
            deep = f"[depth {depth}] " if depth > MAX_DRAWN_DEPTH else ""
            yield f"{indent}{branch}{deep}{_label(node.cert, inventory)}"
            inner = indent
            if depth <= MAX_DRAWN_DEPTH:
                inner += "    " if last else "│   "
            kids = node.children
            stack.extend(
                (kid, inner, i == len(kids) - 1, depth + 1)
                for i, kid in reversed(list(enumerate(kids)))
            )


def tree_text(inventory: Inventory) -> list[str]:
    lines = list(_tree_lines(inventory.roots, inventory))
    if inventory.orphans:
        lines.append("(no issuer in bundle)")
        lines += [f"    {line}" for line in _tree_lines(inventory.orphans, inventory)]
    return lines


def _color_days(days: str, value: int, window: int) -> str:
    if value < 0:
        return f"{_RED}{days}{_RESET}"
    if value < window:
        return f"{_YELLOW}{days}{_RESET}"
    return days


def refusal(cert: ParsedCertificate, profile: Profile) -> str | None:
    """Why ``profile``'s service refuses ``cert`` for what it is (algorithm, key, version),
    or None; the chain's problems are ``check``'s and ``verify``'s business."""
    why = algorithm_refusal(cert, profile)
    if why is None and profile.requires_v3 and not cert.is_v3:
        why = "not X.509 v3"
    return why


def _refusal_lines(inventory: Inventory, profile: Profile | None) -> list[str]:
    if profile is None:
        return []
    refused = [(c, why) for c in inventory.certificates if (why := refusal(c, profile))]
    if not refused:
        return [f"{profile.service} accepts the algorithm and key of every certificate", ""]
    return [
        *(f"{profile.service} refuses #{c.index} (line {c.block.begin_line}): {why}"
          for c, why in refused),
        "",
    ]  # fmt: skip


def render_text(
    inventories: Sequence[Inventory],
    now: dt.datetime,
    *,
    color: bool,
    window: int,
    profile: Profile | None = None,
) -> str:
    out: list[str] = []
    for inventory in inventories:
        count = len(inventory.certificates)
        out.append(f"{printable(inventory.path)}: {count} certificate{'s' if count != 1 else ''}")
        rows = _rows(inventory, now)
        widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(COLUMNS)]
        header = [c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)]
        out.append("  " + "  ".join(header).rstrip())
        for row in rows:
            cells = [value.ljust(width) for value, width in zip(row, widths, strict=True)]
            if color and row[8]:
                cells[8] = _color_days(cells[8], int(row[8]), window)
            out.append("  " + "  ".join(cells).rstrip())
        out.append("")
        out += [printable(line) for line in _refusal_lines(inventory, profile)]
        out.append("Trust tree:")
        out += [f"  {line}" for line in tree_text(inventory)] or ["  (no certificates)"]
        out.append("")
    return "\n".join(out)


def _node_json(top: Node) -> dict[str, object]:
    """``{"sha256", "children": [...]}`` for ``top`` and its subtree, built iteratively."""
    root: dict[str, object] = {"sha256": top.cert.sha256, "children": []}
    stack: list[tuple[Node, dict[str, object]]] = [(top, root)]
    while stack:
        node, out = stack.pop()
        children: list[dict[str, object]] = []
        for kid in node.children:
            child: dict[str, object] = {"sha256": kid.cert.sha256, "children": []}
            children.append(child)
            stack.append((kid, child))
        out["children"] = children
    return root


def _unreadable_json(unreadable: Unreadable) -> dict[str, object]:
    block = unreadable.block
    return {
        "index": block.cert_index,
        "line": block.begin_line,
        "end_line": block.end_line,
        "reason": unreadable.reason,
    }


def _certificate_json(
    inventory: Inventory, cert: ParsedCertificate, now: dt.datetime, profile: Profile | None
) -> dict[str, object]:
    algorithm = cert.signature_algorithm
    refused = {} if profile is None else {"refused_by_service": refusal(cert, profile)}
    return {
        "index": cert.index,
        "line": cert.block.begin_line,
        "end_line": cert.block.end_line,
        "role": inventory.role(cert),
        "subject": cert.subject,
        "issuer": cert.issuer,
        "key": str(cert.key),
        "signature_hash": algorithm.hash or algorithm.family,
        "not_after": iso(cert.not_after),
        "days_left": days_left(cert.not_after, now),
        "sha256": cert.sha256,
        **refused,
    }


def render_json(
    inventories: Sequence[Inventory], now: dt.datetime, profile: Profile | None = None
) -> str:
    files = []
    for inventory in inventories:
        files.append(
            {
                "path": inventory.path,
                "certificates": [
                    _certificate_json(inventory, c, now, profile) for c in inventory.certificates
                ],
                "tree": [_node_json(node) for node in inventory.roots + inventory.orphans],
                "orphans": [node.cert.sha256 for node in inventory.orphans],
                "unreadable": [_unreadable_json(u) for u in inventory.unreadable],
            }
        )
    service = {} if profile is None else {"profile": profile.name, "service": profile.service}
    return jsonout.dumps({**service, "files": files}) + "\n"  # the tree nests as deep as the chain


def _bars(inventory: Inventory) -> list[Bar]:
    return [Bar(_name(c), c.not_before, c.not_after) for c in inventory.certificates]


def render_markdown(
    inventories: Sequence[Inventory],
    now: dt.datetime,
    profile: Profile | None = None,
    window: int = 30,
) -> str:
    out: list[str] = []
    for inventory in inventories:
        out += [f"### {cell(inventory.path)}", ""]
        out.append("| " + " | ".join(COLUMNS) + " |")
        out.append("|" + "---|" * len(COLUMNS))
        out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in _rows(inventory, now)]
        out += [
            "",
            *(cell(line) for line in _refusal_lines(inventory, profile)),
            "```text",
            *tree_text(inventory),
            "```",
            "",
        ]
    drawn = chart([(inventory.path, _bars(inventory)) for inventory in inventories], now, window)
    if drawn:
        out += ["### Validity", "", *drawn, ""]
    return "\n".join(out)


class InspectReport(NamedTuple):
    inventories: Sequence[Inventory]
    now: dt.datetime
    color: bool = False
    #: Days-left below this are yellow on a terminal.
    window: int = 30
    #: The service whose refusals of algorithms and keys to show (``--profile``), if any.
    profile: Profile | None = None


#: ``inspect --format``: each renderer, from one report.
RENDERERS: dict[str, Callable[[InspectReport], str]] = {
    "text": lambda r: render_text(
        r.inventories, r.now, color=r.color, window=r.window, profile=r.profile
    ),
    "json": lambda r: render_json(r.inventories, r.now, r.profile),
    "markdown": lambda r: render_markdown(r.inventories, r.now, r.profile, r.window),
}
