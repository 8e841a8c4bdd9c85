"""``--format json``: the stable, documented machine format (docs/json-schema.md).

Bump ``SCHEMA_VERSION`` when a key is removed or changes meaning; adding keys is allowed
within a version.
"""

from __future__ import annotations

import json
from typing import Any

from harness import __version__
from harness.jsonsafe import json_value
from harness.plan.model import Plan
from harness.report.document import ReportDocument

SCHEMA_VERSION = 1
TOOL_NAME = "xtts-harness"
RESERVED_KEYS = frozenset(
    {
        "schema_version",
        "tool",
        "command",
        "baseline",
        "plans",
        "findings",
        "summary",
        "diff",
        "schedules",
    }
)


def render_json(doc: ReportDocument, *, show_all: bool = False) -> str:
    # allow_nan=False: json_value already wrote inf as "Infinity"; anything left is a bug.
    return json.dumps(document_dict(doc, show_all=show_all), indent=2, allow_nan=False) + "\n"


def document_dict(doc: ReportDocument, *, show_all: bool = False) -> dict[str, Any]:
    """The whole report as JSON-safe data (the shape docs/json-schema.md describes)."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "command": doc.command,
        "baseline": _plan_ref(doc.baseline) if doc.baseline is not None else None,
        "plans": [_plan_dict(doc, plan) for plan in doc.plans],
        "findings": [json_value(f.to_dict()) for f in doc.findings],
        "summary": {
            **doc.counts(),
            "total": len(doc.findings),
            "fail_on": doc.fail_on.value,
            "exit_code": doc.exit_code(),
        },
        "diff": doc.diff.to_dict(show_all=show_all) if doc.diff is not None else None,
        "schedules": [json_value(s.to_dict()) for s in doc.schedules if s is not None],
    }
    for name, section in doc.extra.items():
        if name in RESERVED_KEYS:
            raise ValueError(f"extra section {name!r} would replace a top-level JSON key")
        data[name] = json_value(section)
    return data


def _plan_ref(plan: Plan) -> dict[str, Any]:
    return {"name": plan.name, "path": plan.path, "library": plan.library}


def _plan_dict(doc: ReportDocument, plan: Plan) -> dict[str, Any]:
    batching = plan.batching
    scheduler = plan.scheduler
    return {
        **_plan_ref(plan),
        "verdict": "fail" if doc.fails(plan.name) else "pass",
        "counts": doc.counts(plan.name),
        "batching": {
            "batch_size": batching.batch_size,
            "grad_accum_steps": batching.grad_accum_steps,
            "epochs": batching.epochs,
            "dataset_size": batching.dataset_size,
            "batches_per_epoch": batching.batches_per_epoch,
            "optimizer_steps_per_epoch": batching.optimizer_steps_per_epoch,
            "total_optimizer_steps": batching.total_optimizer_steps,
            "total_batches": batching.total_batches,
            "trained_epochs": batching.trained_epochs,
        },
        "scheduler": {
            "name": json_value(scheduler.name),
            "unit": scheduler.unit,
            "after_epoch": scheduler.after_epoch,
            "base_lr": json_value(scheduler.base_lr),
            "warmup_steps": scheduler.warmup_steps,
            "params": json_value(scheduler.params),
        },
    }
