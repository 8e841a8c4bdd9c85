"""Where a configuration value came from, and values that could not be resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    """Provenance of one value: a file and key or line, or a library default."""

    file: str | None = None
    key: str | None = None
    line: int | None = None
    library: str | None = None  # e.g. "coqui-tts 0.28.0": the value is that library's default

    @property
    def is_default(self) -> bool:
        return self.library is not None

    def __str__(self) -> str:
        if self.library:
            return f"default of {self.library}"
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where} ({self.key})" if self.key else where


@dataclass(frozen=True)
class Unknown:
    """A value the loader could not resolve without running code; ``text`` is its source."""

    text: str

    def __str__(self) -> str:
        return f"<unknown: {self.text}>"


@dataclass(frozen=True)
class Setting:
    """One effective value of a plan under its dotted coqpit key."""

    key: str
    value: Any
    source: Source

    @property
    def known(self) -> bool:
        return not isinstance(self.value, Unknown)
