"""Load any supported config into a Plan: the one entry point of the loaders.

``target`` may be a baseline name (``gokhaneraslan-head``), a coqpit ``.json`` as the Coqui
Trainer writes it, a run folder (its ``config.json``), a project ``.toml`` / ``.yaml`` file,
or a ``.py`` training script (read with ``ast``, never run). ``overrides`` are ``KEY=VALUE``
strings applied on top. Every mistake is a HarnessError with a one-line message.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from harness.errors import HarnessError
from harness.plan.build import RawConfig, build_plan
from harness.plan.defaults import load_table
from harness.plan.loaders import SUFFIXES, loader_for
from harness.plan.loaders.overrides import apply_overrides
from harness.plan.model import Plan
from harness.plan.source import Setting

__all__ = ["apply_overrides", "load_plan", "load_raw", "resolve_target"]


def load_plan(
    target: str | Path,
    overrides: Sequence[str] = (),
    library: str | None = None,
    library_override: tuple[str, str] | None = None,
) -> Plan:
    """The effective Plan of ``target``, overrides applied, library defaults filled in."""
    from harness.plan.loaders.value_types import check_types
    from harness.plan.script_facts import add_script_facts

    path = resolve_target(target)
    raw = add_script_facts(load_raw(path), path, library_override)  # repository facts
    raw = apply_overrides(raw, overrides)
    raw = _with_language(raw)
    plan = build_plan(raw, library)
    check_types(plan, load_table(plan.library))
    return plan


def load_raw(target: str | Path) -> RawConfig:
    """The explicit settings of ``target``, as its loader read them."""
    path = resolve_target(target)
    loader = loader_for(path.suffix)
    if loader is None:
        raise HarnessError(
            f"unknown config format {path.suffix or '(no suffix)'!r}",
            where=str(target),
            fix=f"give a {', '.join(SUFFIXES)} file or a training run folder",
        )
    return loader(path, _display(path))


def resolve_target(target: str | Path) -> Path:
    """A file to load: the path itself, a run folder's config.json, or a baseline's file."""
    path = Path(target)
    if path.is_dir():
        return _run_folder_config(path)
    if path.exists():
        return path
    text = str(target)
    if text and not path.suffix and os.sep not in text and "/" not in text:
        from harness.baselines import resolve_baseline

        return resolve_baseline(text)  # raises with the list of names when unknown
    raise HarnessError(
        "no such file",
        where=text,
        fix="check the path, or name a baseline (xtts-harness baselines lists them)",
    )


def _run_folder_config(folder: Path) -> Path:
    config = folder / "config.json"
    if config.is_file():
        return config
    # The Trainer writes OUTPUT_PATH/<run name>-<date>/config.json; accept OUTPUT_PATH when
    # it holds exactly one run.
    runs = sorted(p for p in folder.glob("*/config.json") if p.is_file())
    if len(runs) == 1:
        return runs[0]
    fix = "point at the run folder that holds config.json, or at a config file"
    if runs:
        names = ", ".join(p.parent.name for p in runs[:5])
        fix = f"name one run folder: {names}"
    raise HarnessError("folder has no config.json", where=str(folder), fix=fix)


def _display(path: Path) -> str:
    """The path as the user will want to see it: relative to the working folder if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _with_language(raw: RawConfig) -> RawConfig:
    """Set the ``language`` fact from the datasets when they agree and it is not given."""
    keys = {s.key for s in raw.settings}
    if "language" in keys:
        return raw
    languages = [s for s in raw.settings if _is_dataset_language(s.key)]
    values = [s.value for s in languages]
    if not values or not all(isinstance(v, str) for v in values) or len(set(values)) != 1:
        return raw  # none, unknown, or several languages: leave the fact unset
    first = languages[0]
    return replace(raw, settings=[*raw.settings, Setting("language", first.value, first.source)])


def _is_dataset_language(key: str) -> bool:
    return key.startswith("datasets[") and key.endswith("].language")
