"""The one catalogue of finding codes: config rules (S, O, M, L, B, X, K, C, E), the
dataset and vocab codes (A, V) and the run-check codes (R).

Every entry is a ``harness.findings.FindingCode`` (a config ``Rule`` is one, with its
check), documented in ruff's sections, so ``explain``, SARIF and the report read any code
the same way.
"""

from __future__ import annotations

import difflib

from harness.errors import HarnessError
from harness.findings import FindingCode


def lookup(code_or_name: str) -> FindingCode | None:
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


def get_entry(code_or_name: str) -> FindingCode:
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


def all_entries() -> list[FindingCode]:
    """Every documented code: the config rules, the dataset and vocab codes, the run codes."""
    from harness.audit.codes import CODES
    from harness.rules import all_rules
    from harness.runcheck.codes import CODES as RUN_CODES

    return [
        *all_rules(),
        *(CODES[code] for code in sorted(CODES)),
        *(RUN_CODES[code] for code in sorted(RUN_CODES)),
    ]
