"""A schedule placed in the planned run: the coqui Trainer's stepping rules.

Follows the coqui Trainer (trainer 0.4, ``Trainer.train_step`` / ``optimize`` /
``train_epoch``; see docs/xtts-facts.md):

- ``scheduler_after_epoch`` True (the default): ``scheduler.step()`` once at the end of each
  epoch. Every scheduler length (milestones, step_size, T_max, T_0, Noam warmup_steps) counts
  epochs, and the LR used in epoch ``e`` (0-based) is the LR after ``e`` scheduler steps.
- False: ``scheduler.step()`` after every optimizer step, i.e. on every
  ``grad_accum_steps``-th batch and on the last batch of each epoch. fp16 grad-scaler
  back-offs, which skip a scheduler step, are ignored. The LR used at optimizer step ``s``
  (0-based) is the LR after ``s`` scheduler steps.

Optimizer steps per epoch come from ``Plan.batching``, the one place that reads the run's
shape (epochs trained, batches, accumulation).

coqui-tts-trainer 0.4.0 never steps a per-epoch scheduler of a single-optimizer model such as
XTTS: ``optimize()`` records the optimizer as index None in ``_stepped_optimizers`` while
``train_epoch`` looks for index 0. Under the trainers in ``PER_EPOCH_SCHEDULER_NEVER_STEPPED``
a per-epoch schedule stays at the LR its constructor set; ``Schedule.notes`` says so.

A warmup counted in optimizer steps in front of a scheduler stepped per epoch cannot be one
SequentialLR; it is modelled as a per-optimizer-step factor (the LinearLR's, ``start_factor``
rising linearly to 1 over ``w`` optimizer steps) multiplied onto the per-epoch schedule.

Cost depends on the input, not on the numbers in it: a run of at most ``TABULATE_LIMIT``
epochs or steps is tabulated exactly as torch steps it; a longer one gets a bounded sample
from the closed forms (``harness.schedulers.sample``). Events are closed forms throughout.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from harness.plan.fields import short
from harness.plan.model import Plan, SchedulerSpec
from harness.plan.source import Unknown
from harness.schedulers.base import ScheduleNotModelled
from harness.schedulers.linear import linear_factor
from harness.schedulers.registry import lr_at, lr_curve, resolve
from harness.schedulers.result import (
    EPOCH,
    OPTIMIZER_STEP,
    Schedule,
    ScheduleEvent,
    unit_words,
)
from harness.schedulers.sample import TABULATE_LIMIT, Curve, sample_indices, tabulated
from harness.schedulers.vectors import constant, floats, repeat_each

# Trainers whose train_epoch never calls step() on a single optimizer's per-epoch scheduler
# (pinned against the installed trainer by tests/test_schedule.py).
# 0.3.1 never steps it with mixed precision (idiap/coqui-ai-Trainer#23).
PER_EPOCH_SCHEDULER_NEVER_STEPPED = frozenset(
    {"coqui-tts-trainer 0.4.0", "coqui-tts-trainer 0.3.1 with mixed precision"}
)


def compute_schedule(plan: Plan, *, trainer: str | None = None) -> Schedule:
    """The LR schedule ``plan`` produces under the coqui Trainer's stepping rules.

    ``trainer`` ("coqui-tts-trainer 0.3.1") picks whose rules apply; default: the trainer of
    the plan's defaults table.
    """
    spec = plan.scheduler
    undecided: list[str] = []
    epochs = _run_epochs(plan, undecided)
    steps_per_epoch = _steps_per_epoch(plan, spec, undecided)
    total = None if steps_per_epoch is None or epochs is None else steps_per_epoch * epochs
    schedule = Schedule(
        plan_name=plan.name,
        scheduler=_scheduler_name(plan),
        unit=spec.unit,
        base_lr=spec.base_lr,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        total_steps=total,
        lr_per_epoch=None,
        lr_per_step=None,
        events=[],
        undecided=undecided,
        trainer=trainer or _plan_trainer(plan),
        notes=list(plan.meta.get("library_notes", [])),  # which library and why (read from repo)
    )
    if plan.batching.eval_only_epochs and epochs is not None:
        schedule.notes.append(
            f"start_with_eval: the first of {plan.batching.epochs} epochs only evaluates, so "
            f"{epochs} epochs train"
        )
    try:
        _check_plan_values(plan)
        _fill(schedule, plan, spec)
    except ScheduleNotModelled as problem:
        undecided.append(str(problem))
    return schedule


def _fill(schedule: Schedule, plan: Plan, spec: SchedulerSpec) -> None:
    if spec.base_lr is None:
        schedule.undecided.append(
            f"lr is unknown ({short(plan.optimizer.lr.raw)}): the curves are relative to a "
            "starting LR of 1"
        )
    start_factor = plan.lr_schedule.warmup.start
    spec, step_warmup = _warmup(plan, spec, schedule)
    epochs, per_epoch, total = schedule.epochs, schedule.steps_per_epoch, schedule.total_steps
    horizon = epochs if spec.after_epoch else total
    unstepped = _never_stepped_reason(schedule, spec)
    schedule.events = _events(spec, horizon, epochs, per_epoch, unstepped)
    if step_warmup:
        schedule.events.insert(0, _warmup_event(step_warmup, OPTIMIZER_STEP, epochs, per_epoch))
    if epochs is None:
        return
    marks = [e.fires_at_step for e in schedule.events]
    if spec.after_epoch:
        _fill_per_epoch(schedule, spec, start_factor, step_warmup, bool(unstepped))
    elif total is not None and per_epoch is not None:
        if total <= TABULATE_LIMIT:
            steps = lr_curve(spec, total, warmup_start_factor=start_factor)
            schedule.lr_per_step = steps
            schedule.lr_per_epoch = steps[::per_epoch]
            schedule.step_curve = tabulated(steps)
            schedule.epoch_curve = tabulated(schedule.lr_per_epoch)
            return
        x = sample_indices(total, marks)
        schedule.step_curve = Curve(x, lr_at(spec, x, warmup_start_factor=start_factor), total)
        x_epoch = sample_indices(epochs, [e.fires_at_epoch for e in schedule.events])
        lr = lr_at(spec, [i * per_epoch for i in x_epoch], warmup_start_factor=start_factor)
        schedule.epoch_curve = Curve(x_epoch, lr, epochs)


def _fill_per_epoch(
    schedule: Schedule, spec: SchedulerSpec, start_factor: float, step_warmup: int, frozen: bool
) -> None:
    """Curves of a scheduler stepped once an epoch (``frozen``: never stepped at all)."""
    epochs, per_epoch, total = schedule.epochs, schedule.steps_per_epoch, schedule.total_steps
    assert epochs is not None

    def epoch_lr(index: Sequence[int]) -> array:
        if frozen:  # only the constructor's initial step ever runs
            return constant(lr_curve(spec, 1, warmup_start_factor=start_factor)[0], len(index))
        return lr_at(spec, index, warmup_start_factor=start_factor)

    if epochs <= TABULATE_LIMIT:
        if frozen:
            table = epoch_lr(range(epochs))
        else:
            table = lr_curve(spec, epochs, warmup_start_factor=start_factor)
        schedule.lr_per_epoch = table
        schedule.epoch_curve = tabulated(table)
    else:
        x = sample_indices(epochs, [e.fires_at_epoch for e in schedule.events])
        schedule.epoch_curve = Curve(x, epoch_lr(x), epochs)
    if per_epoch is None or total is None:
        return
    if schedule.lr_per_epoch is not None and total <= TABULATE_LIMIT:
        steps = repeat_each(schedule.lr_per_epoch, per_epoch)
        if step_warmup:
            head = range(min(step_warmup, len(steps)))
            factors = linear_factor(start_factor, step_warmup, head)
            steps[: len(head)] = floats(map(operator.mul, steps[: len(head)], factors))
            schedule.lr_per_epoch = steps[::per_epoch]
            schedule.epoch_curve = tabulated(schedule.lr_per_epoch)
        schedule.lr_per_step = steps
        schedule.step_curve = tabulated(steps)
        return
    x = sample_indices(total, [e.fires_at_step for e in schedule.events])
    lr = epoch_lr([i // per_epoch for i in x])
    if step_warmup:
        warm = [i for i in x if i < step_warmup]  # x ascends: the warmup is its head
        factors = linear_factor(start_factor, step_warmup, warm)
        lr[: len(warm)] = floats(map(operator.mul, lr[: len(warm)], factors))
    schedule.step_curve = Curve(x, lr, total)


def _never_stepped_reason(schedule: Schedule, spec: SchedulerSpec) -> str | None:
    """Why the trainer never steps this scheduler (and a note saying so), or None."""
    has_scheduler = spec.name is not None or spec.warmup_steps > 0
    if not (spec.after_epoch and has_scheduler):
        return None
    if schedule.trainer not in PER_EPOCH_SCHEDULER_NEVER_STEPPED:
        return None
    reason = f"{schedule.trainer} never steps a per-epoch scheduler (scheduler_after_epoch True)"
    schedule.scheduler_stepped = False
    schedule.notes.append(
        f"{reason} of a single-optimizer model such as XTTS: the LR stays at its initial "
        "value for the whole run. Set scheduler_after_epoch False (milestones in optimizer "
        "steps) or use a trainer that steps it."
    )
    return reason


def _plan_trainer(plan: Plan) -> str | None:
    """The trainer whose stepping rules apply: only one the plan declares.

    A plan that names no library version gets the documented semantics that every trainer
    but 0.4.0 follows; the rules warn separately about running it on 0.4.0.
    """
    from harness.errors import HarnessError
    from harness.plan.defaults import load_table

    environment = plan.environment  # read from the repository (harness.plan.library)
    resolved = environment.trainer_library.text
    if resolved:
        mixed = resolved == "coqui-tts-trainer 0.3.1" and environment.mixed_precision.raw is True
        return f"{resolved} with mixed precision" if mixed else resolved
    if not plan.library_declared:
        return None
    try:
        return load_table(plan.library).trainer
    except HarnessError:
        return None


def _warmup(plan: Plan, spec: SchedulerSpec, schedule: Schedule) -> tuple[SchedulerSpec, int]:
    """The spec with the SequentialLR warmup chain it really gets, and any per-step warmup.

    Returns ``(spec, step_warmup)``: ``step_warmup`` > 0 means a warmup in optimizer steps in
    front of a per-epoch scheduler, applied as a factor per optimizer step (module docstring).
    """
    warmup = plan.lr_schedule.warmup
    if warmup.undecided is not None:
        schedule.undecided.append(warmup.undecided)
    length = warmup.length
    if length <= 0:
        return replace(spec, warmup_steps=0), 0
    if warmup.in_epochs:
        if spec.after_epoch:
            return replace(spec, warmup_steps=length), 0
        if schedule.steps_per_epoch is None:
            schedule.undecided.append(
                f"a warmup of {length} epochs needs the optimizer steps per epoch, "
                "which the unknown dataset size leaves undecided: warmup left out"
            )
            return replace(spec, warmup_steps=0), 0
        return replace(spec, warmup_steps=length * schedule.steps_per_epoch), 0
    if spec.after_epoch:
        if schedule.steps_per_epoch is None:
            schedule.undecided.append(
                f"the warmup of {length} optimizer steps cannot be placed in epochs while the "
                "dataset size is unknown: the per-epoch curve leaves it out"
            )
        return replace(spec, warmup_steps=0), length
    return replace(spec, warmup_steps=length), 0


def _events(
    spec: SchedulerSpec,
    horizon: int | None,
    epochs: int | None,
    per_epoch: int | None,
    unstepped: str | None = None,
) -> list[ScheduleEvent]:
    """Events of the scheduler (and its warmup chain), placed in the run.

    ``unstepped``: the trainer never steps the scheduler, so only what its constructor does
    (index 0) happens; the rest never fires, for this reason.
    """
    unit = spec.unit
    events: list[ScheduleEvent] = []
    offset = spec.warmup_steps
    if offset:
        events.append(_warmup_event(offset, unit, epochs, per_epoch))
    model, params = resolve(spec)
    if spec.name is None:
        return events
    base_horizon = None if horizon is None else max(horizon - offset, 0)
    for marker in model.events(params, bool(offset), base_horizon):
        index = None if marker.index is None else marker.index + offset
        events.append(
            _place(marker.kind, marker.label, marker.value, unit, index, epochs, per_epoch)
        )
    if unstepped:
        events = [_unstepped(e, unstepped) for e in events]
    return events


def _unstepped(event: ScheduleEvent, reason: str) -> ScheduleEvent:
    if event.index == 0 or event.unit != EPOCH:
        return event
    return replace(event, fires_at_step=None, fires_at_epoch=None, decided=True, reason=reason)


def _warmup_event(
    length: int, unit: str, epochs: int | None, per_epoch: int | None
) -> ScheduleEvent:
    label = f"warmup of {length} {unit_words(unit)}s ends"
    return _place("warmup_end", label, length, unit, length, epochs, per_epoch)


def _place(
    kind: str,
    label: str,
    value: Any,
    unit: str,
    index: int | None,
    epochs: int | None,
    per_epoch: int | None,
) -> ScheduleEvent:
    """Put an LR change at ``index`` (counted in ``unit``) into the planned run."""
    event = ScheduleEvent(kind, label, value, unit, None, None, index=index)
    if index is None:
        return event
    if unit == EPOCH:
        if epochs is None:
            return replace(event, decided=False)
        if index >= epochs:
            return event
        step = None if per_epoch is None else index * per_epoch
        return replace(event, fires_at_step=step, fires_at_epoch=index)
    if epochs is None or per_epoch is None:
        return replace(event, decided=False)
    if index >= epochs * per_epoch:
        return event
    return replace(event, fires_at_step=index, fires_at_epoch=index // per_epoch + 1)


# ---------------------------------------------------------------------------------------------
# Run shape and unknown values


def _run_epochs(plan: Plan, undecided: list[str]) -> int | None:
    value = plan.batching.given.epochs.raw
    if isinstance(value, Unknown):
        undecided.append(f"epochs is unknown ({value.text}): the run's length is undecided")
        return None
    epochs = plan.batching.epochs
    if epochs is None or epochs < 0:
        undecided.append(f"epochs = {short(value)} is not a number of epochs")
        return None
    return plan.batching.trained_epochs  # start_with_eval: the first epoch only evaluates


def _steps_per_epoch(plan: Plan, spec: SchedulerSpec, undecided: list[str]) -> int | None:
    batching = plan.batching
    given = batching.given
    for field in (given.dataset_size, given.batch_size, given.grad_accum_steps):
        if (unknown := field.unknown) is not None:
            consequence = _per_epoch_consequence(spec)
            undecided.append(f"{field.key} is unknown ({unknown.text}): {consequence}")
            return None
    if batching.optimizer_steps_per_epoch is not None:
        return batching.optimizer_steps_per_epoch
    if not batching.dataset_size:
        problem = "dataset_size is not given (set [plan] dataset_size or pass --dataset-size N)"
    elif not batching.batch_size:
        problem = f"batch_size = {short(given.batch_size.raw)} is not a number of samples"
    else:
        problem = f"grad_accum_steps = {short(given.grad_accum_steps.raw)} is not a number"
    undecided.append(f"{problem}: {_per_epoch_consequence(spec)}")
    return None


def _per_epoch_consequence(spec: SchedulerSpec) -> str:
    if spec.after_epoch:
        return (
            "optimizer steps per epoch are unknown, so the per-step curve and the optimizer "
            "step of each per-epoch change cannot be placed"
        )
    return (
        "optimizer steps per epoch are unknown, so the run's length in optimizer steps is "
        "unknown and step-unit milestones cannot be placed in epochs"
    )


def _check_plan_values(plan: Plan) -> None:
    view = plan.lr_schedule
    for field in (view.name, view.params, view.after_epoch):
        if (unknown := field.unknown) is not None:
            raise ScheduleNotModelled(
                f"{field.key} is unknown ({unknown.text}): no schedule can be drawn"
            )


def _scheduler_name(plan: Plan) -> str | None:
    value = plan.lr_schedule.name.raw
    return None if value is None else str(value)
