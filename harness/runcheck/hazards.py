"""Post-hoc hazards of a run (R102..R108); R101 comes from the LR comparison itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from harness.findings import Finding
from harness.runcheck.codes import make
from harness.runcheck.predict import STEPPING_TRAINER

if TYPE_CHECKING:
    from harness.runcheck.check import RunCheck

COLLAPSE_FACTOR = 0.1  # LR below a tenth of its first value
EARLY = 0.1  # within the first tenth of the planned run
FLAT = 0.02  # loss improved by less than 2% after the collapse
DIVERGED = 2.0  # last tenth's median loss over twice the best tenth's
MIN_POINTS = 20


def hazards(run: RunCheck) -> Iterator[Finding]:
    for check in (_lr_differs, _never_changed, _collapsed, _not_finite, _diverged,
                  _eval_empty, _no_checkpoint, _undecided):  # fmt: skip
        yield from check(run)


def _finding(run: RunCheck, code: str, message: str, **kw: object) -> Finding:
    return make(code, message, file=run.config_file, plan=run.plan.name, **kw)  # type: ignore[arg-type]


def _lr_differs(run: RunCheck) -> Iterator[Finding]:
    comparison = run.comparison
    if comparison is None or comparison.first_difference is None:
        return
    diff = comparison.first_difference
    message = (
        f"at batch {diff.batch:,} the run logged LR {diff.logged:.6g}, the prediction for "
        f"{run.trainer_label} is {diff.predicted:.6g} ({comparison.differing:,} of "
        f"{len(run.observed.lr):,} logged batches differ)"
    )
    if run.alternative:
        message += f"; the log matches {run.alternative}'s stepping instead"
    yield _finding(
        run,
        "R101",
        message,
        key="lr_scheduler",
        fix="check with the library the run used (--library) and its TrainerArgs "
        "(--set grad_accum_steps=N)",
    )


def _never_changed(run: RunCheck) -> Iterator[Finding]:
    observed, alignment = run.observed, run.alignment
    if alignment is None or len(observed.lr) < 2 or np.any(observed.lr != observed.lr[0]):
        return
    from harness.schedule import compute_schedule

    described = compute_schedule(run.plan, trainer=STEPPING_TRAINER)
    if described.lr_per_step is None:
        return
    curve = np.asarray(described.lr_per_step)
    index = alignment.optimizer_step(observed.lr_steps)
    meant = curve[index[index < len(curve)]]
    changes: np.ndarray | list[int] = np.flatnonzero(meant != meant[0]) if len(meant) else []
    if not len(changes):
        return
    batch = int(observed.lr_steps[changes[0]])
    why = next(iter(run.schedule_notes), "")
    message = (
        f"the LR stayed {observed.lr[0]:.6g} over all {len(observed.lr):,} logged batches; "
        f"{run.plan.lr_schedule.name.raw} as configured changes it from batch {batch:,}"
    )
    if why:
        message += f" ({why.split(':')[0]})"
    yield _finding(
        run,
        "R102",
        message,
        key="scheduler_after_epoch",
        fix="set scheduler_after_epoch false with milestones in optimizer steps "
        "(xtts-harness fix CONFIG)",
    )


def _collapsed(run: RunCheck) -> Iterator[Finding]:
    observed, alignment = run.observed, run.alignment
    if alignment is None or len(observed.lr) < 2 or observed.lr[0] <= 0:
        return
    low = np.flatnonzero(observed.lr <= COLLAPSE_FACTOR * observed.lr[0])
    planned = alignment.epochs * alignment.batches_per_epoch
    if not len(low) or observed.lr_steps[low[0]] > EARLY * planned:
        return
    at = int(observed.lr_steps[low[0]])
    after = observed.loss[(observed.loss_steps >= at) & np.isfinite(observed.loss)]
    if len(after) < 4:
        return
    quarter = max(len(after) // 4, 1)
    start, end = float(np.mean(after[:quarter])), float(np.mean(after[-quarter:]))
    gain = (start - end) / abs(start) if start else 0.0
    if gain >= FLAT:
        return
    yield _finding(
        run,
        "R103",
        f"the LR fell to {observed.lr[low[0]]:.3g} ({observed.lr[low[0]] / observed.lr[0]:.2g}x) "
        f"at batch {at:,} of a planned {planned:,}; the train loss moved {gain:.1%} after it",
        key="lr_scheduler_params",
        fix="size the milestones to the planned run in the trainer's unit (xtts-harness fix)",
    )


def _not_finite(run: RunCheck) -> Iterator[Finding]:
    observed = run.observed
    for label, steps, values in (
        ("train loss", observed.loss_steps, observed.loss),
        ("eval loss", observed.eval_steps, observed.eval_loss),
        ("LR", observed.lr_steps, observed.lr),
    ):
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            yield _finding(
                run,
                "R104",
                f"the {label} is {values[bad[0]]} at batch {int(steps[bad[0]]):,} "
                f"({len(bad):,} of {len(values):,} logged values are not finite)",
                key="lr",
                fix="lower lr, set grad_clip, or train in fp32/bf16",
            )


def _diverged(run: RunCheck) -> Iterator[Finding]:
    loss = run.observed.loss[np.isfinite(run.observed.loss)]
    if len(loss) < MIN_POINTS:
        return
    tenths = [float(np.median(part)) for part in np.array_split(loss, 10)]
    best = min(tenths[:-1])
    if best > 0 and tenths[-1] > DIVERGED * best:
        yield _finding(
            run,
            "R105",
            f"the train loss of the last tenth of the run ({tenths[-1]:.4g}) is "
            f"{tenths[-1] / best:.1f}x its best tenth's ({best:.4g})",
            key="lr",
            fix="lower lr or add warmup; keep the checkpoint from before the rise",
        )


def _eval_empty(run: RunCheck) -> Iterator[Finding]:
    observed = run.observed
    if observed.logs.eval_samples == 0:
        yield _finding(
            run,
            "R106",
            "the log says 'Total eval samples after filtering: 0'",
            key="datasets",
            fix="run xtts-harness audit on the dataset and fix the drop reasons",
        )
    elif (
        run.plan.batching.given.run_eval.or_(True)
        and observed.epochs_done
        and not len(observed.eval_steps)
    ):
        yield _finding(
            run,
            "R106",
            f"{observed.epochs_done} epoch(s) finished with run_eval on, but no EvalStats "
            "were logged",
            key="run_eval",
            fix="run xtts-harness audit on the dataset and fix the drop reasons",
        )


def _no_checkpoint(run: RunCheck) -> Iterator[Finding]:
    observed, plan = run.observed, run.plan
    done = observed.batches_done
    if done == 0 or observed.checkpoints:
        return
    bookkeeping = plan.bookkeeping
    save_step = bookkeeping.save_step.value
    if not bookkeeping.save_checkpoints.or_(True):
        why = "save_checkpoints is false"
    elif isinstance(save_step, int) and save_step >= done:
        why = f"save_step {save_step:,} is beyond the {done:,} batches done"
    else:
        why = f"save_step {save_step} was reached, yet the folder holds no .pth file"
    best_after = bookkeeping.save_best_after.value
    if isinstance(best_after, int) and best_after >= done:
        why += f", and save_best_after {best_after:,} keeps the best model back"
    yield _finding(
        run,
        "R107",
        f"{done:,} batches trained and no checkpoint written: {why}",
        key="save_step",
        fix="set save_step well within the run (a multiple of grad_accum_steps)",
    )


def _undecided(run: RunCheck) -> Iterator[Finding]:
    for reason in run.undecided:
        yield _finding(run, "R108", reason)
