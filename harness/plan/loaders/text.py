"""Reading a user's config file as text, with one-line errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from harness.errors import HarnessError


def read_text(path: Path, display: str) -> str:
    refuse_special_file(path, display)
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


def refuse_special_file(path: Path, display: str) -> None:
    """A FIFO, socket or device is never opened: reading one blocks or never ends."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise HarnessError(
            f"cannot read the file: {error.strerror}",
            where=display,
            fix="check the path (a symlink loop, or a missing target?)",
        ) from None
    if not stat.S_ISREG(mode):
        raise HarnessError(
            "is not a regular file (a FIFO, socket or device)",
            where=display,
            fix="point at the file itself, not a pipe or device",
        )
