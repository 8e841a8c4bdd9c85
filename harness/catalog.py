"""Every documented finding code: config rules (S, O, M, L, B, X, K), audit codes (A, V)
and check-run codes (R).

Both kinds carry ``code``, ``name``, ``severity``, ``summary`` and ``doc``, so ``explain``,
SARIF and the HTML report look any code up here.
"""

from __future__ import annotations

import difflib
from typing import Any

from harness.errors import HarnessError


def lookup(code_or_name: str) -> Any | None:
    """The rule or audit code, or None when nothing has that code or name."""
    from harness.audit.codes import CODES
    from harness.rules import get_rule

    try:
        return get_rule(code_or_name)
    except HarnessError:
        pass
    from harness.runcheck.codes import CODES as RUN_CODES

    wanted = code_or_name.strip()
    for entry in [*CODES.values(), *RUN_CODES.values()]:
        if wanted.upper() == entry.code or wanted.lower() == entry.name:
            return entry
    return None


def get_entry(code_or_name: str) -> Any:
    """Like ``lookup``, but an unknown code is a one-line HarnessError with suggestions."""
    entry = lookup(code_or_name)
    if entry is not None:
        return entry
    close = difflib.get_close_matches(code_or_name.upper(), all_codes(), n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise HarnessError(
        f"unknown code {code_or_name!r}",
        fix=f"{hint}list them with `xtts-harness rules` (A/V codes: docs/audit.md)",
    )


def all_codes() -> list[str]:
    from harness.audit.codes import CODES
    from harness.rules import all_rules
    from harness.runcheck.codes import CODES as RUN_CODES

    return [rule.code for rule in all_rules()] + sorted(CODES) + sorted(RUN_CODES)
