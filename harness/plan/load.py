"""Load any supported config into a Plan: the one entry point of the loaders.

``target`` may be a baseline name (``gokhaneraslan-head``), a coqpit ``.json`` as the Coqui
Trainer writes it, a run folder (its ``config.json``), a project ``.toml`` / ``.yaml`` file,
a ``.py`` training script (read with ``ast``, never run), a ``.sh`` launcher holding
``python SCRIPT ARGS`` lines, or a ``CommandLine``. ``overrides`` are ``KEY=VALUE`` strings:
for a script they bind its inputs first (function parameters, argparse dests), and the
rest apply on top as config keys. Every mistake is a HarnessError with a one-line message.

A script can give several plans, one per feasible path (``load_plans``); each then carries
its conditions in ``meta["path_condition"]`` and its name. ``plan.meta["reading"]`` is the
``ScriptReading`` (entry script, repository root, modules followed) of a script's plans:
``_script_plans`` is where repository scanners hook in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import HarnessError
from harness.plan.build import RawConfig, build_plan
from harness.plan.defaults import load_table
from harness.plan.loaders import SUFFIXES, loader_for
from harness.plan.loaders.command_line import CommandLine
from harness.plan.loaders.overrides import apply_overrides
from harness.plan.model import Plan
from harness.plan.source import Setting

if TYPE_CHECKING:
    from harness.plan.loaders.parse_cache import ParseCache

__all__ = ["apply_overrides", "load_plan", "load_plans", "load_raw", "resolve_target"]

Target = str | Path | CommandLine


def load_plan(
    target: Target,
    overrides: Sequence[str] = (),
    library: str | None = None,
    library_override: tuple[str, str] | None = None,
) -> Plan:
    """The effective Plan of ``target``; for a script with several paths, the first (its
    notes say how many there are: use ``load_plans`` to get them all)."""
    plans = load_plans(target, overrides, library, library_override)
    if len(plans) > 1:
        first = plans[0]
        first.meta.setdefault("notes", []).append(
            f"the script has {len(plans)} feasible paths; this reads the first "
            f"({'; '.join(first.meta.get('path_condition', []))})"
        )
    return plans[0]


def load_plans(
    target: Target,
    overrides: Sequence[str] = (),
    library: str | None = None,
    library_override: tuple[str, str] | None = None,
) -> list[Plan]:
    """Every plan ``target`` describes: one, or one per feasible path of a script.

    ``library_override`` is ``--library NAME VERSION``: the package that runs the target,
    instead of what its repository pins or vendors."""
    from harness.plan.loaders.parse_cache import ParseCache

    cache = ParseCache()  # this load's: the script reader and the scanner parse each file once
    if isinstance(target, CommandLine):
        return _script_plans(
            target.script, target.args, overrides, library, target, library_override, cache
        )
    path = resolve_target(target)
    suffix = path.suffix.lower()
    if suffix == ".sh":
        from harness.plan.loaders.command_line import read_launcher

        plans: list[Plan] = []
        for command in read_launcher(path, _display(path)):
            plans += _script_plans(
                command.script, command.args, overrides, library, command, library_override, cache
            )
        return plans
    if suffix == ".py":
        return _script_plans(path, None, overrides, library, None, library_override, cache)
    raw = load_raw(path)
    if library_override is not None:  # a config file takes only --library from the facts
        from harness.plan.script_facts import add_script_facts

        raw = add_script_facts(raw, path, library_override)
    return [_finish(apply_overrides(raw, overrides), library)]


def _script_plans(
    script: Path,
    argv: Sequence[str] | None,
    overrides: Sequence[str],
    library: str | None,
    command: CommandLine | None,
    library_override: tuple[str, str] | None,
    cache: ParseCache,
) -> list[Plan]:
    from harness.plan.loaders.script_paths import read_script
    from harness.plan.script_facts import script_facts_merger

    if not script.is_file():
        where = command.where if command else str(script)
        raise HarnessError("no such script", where=f"{where}: {script}", fix="check the path")
    text = f"{command.text} ({command.where})" if command else None
    result = read_script(script, _display(script), argv, overrides, text, cache)
    rest = [o for o in overrides if _override_name(o) not in result.inputs]
    with_facts = script_facts_merger(script, library_override, cache)  # read once, every path
    plans = []
    for path in result.paths:
        raw = with_facts(path.raw)
        raw = apply_overrides(raw, rest)
        meta = {**raw.meta, "reading": result.reading, "path_condition": path.conditions}
        meta["command_line_rejections"] = [vars(r).copy() for r in path.rejections]
        if path.conditions:
            raw = replace(raw, name=f"{raw.name} [{'; '.join(path.conditions)}]")
        plans.append(_finish(replace(raw, meta=meta), library, as_findings=True))
    return plans


def _override_name(text: str) -> str:
    return text.partition("=")[0].strip().lstrip("-")


def _finish(raw: RawConfig, library: str | None, *, as_findings: bool = False) -> Plan:
    """A script CPython compiles is never refused (exit 2): its wrong value types become
    error findings (C905); a config file with one is refused with one line."""
    from harness.plan.loaders.value_types import check_types

    plan = build_plan(_with_language(raw), library)
    check_types(plan, load_table(plan.library), as_findings=as_findings)
    return plan


def load_raw(target: str | Path) -> RawConfig:
    """The explicit settings of ``target``, as its loader read them."""
    path = resolve_target(target)
    loader = loader_for(path.suffix)
    if loader is None:
        raise HarnessError(
            f"unknown config format {path.suffix or '(no suffix)'!r}",
            where=str(target),
            fix=f"give a {', '.join(SUFFIXES)} or .sh file, a run folder, or a command "
            "line after -- (python train.py ARGS)",
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
