"""An edit a fixer proposes: set a key to a value, or rename a key, where the file has it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Edit:
    code: str  # the finding code it fixes
    key: str  # the Plan key ("lr_scheduler_params.milestones")
    value: Any = None  # the new value (ignored for a rename)
    rename_to: str | None = None  # a new key name, keeping the value
    file_key: str | None = None  # the key as the file spells it (source.key)
    line: int | None = None  # where the file sets it (None: not set there yet)
    anchor_line: int | None = None  # a new key goes next to the setting on this line

    def describe(self) -> str:
        if self.rename_to:
            return f"{self.code}: rename {self.file_key or self.key} to {self.rename_to}"
        return f"{self.code}: {self.key} = {self.value!r}"


class CannotFix(Exception):
    """A finding whose fix needs what the config does not say; the message says what."""
