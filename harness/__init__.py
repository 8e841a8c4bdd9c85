"""xtts-harness: audit XTTS v2 GPT fine-tuning configs before the GPU days start.

The public API is the application layer (``harness.app``), one function per use case,
each returning a typed result::

    from harness import lint
    result = lint(["experiments/amharic_bpe/after.toml"])
    result.findings, result.exit_code

Names are resolved on first use (a module ``__getattr__``), so ``import harness`` loads
neither torch, numpy nor optuna. ``diff``, ``schedule``, ``audit``, ``report``, ``fix`` and
``ablate`` are the domain packages; their use cases are ``diff_configs``,
``schedule_configs``, ``audit_dataset``, ``build_report``, ``fix_config`` and
``run_ablation``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_API = {
    "lint": "harness.app.configs",
    "diff_configs": "harness.app.configs",
    "schedule_configs": "harness.app.configs",
    "audit_dataset": "harness.app.datasets",
    "vocab_check": "harness.app.datasets",
    "run_ablation": "harness.app.studies",
    "dry_run": "harness.app.studies",
    "build_base": "harness.app.studies",
    "study_results": "harness.app.studies",
    "build_report": "harness.app.reports",
    "check_run": "harness.app.runs",
    "fix_config": "harness.app.fixes",
    "explain": "harness.app.catalogue",
    "list_rules": "harness.app.catalogue",
    "list_baselines": "harness.app.catalogue",
    "load_plan": "harness.plan.load",
    "load_plans": "harness.plan.load",
    "Finding": "harness.findings",
    "Severity": "harness.findings",
    "HarnessError": "harness.errors",
}

__all__ = [
    "Finding",
    "HarnessError",
    "Severity",
    "__version__",
    "audit_dataset",
    "build_base",
    "build_report",
    "check_run",
    "diff_configs",
    "dry_run",
    "explain",
    "fix_config",
    "lint",
    "list_baselines",
    "list_rules",
    "load_plan",
    "load_plans",
    "run_ablation",
    "schedule_configs",
    "study_results",
    "vocab_check",
]

if TYPE_CHECKING:
    from harness.app.catalogue import explain, list_baselines, list_rules
    from harness.app.configs import diff_configs, lint, schedule_configs
    from harness.app.datasets import audit_dataset, vocab_check
    from harness.app.fixes import fix_config
    from harness.app.reports import build_report
    from harness.app.runs import check_run
    from harness.app.studies import build_base, dry_run, run_ablation, study_results
    from harness.errors import HarnessError
    from harness.findings import Finding, Severity
    from harness.plan.load import load_plan, load_plans


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
