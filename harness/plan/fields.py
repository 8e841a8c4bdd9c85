"""One plan value as a view reads it: its key, the value as held, and where it came from.

A ``Field`` keeps the three things a finding needs apart: the key it points at (rules put
``field.key`` in a Problem, and ``harness.rules.base.locate`` finds the file and line from
it), the value (``Unknown`` when static reading could not resolve it, so never confused with
a default), and the ``Source`` (a library default, or a file and key or line).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from harness.plan.source import Source, Unknown

if TYPE_CHECKING:
    from harness.plan.model import Plan

T = TypeVar("T")


@dataclass(frozen=True)
class Field(Generic[T]):
    """One setting of a plan; ``T`` is the type the config class declares for it."""

    key: str
    raw: Any = None  # as the plan holds it: may be Unknown; None when the plan lacks the key
    source: Source | None = None  # None: the plan has no such key

    @classmethod
    def read(cls, plan: Plan, key: str) -> Field[Any]:
        found = plan.settings.get(key)
        if found is None:
            return cls(key)
        return cls(key, found.value, found.source)

    @property
    def present(self) -> bool:
        return self.source is not None

    @property
    def unknown(self) -> Unknown | None:
        """The unresolved value, or None when the value is known (or absent)."""
        return self.raw if isinstance(self.raw, Unknown) else None

    @property
    def value(self) -> Any:
        """The known value; None when it is unknown or absent (``Plan.known``)."""
        return None if isinstance(self.raw, Unknown) else self.raw

    def or_(self, default: Any) -> Any:
        """The known value, or ``default`` when it is unknown or absent."""
        if self.source is None or isinstance(self.raw, Unknown):
            return default
        return self.raw

    @property
    def explicit(self) -> bool:
        """The config (or the script, or the caller) set it: not a library default."""
        return self.source is not None and not self.source.is_default

    @property
    def number(self) -> float | None:
        """A finite real number, or None (bools, Unknown, strings, None)."""
        value = self.raw
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value) if math.isfinite(value) else None

    @property
    def integer(self) -> int | None:
        """``number`` truncated to an int, or None."""
        value = self.number
        return None if value is None else int(value)

    @property
    def text(self) -> str | None:
        """A non-empty string, or None."""
        return self.raw if isinstance(self.raw, str) and self.raw else None

    @property
    def strings(self) -> list[str]:
        """A list's string items (module paths, names); [] for anything else."""
        if not isinstance(self.raw, list):
            return []
        return [item for item in self.raw if isinstance(item, str)]


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: a message never carries a huge value."""
    return cut(value.text if isinstance(value, Unknown) else repr(value), limit)


def cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
