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


def json_value(value: Any) -> Any:
    """A strict-JSON-safe copy of ``value``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Unknown):
        return {"unknown": value.text}
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    if hasattr(value, "to_dict"):
        return json_value(value.to_dict())
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
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
