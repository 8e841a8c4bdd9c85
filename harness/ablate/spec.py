"""The ablation spec (TOML): what to compare, on which base config, for how long.

See docs/ablation-spec.md for the format. Loading a spec never imports torch: the spec is
checked (every key it sets must be a key of the base config's Plan) before any worker
starts, and each mistake is one HarnessError naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.ablate.design import Arm, DataSpec, Factor, Scale, Search
from harness.ablate.spec_factors import _check_plan_keys, _factors, _search
from harness.ablate.spec_read import (
    _check_keys,
    _choice,
    _flat_table,
    _optional_int,
    _plain,
    _positive_int,
    _read_toml,
    _table,
)
from harness.errors import HarnessError
from harness.plan.flatten import flatten, parent_keys
from harness.plan.model import Plan
from harness.plan.source import Setting, Source, Unknown

OBJECTIVES = ("loss_mel_ce", "loss_text_ce", "loss")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
PRUNERS = ("median", "none")
DEFAULT_STORAGE_DIR = ".xtts-harness"  # under the current directory, like .pytest_cache
DEFAULT_STORAGE_FILE = "studies.db"
DATA_KEYS = ("path", "train", "eval", "language", "vocab", "held_out", "held_out_language")
TOP_KEYS = ("study", "data", "overrides", "factors", "search")
STUDY_KEYS = (
    "name", "base", "scale", "device", "precision", "seeds", "steps", "eval_every",
    "objective", "storage", "workdir", "threads", "pruner", "heartbeat_interval",
    "grace_period", "max_retry",
)  # fmt: skip


@dataclass(frozen=True)
class AblationSpec:
    name: str
    path: Path
    base: Path
    plan: Plan  # the base config plus [overrides]
    data: DataSpec
    scale: Scale
    seeds: tuple[int, ...]
    steps: int
    eval_every: int
    objective: str = "loss_mel_ce"
    device: str = "auto"
    precision: str = "auto"
    factors: tuple[Factor, ...] = ()
    search: Search | None = None
    pruner: str = "median"
    storage: str | None = None
    workdir: Path | None = None
    threads: int | None = None
    heartbeat_interval: int = 10
    grace_period: int = 60
    max_retry: int = 2
    overrides: dict[str, Any] = field(default_factory=dict)
    held_out: DataSpec | None = None  # a base language's eval clips: forgetting

    @property
    def arms(self) -> list[Arm]:
        if not self.factors:
            return []
        names = [[(f.name, lv.name) for lv in f.levels] for f in self.factors]
        return [Arm(tuple(combo)) for combo in itertools.product(*names)]

    @property
    def factorial_trials(self) -> int:
        return len(self.arms) * len(self.seeds)

    @property
    def total_trials(self) -> int:
        return self.factorial_trials + (self.search.trials if self.search else 0)

    def arm_overrides(self, arm: Arm) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for factor_name, level_name in arm.levels:
            factor = next(f for f in self.factors if f.name == factor_name)
            out.update(factor.level(level_name).overrides)
        return out

    def regime(self) -> dict[str, Any]:
        """What a verdict comes from, for its label (scale, model size, steps, seeds)."""
        layers = None
        if self.scale.kind in ("tiny", "miniature"):
            from harness.ablate.assets import TINY_MODEL_ARGS

            layers = TINY_MODEL_ARGS["gpt_layers"]
        return {
            "scale": self.scale.kind,
            "gpt_layers": layers,
            "steps": self.steps,
            "seeds": len(self.seeds),
            "grad_accum_steps": self.plan.batching.given.grad_accum_steps.or_(1),
            "lr": self.plan.optimizer.lr.value,
            "precision": self.precision,
            "language": self.data.language,
        }

    def protocol(self) -> dict[str, Any]:
        """What makes two trials comparable; stored in the study, checked on --resume."""
        return {
            "steps": self.steps,
            "eval_every": self.eval_every,
            "objective": self.objective,
            "scale": self.scale.label,
            "seeds": list(self.seeds),
            "base": self.base.name,
            "arms": [arm.name for arm in self.arms],
            "search_trials": self.search.trials if self.search else 0,
        }


def load_spec(
    path: str | Path, *, steps: int | None = None, seeds: int | None = None
) -> AblationSpec:
    """Read and check a spec. ``steps``/``seeds`` override it (and rename the study)."""
    spec_path = Path(path)
    data = _read_toml(spec_path)
    where = str(spec_path)
    _check_keys(data, TOP_KEYS, where, "")
    study = _table(data, "study", where)
    _check_keys(study, STUDY_KEYS, where, "study.")
    base = _required_path(study, "base", spec_path)
    plan = _load_base_plan(base)
    overrides = _flat_table(data.get("overrides", {}), where, "overrides")
    _check_plan_keys(plan, overrides, where, "overrides")
    plan = apply_overrides(plan, overrides, spec_path, "overrides")
    spec = AblationSpec(
        name=_name(study, spec_path),
        path=spec_path,
        base=base,
        plan=plan,
        data=_data(data, spec_path, plan),
        scale=_scale(study, spec_path),
        seeds=_seeds(study.get("seeds", 3), where),
        steps=_positive_int(study, "steps", 100, where),
        eval_every=_positive_int(study, "eval_every", 25, where),
        objective=_choice(study, "objective", OBJECTIVES, where),
        device=_choice(study, "device", DEVICES, where),
        precision=_choice(study, "precision", PRECISIONS, where),
        factors=_factors(data.get("factors", {}), plan, where),
        search=_search(data.get("search"), plan, where),
        pruner=_choice(study, "pruner", PRUNERS, where),
        storage=_storage(study.get("storage"), spec_path),
        workdir=_optional_path(study, "workdir", spec_path),
        threads=_optional_int(study, "threads", where),
        heartbeat_interval=_positive_int(study, "heartbeat_interval", 10, where),
        grace_period=_positive_int(study, "grace_period", 60, where),
        max_retry=_optional_int(study, "max_retry", where) or 2,
        overrides=overrides,
    )
    spec = dataclasses.replace(spec, held_out=_held_out(data.get("data", {}), spec))
    reserved = {"seed"} | {p.key for p in (spec.search.params if spec.search else ())}
    clash = [f.name for f in spec.factors if f.name in reserved]
    if clash:
        raise HarnessError(
            f"factor name {clash[0]!r} is also a trial parameter (seed or a search key)",
            where=f"{where}: factors.{clash[0]}",
            fix="rename the factor",
        )
    _check_value_types(spec)
    if not spec.factors and spec.search is None:
        raise HarnessError(
            "the spec has neither [factors] nor [search]: nothing to compare",
            where=where,
            fix="add e.g. [factors.ema.off] / [factors.ema.on] tables, or a [search] table",
        )
    if spec.grace_period <= spec.heartbeat_interval:
        raise HarnessError(
            "study.grace_period must be longer than study.heartbeat_interval",
            where=f"{where}: study.grace_period",
            fix="use e.g. heartbeat_interval = 10 and grace_period = 60",
        )
    return with_quick_run(spec, steps=steps, seeds=seeds)


def _check_value_types(spec: AblationSpec) -> None:
    """Every arm's values have the types the trainer needs (lr = "fast" fails every trial),
    checked here, before any trial runs."""
    from harness.plan.defaults import load_table
    from harness.plan.loaders.value_types import check_types

    table = load_table(spec.plan.library)
    check_types(spec.plan, table)
    for arm in spec.arms:
        check_types(
            apply_overrides(spec.plan, spec.arm_overrides(arm), spec.path, "factors"), table
        )


def with_quick_run(spec: AblationSpec, *, steps: int | None, seeds: int | None) -> AblationSpec:
    """Apply --steps / --seeds; the study gets its own name so runs never mix."""
    if steps is None and seeds is None:
        return spec
    if (steps is not None and steps < 1) or (seeds is not None and seeds < 1):
        raise HarnessError("--steps and --seeds must be at least 1", fix="e.g. --steps 5 --seeds 1")
    new_steps = steps or spec.steps
    new_seeds = _first_seeds(spec.seeds, seeds) if seeds else spec.seeds
    suffix = f"-steps{new_steps}-seeds{len(new_seeds)}"
    return dataclasses.replace(
        spec,
        name=spec.name + suffix,
        steps=new_steps,
        eval_every=min(spec.eval_every, new_steps),
        seeds=new_seeds,
    )


def apply_overrides(plan: Plan, overrides: Mapping[str, Any], file: Path, table: str) -> Plan:
    """A copy of ``plan`` with ``overrides`` set, each with the spec as its source.

    A dotted key changes one entry of a dict field (``optimizer_params.weight_decay`` keeps
    the base config's betas); a whole value replaces what was under its key.
    """
    if not overrides:
        return plan
    settings = dict(plan.settings)
    for key, value in flatten(_plain(dict(overrides))).items():
        for child in [k for k in settings if k.startswith((key + ".", key + "["))]:
            del settings[child]
        for parent in parent_keys(key):
            _split_parent(settings, parent)
        settings[key] = Setting(key, value, Source(file=str(file), key=f"{table}.{key}"))
    return dataclasses.replace(plan, settings=dict(sorted(settings.items())))


def _split_parent(settings: dict[str, Setting], parent: str) -> None:
    """A dict-valued leaf (``optimizer_params = {...}``) becomes dotted leaves; None goes."""
    found = settings.pop(parent, None)
    if found is None or not isinstance(found.value, dict):
        return
    for key, value in flatten(found.value, parent).items():
        settings.setdefault(key, Setting(key, value, found.source))


def default_storage() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_STORAGE_DIR / DEFAULT_STORAGE_FILE}"


def default_workdir(spec: AblationSpec) -> Path:
    return spec.workdir or Path.cwd() / DEFAULT_STORAGE_DIR / "runs" / spec.name


# ---------------------------------------------------------------------------- reading


def _load_base_plan(path: Path) -> Plan:
    try:
        from harness.plan.load import load_plan
    except ImportError:  # the loaders are not installed yet: read the project's TOML format
        return _plan_from_toml(path)
    return load_plan(str(path))


def _plan_from_toml(path: Path) -> Plan:
    from harness.plan.build import build_plan
    from harness.plan.mapping import raw_from_mapping

    if path.suffix != ".toml":
        raise HarnessError("base config must be a .toml file", where=str(path))
    data = _read_toml(path)
    return build_plan(raw_from_mapping(data, name=path.stem, path=str(path)))


def _name(study: Mapping[str, Any], spec_path: Path) -> str:
    name = study.get("name", spec_path.stem)
    if not isinstance(name, str) or not name.strip():
        raise HarnessError("study.name must be a non-empty string", where=str(spec_path))
    return name.strip()


def _required_path(study: Mapping[str, Any], key: str, spec_path: Path) -> Path:
    value = study.get(key)
    if not isinstance(value, str):
        raise HarnessError(
            f"study.{key} is required (a path, relative to the spec)",
            where=str(spec_path),
            fix=f'add {key} = "after.toml" under [study]',
        )
    path = (spec_path.parent / value).resolve()
    if not path.exists():
        raise HarnessError(f"{value} not found", where=f"{spec_path}: study.{key}")
    return path


def _optional_path(study: Mapping[str, Any], key: str, spec_path: Path) -> Path | None:
    value = study.get(key)
    return None if value is None else (spec_path.parent / str(value)).resolve()


def _storage(value: Any, spec_path: Path) -> str | None:
    """An RDB URL as is; a plain path is a SQLite file relative to the spec."""
    if value is None:
        return None
    text = str(value)
    if "://" in text:
        return text
    return f"sqlite:///{(spec_path.parent / text).resolve()}"


def _scale(study: Mapping[str, Any], spec_path: Path) -> Scale:
    value = study.get("scale", "tiny")
    if value == "tiny":
        return Scale("tiny")
    folder = (spec_path.parent / str(value)).expanduser().resolve()
    missing = [n for n in ("model.pth", "dvae.pth", "mel_stats.pth") if not (folder / n).exists()]
    if not folder.is_dir() or missing:
        raise HarnessError(
            f"scale must be 'tiny' or an XTTS v2 checkpoint directory; {folder} lacks "
            f"{', '.join(missing) or 'everything'}",
            where=f"{spec_path}: study.scale",
            fix='use scale = "tiny" or the folder holding model.pth, dvae.pth, mel_stats.pth',
        )
    from harness.ablate.miniature.layout import is_miniature

    return Scale("miniature" if is_miniature(folder) else "checkpoint", folder)


def _data(data: Mapping[str, Any], spec_path: Path, plan: Plan) -> DataSpec:
    table = _table(data, "data", str(spec_path))
    _check_keys(table, DATA_KEYS, str(spec_path), "data.")
    folder = (spec_path.parent / str(table.get("path", "data"))).resolve()
    train = str(table.get("train", "metadata_train.csv"))
    evals = str(table.get("eval", "metadata_eval.csv"))
    for name in (train, evals):
        if not (folder / name).is_file():
            raise HarnessError(
                f"{folder / name} not found",
                where=f"{spec_path}: data",
                fix="point data.path at the folder holding the metadata files",
            )
    vocab = table.get("vocab")
    vocab_path = (spec_path.parent / str(vocab)).resolve() if vocab else None
    if vocab_path is None:
        from_plan = plan.model.tokenizer_file.or_("")
        vocab_path = Path(from_plan) if from_plan else None
    if vocab_path is None or not vocab_path.is_file():
        raise HarnessError(
            f"tokenizer vocab not found ({vocab_path})",
            where=f"{spec_path}: data.vocab",
            fix="set data.vocab to the vocab.json the model trains with",
        )
    language = table.get("language") or plan.data.language.value or "en"
    return DataSpec(folder, train, evals, str(language), vocab_path)


def _held_out(table: Mapping[str, Any], spec: AblationSpec) -> DataSpec | None:
    """The forgetting eval set: ``data.held_out`` (a coqui-format folder, its eval file is
    used) in ``data.held_out_language``; on a miniature release, by default its first base
    language's held-out clips."""
    value, language = table.get("held_out"), table.get("held_out_language")
    if value is None and spec.scale.kind == "miniature" and spec.scale.checkpoint_dir:
        from harness.ablate.miniature.layout import held_out_languages

        found = held_out_languages(spec.scale.checkpoint_dir)
        language = language or (found[0] if found else None)
        if language is None:
            return None
        value = str(spec.scale.checkpoint_dir / "held_out" / str(language))
    if value is None:
        return None
    folder = (spec.path.parent / str(value)).resolve()
    evals = folder / spec.data.eval
    if not evals.is_file() or not language:
        raise HarnessError(
            f"held-out set {folder} needs {spec.data.eval} and data.held_out_language",
            where=f"{spec.path}: data.held_out",
            fix='e.g. held_out = "base_eval" and held_out_language = "en"',
        )
    return DataSpec(folder, spec.data.eval, spec.data.eval, str(language), spec.data.vocab)


def _seeds(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return tuple(range(value))
    ok = isinstance(value, list) and value and all(isinstance(v, int) for v in value)
    if not ok or len(set(value)) != len(value):
        raise HarnessError(
            "study.seeds must be a count or a list of distinct integers",
            where=f"{where}: study.seeds",
            fix="e.g. seeds = 3 or seeds = [0, 1, 2]",
        )
    return tuple(value)


def _first_seeds(seeds: tuple[int, ...], count: int) -> tuple[int, ...]:
    extra = itertools.count(max(seeds) + 1)
    return tuple(seeds[:count]) + tuple(next(extra) for _ in range(count - len(seeds)))


def unresolved(plan: Plan, keys: list[str]) -> list[str]:
    """Keys among ``keys`` whose value a loader could not resolve (Unknown)."""
    # By name: the keys are the spec's own (its overrides and factors), any key of the config.
    return [k for k in keys if isinstance(plan.get(k), Unknown)]
