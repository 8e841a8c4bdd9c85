"""The values the static evaluator works with, and where each was written.

``Resolved`` pairs a value with its ``Origin`` (file, line, the name it was bound to);
``ConfigObj`` is a config class call with its keyword arguments; the other classes stand
for things a script refers to that are not data: a repository function or class, the
namespace ``parse_args()`` returns, the sample lists of ``load_tts_samples``, a pure builtin.
``PathChoice`` holds the outcomes assumed for conditions that cannot be decided.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from harness.plan.loaders.pyscope import Block, ModuleInfo, Scope, Site, condition_key
from harness.plan.loaders.static_ops import UNRESOLVED
from harness.plan.source import Unknown


@dataclass(frozen=True)
class Origin:
    """Where a value was written: the file, the line, and the name it was bound to."""

    module: ModuleInfo
    node: ast.AST | None  # None for a module bound by an import
    line: int | None
    key: str | None = None
    label: str | None = None  # shown instead of the file: "command line", "--set"

    @property
    def file(self) -> str:
        return self.label or self.module.display

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
class Context:
    scope: Scope
    at: tuple[int, int]  # bindings of this scope before this (line, column) are visible
    block: tuple[int, ...]


@dataclass(frozen=True)
class Function:
    scope: Scope
    skip: int = 0  # leading parameters the call does not pass (``cls`` of a classmethod)


@dataclass(frozen=True)
class ClassRef:
    scope: Scope


@dataclass(frozen=True)
class Namespace:
    """What ``parser.parse_args()`` returns, bound statically from the command line."""

    values: dict[str, Resolved]


@dataclass(frozen=True)
class Samples:
    """The train (or eval) sample list ``load_tts_samples`` returns: its length is the
    dataset size when that is known (``--set dataset_size``, or the rows of its CSV)."""

    split: str
    count: int | None = None


@dataclass
class PathChoice:
    """Assumed outcomes of undecidable conditions, and the ones met that are not assumed."""

    assume: dict[Any, bool] = field(default_factory=dict)  # condition_key -> outcome
    open: list[Block] = field(default_factory=list)
    allow_fork: bool = True

    def ask(self, block: Block) -> None:
        key = condition_key(block)
        if self.allow_fork and all(condition_key(b) != key for b in self.open):
            self.open.append(block)


@dataclass(frozen=True)
class Builtin:
    """A pure builtin (``int``), a path helper, or a method of a known value (``.lower``)."""

    name: str
    owner: Any = None


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


def as_entries(found: Resolved) -> dict[Any, Resolved]:
    return {
        key: item if isinstance(item, Resolved) else Resolved(item, found.origin)
        for key, item in found.value.items()
    }
