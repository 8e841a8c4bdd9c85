"""Scopes and name bindings of a Python file, read with ``ast`` (the file is never run).

A ``Scope`` is a module, function or class body. Each name bound in it keeps every binding
in file order, with the line of its statement and the *block* it sits in: the tuple of
``if``/``for``/``while``/``except`` bodies around it. A binding inside a block is only
certain for uses inside the same block, so the evaluator can tell "set" from "maybe set".
Config calls (``GPTTrainerConfig(...)``) and attribute assignments (``config.lr = ...``)
are recorded with the same context, so the loader knows where and under what condition they
run.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from harness.plan.loaders.parse_cache import ParsedFile

_block_ids = itertools.count(1)


@dataclass
class Binding:
    """One statement that binds a name."""

    at: tuple[int, int]  # (line, column) of the statement: `a = 1; b = a` is in order
    kind: str  # value | augassign | param | import | from | function | class | unpack | opaque
    node: ast.expr | None = None  # the value (or the parameter default, or what is unpacked)
    block: tuple[int, ...] = ()
    module: str | None = None  # import / from: the module named
    name: str | None = None  # from: the imported name; augassign: the operator node's class
    op: ast.operator | None = None
    scope: Scope | None = None  # function / class: its body
    index: int = 0  # unpack: the position in the unpacked value

    @property
    def line(self) -> int:
        return self.at[0]


NodeT = TypeVar("NodeT", bound=ast.AST)


@dataclass
class Site(Generic[NodeT]):
    """A call or an attribute assignment, with where it runs."""

    node: NodeT  # a call: the ast.Call; an assignment: its Attribute or Subscript target
    scope: Scope
    at: tuple[int, int]  # the statement holding it: bindings before it are visible
    block: tuple[int, ...]
    value: ast.expr | None = None  # for attribute assignments: the assigned value

    @property
    def line(self) -> int:
        return self.at[0]


@dataclass(eq=False)
class Scope:
    module: ModuleInfo
    kind: str  # module | function | class
    parent: Scope | None
    name: str = "<module>"
    at: tuple[int, int] = (0, 0)  # where a function is defined (its defaults run there)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    stars: list[tuple[str, int]] = field(default_factory=list)  # from X import *: (X, level)
    definition: ast.AST | None = None  # function / class: its def statement

    @property
    def decorators(self) -> list[str]:
        found = getattr(self.definition, "decorator_list", [])
        return [d.id for d in found if isinstance(d, ast.Name)]

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass(frozen=True)
class Block:
    """A conditional body: ``if test`` (``polarity`` False for the ``else``), or a loop,
    ``except`` or ``case`` body (``test`` None: whether and how often it runs is not read)."""

    test: ast.expr | None
    polarity: bool
    scope: Scope
    at: tuple[int, int]  # the statement holding it
    parent: tuple[int, ...]  # the blocks around that statement


@dataclass
class _Index:
    """What one walk over a file's statements records (see ``_Collector``)."""

    scope: Scope
    calls: list[Site[ast.Call]] = field(default_factory=list)
    assignments: list[Site[ast.expr]] = field(default_factory=list)
    blocks: dict[int, Block] = field(default_factory=dict)
    stmt_blocks: dict[int, tuple[int, ...]] = field(default_factory=dict)  # id(stmt) -> block


@dataclass(eq=False)
class ModuleInfo:
    """One parsed file: its text (for source segments), scopes, calls and assignments.

    The scopes, calls and assignments are collected when first asked for: a module the
    script imports only for a name that never reaches the config costs its parse alone."""

    path: Path
    display: str
    text: str
    tree: ast.Module
    _lines: list[bytes] | None = None
    parsed: ParsedFile | None = None  # the load's parse of the file, shared with other readers
    _index: _Index | None = field(default=None, repr=False)

    @property
    def scope(self) -> Scope:
        return self._indexed().scope

    @property
    def calls(self) -> list[Site[ast.Call]]:
        return self._indexed().calls

    @property
    def assignments(self) -> list[Site[ast.expr]]:
        return self._indexed().assignments

    @property
    def blocks(self) -> dict[int, Block]:
        return self._indexed().blocks

    @property
    def stmt_blocks(self) -> dict[int, tuple[int, ...]]:
        return self._indexed().stmt_blocks

    def _indexed(self) -> _Index:
        if self._index is None:
            index = _Index(Scope(self, "module", None))
            _Collector(self, index).body(self.tree.body, index.scope, ())
            self._index = index
        return self._index

    def of(self, *types: type) -> list[Any]:
        """The file's nodes of these types (``ast.walk`` order), selected once per load."""
        if self.parsed is None:
            self.parsed = ParsedFile(self.text, self.tree)
        return self.parsed.of(*types)

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` on one line (ast offsets are UTF-8 byte offsets)."""
        if self._lines is None:
            # Only \n ends a line for ast (the text is read with newlines normalised);
            # str.splitlines would also split at form feeds and U+2028 inside strings.
            self._lines = [line.encode("utf-8") for line in self.text.split("\n")]
        start, end = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        if start >= len(self._lines):
            return ast.unparse(node)
        if start == end:
            raw = self._lines[start][node.col_offset : node.end_col_offset]
        else:
            parts = [self._lines[start][node.col_offset :]]
            parts += self._lines[start + 1 : end]
            parts.append(self._lines[end][: node.end_col_offset])
            raw = b"\n".join(parts)
        text = " ".join(raw.decode("utf-8", "replace").split())
        return text if len(text) <= 200 else text[:197] + "..."


class _Collector:
    """Walks statements once, recording bindings, calls and attribute assignments."""

    def __init__(self, module: ModuleInfo, index: _Index):
        self.module = module
        self.index = index

    def body(self, statements: list[ast.stmt], scope: Scope, block: tuple[int, ...]) -> None:
        for statement in statements:
            self.statement(statement, scope, block)

    def statement(self, node: ast.stmt, scope: Scope, block: tuple[int, ...]) -> None:
        self.index.stmt_blocks[id(node)] = block
        self._calls(node, scope, block)
        at = _at(node)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._target(target, node.value, at, scope, block)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._target(node.target, node.value, at, scope, block)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                binding = Binding(at, "augassign", node.value, block, op=node.op)
                scope.bind(node.target.id, binding)
            else:
                self._attribute(node.target, None, at, scope, block)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                module = alias.name if alias.asname else alias.name.split(".")[0]
                scope.bind(bound, Binding(at, "import", block=block, module=module))
        elif isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    scope.stars.append((node.module or "", node.level))
                else:
                    binding = Binding(at, "from", block=block, module=source, name=alias.name)
                    scope.bind(alias.asname or alias.name, binding)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = self._function(node, scope)
            scope.bind(node.name, Binding(at, "function", block=block, scope=inner))
        elif isinstance(node, ast.ClassDef):
            inner = Scope(self.module, "class", scope, node.name, at, definition=node)
            scope.bind(node.name, Binding(at, "class", block=block, scope=inner))
            self.body(node.body, inner, ())
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            scope.globals.update(node.names)
        else:
            self._compound(node, scope, block)

    def _inner(self, block, scope, node, test=None, polarity=True) -> tuple[int, ...]:
        """A new conditional block inside ``block``, recorded with its condition."""
        inner = _inner(block)
        self.index.blocks[inner[-1]] = Block(test, polarity, scope, _at(node), block)
        return inner

    def _compound(self, node: ast.stmt, scope: Scope, block: tuple[int, ...]) -> None:
        if isinstance(node, ast.If):
            if _is_main_guard(node.test):  # runs whenever the file is run as a script
                self.body(node.body, scope, block)
                self.body(node.orelse, scope, self._inner(block, scope, node))
            else:
                self.body(node.body, scope, self._inner(block, scope, node, node.test, True))
                self.body(node.orelse, scope, self._inner(block, scope, node, node.test, False))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            inner = self._inner(block, scope, node)
            if not isinstance(node, ast.While):
                self._opaque_targets(node.target, _at(node), scope, inner)
            self.body(node.body, scope, inner)
            self.body(node.orelse, scope, self._inner(block, scope, node))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._opaque_targets(item.optional_vars, _at(node), scope, block)
            self.body(node.body, scope, block)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.body(node.body, scope, block)
            for handler in node.handlers:
                inner = self._inner(block, scope, handler)
                if handler.name:
                    scope.bind(handler.name, Binding(_at(handler), "opaque", block=inner))
                self.body(handler.body, scope, inner)
            self.body(node.orelse, scope, block)
            self.body(node.finalbody, scope, block)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                self.body(case.body, scope, self._inner(block, scope, node))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: Scope) -> Scope:
        scope = Scope(self.module, "function", parent, node.name, _at(node), definition=node)
        arguments = node.args
        positional = arguments.posonlyargs + arguments.args
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += arguments.defaults
        pairs = list(zip(positional, defaults, strict=True))
        pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True))
        for arg, default in pairs:
            scope.bind(arg.arg, Binding(_at(arg), "param", default))
        for arg in (arguments.vararg, arguments.kwarg):
            if arg is not None:
                scope.bind(arg.arg, Binding(_at(arg), "opaque"))
        self.body(node.body, scope, ())
        return scope

    def _target(self, target, value, at, scope, block) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding(at, "value", value, block))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            pairs_up = values is not None and len(values) == len(target.elts)
            if pairs_up and not any(isinstance(v, ast.Starred) for v in values + target.elts):
                for sub_target, sub_value in zip(target.elts, values, strict=True):
                    self._target(sub_target, sub_value, at, scope, block)
                return
            if isinstance(value, ast.Call) and all(isinstance(t, ast.Name) for t in target.elts):
                for index, name in enumerate(target.elts):  # a, b = f(): read f's result
                    scope.bind(name.id, Binding(at, "unpack", value, block, index=index))
                return
            self._opaque_targets(target, at, scope, block)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            self._attribute(target, value, at, scope, block)

    def _attribute(self, target, value, at, scope, block) -> None:
        self.index.assignments.append(Site(target, scope, at, block, value))

    def _opaque_targets(self, target, at, scope, block) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                scope.bind(node.id, Binding(at, "opaque", block=block))

    def _calls(self, node: ast.stmt, scope: Scope, block: tuple[int, ...]) -> None:
        for child in _expressions(node):
            for sub in _walk_expression(child):
                if isinstance(sub, ast.Call):
                    self.index.calls.append(Site(sub, scope, _at(node), block))


def _expressions(node: ast.stmt):
    """The expressions a statement evaluates itself (not those of nested statements)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return
    for _, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.expr):
                    yield item
                elif isinstance(item, ast.withitem):
                    yield item.context_expr


def _walk_expression(node: ast.expr):
    """ast.walk that does not enter lambdas (their body runs later, if ever)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.Lambda):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


def _at(node: ast.AST) -> tuple[int, int]:
    return (node.lineno, node.col_offset)


def _inner(block: tuple[int, ...]) -> tuple[int, ...]:
    """A new conditional block inside ``block``."""
    return (*block, next(_block_ids))


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def condition_key(block: Block) -> tuple[str, str]:
    """The same condition written twice in a module (``if USE_SMALL:`` at the top and in a
    function) is one assumption: both take the same outcome on a path."""
    return (block.scope.module.display, ast.dump(block.test))


def condition_text(block: Block, outcome: bool) -> str:
    """``when len(train_samples) < 3000 (utils/gpt_train.py:40)`` for one assumed outcome."""
    text = block.scope.module.segment(block.test)
    where = f"{block.scope.module.display}:{block.test.lineno}"
    return f"when {text}" + ("" if outcome else " is false") + f" ({where})"
