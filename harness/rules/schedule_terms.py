"""What the schedule rules (S1xx) share: the run's length in the unit the trainer steps the
scheduler in, and the words and fixes their findings use for it.

The Coqui trainer steps the scheduler once per epoch when ``scheduler_after_epoch`` is True
(the default), else after every optimizer step (every ``grad_accum_steps`` batches and at
each epoch end). A milestone ``m`` therefore changes the LR from unit ``m + 1`` on, and
changes nothing in a run of ``m`` units or fewer (docs/xtts-facts.md section 1).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from harness.plan import Plan
from harness.plan.defaults import LATEST, load_table
from harness.rules.base import RuleContext, fmt, number

if TYPE_CHECKING:  # harness.schedule loads every scheduler model: only once one is computed
    from harness.schedule import Schedule


EARLY = 0.10  # "the first 10% of the run"
HALVED = 0.5  # an early drop to half the LR or less is a finding


def unit_name(plan: Plan) -> str:
    return "epoch" if plan.scheduler.after_epoch else "optimizer step"


def why_unit(plan: Plan) -> str:
    if plan.scheduler.after_epoch:
        how = "" if plan.lr_schedule.after_epoch.explicit else ", the default"
        return f"scheduler_after_epoch is True{how}: one scheduler step per epoch"
    return "scheduler_after_epoch is False: one scheduler step per optimizer step"


def run_length(plan: Plan) -> int | None:
    """Scheduler steps the planned run makes: epochs, or optimizer steps; None if unknown."""
    batching = plan.batching
    # start_with_eval: the first epoch only evaluates, and no scheduler step follows it.
    return batching.trained_epochs if plan.scheduler.after_epoch else batching.total_optimizer_steps


def plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


def step_count_formula(plan: Plan) -> str:
    b = plan.batching
    return (
        f"{fmt(b.epochs)} epochs x ceil(ceil(dataset_size / {fmt(b.batch_size)}) / "
        f"{fmt(b.grad_accum_steps)}) optimizer steps"
    )


def min_samples_for_steps(plan: Plan, steps: int) -> int | None:
    """Fewest training samples giving a run of more than ``steps`` optimizer steps."""
    b = plan.batching
    if not b.epochs or not b.batch_size or not b.grad_accum_steps:
        return None
    per_epoch = steps // b.epochs + 1  # optimizer steps an epoch needs
    return b.batch_size * b.grad_accum_steps * (per_epoch - 1) + 1


def example_milestones(length: int) -> list[int]:
    return sorted({max(1, round(length * f)) for f in (0.5, 0.75, 0.9)})


def ratio_text(ratio: float) -> str:
    """0.125 -> "1/8", 0.25 -> "1/4"; other ratios as "0.729x"."""
    if not math.isfinite(ratio):
        return f"{ratio}x"
    exact = Fraction(ratio).limit_denominator(1000)
    if exact.numerator and abs(float(exact) - ratio) <= 1e-9 * ratio and exact.numerator < 10:
        return f"{exact.numerator}/{exact.denominator}"
    return f"{ratio:.3g}x"


def fix_never(ctx: RuleContext, length: int, what: str = "milestones") -> str:
    """Per-step sizing (with the run's step count, or what leaves it undecided); per-epoch
    sizing only where the plan's trainer steps a per-epoch scheduler."""
    plan = ctx.plan
    if not plan.scheduler.after_epoch:
        return (
            f"size {what} within the run's {length} optimizer steps, e.g. "
            f"{fmt(example_milestones(length))}"
        )
    steps = plan.batching.total_optimizer_steps
    if steps:
        size = f"the run has {steps} optimizer steps: e.g. {fmt(example_milestones(steps))}"
    else:
        size = "undecided: dataset_size is unknown; the run has " + step_count_formula(plan)
    per_step = f"set scheduler_after_epoch = false and size {what} in optimizer steps ({size})"
    per_epoch = f"use epoch {what} such as {fmt(example_milestones(length))}"
    trainer = unstepping_trainer(ctx)
    if trainer is not None:
        return f"{per_step}; or {per_epoch} with a trainer that steps them ({trainer} does not)"
    return f"{per_step}, or {per_epoch}"


def unstepping_trainer(ctx: RuleContext) -> str | None:
    """The trainer that may run this plan and never steps a per-epoch scheduler, or None.

    That is the plan's declared trainer when it is such a one, or, for a plan that names no
    library version, the latest table's trainer (coqui-tts-trainer 0.4.0) when it is.
    """
    if not ctx.plan.scheduler.after_epoch:
        return None
    if not ctx.schedule.scheduler_stepped:
        return ctx.schedule.trainer
    if ctx.plan.library_declared or ctx.plan.environment.trainer_library.value:
        return None
    from harness.schedule import PER_EPOCH_SCHEDULER_NEVER_STEPPED

    latest = load_table(LATEST).trainer
    return latest if latest in PER_EPOCH_SCHEDULER_NEVER_STEPPED else None


def epoch_fix_note(ctx: RuleContext) -> str:
    """Appended to a per-epoch fix where the trainer may never step per epoch (S109)."""
    trainer = unstepping_trainer(ctx)
    if trainer is None:
        return ""
    return (
        f"; {trainer} never steps a per-epoch scheduler (S109): there, set "
        "scheduler_after_epoch = false and count in optimizer steps"
    )


def unstepped_note(ctx: RuleContext) -> str:
    """Said where the plan's trainer would not step this per-epoch scheduler anyway (S109)."""
    if ctx.schedule.scheduler_stepped:
        return ""
    return f" (and {ctx.schedule.trainer} never steps a per-epoch scheduler at all: S109)"


def early_drop(plan: Plan, schedule: Schedule) -> str | None:
    """ "the LR is at 1/8 of its start by epoch 3 of 100 (...)" when it halves within 10%."""
    curve = schedule.scheduler_curve(plan.scheduler.after_epoch)
    length = run_length(plan)
    if curve is None or length is None or curve.length < 2 or not plan.scheduler.name:
        return None
    # The LR after i scheduler steps; the first 10% ends after `horizon` of them.
    horizon = min(math.floor(EARLY * length), curve.length - 1)
    early = curve.upto(horizon)
    peak = max(early.lr)
    level = curve.value_at_or_before(horizon)
    if not (math.isfinite(peak) and math.isfinite(level)) or peak <= 0 or level / peak > HALVED:
        return None  # an LR that overflows (gamma 1e300) has no ratio to tell
    # Steps until the LR got there: the first point at or below it.
    reached = early.x[next((i for i, lr in enumerate(early.lr) if lr <= level), 0)]
    unit = unit_name(plan)
    start = "start" if curve.lr[0] == peak else "peak"
    return (
        f"the LR is at {ratio_text(level / peak)} of its {start} by {unit} {reached} of "
        f"{length} ({reached / length:.0%} of the run), {fmt(level)} instead of {fmt(peak)} "
        f"from {unit} {reached + 1} on"
    )


def cosine_ratio(params: dict, base: float | None, done: float) -> float:
    """LR / base LR after ``done`` of a cosine period, with the params' eta_min."""
    floor = (number(params.get("eta_min", 0.0)) or 0.0) / base if base else 0.0
    return floor + (1 - floor) * (1 + math.cos(math.pi * done)) / 2
