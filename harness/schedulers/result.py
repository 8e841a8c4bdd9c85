"""What a schedule computation returns: the LR over the planned run, its events, and what is
left undecided."""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.schedulers.sample import Curve, keep_points

EPOCH = "epoch"
OPTIMIZER_STEP = "optimizer_step"


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
            unit = unit_words(self.unit)
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
        step = self.fires_at_step or 0  # fires: placed at a step
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
    """The LR over the planned run of one Plan, and what is left undecided.

    ``lr_per_epoch`` / ``lr_per_step`` are whole tabulations, given when the run has at most
    ``TABULATE_LIMIT`` of them; ``epoch_curve`` / ``step_curve`` are always given when the LR
    can be drawn: the whole tabulation, or a bounded sample of a longer run. Tabulations are
    ``array('d')``: ``numpy.asarray(schedule.lr_per_step)`` reads one without a copy.
    """

    plan_name: str
    scheduler: str | None
    unit: str  # "epoch" | "optimizer_step"
    base_lr: float | None  # None when lr is unknown: the curves are then relative to 1.0
    epochs: int | None
    steps_per_epoch: int | None  # optimizer steps per epoch; None when the dataset size is unknown
    total_steps: int | None
    lr_per_epoch: array | None  # LR in effect during each epoch (step units: at its 1st step)
    lr_per_step: array | None  # LR at each optimizer step 0..total_steps-1
    events: list[ScheduleEvent]
    undecided: list[str]
    notes: list[str] = field(default_factory=list)  # decided facts worth telling (trainer quirks)
    trainer: str | None = None  # whose stepping rules apply, e.g. "coqui-tts-trainer 0.4.0"
    scheduler_stepped: bool = True  # False: the trainer never calls scheduler.step() in this run
    epoch_curve: Curve | None = None
    step_curve: Curve | None = None

    def curve(self) -> Curve | None:
        """The finest curve there is: per optimizer step when known, else per epoch."""
        return self.step_curve if self.step_curve is not None else self.epoch_curve

    def scheduler_curve(self, after_epoch: bool) -> Curve | None:
        """The curve in the unit the scheduler is stepped in."""
        return self.epoch_curve if after_epoch else self.step_curve

    def first_change_fraction(self) -> float | None:
        """Fraction of the run after which the LR first differs from the LR before it."""
        curve = self.curve()
        first = None if curve is None else curve.first_change()
        return None if first is None or curve is None else first / curve.length

    def final_lr_ratio(self) -> float | None:
        """LR in effect at the end of the run / the configured lr."""
        curve = self.curve()
        start = 1.0 if self.base_lr is None else self.base_lr
        if curve is None or len(curve.lr) == 0 or start == 0:
            return None
        return curve.lr[-1] / start

    def lr_at_fractions(self, fractions: Sequence[float]) -> list[float]:
        """The LR at the start, at each fraction of the run (the value in effect there), and
        at the end; empty when no curve can be drawn."""
        curve = self.curve()
        if curve is None or len(curve.lr) == 0:
            return []
        inner = [
            curve.value_at_or_before(min(curve.length - 1, int(f * curve.length)))
            for f in fractions
        ]
        return [curve.lr[0], *inner, curve.lr[-1]]

    def initial_lr(self) -> float | None:
        """The LR of the first epoch (the configured lr when no curve can be drawn)."""
        if self.epoch_curve is None or len(self.epoch_curve.lr) == 0:
            return self.base_lr
        return self.epoch_curve.lr[0]

    def to_dict(self, max_points: int = 2000) -> dict[str, Any]:
        """JSON-safe summary; the curve is downsampled to ``max_points``, keeping change points."""
        x_step: list[int] | None = None
        x_epoch: list[float] = []
        lr: list[float | None] = []
        if self.step_curve is not None:
            curve = self.step_curve
            keep = keep_points(curve, max_points)
            x_step = [curve.x[i] for i in keep]
            per_epoch = self.steps_per_epoch
            x_epoch = [float(x) / per_epoch for x in x_step] if per_epoch else []
            lr = _json_floats([curve.lr[i] for i in keep])
        elif self.epoch_curve is not None:
            curve = self.epoch_curve
            keep = keep_points(curve, max_points)
            x_epoch = [float(curve.x[i]) for i in keep]
            lr = _json_floats([curve.lr[i] for i in keep])
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


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.3g}%"


def unit_words(unit: str) -> str:
    return "epoch" if unit == EPOCH else "optimizer step"


def _run_words(unit: str, epochs: int | None, total_steps: int | None) -> str:
    if unit == EPOCH or total_steps is None:
        return f"run has {epochs} epochs"
    return f"run has {total_steps:,} optimizer steps in {epochs} epochs"


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (int, float)) or value is None else str(value)


def _json_floats(values: Sequence[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]
