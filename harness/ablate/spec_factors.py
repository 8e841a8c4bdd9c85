"""A spec's ``[factors]`` and ``[search]`` tables, checked against the base config's Plan."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from harness.ablate.design import Factor, Level, Search, SearchParam
from harness.ablate.spec_read import _check_keys, _flat_table, _positive_int
from harness.errors import HarnessError
from harness.plan.model import Plan


def _check_plan_keys(plan: Plan, overrides: Mapping[str, Any], where: str, table: str) -> None:
    from harness.plan.build import is_known_key
    from harness.plan.defaults import load_table

    defaults = load_table(plan.library)
    for key in overrides:
        if key not in plan.settings and not is_known_key(key, defaults):
            raise HarnessError(
                f"{key} is not a setting of the base config",
                where=f"{where}: {table}.{key}",
                fix="use a GPTTrainerConfig key (lr, optimizer_params.weight_decay, "
                "model_args.max_text_length), a trainer fact (grad_accum_steps) or extras.*",
            )


def _factors(table: Any, plan: Plan, where: str) -> tuple[Factor, ...]:
    if not isinstance(table, Mapping):
        raise HarnessError("[factors] must be a table", where=where)
    factors = []
    for name, levels in table.items():
        if not isinstance(levels, Mapping) or len(levels) < 2:
            raise HarnessError(
                f"factor {name} needs at least two levels",
                where=f"{where}: factors.{name}",
                fix=f"add [factors.{name}.off] and [factors.{name}.on] tables",
            )
        parsed = []
        for level_name, settings in levels.items():
            overrides = _flat_table(settings, where, f"factors.{name}.{level_name}")
            _check_plan_keys(plan, overrides, where, f"factors.{name}.{level_name}")
            parsed.append(Level(str(level_name), overrides))
        factors.append(Factor(str(name), tuple(parsed)))
    return tuple(factors)


def _search(table: Any, plan: Plan, where: str) -> Search | None:
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise HarnessError("[search] must be a table", where=where)
    _check_keys(table, ("trials", "params", "sampler_seed"), where, "search.")
    trials = _positive_int({"trials": table.get("trials")}, "trials", 1, where)
    params_table = table.get("params", {})
    if not isinstance(params_table, Mapping) or not params_table:
        raise HarnessError(
            "[search] needs at least one [search.params.<key>] table",
            where=where,
            fix="e.g. [search.params.lr] low = 1e-5, high = 1e-3, log = true",
        )
    params = tuple(_search_param(k, v, plan, where) for k, v in _search_items(params_table))
    seed = table.get("sampler_seed")
    return Search(trials, params, int(seed) if seed is not None else None)


def _search_items(table: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """``[search.params.lr]`` and ``[search.params.optimizer_params.weight_decay]`` alike."""
    out: list[tuple[str, Mapping[str, Any]]] = []

    def walk(prefix: str, value: Mapping[str, Any]) -> None:
        if any(k in value for k in ("low", "high", "choices")):
            out.append((prefix, value))
            return
        for key, child in value.items():
            if isinstance(child, Mapping):
                walk(f"{prefix}.{key}" if prefix else key, child)

    walk("", table)
    return out


def _search_param(key: str, value: Mapping[str, Any], plan: Plan, where: str) -> SearchParam:
    here = f"{where}: search.params.{key}"
    _check_plan_keys(plan, {key: None}, where, "search.params")
    if "choices" in value:
        choices = value["choices"]
        if not isinstance(choices, list) or len(choices) < 2:
            raise HarnessError("choices must be a list of at least two values", where=here)
        return SearchParam(key, "categorical", choices=tuple(choices))
    low: Any = value.get("low")
    high: Any = value.get("high")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    if not numbers or not math.isfinite(low) or not math.isfinite(high) or low >= high:
        raise HarnessError("low and high must be numbers with low < high", where=here)
    log = bool(value.get("log", False))
    if log and low <= 0:
        raise HarnessError("a log-scale range must have low > 0", where=here)
    kind = "int" if isinstance(low, int) and isinstance(high, int) else "float"
    return SearchParam(key, kind, float(low), float(high), log)
