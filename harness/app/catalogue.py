"""The catalogue use cases: a code's documentation, every rule, the shipped baselines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.baselines import BaselineInfo
    from harness.findings import FindingCode
    from harness.rules import Rule


def explain(code: str) -> FindingCode:
    """The documented rule, audit or run code (by code or name); unknown: a HarnessError."""
    from harness.catalog import get_entry

    return get_entry(code)


def list_rules() -> list[Rule]:
    """Every config rule, in code order."""
    from harness.rules import all_rules

    return list(all_rules())


@dataclass(frozen=True)
class Baselines:
    """The reference configs shipped with the harness, and which one lint uses by default."""

    entries: tuple[BaselineInfo, ...]
    default: str


def list_baselines() -> Baselines:
    from harness.baselines import DEFAULT_BASELINE
    from harness.baselines import list_baselines as shipped

    return Baselines(tuple(shipped()), DEFAULT_BASELINE)
