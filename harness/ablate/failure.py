"""How a trial that cannot give a value is reported: one line the user can act on."""

from __future__ import annotations


class TrialFailed(RuntimeError):
    """The trial could not produce a valid objective; ``reason`` is one line for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def failure_reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    name = type(error).__name__
    if "OutOfMemoryError" in name or "out of memory" in text.lower():
        return f"out of memory: {text}"[:300]
    return f"{name}: {text}"[:300]
