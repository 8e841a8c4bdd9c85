"""Audio amounts in words: a dataset may hold seconds or thousands of hours."""

from __future__ import annotations


def format_hours(hours: float) -> str:
    if hours >= 1:
        return f"{hours:.2f} h"
    if hours * 60 >= 1:
        return f"{hours * 60:.1f} min"
    return f"{hours * 3600:.1f} s"
