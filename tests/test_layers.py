"""The import graph: every module imports only from its own layer or those below, and no two
modules import each other, lazily or not (the README's development section names the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "mtls_lint"

#: Lowest first. A module may import from its own layer and the layers before it.
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"__init__", "memo", "escape", "citations", "findings", "profiles", "jsonout", "files",
              "names", "discover", "suggest", "dates", "forked", "leftovers"}),
    ("reading", {"bundle", "pem_reader", "hidden_keys", "signatures", "certificate", "keyfile",
                 "gitsource", "accesslog", "lenient", "crl", "logformats",
                 "connectionlog", "download", "deployed"}),
    ("facts", {"trust_graph", "parsed_bundle", "inventory", "rule", "rules"}),
    ("engine", {"engine", "lint_settings", "denials", "admission", "bundle_diff",
                "connection_check", "fix", "deployed_check"}),
    ("settings", {"config", "config_schema", "config_file", "settings", "waiving", "scopes",
                  "config_change"}),
    ("reporters", {"reporters"}),
    ("commands", {"cli", "config_review", "__main__"}),
]  # fmt: skip


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"] or ["__init__"]
    return ".".join(parts)


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for index, (_, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise AssertionError(f"mtls_lint.{module} is in no layer: add it to LAYERS and the README")


def imports(path: Path) -> set[str]:
    """Every mtls_lint module the file imports, at any depth of the code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mtls_lint":
                found.update(alias.name for alias in node.names if alias.name != "__version__")
            elif node.module.startswith("mtls_lint."):
                found.add(node.module.removeprefix("mtls_lint."))
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("mtls_lint.") for a in node.names
                if a.name.startswith("mtls_lint.")
            )  # fmt: skip
    return found


GRAPH = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


def test_every_module_imports_only_its_layer_or_lower() -> None:
    upward = [
        f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for module, targets in GRAPH.items()
        for target in targets
        if layer_of(target) > layer_of(module)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_loop() -> None:
    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            for target in GRAPH.get(node, ()):
                if target == goal:
                    return True
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return False

    loops = sorted(
        f"{a} <-> {b}" for a, targets in GRAPH.items() for b in targets
        if a != b and a < b and reaches(b, a) and not b.startswith(a + ".")
        and not a.startswith(b + ".")
    )  # fmt: skip
    assert not loops, loops
