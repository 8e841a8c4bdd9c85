"""Reading a spec's TOML tables: one HarnessError per mistake, naming the file and key."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.plan.flatten import flatten


def _read_toml(path: Path) -> dict[str, Any]:
    from harness.plan.loaders.bounds import budget_for, check_tree, value_problem
    from harness.plan.loaders.text import read_text

    if not path.exists():
        raise HarnessError(
            "ablation spec not found", where=str(path), fix="pass the path of a .toml spec"
        )
    text = read_text(path, str(path))  # refuses a FIFO, a device, bytes that are not UTF-8
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        from harness.plan.loaders.project_file import toml_syntax_error

        raise toml_syntax_error(error, str(path), text) from None
    except (ValueError, RecursionError) as error:  # a 4300+ digit integer, deep nesting
        raise HarnessError(
            f"not valid TOML: {value_problem(error)}", where=str(path), fix="fix the TOML syntax"
        ) from None
    check_tree(data, str(path), budget_for(text))
    return data


def _table(data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise HarnessError(
            f"[{name}] must be a table", where=where, fix=f"write a [{name}] section"
        )
    return table


def _check_keys(
    table: Mapping[str, Any], allowed: tuple[str, ...], where: str, prefix: str
) -> None:
    for key in table:
        if key not in allowed:
            raise HarnessError(
                f"unknown key {prefix}{key}",
                where=where,
                fix=f"use one of: {', '.join(prefix + k for k in allowed)}",
            )


def _flat_table(table: Any, where: str, name: str) -> dict[str, Any]:
    """Nested tables become dotted Plan keys (``optimizer_params.weight_decay``)."""
    if not isinstance(table, Mapping):
        raise HarnessError(f"[{name}] must be a table", where=where)
    return flatten(_plain(table))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _positive_int(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HarnessError(f"study.{key} must be a positive integer", where=f"{where}: study.{key}")
    return value


def _optional_int(table: Mapping[str, Any], key: str, where: str) -> int | None:
    if table.get(key) is None:
        return None
    return _positive_int(table, key, 1, where)


def _choice(table: Mapping[str, Any], key: str, choices: tuple[str, ...], where: str) -> str:
    value = table.get(key, choices[0])
    if value not in choices:
        raise HarnessError(
            f"study.{key} = {value!r} is not one of {', '.join(choices)}",
            where=f"{where}: study.{key}",
        )
    return value
