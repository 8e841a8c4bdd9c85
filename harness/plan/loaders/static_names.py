"""Names of a script followed to their bindings, branch by branch, across its repository.

A binding inside an ``if`` is visible when the condition is decided true from what is known
(inputs, constants, modules of the repository, class attributes); one decided false is
skipped for the binding before it. An undecidable condition is left to the ``PathChoice``:
once assumed, the reading follows that path; otherwise the loader is told to read the
script again under each outcome. Imports resolve to files of the repository (never outside
its root, never imported) or to outside modules, of which only ``os.path``, ``math`` and
``pathlib`` are understood.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.plan.loaders.pyscope import Binding, ModuleInfo, Scope, condition_key
from harness.plan.loaders.static_ops import (
    BUILTINS,
    MATH_CONSTANTS,
    OS_PATH,
    PATH_CLASSES,
    STR_METHODS,
    UNRESOLVED,
    binary,
)
from harness.plan.loaders.static_values import (
    Builtin,
    ClassRef,
    Context,
    Function,
    Origin,
    PathChoice,
    Resolved,
    to_plain,
)

# Packages that are the training library itself: never read as the script's own modules.
LIBRARIES = frozenset({"TTS", "trainer", "torch", "torchaudio"})

if TYPE_CHECKING:
    from harness.plan.loaders.repository import Repository


@dataclass(frozen=True)
class ModuleRef:
    """A module bound by an import: a file of the repository, or an outside module."""

    name: str
    info: ModuleInfo | None = None  # None: not in the repository (a library)


class NameResolver:
    """Name lookup, branch decisions, imports and attributes of modules and classes."""

    def __init__(self, repo: Repository, paths: PathChoice):
        self.repo = repo
        self.main = repo.entry
        self.paths = paths
        self._active: set[Any] = set()
        # id(function scope) -> parameter -> (argument, caller context): the call followed
        self.frames: dict[int, dict[str, tuple[ast.expr, Context]]] = {}
        self.inputs: dict[str, Resolved] = {}  # --set NAME=VALUE for the script's inputs
        self.input_scopes: set[int] = set()  # functions whose parameters are inputs
        self.used_inputs: set[str] = set()
        self.namespace: dict[str, Resolved] | None = None  # parse_args(), bound statically
        self.dataset_size: int | None = None

    @property
    def notes(self) -> list[str]:
        return self.repo.notes

    # --- names ----------------------------------------------------------------------------

    def name(self, name: str, ctx: Context) -> Any:
        binding, scope = self.lookup(name, ctx)
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

    def lookup(self, name: str, ctx: Context) -> tuple[Binding | None, Scope | None]:
        """The binding a use of ``name`` sees on this path, and its scope.

        Returns (None, scope) when no scope binds the name (a builtin or a star import), and
        (None, None) when the visible binding is undecided (set in a branch whose condition
        is not known) or absent on this path.
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
                for binding in reversed(visible):
                    holds = self.holds(scope.module, binding.block, use_block)
                    if holds is True:
                        return binding, scope
                    if holds is None:
                        return None, None
                return None, None
            scope = scope.parent
            same_scope = False
        return None, ctx.scope

    def holds(self, module: ModuleInfo, block: tuple[int, ...], use: tuple[int, ...]) -> Any:
        """Whether code in ``block`` runs on this path before code in ``use``: True, False,
        or None when a condition on the way is undecided."""
        shared = 0
        while shared < min(len(block), len(use)) and block[shared] == use[shared]:
            shared += 1
        for block_id in block[shared:]:
            decided = self.decide(module, block_id, use)
            if decided is not True:
                return decided
        return True

    def decide(self, module: ModuleInfo, block_id: int, use: tuple[int, ...]) -> Any:
        block = module.blocks.get(block_id)
        if block is None or block.test is None:
            return None  # a loop, except or case body: whether it runs is not read
        for other in use:  # the use sits in this if's other branch (or in this one)
            around = module.blocks.get(other)
            if around is not None and around.test is block.test:
                return around.polarity == block.polarity
        key = ("block", block_id)
        if key in self._active:
            return None
        self._active.add(key)
        try:
            test = self.plain(block.test, Context(block.scope, block.at, block.parent))
        finally:
            self._active.discard(key)
        if test is not UNRESOLVED:
            try:
                return bool(test) == block.polarity
            except (TypeError, ValueError):
                return None
        assumed = self.paths.assume.get(condition_key(block))
        if assumed is not None:
            return assumed == block.polarity
        self.paths.ask(block)
        return None

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
            if result is UNRESOLVED:
                return UNRESOLVED
            return Resolved(result, Origin(scope.module, binding.node, binding.line, name))
        if binding.kind == "param":
            return self._parameter(name, binding, scope)
        if binding.kind == "function":
            skip = 1 if "classmethod" in binding.scope.decorators else 0
            if (
                scope.kind == "class"
                and not skip
                and "staticmethod" not in binding.scope.decorators
            ):
                skip = 1  # a method read from its class: self is not passed
            return Function(binding.scope, skip)
        if binding.kind == "class":
            return ClassRef(binding.scope)
        if binding.kind == "unpack":
            whole = self.value(binding.node, ctx)
            if whole is UNRESOLVED or not isinstance(whole.value, (tuple, list)):
                return UNRESOLVED
            if binding.index >= len(whole.value):
                return UNRESOLVED
            item = whole.value[binding.index]
            return item if isinstance(item, Resolved) else Resolved(item, whole.origin)
        if binding.kind == "import":
            return Resolved(
                self._import(binding.module, 0, scope.module), Origin(scope.module, None, 0)
            )
        if binding.kind == "from":
            level = len(binding.module) - len(binding.module.lstrip("."))
            dotted = binding.module.lstrip(".")
            if not dotted and level == 1:  # from . import settings: a module of the folder
                module = self._import(binding.name, 1, scope.module)
                return Resolved(module, Origin(scope.module, None, 0))
            module = self._import(dotted, level, scope.module)
            return self.attribute(module, binding.name)
        return UNRESOLVED

    def _parameter(self, name: str, binding: Binding, scope: Scope) -> Any:
        """An input (--set), the argument of the call followed, or the default."""
        if id(scope) in self.input_scopes and name in self.inputs:
            self.used_inputs.add(name)
            return self.inputs[name]
        frame = self.frames.get(id(scope))
        if frame is not None and name in frame:
            argument, caller = frame[name]
            return self.value(argument, caller)
        if binding.node is None or scope.parent is None:
            return UNRESOLVED  # a parameter without a default: the caller decides
        outer = Context(scope.parent, scope.at, ())
        found = self.value(binding.node, outer)
        if found is UNRESOLVED:
            return UNRESOLVED
        return Resolved(found.value, Origin(scope.module, binding.node, binding.line, name))

    def _star_or_builtin(self, name: str, scope: Scope) -> Any:
        module_scope = scope
        while module_scope.parent is not None:
            module_scope = module_scope.parent
        for star, level in module_scope.stars:
            module = self._import(star, level, module_scope.module)
            if module.info is not None and name in module.info.scope.bindings:
                return self.attribute(module, name)
        if name in BUILTINS:
            return Builtin(name)
        return UNRESOLVED

    # --- modules, classes, attributes -----------------------------------------------------

    def _import(self, dotted: str, level: int, importer: ModuleInfo) -> ModuleRef:
        """A module of the repository, parsed (never imported), or an outside module.

        Absolute imports resolve as ``python SCRIPT`` does, from the script's folder (then
        the repository root); relative ones from the importing module's package."""
        if not dotted:
            return ModuleRef(".", None)
        if not level and dotted.split(".")[0] in LIBRARIES:
            return ModuleRef(dotted, None)  # the library, even vendored: its defaults are data
        if level:
            base = importer.path.parent
            for _ in range(level - 1):
                base = base.parent
            folders = [base]
        else:
            folders = [self.main.path.parent, self.repo.root]
        for folder in dict.fromkeys(folders):
            path = folder.joinpath(*dotted.split("."))
            for candidate in (path.with_suffix(".py"), path / "__init__.py"):
                info = self.repo.module(candidate)
                if info is not None:
                    return ModuleRef(dotted, info)
        return ModuleRef(dotted, None)

    def attribute(self, owner: Any, attr: str) -> Any:
        if isinstance(owner, ModuleRef):
            return self._module_attribute(owner, attr)
        if isinstance(owner, ClassRef):
            if attr not in owner.scope.bindings:
                return UNRESOLVED
            return self.name(attr, Context(owner.scope, (10**9, 0), ()))
        if isinstance(owner, str) and attr in STR_METHODS:
            return Builtin("." + attr, owner)
        if isinstance(owner, dict) and attr == "get":
            plain = to_plain(owner)
            return UNRESOLVED if plain is UNRESOLVED else Builtin(".get", plain)
        return UNRESOLVED

    def _module_attribute(self, module: ModuleRef, attr: str) -> Any:
        if module.info is None:
            qualified = f"{module.name}.{attr}"
            if attr in PATH_CLASSES and module.name in ("pathlib", ""):
                return Builtin("Path")
            if qualified in ("os.path", "math"):
                return ModuleRef(qualified, None)
            if module.name == "os.path" and attr in OS_PATH:
                return Builtin("os.path." + attr)
            if module.name == "math" and attr in MATH_CONSTANTS:
                return MATH_CONSTANTS[attr]
            return UNRESOLVED
        if attr in module.info.scope.bindings:
            scope = module.info.scope
            return self.name(attr, Context(scope, (10**9, 0), ()))
        return self._import(f"{module.name}.{attr}", 0, module.info)  # a submodule

    # Provided by the Evaluator.
    def value(self, node: ast.expr, ctx: Context) -> Any:  # pragma: no cover
        raise NotImplementedError

    def plain(self, node: ast.expr, ctx: Context) -> Any:  # pragma: no cover
        raise NotImplementedError
