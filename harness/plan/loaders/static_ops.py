"""The operations the static evaluator computes, each bounded in time and memory.

A script is data: ``'a' * 10**10`` or ``[*big, *big]`` must not be able to exhaust the
machine that reads it. Every operation checks the size of what it would build *before*
building it (strings, lists and dicts at most ``MAX_SIZE`` items, integers at most
``MAX_INT_BITS`` bits, format widths at most ``MAX_SIZE``) and gives ``UNRESOLVED`` instead:
the value is then reported as unknown with its source text, never computed.
"""

from __future__ import annotations

import ast
import math
import operator
import posixpath
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

MAX_SIZE = 100_000  # longest string, list or dict a computation may build
MAX_INT_BITS = 14_000  # about 4,200 decimal digits: below CPython's str() limit
MAX_DEPTH = 60  # nesting of expressions followed (names, calls, operands)


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()

BUILTINS: dict[str, Callable[..., Any]] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "len": len,
    "sum": sum,
    "sorted": sorted,
    "list": list,
    "tuple": tuple,
}
PATH_CLASSES = {"Path", "PurePath", "PosixPath", "PurePosixPath"}
OS_PATH: dict[str, Callable[..., str]] = {
    "join": posixpath.join,
    "basename": posixpath.basename,
    "dirname": posixpath.dirname,
}
MATH_CONSTANTS = {"inf": math.inf, "nan": math.nan, "pi": math.pi, "e": math.e}
# Pure methods of str and dict that scripts use to canonicalise a value.
STR_METHODS = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "replace", "split", "startswith"}
    | {"endswith", "title", "casefold", "removeprefix", "removesuffix"}
)
_WIDTH = r"(\d+)"

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}


def size(value: Any) -> int:
    """Items a value holds (1 for a scalar, its length for a string or container)."""
    if isinstance(value, (str, bytes, list, tuple, dict, set)):
        return len(value)
    return 1


def too_big(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() > MAX_INT_BITS
    return size(value) > MAX_SIZE


def binary(op: ast.operator, left: Any, right: Any) -> Any:
    if isinstance(op, ast.Div) and isinstance(left, PurePosixPath):
        return left / str(right)
    if isinstance(left, str) and isinstance(op, ast.Mod):
        return UNRESOLVED  # %-formatting: not worth the risk of surprises
    if type(op) not in _BINARY or not _small_enough(op, left, right):
        return UNRESOLVED
    if isinstance(op, (ast.BitAnd, ast.BitOr)) and not isinstance(left, (int, bool)):
        return UNRESOLVED
    result = _BINARY[type(op)](left, right)
    return UNRESOLVED if too_big(result) else result


def _small_enough(op: ast.operator, left: Any, right: Any) -> bool:
    """Whether the result's size is bounded, decided before computing it."""
    if isinstance(op, ast.Pow):
        if isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
                return right < 0 or right * abs(left).bit_length() <= MAX_INT_BITS
            return abs(right) <= 10_000 and abs(left) <= 10**300
        return False
    if isinstance(op, ast.Mult):
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                return len(seq) * max(count, 0) <= MAX_SIZE
        if isinstance(left, int) and isinstance(right, int):
            return left.bit_length() + right.bit_length() <= MAX_INT_BITS
    if isinstance(op, ast.Add) and isinstance(left, (str, list, tuple)):
        return size(left) + size(right) <= MAX_SIZE
    return True


def compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    ops = {
        ast.Eq: operator.eq,
        ast.NotEq: operator.ne,
        ast.Lt: operator.lt,
        ast.LtE: operator.le,
        ast.Gt: operator.gt,
        ast.GtE: operator.ge,
        ast.Is: operator.is_,
        ast.IsNot: operator.is_not,
        ast.In: lambda a, b: a in b,
        ast.NotIn: lambda a, b: a not in b,
    }
    return bool(ops[type(op)](left, right))


def format_value(value: Any, spec: str) -> Any:
    """``format(value, spec)`` unless the spec asks for a huge width or precision."""
    if any(int(width) > MAX_SIZE for width in re.findall(_WIDTH, spec)):
        return UNRESOLVED
    return format(value, spec)


def apply_builtin(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if name == "Path":
        if kwargs or not all(isinstance(a, (str, PurePosixPath)) for a in args):
            return UNRESOLVED
        return PurePosixPath(*[str(a) for a in args])
    if name.startswith("os.path."):
        if kwargs or not all(isinstance(a, (str, PurePosixPath)) for a in args):
            return UNRESOLVED
        return OS_PATH[name.removeprefix("os.path.")](*[str(a) for a in args])
    if name == "str" and args and isinstance(args[0], PurePosixPath):
        return str(args[0])
    if name == "sum" and not _summable(args):
        return UNRESOLVED
    result = BUILTINS[name](*args, **kwargs)
    return UNRESOLVED if too_big(result) else result


def _summable(args: list[Any]) -> bool:
    """``sum(lists, [])`` concatenates: bound the total before doing it."""
    if not args or not isinstance(args[0], (list, tuple)):
        return True
    return sum(size(item) for item in args[0]) + size(args[1:] or 0) <= MAX_SIZE


def apply_method(owner: Any, method: str, args: list[Any]) -> Any:
    """A pure method of a known str or dict (``lang.lower()``, ``CODES.get(lang, lang)``)."""
    if isinstance(owner, dict) and method == "get" and 1 <= len(args) <= 2:
        return owner.get(args[0], args[1] if len(args) == 2 else None)
    if isinstance(owner, str) and method in STR_METHODS:
        if method == "replace" and len(args) >= 2:
            count = owner.count(args[0]) if args[0] else len(owner) + 1
            if len(owner) + count * len(str(args[1])) > MAX_SIZE:
                return UNRESOLVED
        result = getattr(owner, method)(*args)
        return UNRESOLVED if too_big(result) else result
    return UNRESOLVED
