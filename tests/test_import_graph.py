"""The import graph of harness/: no cycle, and the layers import only downward.

Read from the source with ``ast`` (every import, also those inside functions, except the
ones under ``if TYPE_CHECKING:``, which never run), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "harness"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str) -> set[str]:
    found: set[str] = set()
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        targets = _imports(ast.parse(path.read_text(encoding="utf-8")), module)
        # A package's own __init__ is loaded by importing any module in it: not an edge.
        graph[module] = {t for t in targets if t in MODULES and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for target in graph.get(node, ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_harness_has_no_import_cycle() -> None:
    assert _cycles(import_graph()) == []


def test_report_imports_neither_optuna_nor_ablate() -> None:
    graph = import_graph()
    report = [m for m in MODULES if m == "harness.report" or m.startswith("harness.report.")]
    for module in report:
        direct = _imports(ast.parse(MODULES[module].read_text(encoding="utf-8")), module)
        assert not any(t == "optuna" or t.startswith("optuna.") for t in direct), module
        reached = _reachable(graph, module)
        assert not any(m.startswith("harness.ablate") for m in reached), module


# What a command may import: argparse helpers (harness.commands.common), the application
# layer, renderers, and the one error type (a usage check the parser cannot express).
COMMAND_IMPORTS = ("harness.commands", "harness.app", "harness.report", "harness.errors")


def test_commands_import_only_the_application_layer_and_renderers() -> None:
    """A command parses arguments, makes one call into harness.app and renders: it loads,
    lints and computes nothing itself (common.py's output guard is the one exception)."""
    commands = [m for m in MODULES if m.startswith("harness.commands.")]
    assert len(commands) > 10
    for module in commands:
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        internal = {t for t in _imports(tree, module) if t.startswith("harness")}
        if module == "harness.commands.common":
            internal.discard("harness.output_guard")  # emit never writes over an input
        stray = sorted(t for t in internal if not t.startswith(COMMAND_IMPORTS))
        assert stray == [], f"{module} imports {stray}"


def test_the_application_layer_never_imports_a_command() -> None:
    graph = import_graph()
    for module in (m for m in MODULES if m.startswith("harness.app")):
        assert not any(t.startswith(("harness.commands", "harness.cli")) for t in graph[module])


def test_report_never_runs_a_use_case() -> None:
    """report/ renders: it reads results (their types only under TYPE_CHECKING), and never
    imports the application layer, the rules, the ablation or a storage."""
    graph = import_graph()
    for module in (m for m in MODULES if m.startswith("harness.report")):
        reached = graph[module]
        assert not any(
            t.startswith(("harness.app", "harness.rules.", "harness.ablate")) for t in reached
        ), module
