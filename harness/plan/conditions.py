"""Deciding an ``if`` test from what a script states: literals, constants, class attributes,
parameter defaults, ``not`` / ``and`` / ``or`` and comparisons. Anything else is UNKNOWN.
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
