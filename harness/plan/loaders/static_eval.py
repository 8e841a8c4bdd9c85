"""Evaluate expressions of a training script statically: constants, arithmetic, names.

Nothing is imported or executed. Names are followed to their bindings (module constants, a
settings module in the script's folder, function parameter defaults); arithmetic, f-strings,
``Path(...) / "x"`` and a few pure builtins (``int``, ``float``, ``str``, ``min``, ``max``,
``round``, ``os.path.join``...) are computed. Anything else (a call into a library, a value
that depends on a branch, the environment or the file system) is *unresolved*, and the
loader reports it as ``Unknown`` with its source text rather than guessing.
"""

from __future__ import annotations

import ast
import math
import operator
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from harness.plan.loaders.pyscope import Binding, ModuleInfo, Scope, Site
from harness.plan.source import Unknown

# Calls that build an object whose keyword arguments are read as settings.
CONFIG_CLASSES = frozenset(
    {
        "GPTTrainerConfig",
        "GPTArgs",
        "XttsArgs",
        "XttsAudioConfig",
        "TrainerArgs",
        "BaseDatasetConfig",
        "LoraConfig",
        "EMAModel",
        "ExponentialMovingAverage",
        "AveragedModel",
        "WarmupLRScheduler",
    }
)
BUILTINS = {
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
OS_PATH = {"join": posixpath.join, "basename": posixpath.basename, "dirname": posixpath.dirname}
MATH_CONSTANTS = {"inf": math.inf, "nan": math.nan, "pi": math.pi, "e": math.e}
MAX_SIZE = 100_000  # longest string or list a computation may build
MAX_DEPTH = 60


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()


@dataclass(frozen=True)
class Origin:
    """Where a value was written: the file, the line, and the name it was bound to."""

    module: ModuleInfo
    node: ast.AST | None  # None for a module bound by an import
    line: int
    key: str | None = None

    @property
    def file(self) -> str:
        return self.module.display

    def text(self) -> str:
        return self.module.segment(self.node) if self.node is not None else str(self.key)


@dataclass
class Resolved:
    """A value and its origin. ``value`` may be Unknown, a ConfigObj, or a dict of Resolved."""

    value: Any
    origin: Origin


@dataclass(eq=False)
class ConfigObj:
    """A config class call: its keyword arguments, each resolved (or Unknown) on its own."""

    cls: str
    site: Site
    kwargs: dict[str, Resolved]
    complete: bool = True  # False when ``**spread`` or positional arguments were not readable


@dataclass(frozen=True)
class _ModuleRef:
    """A module bound by an import: a file in the script's folder, or an outside module."""

    name: str
    info: ModuleInfo | None = None  # None: not in the script's folder (a library)


@dataclass(frozen=True)
class _Builtin:
    name: str


@dataclass(frozen=True)
class Context:
    scope: Scope
    at: tuple[int, int]  # bindings of this scope before this (line, column) are visible
    block: tuple[int, ...]


class Evaluator:
    """Resolves expressions of one script and the settings modules beside it."""

    def __init__(self, main: ModuleInfo):
        self.main = main
        self.folder = main.path.parent
        self._modules: dict[Path, ModuleInfo | None] = {main.path.resolve(): main}
        self._active: set[int] = set()
        self._objects: dict[int, ConfigObj] = {}  # one object per call node, as at run time
        self._depth = 0
        self.notes: list[str] = []

    # --- entry points ---------------------------------------------------------------------

    def setting(self, node: ast.expr, ctx: Context, key: str | None = None) -> Resolved:
        """A value to report: resolved, or Unknown carrying the expression's source text."""
        module = ctx.scope.module
        found = self.value(node, ctx)
        if found is UNRESOLVED or isinstance(found.value, (_ModuleRef, _Builtin)):
            return Resolved(Unknown(module.segment(node)), Origin(module, node, node.lineno, key))
        return found

    def call_site(self, site: Site) -> ConfigObj | Any:
        return self.value(site.node, Context(site.scope, site.at, site.block))

    def value(self, node: ast.expr, ctx: Context) -> Resolved | Any:
        if self._depth > MAX_DEPTH:
            return UNRESOLVED
        self._depth += 1
        try:
            handler = getattr(self, "_" + type(node).__name__, None)
            result = handler(node, ctx) if handler else UNRESOLVED
        except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, AttributeError):
            result = UNRESOLVED  # the expression would fail or is not what it seems
        finally:
            self._depth -= 1
        if result is UNRESOLVED or isinstance(result, Resolved):
            return result
        return Resolved(result, Origin(ctx.scope.module, node, node.lineno))

    def plain(self, node: ast.expr, ctx: Context) -> Any:
        """The value as plain Python data (ConfigObj kept), or UNRESOLVED."""
        found = self.value(node, ctx)
        return UNRESOLVED if found is UNRESOLVED else to_plain(found.value)

    # --- expressions ----------------------------------------------------------------------

    def _Constant(self, node: ast.Constant, ctx: Context) -> Any:
        return node.value

    def _List(self, node: ast.List | ast.Tuple | ast.Set, ctx: Context) -> Any:
        items = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                spread = self.plain(element.value, ctx)
                if not isinstance(spread, (list, tuple)):
                    return UNRESOLVED
                items.extend(spread)
                continue
            found = self.value(element, ctx)
            if found is UNRESOLVED or isinstance(found.value, Unknown):
                return UNRESOLVED
            items.append(found.value)
        return items

    _Tuple = _List
    _Set = _List

    def _Dict(self, node: ast.Dict, ctx: Context) -> Any:
        entries: dict[Any, Resolved] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:  # {**other}
                spread = self.value(value_node, ctx)
                if spread is UNRESOLVED or not isinstance(spread.value, dict):
                    return UNRESOLVED
                entries.update(_as_entries(spread))
                continue
            key = self.plain(key_node, ctx)
            if key is UNRESOLVED or isinstance(key, (list, dict)):
                return UNRESOLVED
            entries[key] = self.setting(value_node, ctx)
        return entries

    def _UnaryOp(self, node: ast.UnaryOp, ctx: Context) -> Any:
        operand = self.plain(node.operand, ctx)
        if operand is UNRESOLVED:
            return UNRESOLVED
        ops = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
        ops[ast.Invert] = operator.invert
        return ops[type(node.op)](operand)

    def _BinOp(self, node: ast.BinOp, ctx: Context) -> Any:
        left, right = self.plain(node.left, ctx), self.plain(node.right, ctx)
        if left is UNRESOLVED or right is UNRESOLVED:
            return UNRESOLVED
        return binary(node.op, left, right)

    def _BoolOp(self, node: ast.BoolOp, ctx: Context) -> Any:
        values = [self.plain(v, ctx) for v in node.values]
        if any(v is UNRESOLVED for v in values):
            return UNRESOLVED
        result = values[0]
        for value in values[1:]:
            result = (result and value) if isinstance(node.op, ast.And) else (result or value)
        return result

    def _Compare(self, node: ast.Compare, ctx: Context) -> Any:
        left = self.plain(node.left, ctx)
        if left is UNRESOLVED:
            return UNRESOLVED
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.plain(comparator, ctx)
            if right is UNRESOLVED or not _compare(op, left, right):
                return UNRESOLVED if right is UNRESOLVED else False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp, ctx: Context) -> Any:
        test = self.plain(node.test, ctx)
        if test is UNRESOLVED:
            return UNRESOLVED
        return self.value(node.body if test else node.orelse, ctx)

    def _JoinedStr(self, node: ast.JoinedStr, ctx: Context) -> Any:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            inner = self.plain(value.value, ctx)
            spec = self.plain(value.format_spec, ctx) if value.format_spec else ""
            if inner is UNRESOLVED or spec is UNRESOLVED:
                return UNRESOLVED
            converter = {ord("r"): repr, ord("a"): ascii, ord("s"): str}.get(value.conversion)
            parts.append(format(converter(inner) if converter else inner, spec))
        return "".join(parts)

    def _Subscript(self, node: ast.Subscript, ctx: Context) -> Any:
        base = self.value(node.value, ctx)
        index = self.plain(node.slice, ctx)
        if base is UNRESOLVED or index is UNRESOLVED:
            return UNRESOLVED
        container = base.value
        if isinstance(container, dict):
            found = container[index]
            return found if not isinstance(found.value, Unknown) else UNRESOLVED
        if isinstance(container, (list, tuple, str)) and isinstance(index, int):
            return container[index]
        return UNRESOLVED

    def _Attribute(self, node: ast.Attribute, ctx: Context) -> Any:
        base = self.value(node.value, ctx)
        if base is UNRESOLVED:
            return UNRESOLVED
        owner = base.value
        if isinstance(owner, _ModuleRef):
            return self._module_attribute(owner, node.attr)
        if isinstance(owner, ConfigObj):
            found = owner.kwargs.get(node.attr)
            if found is None or isinstance(found.value, Unknown):
                return UNRESOLVED
            return found
        if isinstance(owner, PurePosixPath) and node.attr in ("name", "stem", "suffix", "parent"):
            return getattr(owner, node.attr)
        return UNRESOLVED

    def _Name(self, node: ast.Name, ctx: Context) -> Any:
        return self.name(node.id, ctx)

    def _Call(self, node: ast.Call, ctx: Context) -> Any:
        name = call_name(node)
        if name in CONFIG_CLASSES:
            return self._config(node, name, ctx)
        function = self.value(node.func, ctx)
        if function is UNRESOLVED or not isinstance(function.value, _Builtin):
            return UNRESOLVED
        args = [self.plain(a, ctx) for a in node.args]
        kwargs = {k.arg: self.plain(k.value, ctx) for k in node.keywords if k.arg}
        if len(kwargs) != len(node.keywords) or UNRESOLVED in args + list(kwargs.values()):
            return UNRESOLVED
        return _apply(function.value.name, args, kwargs)

    def _config(self, node: ast.Call, name: str, ctx: Context) -> ConfigObj:
        if id(node) in self._objects:
            return self._objects[id(node)]
        site = Site(node, ctx.scope, ctx.at, ctx.block)
        obj = ConfigObj(name, site, {}, complete=not node.args)
        for keyword in node.keywords:
            if keyword.arg is not None:
                obj.kwargs[keyword.arg] = self.setting(keyword.value, ctx, None)
                continue
            spread = self.value(keyword.value, ctx)  # **kwargs
            if spread is UNRESOLVED or not isinstance(spread.value, dict):
                obj.complete = False
            else:
                obj.kwargs.update(_as_entries(spread))
        self._objects[id(node)] = obj
        return obj

    # --- names ----------------------------------------------------------------------------

    def name(self, name: str, ctx: Context) -> Any:
        binding, scope = lookup(name, ctx)
        if binding is None:
            if scope is not None:  # not bound in any scope: a builtin, or from a star import
                return self._star_or_builtin(name, scope)
            return UNRESOLVED
        key = id(binding)
        if key in self._active:  # a cycle (x = x + 1 at module level seen from below)
            return UNRESOLVED
        self._active.add(key)
        try:
            found = self._binding(name, binding, scope)
        finally:
            self._active.discard(key)
        if found is UNRESOLVED:
            return UNRESOLVED
        if isinstance(found, Resolved) and found.origin.key is None:
            origin = found.origin
            line = binding.line if binding.kind != "value" else origin.line
            found = Resolved(found.value, Origin(origin.module, origin.node, line, name))
        return found

    def _binding(self, name: str, binding: Binding, scope: Scope) -> Any:
        ctx = Context(scope, binding.at, binding.block)
        if binding.kind == "value":
            return self.value(binding.node, ctx)
        if binding.kind == "augassign":
            before = self.plain(ast.Name(id=name, ctx=ast.Load()), ctx)
            after = self.plain(binding.node, ctx)
            if before is UNRESOLVED or after is UNRESOLVED:
                return UNRESOLVED
            result = binary(binding.op, before, after)
            return Resolved(result, Origin(scope.module, binding.node, binding.line, name))
        if binding.kind == "param":
            if binding.node is None or scope.parent is None:
                return UNRESOLVED  # a parameter without a default: the caller decides
            outer = Context(scope.parent, scope.at, ())
            found = self.value(binding.node, outer)
            if found is UNRESOLVED:
                return UNRESOLVED
            return Resolved(found.value, Origin(scope.module, binding.node, binding.line, name))
        if binding.kind == "import":
            return Resolved(self._import(binding.module, 0), Origin(scope.module, None, 0))
        if binding.kind == "from":
            level = len(binding.module) - len(binding.module.lstrip("."))
            dotted = binding.module.lstrip(".")
            if not dotted and level == 1:  # from . import settings: a module of the folder
                return Resolved(self._import(binding.name, 1), Origin(scope.module, None, 0))
            module = self._import(dotted, level)
            return self._module_attribute(module, binding.name)
        return UNRESOLVED

    def _star_or_builtin(self, name: str, scope: Scope) -> Any:
        module_scope = scope
        while module_scope.parent is not None:
            module_scope = module_scope.parent
        for star, level in module_scope.stars:
            module = self._import(star, level)
            if module.info is not None and name in module.info.scope.bindings:
                return self._module_attribute(module, name)
        if name in BUILTINS:
            return _Builtin(name)
        return UNRESOLVED

    # --- modules --------------------------------------------------------------------------

    def _import(self, dotted: str, level: int) -> _ModuleRef:
        """A module in the script's folder, parsed (never imported), or an outside module."""
        if level > 1 or not dotted:
            return _ModuleRef(dotted or ".", None)
        path = self.folder.joinpath(*dotted.split("."))
        for candidate in (path.with_suffix(".py"), path / "__init__.py"):
            info = self._parse(candidate)
            if info is not None:
                return _ModuleRef(dotted, info)
        return _ModuleRef(dotted, None)

    def _parse(self, path: Path) -> ModuleInfo | None:
        key = path.resolve()
        if key not in self._modules:
            self._modules[key] = None
            if path.is_file():
                display = str(Path(self.main.display).parent / path.relative_to(self.folder))
                try:
                    text = path.read_text(encoding="utf-8")
                    self._modules[key] = ModuleInfo(path, display, text, ast.parse(text))
                except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as error:
                    self.notes.append(f"{display}: not read ({type(error).__name__})")
        return self._modules[key]

    def _module_attribute(self, module: _ModuleRef, attr: str) -> Any:
        if module.info is None:
            qualified = f"{module.name}.{attr}"
            if attr in PATH_CLASSES and module.name in ("pathlib", ""):
                return _Builtin("Path")
            if qualified in ("os.path", "math"):
                return _ModuleRef(qualified, None)
            if module.name == "os.path" and attr in OS_PATH:
                return _Builtin("os.path." + attr)
            if module.name == "math" and attr in MATH_CONSTANTS:
                return MATH_CONSTANTS[attr]
            return UNRESOLVED
        if attr in module.info.scope.bindings:
            scope = module.info.scope
            return self.name(attr, Context(scope, (10**9, 0), ()))
        return self._import(f"{module.name}.{attr}", 0)  # a submodule of a local package


def lookup(name: str, ctx: Context) -> tuple[Binding | None, Scope | None]:
    """The binding a use of ``name`` sees, and its scope.

    Returns (None, scope) when no scope binds the name (a builtin or a star import), and
    (None, None) when the visible binding is uncertain (set in a branch the use is not in).
    """
    scope: Scope | None = ctx.scope
    same_scope = True
    while scope is not None:
        if scope.kind == "class" and not same_scope:
            scope = scope.parent  # methods do not see class-level names
            continue
        if name in scope.globals:
            while scope.parent is not None:
                scope = scope.parent
            same_scope = False
        bindings = scope.bindings.get(name)
        if bindings:
            if same_scope:
                visible = [b for b in bindings if b.at < ctx.at]
                use_block = ctx.block
            else:  # a function body runs after the enclosing code has bound its names
                visible, use_block = bindings, ()
            if not visible:
                return None, None
            last = visible[-1]
            if last.block != use_block[: len(last.block)]:
                return None, None
            return last, scope
        scope = scope.parent
        same_scope = False
    return None, ctx.scope


def call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def to_plain(value: Any) -> Any:
    """Resolved containers -> plain data; UNRESOLVED when an Unknown hides inside.

    Paths and tuples stay what they are (``Path(x) / "y"`` still needs the path); the loader
    turns them into strings and lists when it reports a value.
    """
    if isinstance(value, Resolved):
        value = value.value
    if isinstance(value, Unknown):
        return UNRESOLVED
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            plain = to_plain(item)
            if plain is UNRESOLVED:
                return UNRESOLVED
            out[key] = plain
        return out
    if isinstance(value, (list, tuple)):
        items = [to_plain(item) for item in value]
        if any(i is UNRESOLVED for i in items):
            return UNRESOLVED
        return items if isinstance(value, list) else tuple(items)
    return value


def _as_entries(found: Resolved) -> dict[Any, Resolved]:
    return {
        key: item if isinstance(item, Resolved) else Resolved(item, found.origin)
        for key, item in found.value.items()
    }


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


def binary(op: ast.operator, left: Any, right: Any) -> Any:
    if isinstance(op, ast.Div) and isinstance(left, PurePosixPath):
        return left / str(right)
    if isinstance(left, str) and isinstance(op, ast.Mod):
        return UNRESOLVED  # %-formatting: not worth the risk of surprises
    if isinstance(op, ast.Pow) and (abs(right) > 64 or abs(left) > 10**6):
        return UNRESOLVED  # 10 ** 10 ** 10 would never finish
    if isinstance(op, ast.Mult):
        for seq, count in ((left, right), (right, left)):
            is_repeat = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
            if is_repeat and len(seq) * count > MAX_SIZE:
                return UNRESOLVED
    if isinstance(op, (ast.BitAnd, ast.BitOr)) and not isinstance(left, (int, bool)):
        return UNRESOLVED
    result = _BINARY[type(op)](left, right)
    if isinstance(result, (str, list, tuple)) and len(result) > MAX_SIZE:
        return UNRESOLVED
    return result


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
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


def _apply(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
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
    function = BUILTINS[name]
    result = function(*args, **kwargs)
    if isinstance(result, (str, list, tuple)) and len(result) > MAX_SIZE:
        return UNRESOLVED
    return result
