"""Config values -> data strict JSON can carry (the convention docs/json-schema.md documents).

- ``inf`` / ``-inf`` / ``nan`` -> the strings ``"Infinity"``, ``"-Infinity"``, ``"NaN"``
  (JSON has no such numbers; coqpit configs do contain ``Infinity``, e.g. max_audio_len).
- ``Unknown(text)`` (a value a loader could not resolve) -> ``{"unknown": text}``.
- tuples and sets -> lists; enums -> their value; dataclasses with ``to_dict`` -> that;
  anything else not JSON-native -> ``str(value)``.
"""

from __future__ import annotations

import enum
import math
from typing import Any

from harness.plan.source import Setting, Source, Unknown


def json_value(value: Any, *, nonfinite_as_null: bool = False) -> Any:
    """A strict-JSON-safe copy of ``value``.

    ``nonfinite_as_null``: inf and NaN become None instead of strings (measurements, such as
    a trial's loss, where a non-finite number means "no value").
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        if nonfinite_as_null:
            return None
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"

    def again(item: Any) -> Any:
        return json_value(item, nonfinite_as_null=nonfinite_as_null)

    if isinstance(value, Unknown):
        return {"unknown": value.text}
    if isinstance(value, enum.Enum):
        return again(value.value)
    if isinstance(value, dict):
        return {str(k): again(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [again(v) for v in value]
    if hasattr(value, "to_dict"):
        return again(value.to_dict())
    if hasattr(value, "item"):  # numpy scalars
        return again(value.item())
    return str(value)


def source_json(source: Source) -> dict[str, Any]:
    """Where a value came from: ``text`` is what a reader sees, the rest is for tools."""
    return {
        "text": str(source),
        "file": source.file,
        "key": source.key,
        "line": source.line,
        "default_of": source.library,
    }


def setting_json(setting: Setting | None) -> dict[str, Any] | None:
    if setting is None:
        return None
    return {"value": json_value(setting.value), "source": source_json(setting.source)}
