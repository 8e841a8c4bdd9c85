"""Run-bookkeeping rules (B5xx): checkpoints and logs, whose steps count batches."""

from __future__ import annotations

from collections.abc import Iterator

from harness.findings import Severity
from harness.plan import Field, Plan
from harness.rules.base import Problem, RuleContext, fmt, rule


def _steps(field: Field[int]) -> int | None:
    """A positive batch count (save_step, print_step, plot_step), or None."""
    value = field.number
    return int(value) if value is not None and value > 0 else None


def _epochs_text(plan: Plan) -> str:
    """``10 epochs``, or ``9 trained epochs`` when start_with_eval makes the first eval-only."""
    batching = plan.batching
    if batching.eval_only_epochs:
        return f"{batching.trained_epochs} trained epochs (start_with_eval)"
    return f"{batching.epochs} epochs"


def _min_samples(plan: Plan, batches: int) -> int | None:
    """Fewest training samples for the run to have more than ``batches`` batches."""
    batching = plan.batching
    if not batching.batch_size or not batching.trained_epochs:
        return None
    per_epoch = batches // batching.trained_epochs + 1  # batches an epoch needs
    return batching.batch_size * (per_epoch - 1) + 1


@rule(
    "B501",
    "save-step-beyond-run",
    Severity.WARNING,
    summary="`save_step` is larger than the whole run: no periodic checkpoint is written.",
)
def save_step_beyond_run(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares `save_step` with the number of batches the planned run has (epochs x
    ceil(dataset_size / batch_size)). Without a dataset size it says how many samples the
    run needs for one checkpoint.

    ## Why is this bad?
    `save_step` counts **batches** (the trainer's `total_steps_done`), and a checkpoint is
    written when that count reaches a multiple of it. A run with fewer batches never writes
    `checkpoint_N.pth`: the only files left are `best_model_N.pth`, written when the eval
    loss improves, so the final weights, and any later state to resume from, are lost.

    ## Example
    ```toml
    epochs = 10
    batch_size = 4
    save_step = 10000
    [plan]
    dataset_size = 2000  # 5000 batches in the run
    ```

    ## Use instead
    ```toml
    epochs = 10
    batch_size = 4
    save_step = 1000
    [plan]
    dataset_size = 2000
    ```

    ## Evidence
    - `Trainer.train_step` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`):
      `if self.total_steps_done % self.config.save_step == 0 and self.total_steps_done != 0`.
    - save_step 10000 in the official recipe and gokhaneraslan/XTTS_V2 `train.py`@38e3c75.
    """
    if ctx.plan.bookkeeping.save_checkpoints.value is False:
        return  # B503 covers a run with checkpoints switched off
    save_step = _steps(ctx.plan.bookkeeping.save_step)
    if save_step is None:
        return
    total = ctx.plan.batching.total_batches
    if total is not None:
        if total > save_step:
            return
        yield Problem(
            f"save_step {save_step} counts batches and the run has only {total} "
            f"({_epochs_text(ctx.plan)} x {ctx.plan.batching.batches_per_epoch}): "
            "no checkpoint_N.pth is ever written, only best_model_N.pth when the eval loss "
            "improves, so the final weights are not saved",
            key="save_step",
            fix=f"set save_step below {total} batches, e.g. {max(1, total // 10)} (a "
            "checkpoint every tenth of the run)",
        )
        return
    needed = _min_samples(ctx.plan, save_step)
    if needed is None:
        return
    yield Problem(
        f"undecided: save_step {save_step} counts batches and dataset_size is unknown; a "
        f"checkpoint_N.pth is written only if the training set has at least {needed} samples "
        f"(batch_size {ctx.plan.batching.batch_size}, {_epochs_text(ctx.plan)})",
        key="save_step",
        fix="give the dataset size ([plan] dataset_size or --set dataset_size=N) to decide it",
        severity=Severity.INFO,
    )


@rule(
    "B502",
    "save-step-counts-batches",
    Severity.INFO,
    summary="With gradient accumulation, save/print/plot steps count batches, not updates.",
)
def save_step_counts_batches(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `save_step` that is not a multiple of `grad_accum_steps` when gradients are
    accumulated, the sign of a value sized in optimizer steps.

    ## Why is this bad?
    `save_step`, `print_step`, `plot_step` and the logged GLOBAL_STEP all count batches.
    With `grad_accum_steps = 128`, `save_step = 1000` writes a checkpoint every 7.8
    optimizer steps, not every 1000 updates, and each one lands in the middle of an
    accumulation window. Many checkpoints of a run with `save_n_checkpoints` are then
    nearly identical, and step numbers in the log do not match update counts.

    ## Example
    ```toml
    save_step = 1000
    [trainer]
    grad_accum_steps = 128
    ```

    ## Use instead
    ```toml
    save_step = 12800  # 100 optimizer steps of 128 batches
    [trainer]
    grad_accum_steps = 128
    ```

    ## Evidence
    - `Trainer.train_step` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`): save, print and
      plot test `total_steps_done`, which grows by one per batch.
    - gokhaneraslan/XTTS_V2 `train.py`@5cf242e: save_step 1000 with grad_accum 128.
    """
    accum = ctx.plan.batching.grad_accum_steps or 1
    bookkeeping = ctx.plan.bookkeeping
    save_step = _steps(bookkeeping.save_step)
    if accum <= 1 or save_step is None or save_step % accum == 0:
        return
    others = [
        f"{field.key} {fmt(field.value)}"
        for field in (bookkeeping.print_step, bookkeeping.plot_step)
        if _steps(field)
    ]
    also = f" ({' and '.join(others)} count batches too)" if others else ""
    yield Problem(
        f"save_step {save_step} counts batches, not optimizer steps: with grad_accum_steps "
        f"{accum} a checkpoint is written every {save_step / accum:.3g} optimizer steps, in "
        f"the middle of an accumulation window{also}",
        key="save_step",
        fix=f"if you meant {save_step} optimizer steps, set save_step = {save_step * accum} "
        f"({save_step} x {accum}); otherwise use a multiple of {accum}",
    )


@rule(
    "B503",
    "no-checkpoint-written",
    Severity.ERROR,
    summary="Neither a periodic checkpoint nor a best model is ever written in the run.",
)
def no_checkpoint_written(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags a run that writes no weights at all: periodic checkpoints are off
    (`save_checkpoints = false`, or `save_step` beyond the run) and `save_best_after` is at
    or beyond the run's last batch, so `best_model_N.pth` is never written either.

    ## Why is this bad?
    The trainer writes `best_model_N.pth` only after an epoch whose batch count is above
    `save_best_after`, and `checkpoint_N.pth` only when `save_checkpoints` is true and the
    batch count reaches `save_step`. With both out of reach, days of training leave no
    weights behind. (Ablation trials do this on purpose; a training config should not.)

    ## Example
    ```toml
    epochs = 10
    batch_size = 4
    save_checkpoints = false
    save_best_after = 1000000
    [plan]
    dataset_size = 2000  # 5000 batches in the run
    ```

    ## Use instead
    ```toml
    save_checkpoints = true
    save_step = 1000
    save_best_after = 0
    ```

    ## Evidence
    - `Trainer._fit`, `Trainer.train_step` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`)
      and `save_best_model` (`trainer/io.py`): `current_step > keep_after`.
    """
    total = ctx.plan.batching.total_batches
    bookkeeping = ctx.plan.bookkeeping
    best_after = bookkeeping.save_best_after.number
    if total is None or best_after is None or best_after < total:
        return
    save_step = _steps(bookkeeping.save_step)
    if bookkeeping.save_checkpoints.value is False:
        periodic = "save_checkpoints is False"
    elif save_step is not None and save_step >= total:
        periodic = f"save_step {save_step} is beyond the run"
    else:
        return
    yield Problem(
        f"no weights are ever saved: {periodic} and save_best_after {fmt(best_after)} is at "
        f"or beyond the run's {total} batches, so best_model_N.pth is never written either",
        key="save_best_after",
        fix=f"set save_best_after = 0 (or below {total}) and save_checkpoints = true",
    )
