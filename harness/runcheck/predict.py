"""The harness's prediction for a run, aligned with what the Trainer logs.

The Trainer logs ``current_lr`` per *batch* (its global step), read before the optimizer
step of that batch. The schedule (``harness.schedule``) gives the LR per *optimizer step*.
Batch ``g`` of a run with ``B`` batches per epoch and ``A`` batches per optimizer step is
batch ``j = g mod B`` of trained epoch ``e = g div B`` and uses the LR of optimizer step
``e * ceil(B / A) + j div A`` (the Trainer steps the optimizer on every A-th batch of an
epoch and on its last one). A ``start_with_eval`` epoch trains no batch, so it shifts
nothing here; it only removes one epoch from the planned run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.plan.model import Plan
from harness.runcheck.observed import Observed
from harness.schedule import PER_EPOCH_SCHEDULER_NEVER_STEPPED, Schedule, compute_schedule

# current_lr is logged as a float32: compare at float32 precision.
RTOL = 1e-6
STEPPING_TRAINER = "coqui-tts-trainer 0.3.1"  # steps a per-epoch scheduler (docs/xtts-facts.md)
# A trainer that never steps a per-epoch scheduler whatever the run (0.4.0), not one that
# only skips it under a condition (0.3.1 with mixed precision).
NEVER_STEPPING_TRAINER = min(PER_EPOCH_SCHEDULER_NEVER_STEPPED, key=lambda t: (" with " in t, t))


@dataclass(frozen=True)
class Alignment:
    batches_per_epoch: int
    grad_accum_steps: int
    grad_accum_source: str  # where grad_accum_steps came from
    epochs: int  # trained epochs the prediction covers

    @property
    def optimizer_steps_per_epoch(self) -> int:
        return math.ceil(self.batches_per_epoch / self.grad_accum_steps)

    def optimizer_step(self, batches: np.ndarray) -> np.ndarray:
        """The optimizer step (0-based) whose LR each global batch uses."""
        epoch, within = np.divmod(batches, self.batches_per_epoch)
        return epoch * self.optimizer_steps_per_epoch + within // self.grad_accum_steps


@dataclass(frozen=True)
class Difference:
    batch: int  # global batch (the Trainer's GLOBAL_STEP)
    logged: float
    predicted: float


@dataclass
class Comparison:
    schedule: Schedule
    predicted: np.ndarray  # predicted LR at each logged LR batch
    compared: int
    first_difference: Difference | None
    differing: int

    @property
    def matches(self) -> bool:
        return self.compared > 0 and self.first_difference is None


def align(observed: Observed, plan: Plan, grad_accum: int | None, start_with_eval: bool
          ) -> Alignment | None:  # fmt: skip
    """The units of the run, or None when the batches per epoch are unknown."""
    per_epoch = observed.batches_per_epoch()
    if not per_epoch:
        return None
    if grad_accum is not None:
        accum, source = grad_accum, "--set grad_accum_steps"
    elif observed.grad_accum_steps() is not None:
        accum = observed.grad_accum_steps() or 1
        source = "recovered from the batches that logged grad_norm"
    else:
        accum, source = 1, "TrainerArgs default"
    planned = plan.batching.epochs or 0
    trained = max(planned - int(start_with_eval), 0)
    needed = math.ceil(observed.batches_done / per_epoch)
    return Alignment(per_epoch, accum, source, max(trained, needed, 1))


def alignment_overrides(plan: Plan, alignment: Alignment) -> list[str]:
    """``--set`` overrides that give the schedule the run's real shape."""
    batch_size = plan.batching.batch_size or 1
    return [
        f"dataset_size={alignment.batches_per_epoch * batch_size}",
        f"grad_accum_steps={alignment.grad_accum_steps}",
        f"epochs={alignment.epochs}",
    ]


def compare(observed: Observed, plan: Plan, alignment: Alignment, trainer: str | None
            ) -> Comparison:  # fmt: skip
    schedule = compute_schedule(plan, trainer=trainer)
    steps = observed.lr_steps
    if schedule.lr_per_step is None or not len(steps):
        return Comparison(schedule, np.zeros(0), 0, None, 0)
    curve = np.asarray(schedule.lr_per_step)  # the schedule's array('d'), not copied
    index = alignment.optimizer_step(steps)
    inside = index < len(curve)
    predicted = np.full(len(steps), np.nan)
    predicted[inside] = curve[index[inside]]
    logged = observed.lr
    same = np.isclose(logged, predicted, rtol=RTOL, atol=0.0) & inside
    wrong = np.flatnonzero(~same)
    first = None
    if len(wrong):
        at = int(wrong[0])
        first = Difference(int(steps[at]), float(logged[at]), float(predicted[at]))
    return Comparison(schedule, predicted, int(inside.sum()), first, len(wrong))


def other_trainer(schedule: Schedule) -> str | None:
    """The trainer whose per-epoch stepping is the opposite of ``schedule``'s, if it matters."""
    if schedule.unit != "epoch" or schedule.scheduler is None:
        return None
    return STEPPING_TRAINER if not schedule.scheduler_stepped else NEVER_STEPPING_TRAINER


def load_aligned_plan(folder: Path, overrides: list[str], library: str, extra: list[str]
                      ) -> Plan:  # fmt: skip
    from harness.plan.load import load_plan

    return load_plan(folder, [*extra, *overrides], library=library)
