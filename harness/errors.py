"""The one exception type for mistakes a user can make (exit code 2)."""

from __future__ import annotations


class HarnessError(Exception):
    """Bad input: the message is one line saying what, where and how to fix it.

    The CLI prints it without a traceback and exits with code 2.
    """

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None):
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return " -- ".join(parts).replace("\n", " ")
