"""What a run folder shows: the logged LR, losses, epochs, evaluations and checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.runcheck.events import EventTail
from harness.runcheck.logtext import LogFacts

LR_TAG = "TrainIterStats/current_lr"
LOSS_TAG = "TrainIterStats/loss"
GRAD_NORM_TAG = "TrainIterStats/grad_norm"  # logged only on batches that step the optimizer
EVAL_LOSS_TAG = "EvalStats/avg_loss"
EPOCH_END_TAG = "TrainEpochStats/epoch_time"  # logged after each trained epoch
# The tags check-run reads: the records of other tags are not decoded.
WANTED = (LR_TAG, LOSS_TAG, GRAD_NORM_TAG, EVAL_LOSS_TAG, EPOCH_END_TAG)
CHECKPOINT_GLOBS = ("checkpoint_*.pth", "best_model*.pth")


@dataclass
class Observed:
    """Series as numpy arrays; steps are the Trainer's global batch counter (0-based)."""

    lr_steps: np.ndarray
    lr: np.ndarray
    loss_steps: np.ndarray
    loss: np.ndarray
    eval_steps: np.ndarray
    eval_loss: np.ndarray
    epoch_ends: np.ndarray  # global batch count after each trained epoch
    optimizer_batches: np.ndarray  # batches that stepped the optimizer (grad_norm logged)
    checkpoints: list[str]
    logs: LogFacts
    event_files: int

    @property
    def batches_done(self) -> int:
        """Trained batches: one past the last logged batch (or the log's GLOBAL_STEP)."""
        last = [int(s[-1]) for s in (self.lr_steps, self.loss_steps) if len(s)]
        if self.logs.last_global_step is not None:
            last.append(self.logs.last_global_step)
        return max(last) + 1 if last else 0

    @property
    def epochs_done(self) -> int:
        return max(len(self.epoch_ends), self.logs.epochs_trained - 1, 0)

    def batches_per_epoch(self) -> int | None:
        """From the log's ``STEP: i/n``, else from the first finished epoch."""
        if self.logs.batches_per_epoch:
            return self.logs.batches_per_epoch
        return int(self.epoch_ends[0]) if len(self.epoch_ends) else None

    def grad_accum_steps(self) -> int | None:
        """TrainerArgs.grad_accum_steps recovered from the batches that stepped the optimizer.

        The first optimizer step falls on batch ``grad_accum_steps - 1`` (or on the last
        batch of the epoch when the epoch is shorter: any value from the epoch's length up
        gives the same schedule, so that length is returned).
        """
        if not len(self.optimizer_batches):
            return None
        return int(self.optimizer_batches[0]) + 1


def observe(folder: Path, tail: EventTail, logs: LogFacts) -> Observed:
    scalars = tail.scalars
    lr_steps, lr = scalars.series(LR_TAG)
    loss_steps, loss = scalars.series(LOSS_TAG)
    eval_steps, eval_loss = scalars.series(EVAL_LOSS_TAG)
    epoch_ends, _ = scalars.series(EPOCH_END_TAG)
    grad_steps, _ = scalars.series(GRAD_NORM_TAG)
    checkpoints = sorted(p.name for pattern in CHECKPOINT_GLOBS for p in Path(folder).glob(pattern))
    return Observed(
        lr_steps=lr_steps,
        lr=lr,
        loss_steps=loss_steps,
        loss=loss,
        eval_steps=eval_steps,
        eval_loss=eval_loss,
        epoch_ends=epoch_ends,
        optimizer_batches=grad_steps,
        checkpoints=checkpoints,
        logs=logs,
        event_files=len(tail.files()),
    )
