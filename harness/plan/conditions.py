"""Whether a piece of a script runs: ``if`` tests decided from what the script states
(literals, constants, class attributes, parameter defaults, ``not`` / ``and`` / ``or``,
comparisons; anything else is UNKNOWN), then the call sites of the function around it.
Read with ``ast`` only; nothing is run."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.plan.repository import Module

UNKNOWN = object()


def evaluate(node: ast.AST, constants: dict[str, Any]) -> Any:
    """A condition from constants: names, attributes, not/and/or, comparisons."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute)):
        text = ast.unparse(node)
        return constants.get(text, constants.get(text.rsplit(".", 1)[-1], UNKNOWN))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = evaluate(node.operand, constants)
        return UNKNOWN if value is UNKNOWN else not value
    if isinstance(node, ast.BoolOp):
        values = [evaluate(v, constants) for v in node.values]
        if isinstance(node.op, ast.And):
            if any(v is not UNKNOWN and not v for v in values):
                return False
            return UNKNOWN if UNKNOWN in values else all(values)
        if any(v is not UNKNOWN and v for v in values):
            return True
        return UNKNOWN if UNKNOWN in values else False
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right = evaluate(node.left, constants), evaluate(node.comparators[0], constants)
        if UNKNOWN in (left, right):
            return UNKNOWN
        return _compare(node.ops[0], left, right)
    return UNKNOWN


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    try:
        match op:
            case ast.Eq() | ast.Is():
                return left == right
            case ast.NotEq() | ast.IsNot():
                return left != right
            case ast.Lt():
                return left < right
            case ast.Gt():
                return left > right
            case ast.LtE():
                return left <= right
            case ast.GtE():
                return left >= right
    except TypeError:
        return UNKNOWN
    return UNKNOWN


def constants_of(modules: list[Module]) -> dict[str, Any]:
    """Module-level and class-level literal assignments (``USE_EMA = False``), by name."""
    out: dict[str, Any] = {}
    for module in modules:
        for node in module.tree.body:
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    for name, value in literal_assignments(item):
                        out[f"{node.name}.{name}"] = value
                        out.setdefault(name, value)
            for name, value in literal_assignments(node):
                out[name] = value
    return out


def literal_assignments(node: ast.AST) -> list[tuple[str, Any]]:
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return []
    try:
        literal = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError):
        return []
    return [(t.id, literal) for t in targets if isinstance(t, ast.Name)]


def scope_constants(module: Module, node: ast.AST, constants: dict[str, Any]) -> dict[str, Any]:
    """Constants plus the parameter defaults of the functions around ``node``."""
    scoped = dict(constants)
    for parent in reversed(module.ancestors(node)):
        if isinstance(parent, ast.FunctionDef):
            for name, value in _defaults(parent).items():
                scoped[name] = value
            for item in parent.body:
                if getattr(item, "lineno", 0) < getattr(node, "lineno", 0):
                    scoped.update(dict(literal_assignments(item)))
    return scoped


def _defaults(function: ast.FunctionDef) -> dict[str, Any]:
    args = function.args
    positional = args.posonlyargs + args.args
    pairs = list(
        zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    pairs += [
        (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    ]
    out: dict[str, Any] = {}
    for arg, default in pairs:
        try:
            out[arg.arg] = ast.literal_eval(default)
        except (ValueError, SyntaxError, TypeError):
            continue
    return out


def call_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


class Reach:
    """Whether code runs: the ``if`` tests around it, then the call sites of its function."""

    MAX_DEPTH = 4

    def __init__(self, modules: list[Module]):
        self.modules = modules
        self.constants = {**constants_of(modules), "__name__": "__main__"}
        self._calls: dict[str, list[tuple[Module, ast.AST]]] = {}

    def calls(self, name: str) -> list[tuple[Module, ast.AST]]:
        """The calls of ``name`` (``f(...)``, ``x.f(...)``) in the modules, in order; only
        modules that mention the name are walked."""
        found = self._calls.get(name)
        if found is None:
            found = self._calls[name] = [
                (module, node)
                for module in self.modules
                if module.mentions(name)
                for node in module.calls
                if call_name(node) == name
            ]
        return found

    def reached(self, module: Module, node: ast.AST, depth: int = 0) -> bool | None:
        """True, False, or None (a test that cannot be decided)."""
        child: ast.AST = node
        for parent in module.ancestors(node):
            if isinstance(parent, ast.If):
                scoped = scope_constants(module, parent, self.constants)
                test = evaluate(parent.test, scoped)
                if test is UNKNOWN:
                    return None
                if bool(test) != any(child is n for n in parent.body):
                    return False
            if isinstance(parent, ast.FunctionDef) and depth < self.MAX_DEPTH:
                return self._called(module, parent, depth)
            child = parent
        return True

    def _called(self, module: Module, function: ast.FunctionDef, depth: int) -> bool | None:
        sites = [
            (m, c)
            for m, c in self.calls(function.name)
            if function not in m.ancestors(c)  # a recursive call says nothing
        ]
        if not sites:
            return True  # never called from the code read: an entry point, read as it runs
        results = [self.reached(m, c, depth + 1) for m, c in sites]
        if True in results:
            return True
        return None if None in results else False
