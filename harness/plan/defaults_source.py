"""Read the GPTTrainerConfig defaults of a coqui-tts / TTS release from its source, with ``ast``.

Old releases (coqui-ai TTS 0.22.0 with trainer 0.0.36, coqui-tts 0.24.2) cannot be installed
beside the current ones, and importing them would pull in torch. Their wheels are plain zip
files, so this module parses the dataclasses of the config chain without importing or
running anything, and evaluates each field default (literals, ``field(default=...)``,
``field(default_factory=...)``, nested config classes, ``float("inf")``, module constants).
A default it cannot evaluate is an error, never a guess, so a table made here is as
trustworthy as one dumped from the installed library (``tests/test_defaults_table.py``
checks both ways agree on the installed release).

Used by ``python -m harness.plan.defaults_dump --from-source WHEEL_OR_DIR ...``.
"""

from __future__ import annotations

import ast
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.plan.defaults import SCHEDULER_STATE_SINCE

GPT_TRAINER = "TTS.tts.layers.xtts.trainer.gpt_trainer"
TOKENIZER = "TTS.tts.layers.xtts.tokenizer"
# Distribution names (dist-info prefix) -> the label the defaults tables use.
TTS_DISTS = {"TTS": "TTS", "coqui_tts": "coqui-tts"}
TRAINER_DISTS = {"trainer": "trainer", "coqui_tts_trainer": "coqui-tts-trainer"}
STOP_BASES = {"Coqpit", "object", "Serializable", "MutableMapping"}


class ExtractError(Exception):
    """The source holds a default this reader cannot evaluate statically."""


@dataclass
class Instance:
    """A config dataclass instance with its field defaults, in declaration order."""

    name: str
    fields: dict[str, Any]
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass
class ClassDef:
    module: str
    node: ast.ClassDef


class SourceTree:
    """Python files of one or more wheels / unpacked folders, looked up by module name."""

    def __init__(self, roots: list[Path]):
        self.files: dict[str, str] = {}  # "TTS/tts/__init__.py" -> text
        for root in roots:
            self._add(Path(root))
        self._modules: dict[str, ast.Module | None] = {}

    def _add(self, root: Path) -> None:
        if root.is_file() and zipfile.is_zipfile(root):
            with zipfile.ZipFile(root) as archive:
                for name in archive.namelist():
                    if name.endswith((".py", "METADATA", "VERSION")):
                        self.files[name] = archive.read(name).decode("utf-8", "replace")
            return
        if not root.is_dir():
            raise HarnessError(
                f"{root} is neither a wheel nor a folder",
                where="--from-source",
                fix="pass the .whl files from `pip download --no-deps TTS==0.22.0 trainer==0.0.36`",
            )
        # A package folder (site-packages/TTS) or a dist-info folder keeps its own name.
        is_named = (root / "__init__.py").exists() or root.name.endswith(".dist-info")
        base = root.parent if is_named else root
        for path in root.rglob("*"):
            if path.is_file() and (path.suffix == ".py" or path.name in ("METADATA", "VERSION")):
                self.files[path.relative_to(base).as_posix()] = path.read_text(
                    encoding="utf-8", errors="replace"
                )

    def module(self, dotted: str) -> ast.Module | None:
        if dotted not in self._modules:
            base = dotted.replace(".", "/")
            text = self.files.get(base + ".py") or self.files.get(base + "/__init__.py")
            self._modules[dotted] = None if text is None else ast.parse(text)
        return self._modules[dotted]

    def distribution(self, names: dict[str, str]) -> tuple[str, str]:
        """(label, version) of the first distribution whose dist-info is present."""
        for path in self.files:
            match = re.match(r"^([A-Za-z0-9_]+)-([0-9][^/]*)\.dist-info/METADATA$", path)
            if match and match.group(1) in names:
                return names[match.group(1)], match.group(2)
        raise ExtractError(f"no dist-info for any of {sorted(names)} in the given sources")


class ClassResolver:
    """Finds a class by name as a module sees it, following imports and star imports."""

    def __init__(self, tree: SourceTree):
        self.tree = tree

    def find(self, module: str, name: str, before: int | None = None, _seen=None):
        """The class ``name`` bound in ``module`` (above line ``before`` when given)."""
        seen = _seen if _seen is not None else set()
        if (module, name) in seen:
            return None
        seen.add((module, name))
        tree = self.tree.module(module)
        if tree is None:
            return None
        found = None
        stars = []
        for node in tree.body:  # the last definition or import of a name wins
            if before is not None and node.lineno >= before:
                break
            if isinstance(node, ast.ClassDef) and node.name == name:
                found = ClassDef(module, node)
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, node)
                for alias in node.names:
                    if alias.name == "*":
                        stars.append(source)
                    elif (alias.asname or alias.name) == name:
                        found = ("import", source, alias.name)
        if isinstance(found, tuple):
            return self.find(found[1], found[2], _seen=seen)
        if found is not None:
            return found
        for source in stars:
            hit = self.find(source, name, _seen=seen)
            if hit is not None:
                return hit
        return None

    def constant(self, module: str, name: str) -> ast.expr | None:
        tree = self.tree.module(module)
        if tree is None:
            return None
        value = None
        for node in tree.body:  # the last module-level assignment wins
            if name in _assigned_names(node):
                value = node.value
        return value


def _assigned_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        return {node.target.id}
    return set()


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts[: len(parts) - node.level]  # a module's package is its parent
    return ".".join(base + ([node.module] if node.module else []))


class DefaultsReader:
    """Evaluates the field defaults of config dataclasses found by a ClassResolver."""

    def __init__(self, resolver: ClassResolver):
        self.resolver = resolver

    def instantiate(self, cls: ClassDef, overrides: dict[str, ClassDef] | None = None) -> Instance:
        fields: dict[str, Any] = {}
        annotations: dict[str, str] = {}
        for owner, node in self._fields(cls):
            name = node.target.id
            annotations[name] = ast.unparse(node.annotation)
            if overrides and name in overrides:
                fields[name] = self.instantiate(overrides[name])
            else:
                fields[name] = self._default(owner, node, f"{cls.node.name}.{name}")
        return Instance(cls.node.name, fields, annotations)

    def _fields(self, cls: ClassDef) -> list[tuple[str, ast.AnnAssign]]:
        """Fields in dataclass order: base classes first, an override keeps its place."""
        ordered: dict[str, tuple[str, ast.AnnAssign]] = {}
        for base in cls.node.bases:
            base_name = _dotted(base).split(".")[-1]
            if base_name in STOP_BASES:
                continue
            # `class XttsAudioConfig(XttsAudioConfig)` subclasses the name bound above it.
            base_cls = self.resolver.find(cls.module, base_name, before=cls.node.lineno)
            if base_cls is None:
                raise ExtractError(f"base class {base_name} of {cls.node.name} not found")
            for owner, node in self._fields(base_cls):
                ordered[node.target.id] = (owner, node)
        for node in cls.node.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if "ClassVar" in ast.unparse(node.annotation):
                    continue
                ordered[node.target.id] = (cls.module, node)
        return list(ordered.values())

    def _default(self, module: str, node: ast.AnnAssign, label: str) -> Any:
        value = node.value
        if value is None:
            return None  # a required field; coqpit treats it as unset
        if isinstance(value, ast.Call) and _dotted(value.func) in ("field", "dataclasses.field"):
            keywords = {k.arg: k.value for k in value.keywords}
            if "default" in keywords:
                return self.evaluate(module, keywords["default"], label)
            if "default_factory" in keywords:
                return self._factory(module, keywords["default_factory"], label)
            return None
        return self.evaluate(module, value, label)

    def _factory(self, module: str, node: ast.expr, label: str) -> Any:
        if isinstance(node, ast.Lambda):
            return self.evaluate(module, node.body, label)
        name = _dotted(node)
        if name in ("list", "dict", "set", "tuple"):
            return {"list": [], "dict": {}, "set": [], "tuple": []}[name]
        cls = self.resolver.find(module, name.split(".")[-1])
        if cls is None:
            raise ExtractError(f"{label}: default_factory {name} not found")
        return self.instantiate(cls)

    def evaluate(self, module: str, node: ast.expr, label: str) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self.evaluate(module, item, label) for item in node.elts]
        if isinstance(node, ast.Dict) and None not in node.keys:
            return {
                self.evaluate(module, k, label): self.evaluate(module, v, label)
                for k, v in zip(node.keys, node.values, strict=True)
            }
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.evaluate(module, node.operand, label)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add, ast.Sub)):
            left = self.evaluate(module, node.left, label)
            right = self.evaluate(module, node.right, label)
            ops = {ast.Mult: lambda a, b: a * b, ast.Add: lambda a, b: a + b}
            return ops.get(type(node.op), lambda a, b: a - b)(left, right)
        if isinstance(node, ast.Call):
            return self._call(module, node, label)
        if isinstance(node, ast.Name):
            constant = self.resolver.constant(module, node.id)
            if constant is not None:
                return self.evaluate(module, constant, label)
        raise ExtractError(f"{label}: cannot evaluate {ast.unparse(node)!r} without running it")

    def _call(self, module: str, node: ast.Call, label: str) -> Any:
        name = _dotted(node.func)
        args = [self.evaluate(module, a, label) for a in node.args]
        if name == "float" and len(args) == 1 and not node.keywords:
            return float(args[0])
        cls = self.resolver.find(module, name.split(".")[-1]) if name else None
        if cls is None or args:
            raise ExtractError(f"{label}: cannot evaluate {ast.unparse(node)!r} without running it")
        instance = self.instantiate(cls)
        for keyword in node.keywords:
            instance.fields[keyword.arg] = self.evaluate(module, keyword.value, label)
        return instance


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def flat_instance(instance: Instance, prefix: str = "") -> dict[str, Any]:
    """Nested instances become dotted keys; lists of instances become lists of dicts."""
    out: dict[str, Any] = {}
    for name, value in instance.fields.items():
        if isinstance(value, Instance):
            out.update(flat_instance(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Instance):
        return {k: _plain(v) for k, v in value.fields.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def dict_fields(instance: Instance, prefix: str = "") -> set[str]:
    """Fields typed as dict: an explicit value replaces them whole (as defaults_dump does)."""
    found: set[str] = set()
    for name, value in instance.fields.items():
        if isinstance(value, Instance):
            found |= dict_fields(value, f"{prefix}{name}.")
        elif isinstance(value, dict) or "dict" in instance.annotations.get(name, "").lower():
            found.add(prefix + name)
    return found


def tokenizer_languages(tree: SourceTree) -> list[str]:
    """Language codes VoiceBpeTokenizer.preprocess_text accepts (branches that do not raise)."""
    module = tree.module(TOKENIZER)
    method = None
    for node in ast.walk(module) if module else []:
        if isinstance(node, ast.ClassDef) and node.name == "VoiceBpeTokenizer":
            method = next(
                (
                    f
                    for f in node.body
                    if isinstance(f, ast.FunctionDef) and f.name == "preprocess_text"
                ),
                None,
            )
    if method is None:
        raise ExtractError("VoiceBpeTokenizer.preprocess_text not found")
    languages: list[str] = []
    branch = next((s for s in method.body if isinstance(s, ast.If)), None)
    while isinstance(branch, ast.If):
        if not all(isinstance(s, ast.Raise) for s in branch.body):
            for code in _compared_strings(branch.test):
                if code not in languages:
                    languages.append(code)
        branch = branch.orelse[0] if len(branch.orelse) == 1 else None
    return languages


def _compared_strings(test: ast.expr) -> list[str]:
    found = []
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            for comparator in node.comparators:
                for item in ast.walk(comparator):
                    if isinstance(item, ast.Constant) and isinstance(item.value, str):
                        found.append(item.value)
    return found


def dump_from_source(roots: list[Path]) -> dict[str, Any]:
    """The defaults table of the TTS + trainer releases in ``roots`` (wheels or folders)."""
    tree = SourceTree(roots)
    resolver = ClassResolver(tree)
    reader = DefaultsReader(resolver)
    tts_label, tts_version = tree.distribution(TTS_DISTS)
    trainer_label, trainer_version = tree.distribution(TRAINER_DISTS)
    config_cls = _required(resolver, GPT_TRAINER, "GPTTrainerConfig")
    # Training scripts pass GPTArgs and gpt_trainer's XttsAudioConfig; in releases where
    # GPTTrainerConfig's own defaults still name the plain Xtts classes, use what runs.
    overrides = {"model_args": _required(resolver, GPT_TRAINER, "GPTArgs")}
    audio = resolver.find(GPT_TRAINER, "XttsAudioConfig")
    if audio is not None:
        overrides["audio"] = audio
    config = reader.instantiate(config_cls, overrides)
    trainer_args = reader.instantiate(_required(resolver, "trainer", "TrainerArgs"))
    return {
        "library": f"{tts_label} {tts_version}",
        "trainer": f"{trainer_label} {trainer_version}",
        "config": flat_instance(config),
        "dict_fields": sorted(dict_fields(config)),
        "trainer_args": flat_instance(trainer_args),
        "tokenizer_languages": tokenizer_languages(tree),
        "saves_scheduler_state": _saves_scheduler_state(tts_label, tts_version),
        "generated_from": "source (ast, not imported); model_args = GPTArgs, audio = the "
        "XttsAudioConfig that gpt_trainer exports, as training scripts pass them",
    }


def installed_roots(
    packages: tuple[tuple[str, str], ...] = (
        ("coqui-tts", "TTS"),
        ("coqui-tts-trainer", "trainer"),
    ),
) -> list[Path]:
    """Package and dist-info folders of installed distributions, located without importing."""
    import importlib.util
    from importlib.metadata import distribution

    roots: list[Path] = []
    for dist_name, package in packages:
        dist = distribution(dist_name)
        metadata = next(f for f in dist.files or [] if f.name == "METADATA")
        roots.append(Path(str(dist.locate_file(metadata))).parent)
        spec = importlib.util.find_spec(package)  # a top-level package: located, not run
        if spec is None or not spec.submodule_search_locations:
            raise ExtractError(f"package {package} is not installed")
        roots.append(Path(spec.submodule_search_locations[0]))
    return roots


def _required(resolver: ClassResolver, module: str, name: str) -> ClassDef:
    found = resolver.find(module, name)
    if found is None:
        raise ExtractError(f"class {name} not found from module {module}")
    return found


def _saves_scheduler_state(label: str, version: str) -> bool:
    # The original coqui-ai TTS (PyPI "TTS", last release 0.22.0) never saved it.
    if label != "coqui-tts":
        return False
    return tuple(int(p) for p in version.split(".")[:2]) >= SCHEDULER_STATE_SINCE
