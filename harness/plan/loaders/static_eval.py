"""Evaluate expressions of a training script statically: constants, arithmetic, names, calls.

Nothing is imported or executed. Names are followed to their bindings (module constants,
modules of the repository, class attributes, function parameters bound to the arguments of
the call that reaches them); arithmetic, f-strings, ``Path(...) / "x"``, a few pure builtins
(``int``, ``min``, ``os.path.join``...) and functions of the repository that return a value
(``seconds * 22050``, a language canonicalisation) are computed, each bounded in size
(``static_ops``). Anything else (a library call, the environment, the file system) is
*unresolved*, and the loader reports it as ``Unknown`` with its source text rather than
guessing. A branch is decided from what is known, or left to ``PathChoice``: the loader then
reads the script once per feasible path.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath
from typing import Any

from harness.plan.loaders.pyscope import Scope, Site
from harness.plan.loaders.static_names import ModuleRef, NameResolver
from harness.plan.loaders.static_ops import (
    MAX_DEPTH,
    MAX_SIZE,
    UNRESOLVED,
    apply_builtin,
    apply_method,
    binary,
    compare,
    format_value,
    too_big,
)
from harness.plan.loaders.static_values import (
    Builtin,
    ClassRef,
    ConfigObj,
    Context,
    Function,
    Namespace,
    Origin,
    PathChoice,
    Resolved,
    Samples,
    as_entries,
    call_name,
    to_plain,
)
from harness.plan.source import Unknown

__all__ = [
    "UNRESOLVED",
    "ClassRef",
    "ConfigObj",
    "Context",
    "Evaluator",
    "Function",
    "Origin",
    "PathChoice",
    "Resolved",
    "call_name",
    "to_plain",
]

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
MAX_CALL_DEPTH = 8


_NOTHING = object()


class Evaluator(NameResolver):
    """Resolves expressions of one script and the repository modules it imports."""

    def __init__(self, repo: Any, paths: PathChoice | None = None):
        super().__init__(repo, paths or PathChoice())
        self._objects: dict[int, ConfigObj] = {}  # one object per call node, as at run time
        self._depth = 0
        self._calling: list[int] = []

    # --- entry points ---------------------------------------------------------------------

    def setting(self, node: ast.expr, ctx: Context, key: str | None = None) -> Resolved:
        """A value to report: resolved, or Unknown carrying the expression's source text."""
        module = ctx.scope.module
        found = self.value(node, ctx)
        if found is UNRESOLVED or not _reportable(found.value):
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
        except (RecursionError, MemoryError):
            result = UNRESOLVED
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
        return UNRESOLVED if too_big(node.value) else node.value

    def _List(self, node: ast.List | ast.Tuple | ast.Set, ctx: Context) -> Any:
        items: list[Any] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                spread = self.plain(element.value, ctx)
                if not isinstance(spread, (list, tuple)) or len(items) + len(spread) > MAX_SIZE:
                    return UNRESOLVED
                items.extend(spread)
                continue
            found = self.value(element, ctx)
            if found is UNRESOLVED or isinstance(found.value, Unknown):
                return UNRESOLVED
            items.append(found.value)
        return tuple(items) if isinstance(node, ast.Tuple) else items

    _Tuple = _List
    _Set = _List

    def _Dict(self, node: ast.Dict, ctx: Context) -> Any:
        entries: dict[Any, Resolved] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:  # {**other}
                spread = self.value(value_node, ctx)
                if spread is UNRESOLVED or not isinstance(spread.value, dict):
                    return UNRESOLVED
                if len(entries) + len(spread.value) > MAX_SIZE:
                    return UNRESOLVED
                entries.update(as_entries(spread))
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
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.Invert):
            return ~operand
        return -operand if isinstance(node.op, ast.USub) else +operand

    def _BinOp(self, node: ast.BinOp, ctx: Context) -> Any:
        left, right = self.plain(node.left, ctx), self.plain(node.right, ctx)
        if left is UNRESOLVED or right is UNRESOLVED:
            return UNRESOLVED
        return binary(node.op, left, right)

    def _BoolOp(self, node: ast.BoolOp, ctx: Context) -> Any:
        # Short-circuit as Python does: `mode and COUNT < 4` is False when mode is False,
        # whatever COUNT is.
        is_and = isinstance(node.op, ast.And)
        result: Any = UNRESOLVED
        for value_node in node.values:
            result = self.plain(value_node, ctx)
            if result is UNRESOLVED:
                return UNRESOLVED
            if (not result) if is_and else bool(result):
                return result
        return result

    def _Compare(self, node: ast.Compare, ctx: Context) -> Any:
        left = self.plain(node.left, ctx)
        if left is UNRESOLVED:
            return UNRESOLVED
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.plain(comparator, ctx)
            if right is UNRESOLVED or not compare(op, left, right):
                return UNRESOLVED if right is UNRESOLVED else False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp, ctx: Context) -> Any:
        test = self.plain(node.test, ctx)
        if test is UNRESOLVED:
            return UNRESOLVED
        return self.value(node.body if test else node.orelse, ctx)

    def _JoinedStr(self, node: ast.JoinedStr, ctx: Context) -> Any:
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            inner = self.plain(value.value, ctx)
            spec = self.plain(value.format_spec, ctx) if value.format_spec else ""
            if inner is UNRESOLVED or spec is UNRESOLVED:
                return UNRESOLVED
            converter = {ord("r"): repr, ord("a"): ascii, ord("s"): str}.get(value.conversion)
            text = format_value(converter(inner) if converter else inner, spec)
            if text is UNRESOLVED or sum(map(len, parts)) + len(text) > MAX_SIZE:
                return UNRESOLVED
            parts.append(text)
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
        if isinstance(owner, ConfigObj):
            found = owner.kwargs.get(node.attr)
            if found is None or isinstance(found.value, Unknown):
                return UNRESOLVED
            return found
        if isinstance(owner, Namespace):
            return owner.values.get(node.attr, UNRESOLVED)
        if isinstance(owner, PurePosixPath) and node.attr in ("name", "stem", "suffix", "parent"):
            return getattr(owner, node.attr)
        return self.attribute(owner, node.attr)

    def _Name(self, node: ast.Name, ctx: Context) -> Any:
        return self.name(node.id, ctx)

    def _Call(self, node: ast.Call, ctx: Context) -> Any:
        name = call_name(node)
        if name in CONFIG_CLASSES:
            return self._config(node, name, ctx)
        if name == "load_tts_samples":
            return (Samples("train", self._counted(node, ctx)), Samples("eval"))
        if name in ("parse_args", "parse_known_args") and self.namespace is not None:
            namespace = Namespace(self.namespace)
            return namespace if name == "parse_args" else (namespace, [])
        function = self.value(node.func, ctx)
        if function is UNRESOLVED:
            return UNRESOLVED
        callee = function.value
        if isinstance(callee, Function):
            return self._call_function(callee, node, ctx)
        if isinstance(node.func, ast.Attribute) and not isinstance(callee, Builtin):
            return UNRESOLVED
        if not isinstance(callee, Builtin):
            return UNRESOLVED
        args = [self.plain(a, ctx) for a in node.args]
        kwargs = {k.arg: self.plain(k.value, ctx) for k in node.keywords if k.arg}
        if len(kwargs) != len(node.keywords) or UNRESOLVED in args + list(kwargs.values()):
            return UNRESOLVED
        if callee.name.startswith("."):
            return apply_method(callee.owner, callee.name[1:], args) if not kwargs else UNRESOLVED
        if callee.name == "len" and args and isinstance(args[0], Samples):
            size = self.dataset_size if self.dataset_size is not None else args[0].count
            return UNRESOLVED if size is None or args[0].split != "train" else size
        return apply_builtin(callee.name, args, kwargs)

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
                obj.kwargs.update(as_entries(spread))
        self._objects[id(node)] = obj
        return obj

    def _counted(self, node: ast.Call, ctx: Context) -> int | None:
        """Train samples of ``load_tts_samples([dataset], ...)``: the rows of a single
        dataset's ``meta_file_train`` when its eval samples come from ``meta_file_val``."""
        from harness.plan.loaders.dataset_rows import count_samples

        if self.dataset_size is not None or not node.args:
            return None
        found = self.plain(node.args[0], ctx)
        if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], ConfigObj):
            return None
        fields = {k: to_plain(v) for k, v in found[0].kwargs.items()}
        parts = [fields.get(k) for k in ("path", "meta_file_train", "formatter")]
        if not all(isinstance(p, str) for p in parts) or not fields.get("meta_file_val"):
            return None
        roots = (Path.cwd(), self.repo.root)
        return count_samples(parts[0], parts[1], parts[2], roots)

    # --- functions of the repository ------------------------------------------------------

    def _call_function(self, function: Function, node: ast.Call, ctx: Context) -> Any:
        """The value a repository function returns for these arguments, when it is plain."""
        key = id(function.scope)
        if key in self._calling or len(self._calling) >= MAX_CALL_DEPTH:
            return UNRESOLVED
        frame = self.bind_arguments(function, node, ctx)
        if frame is None:
            return UNRESOLVED
        saved = self.frames.get(key)
        self.frames[key] = frame
        self._calling.append(key)
        try:
            definition = function.scope.definition
            result = self._run(function.scope, getattr(definition, "body", []))
        finally:
            self._calling.pop()
            if saved is None:
                self.frames.pop(key, None)
            else:
                self.frames[key] = saved
        if result is _NOTHING:
            return None
        return result

    def bind_arguments(
        self, function: Function, node: ast.Call, ctx: Context
    ) -> dict[str, tuple[ast.expr, Context]] | None:
        """Parameter name -> (argument expression, caller context); None if not bindable."""
        definition = function.scope.definition
        if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        arguments = definition.args
        positional = [a.arg for a in arguments.posonlyargs + arguments.args][function.skip :]
        names = set(positional) | {a.arg for a in arguments.kwonlyargs}
        frame: dict[str, tuple[ast.expr, Context]] = {}
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred) or index >= len(positional):
                return None
            frame[positional[index]] = (arg, ctx)
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg not in names:
                if keyword.arg is None or arguments.kwarg is None:
                    return None
                continue
            frame[keyword.arg] = (keyword.value, ctx)
        return frame

    def _run(self, scope: Scope, statements: list[ast.stmt]) -> Any:
        """Follow a function body to its ``return``: ifs decided, loops and raises opaque."""
        module = scope.module
        for statement in statements:
            at = (statement.lineno, statement.col_offset)
            ctx = Context(scope, at, module.stmt_blocks.get(id(statement), ()))
            if isinstance(statement, ast.Return):
                if statement.value is None:
                    return None
                return self.value(statement.value, ctx)
            if isinstance(statement, ast.Raise):
                return UNRESOLVED
            if isinstance(statement, ast.If):
                test = self.plain(statement.test, ctx)
                if test is UNRESOLVED:
                    return UNRESOLVED
                result = self._run(scope, statement.body if test else statement.orelse)
                if result is not _NOTHING:
                    return result
            elif any(isinstance(n, (ast.Return, ast.Raise)) for n in ast.walk(statement)):
                return UNRESOLVED  # a return inside a loop, try or with: not followed
        return _NOTHING


def _reportable(value: Any) -> bool:
    return not isinstance(value, (Builtin, Function, ClassRef, Namespace, Samples, ModuleRef))
