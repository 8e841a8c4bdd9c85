"""The learning rate the optimizer really sees, per optimizer step, over the planned run.

Follows the coqui Trainer (trainer 0.4, ``Trainer.train_step`` / ``optimize`` /
``train_epoch``; docs/xtts-facts.md section 1):

- ``scheduler_after_epoch`` True (the default): ``scheduler.step()`` once at the end of each
  epoch. Every scheduler length (milestones, step_size, T_max, T_0, Noam warmup_steps) counts
  epochs, and the LR used in epoch ``e`` (0-based) is the LR after ``e`` scheduler steps.
- False: ``scheduler.step()`` after every optimizer step, i.e. on every
  ``grad_accum_steps``-th batch and on the last batch of each epoch (the batch index resets
  each epoch). fp16 grad-scaler back-offs, which skip a scheduler step, are ignored. The LR
  used at optimizer step ``s`` (0-based) is the LR after ``s`` scheduler steps.

Optimizer steps per epoch = ceil(ceil(dataset_size / batch_size) / grad_accum_steps)
(``Plan.batching``).

coqui-tts-trainer 0.4.0 (the trainer of coqui-tts 0.28) never steps a per-epoch scheduler of
a single-optimizer model such as XTTS: ``optimize()`` records the optimizer as index None in
``_stepped_optimizers`` while ``train_epoch`` looks for index 0 (0.3.1 matched None to None).
Under the trainers in ``PER_EPOCH_SCHEDULER_NEVER_STEPPED`` a per-epoch schedule stays at
the LR its constructor set for the whole run; ``Schedule.notes`` says so. The trainer comes
from the plan's defaults table (``plan.library``) unless ``compute_schedule(trainer=...)``.

The curves reproduce torch's *chainable* (recursive) ``get_lr`` exactly as ``step()`` runs it,
not the textbook closed forms: MultiStepLR, StepLR, ExponentialLR, LinearLR and ConstantLR
multiply the previous LR by the same Python floats torch uses (``np.cumprod`` multiplies in
the same order, so the result is bit-for-bit torch's); CosineAnnealingLR follows torch's
ratio recursion and its restart branch (vectorized when ``eta_min`` is 0, an exact scalar
recursion over vectorized ratios otherwise, because ``r * (lr - eta_min) + eta_min`` rounds
in a way no closed form reproduces); CosineAnnealingWarmRestarts and NoamLR are closed forms
in torch too; StepwiseGradualLR follows its "jump when last_epoch hits a threshold" rule.

Warmup (``extras.warmup``): torch ``SequentialLR([LinearLR(start_factor, 1.0, total_iters=w),
base], milestones=[w])``, stepped like the base scheduler. The base scheduler starts at the
milestone through ``step(0)``, i.e. from its closed form at 0, and counts its own steps from
there (so base milestones are shifted by ``w``). The start factor is
``extras.warmup.start_factor`` when a config sets it, else ``WARMUP_START_FACTOR``.
A warmup counted in optimizer steps in front of a scheduler stepped per epoch cannot be one
SequentialLR; it is modelled as a per-optimizer-step factor (the LinearLR's, ``start_factor``
rising linearly to 1 over ``w`` optimizer steps) multiplied onto the per-epoch schedule.

Never crashes on a config: what cannot be modelled (an unknown value, a scheduler name torch
lacks, ReduceLROnPlateau, parameters torch would reject) becomes a sentence in
``Schedule.undecided``. This module imports numpy only (no torch).
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from harness.plan.model import Plan, SchedulerSpec
from harness.plan.source import Unknown

# torch.optim.lr_scheduler.LinearLR's default start_factor: LinearLR(optimizer, total_iters=w).
WARMUP_START_FACTOR = 1.0 / 3
# Trainers whose train_epoch never calls step() on a single optimizer's per-epoch scheduler
# (pinned against the installed trainer by tests/test_schedule.py).
PER_EPOCH_SCHEDULER_NEVER_STEPPED = frozenset({"coqui-tts-trainer 0.4.0"})
# Above this many optimizer steps the per-step curve (8 bytes a step) is not tabulated.
MAX_TABULATED_STEPS = 20_000_000
MAX_RESTART_EVENTS = 20

EPOCH = "epoch"
OPTIMIZER_STEP = "optimizer_step"


class ScheduleNotModelled(ValueError):
    """A scheduler or parameter this module cannot model; the message is one plain sentence."""


# ---------------------------------------------------------------------------------------------
# Public results


@dataclass(frozen=True)
class ScheduleEvent:
    """One point where the schedule changes the LR, placed in the planned run.

    ``index`` is the count of ``unit``s (scheduler steps, shifted by any warmup) from which the
    LR changes, whatever the run length; ``None`` when no count ever reaches it (a negative or
    fractional milestone). ``decided`` is False when the run's length in ``unit`` is unknown.
    """

    kind: str  # "milestone", "step", "warmup_end", "restart", "cosine_min", "threshold", ...
    label: str  # e.g. "milestone 50000"
    value: float | int | None  # the number as written in the config
    unit: str  # "epoch" or "optimizer_step": the unit the trainer counts it in
    fires_at_step: int | None  # optimizer step (0-based) from which the LR changes; None: never
    fires_at_epoch: int | None  # epoch unit: 1-based epoch after which it fires (0: before the
    # first); optimizer_step unit: 1-based epoch during which it fires; None: never
    index: int | None = None
    decided: bool = True
    reason: str | None = None  # why it never fires, when the run length is not the reason

    @property
    def fires(self) -> bool | None:
        """True/False: fires within the planned run or not; None: run length unknown."""
        if not self.decided:
            return None
        return self.fires_at_step is not None or self.fires_at_epoch is not None

    def describe(self, epochs: int | None, total_steps: int | None = None) -> str:
        if not self.decided:
            where = "?" if self.index is None else f"{self.index:,}"
            unit = _unit_words(self.unit)
            return f"fires at {unit} {where} if the run gets there (run length unknown)"
        if not self.fires:
            if self.reason:
                return f"never fires: {self.reason}"
            return f"never fires ({_run_words(self.unit, epochs, total_steps)})"
        if self.unit == EPOCH:
            done = self.fires_at_epoch or 0
            if done == 0:
                return "fires before the first epoch"
            share = f", {_percent(done / epochs)} of the run" if epochs else ""
            return f"fires after epoch {done} of {epochs}{share}"
        step = self.fires_at_step
        text = f"fires at optimizer step {step:,}"
        if total_steps:
            text += f" of {total_steps:,} ({_percent(step / total_steps)} of the run"
            text += f", epoch {self.fires_at_epoch} of {epochs})" if self.fires_at_epoch else ")"
        return text

    def to_dict(self, epochs: int | None, total_steps: int | None) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "value": _json_number(self.value),
            "unit": self.unit,
            "index": self.index,
            "fires_at_step": self.fires_at_step,
            "fires_at_epoch": self.fires_at_epoch,
            "fires": self.fires,
            "description": self.describe(epochs, total_steps),
        }


@dataclass
class Schedule:
    """The LR over the planned run of one Plan, and what is left undecided."""

    plan_name: str
    scheduler: str | None
    unit: str  # "epoch" | "optimizer_step"
    base_lr: float | None  # None when lr is unknown: the curves are then relative to 1.0
    epochs: int | None
    steps_per_epoch: int | None  # optimizer steps per epoch; None when the dataset size is unknown
    total_steps: int | None
    lr_per_epoch: np.ndarray | None  # LR in effect during each epoch (step units: at its 1st step)
    lr_per_step: np.ndarray | None  # LR at each optimizer step 0..total_steps-1
    events: list[ScheduleEvent]
    undecided: list[str]
    notes: list[str] = field(default_factory=list)  # decided facts worth telling (trainer quirks)
    trainer: str | None = None  # whose stepping rules apply, e.g. "coqui-tts-trainer 0.4.0"
    scheduler_stepped: bool = True  # False: the trainer never calls scheduler.step() in this run

    def _curve(self) -> np.ndarray | None:
        return self.lr_per_step if self.lr_per_step is not None else self.lr_per_epoch

    def first_change_fraction(self) -> float | None:
        """Fraction of the run after which the LR first differs from the LR before it."""
        curve = self._curve()
        if curve is None or len(curve) < 2:
            return None
        changed = curve[1:] != curve[:-1]
        first = int(np.argmax(changed))
        if not changed[first]:
            return None
        return (first + 1) / len(curve)

    def final_lr_ratio(self) -> float | None:
        """LR in effect at the end of the run / the configured lr."""
        curve = self._curve()
        start = 1.0 if self.base_lr is None else self.base_lr
        if curve is None or len(curve) == 0 or start == 0:
            return None
        return float(curve[-1]) / start

    def to_dict(self, max_points: int = 2000) -> dict[str, Any]:
        """JSON-safe summary; the curve is downsampled to ``max_points``, keeping change points."""
        x_step: list[int] | None = None
        x_epoch: list[float] = []
        lr: list[float | None] = []
        if self.lr_per_step is not None:
            keep = _keep_points(self.lr_per_step, max_points)
            x_step = keep.tolist()
            x_epoch = (keep / self.steps_per_epoch).tolist() if self.steps_per_epoch else []
            lr = _json_floats(self.lr_per_step[keep])
        elif self.lr_per_epoch is not None:
            keep = _keep_points(self.lr_per_epoch, max_points)
            x_epoch = keep.astype(float).tolist()
            lr = _json_floats(self.lr_per_epoch[keep])
        return {
            "plan": self.plan_name,
            "scheduler": self.scheduler,
            "unit": self.unit,
            "base_lr": self.base_lr,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "total_steps": self.total_steps,
            "x_step": x_step,
            "x_epoch": x_epoch,
            "lr": lr,
            "first_change_fraction": self.first_change_fraction(),
            "final_lr_ratio": self.final_lr_ratio(),
            "events": [e.to_dict(self.epochs, self.total_steps) for e in self.events],
            "undecided": list(self.undecided),
            "notes": list(self.notes),
            "trainer": self.trainer,
            "scheduler_stepped": self.scheduler_stepped,
        }


# ---------------------------------------------------------------------------------------------
# Plan -> Schedule


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
            f"lr is unknown ({_text(plan.get('lr'))}): the curves are relative to a starting "
            "LR of 1"
        )
    start_factor = _warmup_start_factor(plan)
    spec, step_warmup = _warmup(plan, spec, schedule)
    epochs, per_epoch, total = schedule.epochs, schedule.steps_per_epoch, schedule.total_steps
    horizon = epochs if spec.after_epoch else total
    unstepped = _never_stepped_reason(schedule, spec)
    schedule.events = _events(spec, horizon, epochs, per_epoch, unstepped)
    if step_warmup:
        schedule.events.insert(0, _warmup_event(step_warmup, OPTIMIZER_STEP, epochs, per_epoch))
    if epochs is None:
        return
    if total is not None and total > MAX_TABULATED_STEPS:
        schedule.undecided.append(
            f"the run has {total:,} optimizer steps, more than the {MAX_TABULATED_STEPS:,} "
            "tabulated per step: only the events are given"
        )
        if not spec.after_epoch:
            return
        per_epoch = total = None
    if spec.after_epoch:
        if unstepped:  # only the constructor's initial step ever runs
            first = lr_curve(spec, 1, warmup_start_factor=start_factor)[0]
            epoch_lr = np.full(epochs, first)
        else:
            epoch_lr = lr_curve(spec, epochs, warmup_start_factor=start_factor)
        schedule.lr_per_epoch = epoch_lr
        if per_epoch is not None:
            steps = np.repeat(epoch_lr, per_epoch)
            if step_warmup:
                steps[:step_warmup] *= _linear_factor(start_factor, step_warmup, len(steps))
                schedule.lr_per_epoch = steps[::per_epoch].copy()
            schedule.lr_per_step = steps
    elif total is not None:
        steps = lr_curve(spec, total, warmup_start_factor=start_factor)
        schedule.lr_per_step = steps
        schedule.lr_per_epoch = steps[::per_epoch].copy()


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
    enabled = plan.get("extras.warmup.enabled")
    if isinstance(enabled, Unknown):
        schedule.undecided.append(f"extras.warmup.enabled is unknown ({enabled.text})")
        return spec, 0
    if not enabled:
        return spec, 0
    length = plan.get("extras.warmup.steps")
    if isinstance(length, Unknown) or not _is_number(length):
        schedule.undecided.append(f"extras.warmup.steps is unknown ({_text(length)})")
        return replace(spec, warmup_steps=0), 0
    length = int(length)
    unit = plan.get("extras.warmup.unit")
    if isinstance(unit, Unknown):
        schedule.undecided.append(f"extras.warmup.unit is unknown ({unit.text}): warmup left out")
        length = 0
    if length <= 0:
        return replace(spec, warmup_steps=0), 0
    if unit == "epochs":
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


def _warmup_start_factor(plan: Plan) -> float:
    value = plan.known("extras.warmup.start_factor")
    return float(value) if _is_number(value) and 0 < value <= 1 else WARMUP_START_FACTOR


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
    name, params = _resolve(spec)
    if name is None:
        return events
    base_horizon = None if horizon is None else max(horizon - offset, 0)
    for marker in _MODELS[name].events(params, bool(offset), base_horizon):
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
    label = f"warmup of {length} {_unit_words(unit)}s ends"
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
    value = plan.get("epochs")
    if isinstance(value, Unknown):
        undecided.append(f"epochs is unknown ({value.text}): the run's length is undecided")
        return None
    epochs = plan.batching.epochs
    if epochs is None or epochs < 0:
        undecided.append(f"epochs = {value!r} is not a number of epochs")
        return None
    return epochs


def _steps_per_epoch(plan: Plan, spec: SchedulerSpec, undecided: list[str]) -> int | None:
    for key in ("dataset_size", "batch_size", "grad_accum_steps"):
        value = plan.get(key)
        if isinstance(value, Unknown):
            undecided.append(f"{key} is unknown ({value.text}): {_per_epoch_consequence(spec)}")
            return None
    batching = plan.batching
    if batching.optimizer_steps_per_epoch is not None:
        return batching.optimizer_steps_per_epoch
    if not batching.dataset_size:
        problem = "dataset_size is not given (set [plan] dataset_size or pass --dataset-size N)"
    elif not batching.batch_size:
        problem = f"batch_size = {plan.get('batch_size')!r} is not a number of samples"
    else:
        problem = f"grad_accum_steps = {plan.get('grad_accum_steps')!r} is not a number"
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
    for key in ("lr_scheduler", "lr_scheduler_params", "scheduler_after_epoch"):
        value = plan.get(key)
        if isinstance(value, Unknown):
            raise ScheduleNotModelled(f"{key} is unknown ({value.text}): no schedule can be drawn")


def _scheduler_name(plan: Plan) -> str | None:
    value = plan.get("lr_scheduler")
    return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------
# The unit-free core: LR after 0..n-1 scheduler steps


def lr_curve(
    spec: SchedulerSpec, n_steps: int, *, warmup_start_factor: float = WARMUP_START_FACTOR
) -> np.ndarray:
    """The LR after 0..n_steps-1 calls of ``scheduler.step()``, as torch produces it.

    Ignores ``spec.after_epoch``: the unit is whatever the scheduler is stepped in, and
    ``spec.warmup_steps`` > 0 chains ``LinearLR(warmup_start_factor, 1.0, warmup_steps)`` in
    front as ``SequentialLR(milestones=[warmup_steps])`` stepped in that same unit. An unknown
    ``base_lr`` gives the curve relative to 1.0. Raises ScheduleNotModelled.
    """
    n = max(int(n_steps), 0)
    base = 1.0 if spec.base_lr is None else float(spec.base_lr)
    name, params = _resolve(spec)
    model = _MODELS[name].curve if name is not None else _constant
    warmup = int(spec.warmup_steps)
    if warmup <= 0:
        return model(params, base, n, False)
    head = _linear(
        {"start_factor": warmup_start_factor, "end_factor": 1.0, "total_iters": warmup},
        base,
        min(n, warmup),
        False,
    )
    if n <= warmup:
        return head
    return np.concatenate([head, model(params, base, n - warmup, True)])


@dataclass(frozen=True)
class _Marker:
    kind: str
    label: str
    value: Any
    index: int | None  # scheduler-step count from which the LR changes; None: never


@dataclass(frozen=True)
class _Model:
    signature: dict[str, Any]  # parameter -> default (_REQUIRED: no default)
    curve: Callable[[dict[str, Any], float, int, bool], np.ndarray]
    events: Callable[[dict[str, Any], bool, int | None], list[_Marker]]
    check: Callable[[dict[str, Any]], None] = lambda params: None


_REQUIRED = object()
_TORCH_NOT_MODELLED = (
    "LambdaLR",
    "MultiplicativeLR",
    "PolynomialLR",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
    "LRScheduler",
)


def _resolve(spec: SchedulerSpec) -> tuple[str | None, dict[str, Any]]:
    """The modelled scheduler (None: constant LR) and its full parameters, as torch binds them."""
    if spec.name is None:
        return None, {}
    name = _model_name(spec.name)
    model = _MODELS[name]
    params = dict(spec.params or {})
    last_epoch = params.pop("last_epoch", -1)
    if last_epoch != -1:
        raise ScheduleNotModelled(
            f"lr_scheduler_params.last_epoch = {last_epoch!r} resumes a schedule; with a fresh "
            "optimizer torch raises KeyError ('initial_lr'): not modelled"
        )
    extra = sorted(set(params) - set(model.signature))
    if extra:
        raise ScheduleNotModelled(
            f"{name} takes no parameter {', '.join(extra)} (torch raises TypeError); it takes "
            f"{', '.join(model.signature)}"
        )
    bound = {}
    for key, default in model.signature.items():
        value = params.get(key, default)
        if value is _REQUIRED:
            raise ScheduleNotModelled(
                f"{name} needs lr_scheduler_params.{key}; without it the trainer cannot build "
                "the scheduler (TypeError)"
            )
        _reject_unknown(key, value)
        bound[key] = value
    model.check(bound)
    return name, bound


def _model_name(name: Any) -> str:
    if not isinstance(name, str):
        raise ScheduleNotModelled(f"lr_scheduler = {name!r} is not a scheduler name")
    # trainer.trainer_utils.get_scheduler: its own two by lower-case name, else getattr(torch).
    for own in ("NoamLR", "StepwiseGradualLR"):
        if name.lower() == own.lower():
            return own
    if name in _MODELS:
        return name
    if name == "ReduceLROnPlateau":
        raise ScheduleNotModelled(
            "ReduceLROnPlateau is not modelled: the trainer calls its step() without the "
            "metric it needs, so training fails (TypeError) at the first scheduler step"
        )
    if name in _TORCH_NOT_MODELLED:
        raise ScheduleNotModelled(f"lr_scheduler {name} is not modelled by xtts-harness")
    known = [*_MODELS, "ReduceLROnPlateau", *_TORCH_NOT_MODELLED]
    close = [k for k in known if k.lower() == name.lower()]
    close = close or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise ScheduleNotModelled(
        f"lr_scheduler {name!r} is not a torch.optim.lr_scheduler class (names are "
        f"case-sensitive): the trainer fails to build it{hint}"
    )


def _reject_unknown(key: str, value: Any) -> None:
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, (list, tuple)):
            _reject_unknown(key, item)
        elif isinstance(item, Unknown):
            raise ScheduleNotModelled(f"lr_scheduler_params.{key} is unknown ({item.text})")


# ---------------------------------------------------------------------------------------------
# Scheduler models. Each curve takes (params, base_lr, n, chained): ``chained`` means the
# scheduler is the second one of a SequentialLR, started by step(0) (its closed form at 0)
# instead of its constructor's initial step.


def _constant(params: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    return np.full(n, base, dtype=np.float64)


def _multistep(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    gamma, milestones = p["gamma"], p["milestones"]
    counts = Counter(milestones)
    if chained:  # _get_closed_form_lr: base * gamma ** (milestones <= 0)
        first = base * gamma ** bisect.bisect_right(sorted(counts.elements()), 0)
    else:  # get_lr at last_epoch 0: a milestone 0 applies at construction
        first = base * gamma ** counts[0] if 0 in counts else base
    hits = sorted(int(m) for m in counts if _whole(m) and 1 <= m < n)
    return _stepwise(n, first, hits, [gamma ** counts[m] for m in hits])


def _multistep_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    markers = []
    for m in dict.fromkeys(p["milestones"]):
        # A milestone 0 applies at construction; chained, step(0) applies every one <= 0.
        index = 0 if chained and m <= 0 else int(m) if _whole(m) and m >= 0 else None
        markers.append(_Marker("milestone", f"milestone {_fmt(m)}", m, index))
    return markers


def _check_multistep(p: dict[str, Any]) -> None:
    _need_number("gamma", p["gamma"])
    milestones = p["milestones"]
    if not isinstance(milestones, (list, tuple)):
        raise ScheduleNotModelled(f"MultiStepLR milestones must be a list, got {milestones!r}")
    for m in milestones:
        _need_number("milestones", m)


def _step_lr(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    size, gamma = int(p["step_size"]), p["gamma"]
    factors = np.full((n - 1) // size + 1 if n else 0, float(gamma))
    if len(factors):
        factors[0] = base  # chained: base * gamma ** (0 // step_size) == base as well
    values = np.cumprod(factors)
    return np.repeat(values, size)[:n]


def _step_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    size = int(p["step_size"])
    return [_Marker("step", f"step_size {size}: first decay", p["step_size"], size)]


def _check_step(p: dict[str, Any]) -> None:
    _need_number("gamma", p["gamma"])
    size = p["step_size"]
    if not (_whole(size) and size >= 1):
        raise ScheduleNotModelled(
            f"StepLR step_size = {size!r} is not modelled (needs a whole number >= 1)"
        )


def _exponential(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    values = np.full(n, float(p["gamma"]))
    if n:
        values[0] = base  # torch keeps the LR at construction (and base * gamma**0 chained)
    return np.cumprod(values, out=values)


def _cosine(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    """torch's recursive CosineAnnealingLR.get_lr (including its restart branch past T_max)."""
    t_max, eta = p["T_max"], p["eta_min"]
    # Constructed: the LR as set; chained: step(0) takes the closed form at 0.
    first = eta + (base - eta) * (1 + math.cos(math.pi * 0 / t_max)) / 2 if chained else base
    if n <= 1:
        return np.full(n, first)
    steps = np.arange(n)
    # 1 + cos(pi * t / T) for every t; torch's ratio for step t is q[t] / q[t - 1].
    q = 1 + np.cos(np.pi * steps / t_max)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = q[1:] / q[:-1]
    restart = (steps[1:] - 1 - t_max) % (2 * t_max) == 0
    bump = (base - eta) * (1 - math.cos(math.pi / t_max)) / 2
    starts = np.flatnonzero(restart) + 1
    if eta == 0 and len(starts) <= 1000:
        # r * (lr - 0) + 0 == r * lr exactly: a product per segment between restarts.
        out = np.empty(n)
        for lo, hi in itertools.pairwise([0, *starts.tolist(), n]):
            out[lo] = first if lo == 0 else out[lo - 1] + bump
            out[lo + 1 : hi] = ratios[lo : hi - 1]  # ratio of step t is ratios[t - 1]
            np.cumprod(out[lo:hi], out=out[lo:hi])
        return out
    # eta_min != 0: r * (lr - eta) + eta rounds differently from any product; recurse exactly.
    ops: list[float | None] = ratios.tolist()
    for index in starts.tolist():
        ops[index - 1] = None

    def advance(lr: float, ratio: float | None) -> float:
        return lr + bump if ratio is None else ratio * (lr - eta) + eta

    return np.fromiter(itertools.accumulate(ops, advance, initial=first), np.float64, n)


def _cosine_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    t_max = p["T_max"]
    index = int(t_max) if _whole(t_max) and t_max > 0 else None
    return [_Marker("cosine_min", f"T_max {_fmt(t_max)}: LR reaches eta_min", t_max, index)]


def _check_cosine(p: dict[str, Any]) -> None:
    _need_number("eta_min", p["eta_min"])
    _need_number("T_max", p["T_max"])
    if p["T_max"] == 0:
        raise ScheduleNotModelled("CosineAnnealingLR T_max = 0: torch divides by zero")


def _warm_restarts(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    t0, mult, eta = p["T_0"], p["T_mult"], p["eta_min"]
    if mult == 1:
        t_cur = np.arange(n) % t0
        t_i: np.ndarray | int = t0
    else:
        t_cur = np.empty(n, dtype=np.int64)
        t_i = np.empty(n, dtype=np.int64)
        for start, length in _cycles(t0, mult, n):
            stop = min(start + length, n)
            t_cur[start:stop] = np.arange(stop - start)
            t_i[start:stop] = length
    # torch: eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2, same op order.
    return eta + (base - eta) * (1 + np.cos(np.pi * t_cur / t_i)) / 2


def _cycles(t0: int, mult: int, n: int, limit: int | None = None) -> list[tuple[int, int]]:
    """(start, length) of each cosine cycle that begins before step n (at most ``limit``)."""
    cycles, start, length = [], 0, t0
    while start < n and (limit is None or len(cycles) < limit):
        cycles.append((start, length))
        start, length = start + length, length * mult
    return cycles


def _warm_restart_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    t0, mult = p["T_0"], p["T_mult"]
    # The first restart is listed even beyond the run: it is the one that never comes.
    reach = max(horizon or 0, t0 + 1)
    cycles = _cycles(t0, mult, reach, limit=MAX_RESTART_EVENTS + 1)[1:]
    return [
        _Marker("restart", f"restart {k} (T_0 {t0}, T_mult {mult})", start, start)
        for k, (start, _) in enumerate(cycles, 1)
    ]


def _check_warm_restarts(p: dict[str, Any]) -> None:
    t0, mult = p["T_0"], p["T_mult"]
    # torch checks isinstance(int): a JSON 10.0 is rejected too.
    if not (isinstance(t0, int) and not isinstance(t0, bool) and t0 > 0):
        raise ScheduleNotModelled(
            f"CosineAnnealingWarmRestarts T_0 = {t0!r}: torch needs an integer >= 1 (ValueError)"
        )
    if not (isinstance(mult, int) and not isinstance(mult, bool) and mult >= 1):
        raise ScheduleNotModelled(
            f"CosineAnnealingWarmRestarts T_mult = {mult!r}: torch needs an integer >= 1 "
            "(ValueError)"
        )
    _need_number("eta_min", p["eta_min"])


def _linear(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    start, end, total = p["start_factor"], p["end_factor"], p["total_iters"]
    if chained:  # _get_closed_form_lr at last_epoch 0
        if total == 0:
            raise ScheduleNotModelled("LinearLR total_iters 0 after a warmup: torch divides by 0")
        first = base * (start + (end - start) * min(total, 0) / total)
    else:
        first = base * start
    out = np.empty(n)
    if not n:
        return out
    ramp = np.arange(1, n)
    ramp = ramp[ramp <= total]
    out[0] = first
    # torch: lr * (1.0 + (end - start) / (total * start + (t - 1) * (end - start)))
    out[1 : len(ramp) + 1] = 1.0 + (end - start) / (total * start + (ramp - 1) * (end - start))
    np.cumprod(out[: len(ramp) + 1], out=out[: len(ramp) + 1])
    out[len(ramp) + 1 :] = out[len(ramp)]
    return out


def _linear_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    total = p["total_iters"]
    index = int(total) if _whole(total) and total >= 1 else None
    return [_Marker("linear_end", f"total_iters {_fmt(total)}: linear ramp ends", total, index)]


def _check_linear(p: dict[str, Any]) -> None:
    start, end = p["start_factor"], p["end_factor"]
    for key in ("start_factor", "end_factor", "total_iters"):
        _need_number(key, p[key])
    if not 0 < start <= 1 or not 0 <= end <= 1:
        raise ScheduleNotModelled(
            f"LinearLR start_factor {start!r} / end_factor {end!r}: torch needs 0 < start <= 1 "
            "and 0 <= end <= 1 (ValueError)"
        )


def _constant_lr(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    factor, total = p["factor"], p["total_iters"]
    # Chained: step(0) takes the closed form at 0, factor + (0 >= total_iters) * (1 - factor).
    first = base * (factor + (total <= 0) * (1 - factor)) if chained else base * factor
    lifted = _whole(total) and 1 <= total < n
    if lifted and factor == 0:
        raise ScheduleNotModelled("ConstantLR factor 0: torch divides by it at total_iters")
    hits = [int(total)] if lifted else []
    return _stepwise(n, first, hits, [1.0 / factor] if lifted else [])


def _constant_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    total = p["total_iters"]
    index = int(total) if _whole(total) and total >= 1 else None
    label = f"total_iters {_fmt(total)}: factor {_fmt(p['factor'])} lifted"
    return [_Marker("constant_end", label, total, index)]


def _check_constant(p: dict[str, Any]) -> None:
    for key in ("factor", "total_iters"):
        _need_number(key, p[key])
    if not 0 <= p["factor"] <= 1:
        factor = p["factor"]
        raise ScheduleNotModelled(f"ConstantLR factor {factor!r}: torch needs 0 <= factor <= 1")


def _noam(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    warmup = float(p["warmup_steps"])
    step = np.arange(1, n + 1, dtype=np.float64)  # trainer.torch.NoamLR: step = last_epoch + 1
    scale = warmup**0.5 * np.minimum(step * warmup**-1.5, step**-0.5)
    return base * scale


def _noam_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    warmup = p["warmup_steps"]
    label = f"Noam warmup_steps {_fmt(warmup)}: LR peaks, then decays"
    return [_Marker("warmup_end", label, warmup, max(math.ceil(warmup) - 1, 0))]


def _check_noam(p: dict[str, Any]) -> None:
    _need_number("warmup_steps", p["warmup_steps"])
    if p["warmup_steps"] <= 0:
        raise ScheduleNotModelled("NoamLR warmup_steps must be > 0 (torch divides by it)")


def _gradual(p: dict[str, Any], base: float, n: int, chained: bool) -> np.ndarray:
    thresholds, rates = _gradual_pairs(p)
    if chained:  # _get_closed_form_lr: the most recent threshold <= 0, clamped to the first
        first = rates[max(0, min(bisect.bisect_right(thresholds, 0) - 1, len(rates) - 1))]
    else:  # get_lr at last_epoch 0: jumps only when last_epoch equals a threshold
        first = rates[thresholds.index(0)] if 0 in thresholds else base
    hits = sorted({int(t) for t in thresholds if _whole(t) and 1 <= t < n})
    values = np.array([float(first)] + [float(rates[thresholds.index(t)]) for t in hits])
    return _fill_segments(n, [0, *hits], values)


def _gradual_events(p: dict[str, Any], chained: bool, horizon: int | None) -> list[_Marker]:
    thresholds, rates = _gradual_pairs(p)
    markers = []
    for t, rate in zip(thresholds, rates, strict=True):
        index = int(t) if _whole(t) and t >= 0 else None
        markers.append(_Marker("threshold", f"threshold {_fmt(t)}: lr {_fmt(rate)}", t, index))
    return markers


def _gradual_pairs(p: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    thresholds, rates = zip(*p["gradual_learning_rates"], strict=True)
    return thresholds, rates


def _check_gradual(p: dict[str, Any]) -> None:
    pairs = p["gradual_learning_rates"]
    valid = isinstance(pairs, (list, tuple)) and len(pairs) > 0
    valid = valid and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 and all(map(_is_number, pair))
        for pair in pairs
    )
    if not valid:
        raise ScheduleNotModelled(
            "StepwiseGradualLR gradual_learning_rates must be a list of [step, lr] pairs, "
            f"got {pairs!r}"
        )


_MODELS: dict[str, _Model] = {
    "MultiStepLR": _Model(
        {"milestones": _REQUIRED, "gamma": 0.1}, _multistep, _multistep_events, _check_multistep
    ),
    "StepLR": _Model({"step_size": _REQUIRED, "gamma": 0.1}, _step_lr, _step_events, _check_step),
    "ExponentialLR": _Model(
        {"gamma": _REQUIRED},
        _exponential,
        lambda p, chained, horizon: [],
        lambda p: _need_number("gamma", p["gamma"]),
    ),
    "CosineAnnealingLR": _Model(
        {"T_max": _REQUIRED, "eta_min": 0.0}, _cosine, _cosine_events, _check_cosine
    ),
    "CosineAnnealingWarmRestarts": _Model(
        {"T_0": _REQUIRED, "T_mult": 1, "eta_min": 0.0},
        _warm_restarts,
        _warm_restart_events,
        _check_warm_restarts,
    ),
    "LinearLR": _Model(
        {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5},
        _linear,
        _linear_events,
        _check_linear,
    ),
    "ConstantLR": _Model(
        {"factor": 1.0 / 3, "total_iters": 5}, _constant_lr, _constant_events, _check_constant
    ),
    "NoamLR": _Model({"warmup_steps": 0.1}, _noam, _noam_events, _check_noam),
    "StepwiseGradualLR": _Model(
        {"gradual_learning_rates": _REQUIRED}, _gradual, _gradual_events, _check_gradual
    ),
}


# ---------------------------------------------------------------------------------------------
# Array helpers


def _stepwise(n: int, first: float, hits: list[int], factors: list[float]) -> np.ndarray:
    """LR that starts at ``first`` and is multiplied by ``factors[i]`` from step ``hits[i]`` on.

    ``np.cumprod`` multiplies left to right, exactly like torch's ``lr * factor`` each step.
    """
    values = np.cumprod(np.array([first, *factors], dtype=np.float64))
    return _fill_segments(n, [0, *hits], values)


def _fill_segments(n: int, starts: list[int], values: np.ndarray) -> np.ndarray:
    """``values[i]`` from ``starts[i]`` up to the next start (starts ascending, starts[0] 0)."""
    if len(starts) > 64:
        return np.repeat(values, np.diff([*starts, n]))
    out = np.empty(n)
    for value, lo, hi in zip(values.tolist(), starts, [*starts[1:], n], strict=True):
        out[lo:hi] = value
    return out


def _linear_factor(start: float, length: int, n: int) -> np.ndarray:
    """LinearLR's closed-form factor for optimizer steps 0..min(length, n)-1."""
    steps = np.arange(min(length, n))
    return start + (1.0 - start) * steps / length


def _keep_points(curve: np.ndarray, max_points: int) -> np.ndarray:
    """Indices to plot: all when few; else every change (and the point before it) plus a grid."""
    n = len(curve)
    if n <= max(max_points, 2):
        return np.arange(n)
    changes = np.flatnonzero(curve[1:] != curve[:-1]) + 1
    if 2 * len(changes) + 2 > max_points:  # a smooth curve: an even grid shows it
        return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    must = np.unique(np.concatenate([[0, n - 1], changes, changes - 1]))
    grid = np.linspace(0, n - 1, max_points - len(must)).round().astype(np.int64)
    return np.union1d(must, grid)


# ---------------------------------------------------------------------------------------------
# Small value helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _need_number(key: str, value: Any) -> None:
    if not _is_number(value):
        raise ScheduleNotModelled(f"lr_scheduler_params.{key} = {value!r} is not a number")


def _whole(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _text(value: Any) -> str:
    return value.text if isinstance(value, Unknown) else repr(value)


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.3g}%"


def _unit_words(unit: str) -> str:
    return "epoch" if unit == EPOCH else "optimizer step"


def _run_words(unit: str, epochs: int | None, total_steps: int | None) -> str:
    if unit == EPOCH or total_steps is None:
        return f"run has {epochs} epochs"
    return f"run has {total_steps:,} optimizer steps in {epochs} epochs"


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (int, float)) or value is None else str(value)


def _json_floats(values: np.ndarray) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values.tolist()]
