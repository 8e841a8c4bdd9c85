"""Explicit settings from a loader + a library's defaults -> the effective Plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import HarnessError
from harness.plan.defaults import DefaultsTable, load_table
from harness.plan.flatten import parent_keys, root_of
from harness.plan.model import EXTRA_DEFAULTS, FACT_KEYS, PROJECT_SOURCE, TOKENIZERS, Plan
from harness.plan.source import Setting, Source


@dataclass
class RawConfig:
    """What a loader read: the explicit settings only, flattened, in file order."""

    name: str
    path: str | None
    settings: list[Setting]
    meta: dict[str, Any] = field(default_factory=dict)
    library: str | None = None  # defaults table the file was written for, if it says


def build_plan(raw: RawConfig, library: str | None = None) -> Plan:
    """Fill in library defaults under the explicit settings, and set aside unknown keys."""
    table = load_table(library or raw.library or _latest())
    explicit: dict[str, Setting] = {}
    unknown: list[Setting] = []
    for setting in raw.settings:
        if is_known_key(setting.key, table):
            explicit[setting.key] = setting
        else:
            unknown.append(setting)
    _check_tokenizer(explicit.get("tokenizer"))
    settings = _defaults(table, explicit)
    settings.update(explicit)
    return Plan(
        name=raw.name,
        path=raw.path,
        library=table.library,
        settings=dict(sorted(settings.items())),
        unknown_keys=unknown,
        meta=raw.meta,
        library_declared=bool(library or raw.library),
    )


def _check_tokenizer(setting: Setting | None) -> None:
    if setting is not None and setting.value not in TOKENIZERS:
        raise HarnessError(
            f"tokenizer {setting.value!r} is not one of {', '.join(TOKENIZERS)}",
            where=str(setting.source),
            fix='write tokenizer = "stock" (the released tokenizer) or "passthrough" (a fork '
            "that accepts the language)",
        )


def is_known_key(key: str, table: DefaultsTable) -> bool:
    """True when the config class (or trainer args, facts, extras) has this key."""
    if key in table.config or key in FACT_KEYS or key in table.trainer_args:
        return True
    if key.startswith("extras."):
        return True
    root = root_of(key)
    # A nested dataclass field (model_args.x) must exist in the table itself.
    return root in table.dict_fields or _is_list_field(root, table)


def _is_list_field(root: str, table: DefaultsTable) -> bool:
    return isinstance(table.config.get(root), list)


def _defaults(table: DefaultsTable, explicit: dict[str, Setting]) -> dict[str, Setting]:
    library_source = Source(library=table.library)
    trainer_source = Source(library=table.trainer)
    covered = _covered_roots(explicit)
    out: dict[str, Setting] = {}
    for key, value in table.config.items():
        if key not in explicit and key not in covered and not _replaced(key, explicit):
            out[key] = Setting(key, value, library_source)
    for key, value in table.trainer_args.items():
        if key not in explicit:
            out[key] = Setting(key, value, trainer_source)
    for key, value in EXTRA_DEFAULTS.items():
        if key not in explicit:
            out[key] = Setting(
                key, value, Source(library=PROJECT_SOURCE.removeprefix("default of "))
            )
    return out


def _covered_roots(explicit: dict[str, Setting]) -> set[str]:
    """Default leaves (``optimizer_params`` = None) that explicit sub-keys replace."""
    covered: set[str] = set()
    for key in explicit:
        covered.update(parent_keys(key))
    return covered


def _replaced(default_key: str, explicit: dict[str, Setting]) -> bool:
    """An explicit value set a whole subtree (``datasets`` = [...]) this default lives in."""
    return any(parent in explicit for parent in parent_keys(default_key))


def _latest() -> str:
    from harness.plan.defaults import LATEST

    return LATEST
