"""One small fixer per finding code: the Plan and the finding in, the edits out.

A fixer is "safe" when the edit does what the finding's own fix says and nothing else:
milestones sized to the planned run in the unit the trainer really steps, max_text_length
at the position table, save_step on an optimizer-step boundary, an unknown key renamed to
the closest real one, the optimizer and its params at the XTTS recipe's values.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from harness.findings import Finding
from harness.fix.edits import CannotFix, Edit
from harness.plan.defaults import load_table
from harness.plan.model import Plan
from harness.plan.source import Source
from harness.schedule import PER_EPOCH_SCHEDULER_NEVER_STEPPED, compute_schedule

# The last milestone lands at this share of the run; the others keep their proportions.
LAST_MILESTONE_SHARE = 0.9
# The official XTTS v2 recipe's optimizer (TTS/recipes/ljspeech/xtts_v2/train_gpt_xtts.py).
RECIPE_OPTIMIZER = "AdamW"
RECIPE_OPTIMIZER_PARAMS = {"betas": [0.9, 0.96], "eps": 1e-08, "weight_decay": 0.01}

Fixer = Callable[[Plan, Finding], list[Edit]]


def _edit(plan: Plan, code: str, key: str, value: object, near: str | None = None) -> Edit:
    """Set ``key``; where the file lacks it, next to ``near`` (a key the file sets)."""
    source = _explicit_source(plan, key)
    anchor = _explicit_source(plan, near) if near and source is None else None
    return Edit(
        code,
        key,
        value,
        file_key=source.key if source else None,
        line=source.line if source else None,
        anchor_line=anchor.line if anchor else None,
    )


def _explicit_source(plan: Plan, key: str) -> Source | None:
    # By name: an edit may target any key of the config class (or a misspelt one).
    setting = plan.setting(key)
    return setting.source if setting is not None and not setting.source.is_default else None


def milestones(plan: Plan, finding: Finding) -> list[Edit]:
    """Milestones at the same proportions, the last at 90% of the run, in the real unit.

    With the dataset size known: optimizer steps, ``scheduler_after_epoch`` false (every
    trainer steps that). Without it: epochs, unless the trainer never steps per epoch.
    """
    params = plan.lr_schedule.params_dict or {}
    given = params.get("milestones")
    if not isinstance(given, list) or not given or not all(_number(m) for m in given):
        raise CannotFix("lr_scheduler_params.milestones is not a list of numbers")
    schedule = compute_schedule(plan)
    key = "lr_scheduler_params.milestones"
    if schedule.total_steps:
        length = schedule.total_steps - _warmup(plan, "steps", schedule.steps_per_epoch or 1)
        edits = [_edit(plan, finding.code, key, _sized(given, length))]
        if plan.lr_schedule.per_epoch:
            edits.append(_edit(plan, finding.code, "scheduler_after_epoch", False, near=key))
        return edits
    trainer = schedule.trainer or load_table(plan.library).trainer
    if trainer in PER_EPOCH_SCHEDULER_NEVER_STEPPED:
        raise CannotFix(
            f"{trainer} never steps a per-epoch scheduler, and milestones in optimizer steps "
            "need the dataset size: give --set dataset_size=N"
        )
    epochs = plan.batching.epochs
    if not epochs or not plan.lr_schedule.per_epoch:
        raise CannotFix("the run's length is unknown: give --set dataset_size=N")
    return [_edit(plan, finding.code, key, _sized(given, epochs - _warmup(plan, "epochs", 1)))]


def _warmup(plan: Plan, unit: str, steps_per_epoch: int) -> int:
    """Scheduler steps a warmup puts in front of the base scheduler (SequentialLR shifts
    its milestones by them), counted in ``unit``; a step warmup before a per-epoch
    scheduler is a factor and shifts nothing."""
    warmup = plan.lr_schedule.warmup
    if unit == "steps":
        return warmup.steps_with(steps_per_epoch)
    return warmup.length if warmup.in_epochs else 0


def _sized(given: list[float], length: int) -> list[int]:
    """``given`` scaled so its largest lands at LAST_MILESTONE_SHARE of ``length``."""
    top, length = max(given), max(length, 1)
    scaled: list[int] = []
    for value in sorted(given):
        point = max(1, math.floor(value / top * LAST_MILESTONE_SHARE * length))
        scaled.append(max(point, scaled[-1] + 1) if scaled else point)
    return scaled


def max_text_length(plan: Plan, finding: Finding) -> list[Edit]:
    model = plan.model
    table = model.gpt_max_text_tokens.value
    if not _number(table):
        raise CannotFix(f"{model.gpt_max_text_tokens.key} is unknown")
    return [_edit(plan, finding.code, model.max_text_length.key, int(table))]


def save_step(plan: Plan, finding: Finding) -> list[Edit]:
    accum = plan.batching.grad_accum_steps or 1
    value = plan.bookkeeping.save_step.value
    if not _number(value):
        raise CannotFix("save_step is not a number")
    rounded = max(accum, math.ceil(value / accum) * accum)
    return [_edit(plan, finding.code, "save_step", int(rounded))]


def unknown_key(plan: Plan, finding: Finding) -> list[Edit]:
    from harness.rules.keys import closest_key

    key = finding.key or ""
    meant = closest_key(plan, key)
    setting = next((s for s in plan.unknown_keys if s.key == key), None)
    if meant is None or setting is None:
        raise CannotFix(f"no real key is close to {key}")
    file_key = setting.source.key or key
    prefix = file_key.rsplit(".", 1)[0] + "." if "." in file_key else ""
    leaf = meant.removeprefix(prefix) if meant.startswith(prefix) else meant.rsplit(".", 1)[-1]
    return [Edit(finding.code, key, rename_to=leaf, file_key=file_key, line=setting.source.line)]


def optimizer(plan: Plan, finding: Finding) -> list[Edit]:
    return [_edit(plan, finding.code, "optimizer", RECIPE_OPTIMIZER)]


def optimizer_params(plan: Plan, finding: Finding) -> list[Edit]:
    return [_edit(plan, finding.code, "optimizer_params", dict(RECIPE_OPTIMIZER_PARAMS))]


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


FIXERS: dict[str, Fixer] = {
    "S101": milestones,
    "S102": milestones,
    "S109": milestones,
    "M301": max_text_length,
    "B502": save_step,
    "K701": unknown_key,
    "O203": optimizer,
    "O204": optimizer_params,
}
