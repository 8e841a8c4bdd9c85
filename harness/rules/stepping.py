"""Schedule rules S104, S106, S107, S109: how, and whether, the trainer steps the scheduler
(without a metric, after a resume, at each epoch end, or never)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from harness.findings import Severity
from harness.plan.defaults import LATEST, load_table
from harness.rules.base import Problem, RuleContext, fmt, rule
from harness.rules.schedule_terms import (
    early_drop,
    fix_never,
    ratio_text,
    run_length,
    unstepping_trainer,
    why_unit,
)


@rule(
    "S104",
    "reduce-on-plateau-unsupported",
    Severity.ERROR,
    summary="ReduceLROnPlateau crashes: the trainer calls step() without a metric.",
)
def reduce_on_plateau(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `lr_scheduler = "ReduceLROnPlateau"`.

    ## Why is this bad?
    The Coqui trainer calls `scheduler.step()` with no argument, at each epoch end (or
    after each optimizer step). `ReduceLROnPlateau.step` requires the metric it watches, so
    the run fails with a TypeError at the end of its first epoch (or first optimizer
    step), after the whole epoch of compute.

    ## Example
    ```toml
    lr_scheduler = "ReduceLROnPlateau"
    [lr_scheduler_params]
    factor = 0.5
    patience = 3
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [50, 75, 90]
    gamma = 0.5
    ```

    ## Evidence
    - `Trainer.train_epoch` and `Trainer.optimize` (coqui-tts-trainer 0.4.0,
      `trainer/trainer.py`): `scheduler.step()`; torch's
      `ReduceLROnPlateau.step(self, metrics, epoch=None)`.
    """
    if ctx.plan.lr_schedule.name.value != "ReduceLROnPlateau":
        return
    when = (
        "at the end of the first epoch"
        if ctx.plan.scheduler.after_epoch
        else "after the first optimizer step"
    )
    yield Problem(
        "lr_scheduler is ReduceLROnPlateau, but the Coqui trainer calls scheduler.step() "
        f"without the metric it needs: the run fails with a TypeError {when}",
        key="lr_scheduler",
        fix="use a scheduler the trainer can step, e.g. MultiStepLR with milestones in epochs "
        "such as [50, 75, 90], or a subclass that passes the eval loss to step()",
    )


@rule(
    "S106",
    "resume-restarts-schedule",
    Severity.WARNING,
    summary="Resuming on a library version that does not save the scheduler restarts the LR.",
)
def resume_restarts_schedule(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `continue_path` or `restore_path` when the plan's library version (the defaults
    table, `[meta] library`) does not save the scheduler's state in checkpoints.

    ## Why is this bad?
    Before coqui-tts 0.27 / coqui-tts-trainer 0.3 the checkpoint held no scheduler state, so
    a resumed run rebuilt the scheduler from step 0: the LR jumps back to its start, and
    milestones already passed fire again later. A schedule that looks right on paper is
    then wrong after every interruption.

    ## Example
    ```toml
    [meta]
    library = "TTS 0.22.0"
    [trainer]
    continue_path = "runs/xtts-am-May-01"
    ```

    ## Use instead
    Resume with coqui-tts >= 0.27 and coqui-tts-trainer >= 0.3, which save and restore the
    scheduler; on older versions, set the scheduler's `last_epoch` to the steps already done.

    ## Evidence
    - coqui-ai/TTS#1039 (https://github.com/coqui-ai/TTS/issues/1039).
    - `Trainer.restore_model` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`) restores
      `checkpoint["scheduler"]`.
    """
    plan = ctx.plan
    if load_table(plan.library).saves_scheduler_state:
        return
    for field in (plan.bookkeeping.continue_path, plan.bookkeeping.restore_path):
        if field.text:
            key = field.key
            yield Problem(
                f"{key} is set and {plan.library} does not save the scheduler state: on resume "
                "the LR schedule starts again from its first step",
                key=key,
                fix="resume with coqui-tts >= 0.27 and coqui-tts-trainer >= 0.3, or set the "
                "scheduler's last_epoch to the steps already done",
            )


@rule(
    "S107",
    "accumulation-exceeds-epoch",
    Severity.WARNING,
    summary="grad_accum_steps is more than the batches in an epoch: steps are cut short.",
)
def accumulation_exceeds_epoch(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares `grad_accum_steps` with the batches of one epoch
    (ceil(dataset_size / batch_size)). Without a dataset size it says how many samples an
    epoch needs for one full accumulation window.

    ## Why is this bad?
    The trainer also steps the optimizer on the last batch of every epoch (the batch index
    restarts each epoch). When an epoch has fewer batches than `grad_accum_steps`, every
    optimizer step is that forced end-of-epoch step: it averages the epoch's batches, not
    `grad_accum_steps` of them, so the effective batch is smaller than planned, the run
    has one optimizer step per epoch, and the loss (divided by `grad_accum_steps`) is
    scaled down for every update.

    ## Example
    ```toml
    batch_size = 4
    [trainer]
    grad_accum_steps = 128  # 512 samples per step
    [plan]
    dataset_size = 300  # 75 batches an epoch
    ```

    ## Use instead
    ```toml
    batch_size = 4
    [trainer]
    grad_accum_steps = 16  # 64 samples per step: several full windows per epoch
    [plan]
    dataset_size = 300
    ```

    ## Evidence
    - `Trainer.train_step` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`):
      `if ((step + 1) % self.grad_accum_steps != 0) and (step + 1 != batch_n_steps)`.
    """
    b = ctx.plan.batching
    accum = b.grad_accum_steps or 1
    if accum <= 1 or not b.batch_size:
        return
    per_epoch = b.batches_per_epoch
    if per_epoch is None:
        needed = b.batch_size * (accum - 1) + 1
        yield Problem(
            f"undecided: grad_accum_steps {accum} with batch_size {b.batch_size} needs "
            f"{b.batch_size * accum} samples per optimizer step and dataset_size is unknown; "
            f"with {needed - 1} training samples or fewer every step is cut short at the "
            "epoch end",
            key="grad_accum_steps",
            fix="give the dataset size ([plan] dataset_size or --set dataset_size=N) to decide it",
            severity=Severity.INFO,
        )
        return
    if per_epoch >= accum:
        return
    yield Problem(
        f"grad_accum_steps {accum} is more than the {per_epoch} batches of an epoch "
        f"(dataset_size {b.dataset_size}, batch_size {b.batch_size}): every optimizer step "
        f"is the forced end-of-epoch step over {per_epoch} batches ({per_epoch * b.batch_size} "
        f"samples, not {accum * b.batch_size}), one per epoch",
        key="grad_accum_steps",
        fix=f"set grad_accum_steps to at most {per_epoch} (ideally a divisor of it, e.g. "
        f"{_divisor_at_most(per_epoch, max(1, per_epoch // 2))})",
    )


def _divisor_at_most(number_: int, limit: int, tries: int = 100_000) -> int:
    """The largest divisor of ``number_`` up to ``limit``, from divisor pairs (d, n // d) with
    d below ``tries``: bounded time however large the number (1 when none is found)."""
    found = 1
    for d in range(1, min(math.isqrt(number_), tries) + 1):
        if number_ % d == 0:
            found = max([found, *(x for x in (d, number_ // d) if x <= limit)])
    return found


@rule(
    "S109",
    "per-epoch-scheduler-never-stepped",
    Severity.ERROR,
    summary="coqui-tts-trainer 0.4.0 never steps a per-epoch scheduler: the LR never changes.",
)
def per_epoch_scheduler_never_stepped(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags an LR scheduler (or warmup) stepped per epoch (`scheduler_after_epoch` true, the
    default) under a trainer version that never steps it for a single-optimizer model such
    as XTTS, when the schedule the config describes would change the LR during the run.
    An error when the config declares such a version (`[meta] library = "coqui-tts
    0.28.0"`); a warning when it declares none, since the latest coqui-tts has that trainer.

    ## Why is this bad?
    In coqui-tts-trainer 0.4.0 (the trainer of coqui-tts 0.28), `Trainer.optimize` records
    the optimizer that stepped under index `None`, while `Trainer.train_epoch` steps
    scheduler `0` only if index `0` is recorded. So the per-epoch `scheduler.step()` never
    runs: milestones, warmups and cosine decays counted in epochs all stay at the LR the
    scheduler's constructor set, for the whole run. The config, the log and the checkpoint
    all name a schedule that never happens. Stepping per optimizer step is not affected.

    ## Example
    ```toml
    epochs = 100
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [50, 75, 90]  # epochs: never applied under trainer 0.4.0
    ```

    ## Use instead
    ```toml
    scheduler_after_epoch = false
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [1200, 1800, 2160]  # optimizer steps of a 2400-step run
    ```

    ## Evidence
    - coqui-tts-trainer 0.4.0 `trainer/trainer.py`: `Trainer.optimize(...,
      optimizer_idx=None)` does `self._stepped_optimizers.add(optimizer_idx)`;
      `Trainer.train_epoch` does `if scheduler is not None and idx in
      self._stepped_optimizers: scheduler.step()` with `idx` from `enumerate`.
    - `harness.schedule` models it (`PER_EPOCH_SCHEDULER_NEVER_STEPPED`).
    """
    plan, real, described = ctx.plan, ctx.schedule, ctx.described_schedule
    trainer = unstepping_trainer(ctx)
    if trainer is None or described.first_change_fraction() is None:
        return  # stepped, or the described LR never changes either (S101 covers that)
    what = early_drop(plan, described)
    if what is None:
        ratio = described.final_lr_ratio()
        what = f"the LR ends at {ratio_text(ratio)} of its start" if ratio else "the LR changes"
    name = plan.scheduler.name or "the warmup"
    first = real.initial_lr()
    fix = fix_never(ctx, run_length(plan) or 0, "the scheduler's lengths")
    bug = (
        f"{trainer} never steps a per-epoch scheduler of a single-optimizer model such as XTTS "
        f"({why_unit(plan)})"
    )
    if real.scheduler_stepped:  # no library declared: it depends on the version that runs it
        yield Problem(
            f"the config names no library version, and under {trainer} "
            f"({load_table(LATEST).library}) {bug}: "
            f"{name} would never change the LR. The config describes: {what}",
            key="scheduler_after_epoch",
            fix=f'{fix}; or declare the version it runs on ([meta] library = "coqui-tts 0.24.2")',
            severity=Severity.WARNING,
        )
        return
    yield Problem(
        f"{bug}: {name} never changes the LR, which stays {fmt(first)} for the whole run. "
        f"The config describes another schedule: {what}",
        key="scheduler_after_epoch",
        fix=fix,
    )
