"""What a training script does besides its config, read from it and the modules it imports.

``scan_repository(script, root)`` parses the entry script and every repository module it
imports (transitively, only files under ``root``; never imported or run) with ``ast`` and
returns plan facts, each with the Source line that shows it:

- ``tokenizer = "passthrough"``: ``VoiceBpeTokenizer.preprocess_text`` is assigned (a patch
  module), or a vendored ``TTS/`` tokenizer falls back instead of raising for unknown
  languages (rule L401 then only notes it);
- ``extras.freeze.modules``: the module paths freezing code reaches (``requires_grad``
  set False; ``hasattr(model.xtts, "mel_encoder")``), checked by X602;
- ``extras.grad_clip_after_optimizer_step``: ``clip_grad_norm_`` after a wrapped
  ``train_step`` returns or after ``optimizer.step()``, or under ``if model.training:`` (False
  on the GPTTrainer during training), checked by X603;
- ``extras.ema.enabled`` / ``extras.warmup.enabled`` decided from the constants and
  parameter defaults that switch their helpers (X601);
- ``extras.dead_settings``: trainer settings a script defines but never passes on (X606).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.plan.conditions import Reach, call_name, literal_assignments
from harness.plan.loaders.parse_cache import ParseCache, ParsedFile
from harness.plan.source import Setting, Source

CLIP_CALLS = ("clip_grad_norm_", "clip_grad_value_", "clip_grad_norm")
EMA_NAMES = ("EMAModel", "ExponentialMovingAverage", "AveragedModel")
WARMUP_NAMES = ("WarmupLRScheduler", "LinearLR", "get_linear_schedule_with_warmup")
# Constants (upper or lower case) that name a trainer setting, and the config key they mean.
SETTING_NAMES = {
    "grad_clip_norm": "grad_clip",
    "grad_clip": "grad_clip",
    "max_grad_norm": "grad_clip",
    "clip_grad_norm": "grad_clip",
    "mixed_precision": "mixed_precision",
    "use_mixed_precision": "mixed_precision",
    "use_fp16": "mixed_precision",
    "fp16": "mixed_precision",
    "use_amp": "mixed_precision",
}
_ROOTS = ("xtts", "dvae", "hifigan_decoder")  # where GPTTrainer's module paths start
_TAILS = {
    "parameters",
    "named_parameters",
    "modules",
    "named_modules",
    "children",
    "requires_grad_",
}
_LOG_CALLS = ("print", "info", "debug", "warning", "log", "write", "format")


@dataclass
class Module:
    path: Path
    display: str
    parsed: ParsedFile  # the load's parse, shared with the script reader

    @property
    def tree(self) -> ast.Module:
        return self.parsed.tree

    @property
    def calls(self) -> list[ast.Call]:
        return self.parsed.of(ast.Call)

    def of(self, *types: type) -> list[Any]:
        """The nodes of these types, in walk order."""
        return self.parsed.of(*types)

    def mentions(self, *names: str) -> bool:
        """Whether the file may use one of these identifiers: a finder skips a module that
        cannot hold what it looks for without walking it. Exact for ASCII text; other text
        always may (Python folds identifiers to NFKC: ``ｆｐ16`` is ``fp16``)."""
        return not self.parsed.ascii or any(name in self.parsed.text for name in names)

    def mentions_folded(self, *words: str) -> bool:
        """``mentions`` for lower-case ``words`` found in identifiers whatever their case."""
        return not self.parsed.ascii or any(word in self.parsed.folded for word in words)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parsed.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> list[ast.AST]:
        """Enclosing nodes, innermost first."""
        out = []
        current = self.parent(node)
        while current is not None:
            out.append(current)
            current = self.parent(current)
        return out


def scan_repository(script: Path, root: Path, cache: ParseCache | None = None) -> list[Setting]:
    """Plan facts of what ``script`` and its repository modules do besides the config.

    ``cache``: the load's parsed files (the script reader parsed most of them already)."""
    script, root = script.resolve(), root.resolve()
    modules = _modules(script, root, cache or ParseCache())
    facts: dict[str, Setting] = {}
    for finder in (_tokenizer, _freezing, _clipping, _extras, _dead_settings):
        for setting in finder(modules, root):
            facts.setdefault(setting.key, setting)
    return list(facts.values())


# --- reading modules ------------------------------------------------------------------------


def _modules(script: Path, root: Path, cache: ParseCache) -> list[Module]:
    """``script`` and the modules it imports, transitively (``root``: resolved)."""
    seen: dict[Path, Module] = {}
    queue = [script]
    while queue:
        path = queue.pop(0)
        resolved = cache.resolve(path)
        if resolved in seen or not resolved.is_relative_to(root):
            continue
        module = _parse(path, str(resolved.relative_to(root)), cache)
        if module is None:
            continue
        seen[resolved] = module
        queue += _imports(module, script.parent, root)
    return list(seen.values())


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _parse(path: Path, display: str, cache: ParseCache) -> Module | None:
    try:
        parsed = cache.parse(path, display)  # bytes: BOM and coding cookie
    except HarnessError:
        return None  # what cannot be parsed shows nothing; the script reader says why
    return Module(path, display, parsed)


def _imports(module: Module, script_dir: Path, root: Path) -> list[Path]:
    """Repository files ``module`` imports (``utils.gpt_train``, ``.patch``), if present."""
    found: list[Path] = []
    for node in module.of(ast.Import, ast.ImportFrom):
        names: list[str] = []
        base = [script_dir, root]
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                folder = module.path.parent
                for _ in range(node.level - 1):
                    folder = folder.parent
                base = [folder]
            prefix = node.module or ""
            names = [prefix] + [f"{prefix}.{a.name}" if prefix else a.name for a in node.names]
        for name in names:
            if not name or name.split(".")[0] in ("TTS", "trainer"):
                continue  # the library itself (a vendored copy is read by harness.plan.library)
            for folder in base:
                found += _module_file(folder, name)
    return found


def _module_file(folder: Path, dotted: str) -> list[Path]:
    target = folder.joinpath(*dotted.split("."))
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return [candidate]
    return []


def _source(module: Module, node: ast.AST, what: str) -> Source:
    return Source(file=module.display, key=what, line=getattr(node, "lineno", None))


# --- tokenizer ------------------------------------------------------------------------------


def _tokenizer(modules: list[Module], root: Path) -> list[Setting]:
    for module in modules:
        if not module.mentions("preprocess_text", "setattr"):
            continue
        for node in module.of(ast.Assign, ast.AnnAssign, ast.Call):
            if _patches_tokenizer(node):
                text = "VoiceBpeTokenizer.preprocess_text patched"
                return [Setting("tokenizer", "passthrough", _source(module, node, text))]
    for base in dict.fromkeys([modules[0].path.parent if modules else root, root]):
        vendored = base / "TTS" / "tts" / "layers" / "xtts" / "tokenizer.py"
        if vendored.is_file() and falls_back(vendored):
            shown = vendored.relative_to(root) if _inside(vendored, root) else vendored.name
            why = "vendored TTS/ tokenizer: preprocess_text accepts any language"
            where = Source(file=str(shown), key=why)
            return [Setting("tokenizer", "passthrough", where)]
    return []


def _patches_tokenizer(node: ast.AST) -> bool:
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(t, ast.Attribute)
            and t.attr == "preprocess_text"
            and "VoiceBpeTokenizer" in ast.unparse(t.value)
            for t in targets
        )
    if call_name(node) == "setattr" and isinstance(node, ast.Call) and len(node.args) >= 2:
        first, second = node.args[0], node.args[1]
        return "VoiceBpeTokenizer" in ast.unparse(first) and (
            isinstance(second, ast.Constant) and second.value == "preprocess_text"
        )
    return False


def falls_back(tokenizer: Path) -> bool:
    """A vendored tokenizer whose preprocess_text raises for no language."""
    try:
        tree = ast.parse(tokenizer.read_bytes())
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "preprocess_text":
            return not any(isinstance(n, ast.Raise) for n in ast.walk(node))
    return False


# --- freezing -------------------------------------------------------------------------------


def _freezing(modules: list[Module], root: Path) -> list[Setting]:
    paths: list[str] = []
    first: Source | None = None
    for module in modules:
        for function in _freezing_scopes(module):
            for node in sorted(ast.walk(function), key=_position):
                if _inner(module, node):
                    continue
                path = _module_path(node)
                if path and not any(path == p or path.startswith(p + ".") for p in paths):
                    paths.append(path)  # a path under one already listed adds nothing
                    first = first or _source(module, node, f"freezing code reaches {path}")
    return [Setting("extras.freeze.modules", paths, first)] if paths and first else []


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _inner(module: Module, node: ast.AST) -> bool:
    """Part of a longer attribute chain, or the object ``hasattr(obj, "name")`` tests."""
    parent = module.parent(node)
    if isinstance(parent, ast.Attribute):
        return True
    return call_name(parent) in ("hasattr", "getattr") if parent is not None else False


def _freezing_scopes(module: Module) -> list[ast.AST]:
    """Functions (or the module) that set ``requires_grad`` False."""
    scopes: list[ast.AST] = []
    if not module.mentions("requires_grad"):
        return scopes
    for node in module.of(ast.Assign, ast.Call):
        if _freezes(node):
            scope = next(
                (a for a in module.ancestors(node) if isinstance(a, ast.FunctionDef)),
                module.tree,
            )
            if scope not in scopes:
                scopes.append(scope)
    return scopes


def _freezes(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
        hits = any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in node.targets)
        return hits and node.value.value is False
    if call_name(node) == "requires_grad_" and isinstance(node, ast.Call):
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and not node.args[0].value
    return False


def _module_path(node: ast.AST) -> str | None:
    """``model.xtts.gpt.transformer.h[0].parameters()`` -> ``xtts.gpt.transformer.h``;
    ``hasattr(model.xtts, "mel_encoder")`` -> ``xtts.mel_encoder``."""
    if isinstance(node, ast.Call) and call_name(node) in ("hasattr", "getattr"):
        if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            base = _chain(node.args[0])
            if base is not None and isinstance(node.args[1].value, str):
                return _from_root([*base, node.args[1].value])
        return None
    if not isinstance(node, ast.Attribute) or isinstance(node.ctx, ast.Store):
        return None
    chain = _chain(node)
    return None if chain is None else _from_root(chain)


def _chain(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, (ast.Subscript, ast.Call)):
            parts = []  # only the part after an index or call counts as a path from its root
            node = node.value if isinstance(node, ast.Subscript) else node.func
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return list(reversed(parts))
        else:
            return None


def _from_root(chain: list[str]) -> str | None:
    start = next((i for i, part in enumerate(chain) if part in _ROOTS), None)
    if start is None:
        return None
    parts = chain[start:]
    while parts and parts[-1] in _TAILS | {"requires_grad", "weight", "bias"}:
        parts.pop()
    return ".".join(parts) if len(parts) > 1 or parts == ["dvae"] else None


# --- clipping -------------------------------------------------------------------------------


def _clipping(modules: list[Module], root: Path) -> list[Setting]:
    for module in (m for m in modules if m.mentions(*CLIP_CALLS)):
        for node in module.calls:
            if call_name(node) not in CLIP_CALLS:
                continue
            why = _inert_clip(module, node)
            if why:
                return [
                    Setting(
                        "extras.grad_clip_after_optimizer_step", True, _source(module, node, why)
                    )
                ]
    return []


def _inert_clip(module: Module, clip: ast.AST) -> str | None:
    ancestors = module.ancestors(clip)
    for parent in ancestors:
        if isinstance(parent, ast.If) and ast.unparse(parent.test).endswith("training"):
            return (
                f"clip_grad_norm_ under `if {ast.unparse(parent.test)}:`, False on the "
                "GPTTrainer during training"
            )
    function = next((a for a in ancestors if isinstance(a, ast.FunctionDef)), None)
    if function is None:
        return None
    line = getattr(clip, "lineno", 0)
    saved = _saved_train_steps(module, function)
    for node in ast.walk(function):
        name = call_name(node)
        if getattr(node, "lineno", line) >= line or name is None:
            continue
        if "train_step" in name or name in saved:
            return "clip_grad_norm_ after the wrapped train_step returned (optimizer stepped)"
        if name == "step" and "optim" in ast.unparse(node.func):  # type: ignore[attr-defined]
            return "clip_grad_norm_ after optimizer.step()"
    return None


def _saved_train_steps(module: Module, function: ast.FunctionDef) -> set[str]:
    """Names bound to a ``train_step`` in the function or around it (``original =
    trainer.train_step``): calling them runs the trainer's whole step."""
    scopes = [function, *(a for a in module.ancestors(function) if isinstance(a, ast.FunctionDef))]
    names: set[str] = set()
    for scope in scopes:
        for node in ast.walk(scope):
            if not isinstance(node, ast.Assign):
                continue
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "train_step":
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


# --- EMA and warmup switched by constants ---------------------------------------------------


def _extras(modules: list[Module], root: Path) -> list[Setting]:
    reach: Reach | None = None  # built for the first helper call found
    out: list[Setting] = []
    for prefix, names in (("extras.ema", EMA_NAMES), ("extras.warmup", WARMUP_NAMES)):
        decided: list[tuple[bool, Source]] = []
        word = prefix.rsplit(".", 1)[1]
        for module in modules:
            if not (module.mentions(*names) or module.mentions_folded(word)):
                continue
            for node in module.calls:
                if call_name(node) not in names and not _helper(node, prefix):
                    continue
                reach = reach or Reach(modules)
                value = reach.reached(module, node)
                if value is not None:
                    what = f"{ast.unparse(node)[:60]} {'runs' if value else 'never runs'}"
                    decided.append((value, _source(module, node, what)))
        if decided:
            on = [d for d in decided if d[0]]
            value, source = on[0] if on else decided[0]
            out.append(Setting(f"{prefix}.enabled", value, source))
    return out


def _helper(node: ast.AST, prefix: str) -> bool:
    """A project helper such as ``setup_ema(model)`` / ``create_warmup_scheduler(...)``."""
    name = (call_name(node) or "").lower()
    word = prefix.rsplit(".", 1)[1]
    starts = ("setup", "create", "make", "build", "apply", "init")
    return isinstance(node, ast.Call) and word in name and name.startswith(starts)


# --- dead settings --------------------------------------------------------------------------


def _dead_settings(modules: list[Module], root: Path) -> list[Setting]:
    defined: list[tuple[str, Any, str, Source]] = []
    for module in (m for m in modules if m.mentions_folded(*SETTING_NAMES)):
        for node in module.of(ast.Assign, ast.AnnAssign):
            for name, value in literal_assignments(node):
                key = SETTING_NAMES.get(name.lower())
                if key and value not in (None, False, 0, 0.0):
                    defined.append((name, value, key, _source(module, node, name)))
    if not defined:
        return []
    names = [name for name, _, _, _ in defined]
    used = _used_names([m for m in modules if m.mentions(*names)])  # only these names count
    dead = [
        {"name": name, "value": value, "key": key, "where": f"{src.file}:{src.line}"}
        for name, value, key, src in defined
        if name not in used
    ]
    if not dead:
        return []
    first = next(src for name, _, _, src in defined if name == dead[0]["name"])
    return [Setting("extras.dead_settings", dead, first)]


def _used_names(modules: list[Module]) -> set[str]:
    """Names read anywhere except to be printed or logged."""
    used: set[str] = set()
    for module in modules:
        for node in module.of(ast.Name, ast.Attribute):
            name = None
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                name = node.id
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                name = node.attr
            if name is None or _only_shown(module, node):
                continue
            used.add(name)
    return used


def _only_shown(module: Module, node: ast.AST) -> bool:
    for parent in module.ancestors(node):
        if isinstance(parent, ast.JoinedStr):
            return True
        if isinstance(parent, ast.Call) and call_name(parent) in _LOG_CALLS:
            return True
        if isinstance(parent, (ast.stmt,)):
            return False
    return False
