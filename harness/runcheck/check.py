"""check-run: a Coqui Trainer run folder against the harness's prediction for its config."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import HarnessError
from harness.findings import Finding, sort_findings
from harness.plan.model import Plan
from harness.runcheck.events import EventTail
from harness.runcheck.logtext import read_logs
from harness.runcheck.observed import WANTED, Observed, observe
from harness.runcheck.predict import (
    Alignment,
    Comparison,
    align,
    alignment_overrides,
    compare,
    other_trainer,
)

MAX_CURVE_POINTS = 2000


@dataclass
class RunCheck:
    folder: Path
    plan: Plan
    library: str
    trainer: str | None
    observed: Observed
    alignment: Alignment | None
    comparison: Comparison | None
    alternative: str | None = None  # another trainer whose stepping the log matches
    undecided: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def config_file(self) -> str:
        return str(self.folder / "config.json")

    @property
    def trainer_label(self) -> str:
        return self.trainer or f"the documented stepping ({self.library})"

    @property
    def schedule_notes(self) -> list[str]:
        return list(self.comparison.schedule.notes) if self.comparison else []

    def verdict(self) -> str:
        comparison = self.comparison
        if comparison is None or comparison.compared == 0:
            return "not compared: " + (self.undecided[0] if self.undecided else "no LR logged")
        if comparison.matches:
            return (
                f"matches the prediction for {self.trainer_label} over "
                f"{comparison.compared:,} logged batches"
            )
        diff = comparison.first_difference
        assert diff is not None
        return (
            f"differs from batch {diff.batch:,}: logged {diff.logged:.6g}, predicted "
            f"{diff.predicted:.6g}"
        )

    def summary(self) -> dict[str, Any]:
        """The "Run against prediction" section: JSON-safe, one line per entry."""
        observed, alignment = self.observed, self.alignment
        out: dict[str, Any] = {
            "run": str(self.folder),
            "library": self.library,
            "trainer": self.trainer_label,
            "lr": self.verdict(),
            "batches_done": observed.batches_done,
            "epochs_done": observed.epochs_done,
        }
        if alignment is not None:
            out["batches_per_epoch"] = alignment.batches_per_epoch
            out["grad_accum_steps"] = (
                f"{alignment.grad_accum_steps} ({alignment.grad_accum_source})"
            )
            out["optimizer_steps_per_epoch"] = alignment.optimizer_steps_per_epoch
        out["start_with_eval"] = observed.logs.first_epoch_eval_only
        out["eval_samples"] = observed.logs.eval_samples
        out["checkpoints"] = len(observed.checkpoints)
        if self.alternative:
            out["matches_instead"] = self.alternative
        for number, note in enumerate(self.schedule_notes, 1):
            out[f"note_{number}"] = note
        return out

    def curves(self, max_points: int = MAX_CURVE_POINTS) -> dict[str, Any]:
        """Logged and predicted LR per global batch (downsampled evenly), for the plots."""
        steps = self.observed.lr_steps
        keep = np.unique(np.linspace(0, len(steps) - 1, min(len(steps), max_points)).astype(int))
        predicted = self.comparison.predicted if self.comparison else np.zeros(0)
        return {
            "batch": steps[keep].tolist() if len(steps) else [],
            "logged": _floats(self.observed.lr[keep]) if len(steps) else [],
            "predicted": _floats(predicted[keep]) if len(predicted) else [],
            "loss_batch": self.observed.loss_steps.tolist()[:max_points],
            "loss": _floats(self.observed.loss[:max_points]),
        }


def check_run(
    folder: str | Path,
    overrides: Sequence[str] = (),
    library: str | None = None,
    tail: EventTail | None = None,
) -> RunCheck:
    """Read ``folder`` (config.json, text logs, TensorBoard events) and check it.

    ``tail`` carries the event files read so far (``--follow`` polls the same one).
    """
    from harness.plan.defaults import LATEST, load_table
    from harness.plan.load import load_plan
    from harness.runcheck.hazards import hazards

    path = _run_folder(folder)
    library = library or LATEST
    trainer = load_table(library).trainer
    tail = tail or EventTail(path, WANTED)
    tail.poll()
    observed = observe(path, tail, read_logs(path))
    base = load_plan(path, list(overrides), library=library)
    given = base.batching.given.grad_accum_steps
    accum = given.value if given.explicit else None
    alignment = align(observed, base, accum, observed.logs.first_epoch_eval_only)
    undecided: list[str] = []
    comparison, plan = None, base
    if alignment is None:
        undecided.append(
            "the batches per epoch are unknown: no STEP line in the log and no finished epoch"
        )
    else:
        plan = load_plan(path, [*alignment_overrides(base, alignment), *overrides], library)
        comparison = compare(observed, plan, alignment, trainer)
        undecided += comparison.schedule.undecided
    if not len(observed.lr):
        undecided.append("the events hold no TrainIterStats/current_lr")
    run = RunCheck(path, plan, library, trainer, observed, alignment, comparison,
                   undecided=undecided)  # fmt: skip
    run.alternative = _alternative(run)
    run.findings = sort_findings(list(hazards(run)))
    return run


def _alternative(run: RunCheck) -> str | None:
    comparison, alignment = run.comparison, run.alignment
    if comparison is None or alignment is None or comparison.matches or not comparison.compared:
        return None
    other = other_trainer(comparison.schedule)
    if other and compare(run.observed, run.plan, alignment, other).matches:
        return other
    return None


def _run_folder(folder: str | Path) -> Path:
    path = Path(folder)
    if not path.is_dir():
        raise HarnessError(
            f"{path} is not a folder", fix="give the run folder the Trainer wrote (output_path)"
        )
    if not (path / "config.json").is_file():
        raise HarnessError(
            f"{path} has no config.json",
            fix="give the run folder the Trainer wrote: it holds config.json and the logs",
        )
    return path


def _floats(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]
