"""The project's own config format (TOML or YAML), as a mapping, -> RawConfig.

Top-level keys mirror GPTTrainerConfig (nested tables for ``model_args``, ``audio``,
``optimizer_params``, ``lr_scheduler_params``, ``[[datasets]]``). Reserved tables:

- ``[meta]``: not config. ``name``, ``library`` (defaults table, e.g. "TTS 0.22.0"),
  ``description``, ``source`` (repo, path, commit, url), ``reference`` (bool), and
  ``tokenizer`` ("stock" or "passthrough"), which becomes the plan fact ``tokenizer``.
- ``[trainer]``: TrainerArgs, e.g. ``grad_accum_steps``, ``restore_path``, ``continue_path``.
- ``[plan]``: facts about the run, e.g. ``dataset_size``, ``eval_size``, ``language``,
  ``checkpoint_text_tokens``.
- ``[extras.*]``: options the Coqui trainer lacks: ``ema``, ``warmup``, ``lora``, ``freeze``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.errors import HarnessError
from harness.plan.build import RawConfig
from harness.plan.flatten import flatten
from harness.plan.loaders.lines import line_of
from harness.plan.source import Setting, Source

RESERVED_TABLES = ("meta", "trainer", "plan")
META_FACTS = ("tokenizer",)  # [meta] keys that are also facts about the planned run


def raw_from_mapping(
    data: Mapping[str, Any],
    *,
    name: str,
    path: str | None,
    lines: Mapping[str, int] | None = None,
) -> RawConfig:
    """Flatten a project-format mapping into explicit settings with file provenance."""
    lines = lines or {}
    meta = _table(data, "meta", path)
    flat: dict[str, Any] = {}
    for table in ("trainer", "plan"):
        section = _table(data, table, path)
        if section:  # flatten({}) is the leaf {"": {}}: an absent table adds nothing
            flat.update(flatten(section))
    for key, value in data.items():
        if key in RESERVED_TABLES:
            continue
        flat.update(flatten(value, key))
    flat.update({key: meta[key] for key in META_FACTS if key in meta})
    settings = [
        Setting(key, value, Source(file=path, key=_file_key(key, data), line=line_of(key, lines)))
        for key, value in flat.items()
    ]
    library = meta.get("library")
    return RawConfig(
        name=str(meta.get("name") or name),
        path=path,
        settings=settings,
        meta=dict(meta),
        library=str(library) if library else None,
    )


def _table(data: Mapping[str, Any], name: str, path: str | None) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise HarnessError(
            f"[{name}] must be a table, not {type(table).__name__}",
            where=path,
            fix=f"write it as a [{name}] section with key = value lines",
        )
    return table


def _file_key(key: str, data: Mapping[str, Any]) -> str:
    """The key as written in the file: facts live under [trainer], [plan] or [meta]."""
    meta = data.get("meta")
    if key in META_FACTS and isinstance(meta, Mapping) and key in meta:
        return f"meta.{key}"
    for table in ("trainer", "plan"):
        section = data.get(table)
        if isinstance(section, Mapping) and key.split(".")[0] in section:
            return f"{table}.{key}"
    return key
