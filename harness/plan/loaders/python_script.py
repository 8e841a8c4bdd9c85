"""One reading of a training script along one path -> RawConfig, with ``ast``; never run.

What is read:

- keyword arguments of ``GPTTrainerConfig(...)`` (the config), and of the objects passed to
  it: ``GPTArgs`` -> ``model_args.*``, ``XttsAudioConfig`` -> ``audio.*``, a list of
  ``BaseDatasetConfig`` -> ``datasets[i].*``;
- ``TrainerArgs(...)`` -> trainer arguments (``grad_accum_steps``...);
- ``load_tts_samples(DATASETS, eval_split_size=..., eval_split_max_size=...)`` -> the datasets
  (when the config has none) and the eval split actually used;
- assignments after construction (``config.lr = 1e-5``, ``model_args.max_text_length = 300``);
- ``LoraConfig`` / ``EMAModel`` / ``AveragedModel`` / ``WarmupLRScheduler`` -> ``extras.*``.

Values are resolved by ``static_eval``: constants, arithmetic, a settings module beside the
script, parameter defaults. A value that cannot be known without running the script is
reported as ``Unknown`` with its source text and line. Every setting's Source points at the
line where its value was written (the settings module's line for ``config.LR``).
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import Any

from harness.errors import HarnessError
from harness.plan.build import RawConfig
from harness.plan.flatten import flatten, root_of
from harness.plan.loaders.pyscope import ModuleInfo, Site
from harness.plan.loaders.static_eval import (
    UNRESOLVED,
    ConfigObj,
    Context,
    Evaluator,
    Origin,
    Resolved,
    call_name,
)
from harness.plan.source import Setting, Source, Unknown

ROOT = "GPTTrainerConfig"
EXTRAS: dict[str, tuple[str, dict[str, str]]] = {
    "LoraConfig": (
        "extras.lora",
        {"r": "r", "lora_alpha": "alpha", "lora_dropout": "dropout", "target_modules": "targets"},
    ),
    "EMAModel": ("extras.ema", {"decay": "decay"}),
    "ExponentialMovingAverage": ("extras.ema", {"decay": "decay"}),
    "AveragedModel": ("extras.ema", {}),
    "WarmupLRScheduler": ("extras.warmup", {"warmup_steps": "steps", "num_warmup_steps": "steps"}),
}
EVAL_SPLIT = ("eval_split_size", "eval_split_max_size")


class ScriptReader:
    """One reading of a script along one path: the settings of its config call."""

    def __init__(self, module: ModuleInfo, evaluator: Evaluator):
        self.module = module
        self.evaluator = evaluator
        self.settings: dict[str, Setting] = {}
        self._by_root: dict[str, set[str]] = {}
        self.objects: dict[int, str] = {}  # id(call node) -> key prefix of that object
        self.notes: list[str] = []

    def raw(self, name: str, display: str) -> RawConfig:
        root_site = self._pick(ROOT)
        if root_site is None:
            raise HarnessError(
                f"no {ROOT}(...) call found",
                where=display,
                fix="point at the script that builds the training config, or describe the "
                "run in a TOML file (see baselines/*.toml)",
            )
        root = self.evaluator.call_site(root_site).value
        self._object(root, "")
        trainer_site = self._pick("TrainerArgs")
        if trainer_site is not None:
            self._object(self.evaluator.call_site(trainer_site).value, "")
        self._loader_call(root)
        self._assignments(root_site)
        self._extras()
        meta = {
            "format": "python",
            "config_call": f"{self.module.display}:{root_site.node.lineno}",
            "notes": self.notes,
        }
        return RawConfig(name, display, list(self.settings.values()), meta)

    # --- finding calls --------------------------------------------------------------------

    def _pick(self, name: str) -> Site | None:
        """The call that runs on this path: the last one whose branch holds.

        Where a branch is undecided the path choice is asked (the script is then read once
        per outcome); past the path limit, the last call not in a branch is read, with a note.
        """
        sites = [s for s in self.module.calls if call_name(s.node) == name]
        undecided = []
        for site in reversed(sites):
            holds = self.evaluator.holds(self.module, site.block, ())
            if holds is True:
                return site
            if holds is None:
                undecided.append(site)
        if not undecided:
            return None
        chosen = ([s for s in sites if not s.block] or undecided)[-1]
        lines = ", ".join(str(s.node.lineno) for s in sites)
        self.notes.append(
            f"{name}(...) is called at lines {lines} under conditions not decided; "
            f"read line {chosen.node.lineno}"
        )
        return chosen

    def _loader_call(self, root: ConfigObj) -> None:
        """load_tts_samples(...) gives the datasets scripts keep out of the config."""
        site = self._pick("load_tts_samples")
        if site is None:
            return
        ctx = Context(site.scope, site.at, site.block)
        node = site.node
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        target = node.args[0] if node.args else keywords.get("datasets")
        if target is not None and "datasets" not in root.kwargs:
            found = self.evaluator.value(target, ctx)
            items = [] if found is UNRESOLVED else found.value
            items = [items] if isinstance(items, ConfigObj) else items
            if isinstance(items, list) and items and all(_is_dataset(i) for i in items):
                for index, dataset in enumerate(items):
                    self._object(dataset, f"datasets[{index}]")
        for name in EVAL_SPLIT:
            value = keywords.get(name)
            if value is None or self._reads_root(value, ctx, root):
                continue
            self._emit(name, self.evaluator.setting(value, ctx), f"load_tts_samples({name})")

    def _reads_root(self, node: ast.expr, ctx: Context, root: ConfigObj) -> bool:
        """``config.eval_split_size`` passes the config's own value along."""
        if not isinstance(node, ast.Attribute):
            return False
        base = self.evaluator.value(node.value, ctx)
        return base is not UNRESOLVED and base.value is root

    # --- settings -------------------------------------------------------------------------

    def _object(self, obj: Any, prefix: str) -> None:
        if not isinstance(obj, ConfigObj):
            return
        self.objects[id(obj.site.node)] = prefix
        if not obj.complete:
            self.notes.append(
                f"{obj.cls}(...) at line {obj.site.node.lineno} has arguments that cannot be "
                "read (**kwargs or positional): its settings may be incomplete"
            )
        for name, found in obj.kwargs.items():
            self._emit(_join(prefix, name), found, name)

    def _emit(self, key: str, found: Resolved, written: str) -> None:
        value = found.value
        if isinstance(value, ConfigObj):
            self._object(value, key)
            return
        if isinstance(value, list) and value and all(isinstance(v, ConfigObj) for v in value):
            for index, item in enumerate(value):
                self._object(item, f"{key}[{index}]")
            return
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, Resolved) for v in value.values())
        ):
            for name, item in value.items():
                self._emit(f"{key}.{name}", item, f"{written}.{name}")
            return
        source = Source(
            file=found.origin.file, key=found.origin.key or written, line=found.origin.line
        )
        data = value if isinstance(value, Unknown) else to_data(value)
        if data is UNRESOLVED:  # an Unknown inside a list or dict: the whole value is unknown
            data = Unknown(found.origin.text())
        if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
            for sub_key, sub_value in flatten(data, key).items():  # as the JSON loader does
                self._put(Setting(sub_key, sub_value, source))
            return
        self._put(Setting(key, data, source))

    def _put(self, setting: Setting) -> None:
        """Set a key; a whole value replaces its sub-keys, a sub-key replaces a whole leaf.

        Keys are indexed by their root, so a 100k-key config is read in linear time."""
        key = setting.key
        same_root = self._by_root.setdefault(root_of(key), set())
        for existing in [k for k in same_root if _nested(k, key) or _nested(key, k)]:
            del self.settings[existing]
            same_root.discard(existing)
        self.settings.pop(key, None)
        self.settings[key] = setting
        same_root.add(key)

    # --- after construction ---------------------------------------------------------------

    def _assignments(self, root_site: Site) -> None:
        """``config.lr = ...`` on a config object, in file order."""
        for site in self.module.assignments:
            chain = _target_chain(site.node)
            if chain is None:
                continue
            ctx = Context(site.scope, site.at, site.block)
            base = self.evaluator.name(chain[0], ctx)
            if base is UNRESOLVED or not isinstance(base.value, ConfigObj):
                continue
            prefix = self.objects.get(id(base.value.site.node))
            if prefix is None:
                continue
            key = prefix
            for part in chain[1:]:
                key = f"{key}[{part}]" if isinstance(part, int) else _join(key, part)
            written = self.module.segment(site.node)
            holds = None
            if site.scope is root_site.scope:
                holds = self.evaluator.holds(self.module, site.block, root_site.block)
            if holds is False:
                continue  # not on this path
            if site.value is not None and holds is True:
                found = self.evaluator.setting(site.value, ctx)
            else:  # runs only on some paths (or is `+=`): the value is not known
                text = written
                if site.value is not None:
                    text = f"{written} = {self.module.segment(site.value)}"
                unknown = Unknown(text)
                found = Resolved(unknown, Origin(self.module, site.node, site.line))
            self._emit(key, found, written)

    def _extras(self) -> None:
        for name, (prefix, fields) in EXTRAS.items():
            site = self._pick(name)
            if site is None:
                continue
            obj = self.evaluator.call_site(site).value
            holds = self.evaluator.holds(self.module, site.block, ())
            if holds is False:
                continue
            enabled: Any = True if holds else Unknown(self.module.segment(site.node))
            source = Source(file=self.module.display, key=name, line=site.node.lineno)
            self._put(Setting(f"{prefix}.enabled", enabled, source))
            for argument, field in fields.items():
                if argument in obj.kwargs:
                    self._emit(f"{prefix}.{field}", obj.kwargs[argument], argument)
            if name == "AveragedModel":
                self._ema_decay(site)

    def _ema_decay(self, site: Site) -> None:
        """AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))."""
        for keyword in site.node.keywords:
            inner = keyword.value
            if isinstance(inner, ast.Call) and call_name(inner) == "get_ema_multi_avg_fn":
                decay = inner.args[0] if inner.args else None
                if decay is not None:
                    ctx = Context(site.scope, site.at, site.block)
                    self._emit("extras.ema.decay", self.evaluator.setting(decay, ctx), "decay")


def to_data(value: Any) -> Any:
    """Resolved values -> JSON-like data (paths as strings, tuples as lists), or UNRESOLVED."""
    if isinstance(value, Resolved):
        value = value.value
    if isinstance(value, (Unknown, ConfigObj)):
        return UNRESOLVED
    if isinstance(value, dict):
        out = {str(k): to_data(v) for k, v in value.items()}
        return UNRESOLVED if UNRESOLVED in out.values() else out
    if isinstance(value, (list, tuple)):
        items = [to_data(v) for v in value]
        return UNRESOLVED if any(i is UNRESOLVED for i in items) else items
    if isinstance(value, PurePosixPath):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return UNRESOLVED


def _target_chain(node: ast.expr) -> list[str | int] | None:
    """``config.model_args.x`` -> ["config", "model_args", "x"]; None for other targets."""
    parts: list[str | int] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                return None
            parts.append(key)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return list(reversed(parts))
        else:
            return None


def _is_dataset(value: Any) -> bool:
    return isinstance(value, ConfigObj) and value.cls == "BaseDatasetConfig"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _nested(inner: str, outer: str) -> bool:
    return inner.startswith(outer + ".") or inner.startswith(outer + "[")
