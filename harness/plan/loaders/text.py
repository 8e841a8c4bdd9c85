"""Reading a user's config file as text, with one-line errors."""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError


def read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise HarnessError(
            f"not UTF-8 text (byte {error.start})",
            where=display,
            fix="save the file as UTF-8, or point at the config file itself",
        ) from None
    except OSError as error:
        raise HarnessError(
            f"cannot read the file: {error.strerror}",
            where=display,
            fix="check the path and its permissions",
        ) from None
