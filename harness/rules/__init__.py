"""Hazard rules: small documented checks over a Plan, one module per family.

``all_rules()`` lists them, ``get_rule("S101")`` finds one, ``run_rules(plan, reference)``
runs them. Each rule's doc follows ruff's layout and ``xtts-harness explain CODE`` prints it.
"""

from harness.rules.base import (
    DOC_SECTIONS,
    Problem,
    Rule,
    RuleContext,
    all_rules,
    choose_rules,
    get_rule,
    rule,
    run_rules,
)

__all__ = [
    "DOC_SECTIONS",
    "Problem",
    "Rule",
    "RuleContext",
    "all_rules",
    "choose_rules",
    "get_rule",
    "rule",
    "run_rules",
]
