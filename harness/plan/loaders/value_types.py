"""Reject explicit values of the wrong type (``lr = "fast"``) with a one-line error.

Coqpit does not check types when a config is built, so a string learning rate or a float
epoch count only fails hours into a run. The expected type of a key is that of its library
default (numbers are numbers: an int where a float is expected is fine), plus the plan facts
and extras the project defines.
"""

from __future__ import annotations

import math
from typing import Any

from harness.errors import HarnessError
from harness.plan.defaults import DefaultsTable
from harness.plan.model import EXTRA_DEFAULTS, Plan
from harness.plan.source import Setting, Unknown

# Keys whose default (None) does not tell their type, or that must be whole numbers.
EXPLICIT: dict[str, str] = {
    "lr_scheduler": "str",
    "optimizer_params": "dict",
    "grad_accum_steps": "count",
    "dataset_size": "size",
    "eval_size": "size",
    "checkpoint_text_tokens": "count",
    "language": "str",
    "extras.warmup.steps": "size",
    # a run of 2.5, 0 or -5 epochs, or batches of 0 samples, cannot mean anything
    "epochs": "count",
    "batch_size": "count",
    "eval_batch_size": "count",
}
# A NaN or infinite learning rate cannot mean a run (other keys, such as max_audio_len, use
# inf for "no limit"; a NaN loss weight is how the ablation tests make a trial fail).
FINITE_KEYS = ("lr",)
# Labels the trainer only prints or logs: a wrong type there (``run_description = "x",``, a
# trailing-comma tuple) is harmless to training, so it is a note, not an error.
HARMLESS = frozenset({"run_description", "run_name", "project_name", "wandb_entity"})
MULTI_OPTIMIZER = ("lr", "optimizer", "lr_scheduler")  # coqpit allows a list per optimizer
WARMUP_UNITS = ("optimizer_steps", "epochs")
DESCRIPTION = {
    "bool": "true or false",
    "number": "a number",
    "str": "a string",
    "list": "a list",
    "dict": "a table of key = value settings",
    "count": "a whole number of at least 1",
    "size": "a whole number of at least 0",
}


def check_types(plan: Plan, table: DefaultsTable, *, as_findings: bool = False) -> None:
    """Raise on the first wrong type; with ``as_findings`` (a script CPython compiles, whose
    run would start and then fail) record each in ``meta["value_type_errors"]`` instead."""
    for error in _type_errors(plan, table):
        if not as_findings or error.where.startswith("--set"):  # a bad --set: refused
            raise error
        plan.meta.setdefault("value_type_errors", []).append(
            {"key": error.key, "message": error.what, "fix": error.fix}
        )


def _type_errors(plan: Plan, table: DefaultsTable):
    for setting in plan.settings.values():
        if setting.source.is_default or isinstance(setting.value, Unknown):
            continue
        if setting.value is None and setting.key not in ("grad_accum_steps",):
            continue
        expected = expected_type(setting.key, table)
        if expected and not _matches(setting.value, expected, setting.key):
            if setting.key in HARMLESS:
                plan.meta.setdefault("notes", []).append(
                    f"{setting.key} is {setting.value!r} ({setting.source}), not "
                    f"{DESCRIPTION[expected]}: only printed by the trainer, harmless"
                )
                continue
            yield _error(setting, DESCRIPTION[expected])
        elif setting.key in FINITE_KEYS and not _finite(setting):
            yield _error(setting, "a finite number")
        elif setting.key == "extras.warmup.unit" and setting.value not in WARMUP_UNITS:
            yield _error(setting, " or ".join(repr(u) for u in WARMUP_UNITS))


def expected_type(key: str, table: DefaultsTable) -> str | None:
    if key in EXPLICIT:
        return EXPLICIT[key]
    if key in table.config:
        return _kind(table.config[key])
    if key in EXTRA_DEFAULTS:
        return _kind(EXTRA_DEFAULTS[key])
    return None


def _kind(default: Any) -> str | None:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, (int, float)):
        return "number"
    if isinstance(default, str):
        return "str"
    if isinstance(default, list):
        return "list"
    if isinstance(default, dict):
        return "dict"
    return None  # None default: any type


def _matches(value: Any, expected: str, key: str) -> bool:
    if key in MULTI_OPTIMIZER and isinstance(value, list):
        return True
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    is_whole = isinstance(value, int) and not isinstance(value, bool)
    checks = {
        "bool": isinstance(value, bool),
        "number": is_number,
        "str": isinstance(value, str),
        "list": isinstance(value, list),
        "dict": isinstance(value, dict),
        "count": is_whole and value >= 1,
        "size": is_whole and value >= 0,
    }
    return checks[expected]


def _finite(setting: Setting) -> bool:
    values = setting.value if isinstance(setting.value, list) else [setting.value]
    return not any(isinstance(v, float) and not math.isfinite(v) for v in values)


def _error(setting: Setting, wanted: str) -> HarnessError:
    error = HarnessError(
        f"{setting.key} must be {wanted}, not {setting.value!r}",
        where=str(setting.source),
        fix=f"set {setting.key} to {wanted}",
    )
    error.key = setting.key  # type: ignore[attr-defined]
    return error
