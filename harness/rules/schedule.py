"""Schedule rules (S1xx): when the learning rate really changes in the planned run.

The Coqui trainer steps the scheduler once per epoch when ``scheduler_after_epoch`` is True
(the default), else after every optimizer step (every ``grad_accum_steps`` batches and at
each epoch end). A milestone ``m`` therefore changes the LR from unit ``m + 1`` on, and
changes nothing in a run of ``m`` units or fewer (docs/xtts-facts.md section 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

from harness.findings import Severity
from harness.plan import Plan
from harness.plan.defaults import LATEST, load_table
from harness.rules.base import Problem, RuleContext, fmt, number, rule

if TYPE_CHECKING:  # harness.schedule imports numpy: only when a schedule is computed
    from harness.schedule import Schedule, ScheduleEvent

EARLY = 0.10  # "the first 10% of the run"
HALVED = 0.5  # an early drop to half the LR or less is a finding


# Run length in the scheduler's unit -----------------------------------------------------


def _unit(plan: Plan) -> str:
    return "epoch" if plan.scheduler.after_epoch else "optimizer step"


def _why_unit(plan: Plan) -> str:
    if plan.scheduler.after_epoch:
        how = "" if plan.is_explicit("scheduler_after_epoch") else ", the default"
        return f"scheduler_after_epoch is True{how}: one scheduler step per epoch"
    return "scheduler_after_epoch is False: one scheduler step per optimizer step"


def run_length(plan: Plan) -> int | None:
    """Scheduler steps the planned run makes: epochs, or optimizer steps; None if unknown."""
    batching = plan.batching
    # start_with_eval: the first epoch only evaluates, and no scheduler step follows it.
    return batching.trained_epochs if plan.scheduler.after_epoch else batching.total_optimizer_steps


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


def _step_count_formula(plan: Plan) -> str:
    b = plan.batching
    return (
        f"{fmt(b.epochs)} epochs x ceil(ceil(dataset_size / {fmt(b.batch_size)}) / "
        f"{fmt(b.grad_accum_steps)}) optimizer steps"
    )


def _min_samples_for_steps(plan: Plan, steps: int) -> int | None:
    """Fewest training samples giving a run of more than ``steps`` optimizer steps."""
    b = plan.batching
    if not b.epochs or not b.batch_size or not b.grad_accum_steps:
        return None
    per_epoch = steps // b.epochs + 1  # optimizer steps an epoch needs
    return b.batch_size * b.grad_accum_steps * (per_epoch - 1) + 1


def _example_milestones(length: int) -> list[int]:
    return sorted({max(1, round(length * f)) for f in (0.5, 0.75, 0.9)})


# Milestone-type schedulers --------------------------------------------------------------

_DECAY_EVENTS = ("milestone", "step")  # ScheduleEvent kinds of MultiStepLR and StepLR


def _decay_key(plan: Plan) -> tuple[str, str] | None:
    """(params key, how the config writes it) for MultiStepLR / StepLR, else None."""
    spec = plan.scheduler
    if spec.name == "MultiStepLR":
        return "lr_scheduler_params.milestones", f"milestones {fmt(spec.params.get('milestones'))}"
    if spec.name == "StepLR":
        return "lr_scheduler_params.step_size", f"step_size {fmt(spec.params.get('step_size'))}"
    return None


def _ratio_text(ratio: float) -> str:
    """0.125 -> "1/8", 0.25 -> "1/4"; other ratios as "0.729x"."""
    exact = Fraction(ratio).limit_denominator(1000)
    if exact.numerator and abs(float(exact) - ratio) <= 1e-9 * ratio and exact.numerator < 10:
        return f"{exact.numerator}/{exact.denominator}"
    return f"{ratio:.3g}x"


@rule(
    "S101",
    "milestones-never-fire",
    Severity.ERROR,
    summary="LR milestones are counted in a unit the planned run never reaches.",
)
def milestones_never_fire(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares MultiStepLR `milestones` (and StepLR `step_size`) with the length of the
    planned run in the unit the trainer really steps the scheduler in: epochs when
    `scheduler_after_epoch` is true (the default), optimizer steps when it is false.

    ## Why is this bad?
    No XTTS config sets `scheduler_after_epoch`, so the scheduler steps once per epoch and
    milestones are counted in **epochs**. The official recipe's
    `[50000 * 18, 150000 * 18, 300000 * 18]` and the "step-based" `[50000, 150000, 300000]`
    then never fire in a 100-epoch run: the LR is constant from the first step to the last,
    while the config reads as a decaying schedule. Nothing in the log says so.

    ## Example
    ```toml
    epochs = 100
    lr = 5e-06
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [50000, 150000, 300000]
    gamma = 0.5
    ```

    ## Use instead
    Milestones in epochs:
    ```toml
    [lr_scheduler_params]
    milestones = [50, 75, 90]
    ```
    or step the scheduler per optimizer step and size the milestones to the run
    (`xtts-harness schedule CONFIG --dataset-size N` prints the run's optimizer steps):
    ```toml
    scheduler_after_epoch = false
    [lr_scheduler_params]
    milestones = [1200, 1800, 2160]  # a 2400-step run
    ```

    ## Evidence
    - `Trainer.train_epoch` / `Trainer.optimize` (coqui-tts-trainer 0.4.0,
      `trainer/trainer.py`); `TrainerConfig.scheduler_after_epoch = True`.
    - coqui-ai/TTS#3483, #1611, #2232 (https://github.com/coqui-ai/TTS/issues/3483,
      https://github.com/coqui-ai/TTS/issues/1611, https://github.com/coqui-ai/TTS/issues/2232).
    - gokhaneraslan/XTTS_V2 `train.py`@5cf242e
      (https://github.com/gokhaneraslan/XTTS_V2/blob/5cf242e/train.py): milestones
      [50000, 150000, 300000] with 100 epochs; @38e3c75 and the official recipe
      (idiap/coqui-ai-TTS `recipes/ljspeech/xtts_v2/train_gpt_xtts.py`): `[50000 * 18, ...]`.
    """
    # Judged on the schedule as described: S109 reports a trainer that never steps it at all.
    plan, schedule = ctx.plan, ctx.described_schedule
    named = _decay_key(plan)
    events = [e for e in schedule.events if e.kind in _DECAY_EVENTS]
    if named is None or not events:
        return
    key, label = named
    unit, length = _unit(plan), run_length(plan)
    if length is None or any(e.fires is None for e in events):
        yield from _undecided_milestones(plan, key, label, events)
        return
    fired = [e for e in events if e.fires]
    if len(fired) == len(events):
        return
    base = schedule.base_lr
    verb = "is" if key.endswith("step_size") else "are"
    if not fired:
        stays = f"the LR stays {fmt(base)} for the whole run" if base else "the LR never decays"
        if base and plan.scheduler.warmup_steps:
            stays = f"the LR never decays from {fmt(base)}"
        yield Problem(
            f"{label} {verb} counted in {unit}s ({_why_unit(plan)}) and the run has "
            f"{_plural(length, unit)}: none fires, {stays}{_unstepped_note(ctx)}",
            key=key,
            fix=_fix_never(ctx, length),
        )
        return
    late = [e.value for e in events if not e.fires]
    ratio = schedule.final_lr_ratio()
    end = f"; the LR ends at {_ratio_text(ratio)} of its start" if ratio else ""
    yield Problem(
        f"milestones {fmt(late)} of {label.removeprefix('milestones ')} are beyond the run's "
        f"{_plural(length, unit)} ({_why_unit(plan)}) and never fire{end}",
        key=key,
        fix=f"keep milestones below {length} {unit}s, e.g. {fmt(_example_milestones(length))}",
        severity=Severity.WARNING,
    )


def _fix_never(ctx: RuleContext, length: int, what: str = "milestones") -> str:
    """Per-step sizing (with the run's step count, or what leaves it undecided); per-epoch
    sizing only where the plan's trainer steps a per-epoch scheduler."""
    plan = ctx.plan
    if not plan.scheduler.after_epoch:
        return (
            f"size {what} within the run's {length} optimizer steps, e.g. "
            f"{fmt(_example_milestones(length))}"
        )
    steps = plan.batching.total_optimizer_steps
    if steps:
        size = f"the run has {steps} optimizer steps: e.g. {fmt(_example_milestones(steps))}"
    else:
        size = "undecided: dataset_size is unknown; the run has " + _step_count_formula(plan)
    per_step = f"set scheduler_after_epoch = false and size {what} in optimizer steps ({size})"
    per_epoch = f"use epoch {what} such as {fmt(_example_milestones(length))}"
    trainer = _unstepping_trainer(ctx)
    if trainer is not None:
        return f"{per_step}; or {per_epoch} with a trainer that steps them ({trainer} does not)"
    return f"{per_step}, or {per_epoch}"


def _unstepping_trainer(ctx: RuleContext) -> str | None:
    """The trainer that may run this plan and never steps a per-epoch scheduler, or None.

    That is the plan's declared trainer when it is such a one, or, for a plan that names no
    library version, the latest table's trainer (coqui-tts-trainer 0.4.0) when it is.
    """
    if not ctx.plan.scheduler.after_epoch:
        return None
    if not ctx.schedule.scheduler_stepped:
        return ctx.schedule.trainer
    if ctx.plan.library_declared or ctx.plan.known("trainer_library"):
        return None
    from harness.schedule import PER_EPOCH_SCHEDULER_NEVER_STEPPED

    latest = load_table(LATEST).trainer
    return latest if latest in PER_EPOCH_SCHEDULER_NEVER_STEPPED else None


def _epoch_fix_note(ctx: RuleContext) -> str:
    """Appended to a per-epoch fix where the trainer may never step per epoch (S109)."""
    trainer = _unstepping_trainer(ctx)
    if trainer is None:
        return ""
    return (
        f"; {trainer} never steps a per-epoch scheduler (S109): there, set "
        "scheduler_after_epoch = false and count in optimizer steps"
    )


def _unstepped_note(ctx: RuleContext) -> str:
    """Said where the plan's trainer would not step this per-epoch scheduler anyway (S109)."""
    if ctx.schedule.scheduler_stepped:
        return ""
    return f" (and {ctx.schedule.trainer} never steps a per-epoch scheduler at all: S109)"


def _undecided_milestones(
    plan: Plan, key: str, label: str, events: list[ScheduleEvent]
) -> Iterator[Problem]:
    indices = [e.index for e in events if e.index is not None]
    if plan.scheduler.after_epoch or not indices:
        return  # in epochs the run length is known unless epochs is: nothing useful to say
    first = _min_samples_for_steps(plan, min(indices))
    last = _min_samples_for_steps(plan, max(indices))
    if first is None or last is None:
        return
    yield Problem(
        f"undecided: {label} {'is' if key.endswith('step_size') else 'are'} counted in "
        f"optimizer steps ({_why_unit(plan)}) and dataset_size is not given (the run has "
        f"{_step_count_formula(plan)}): the first decay happens only with at least {first} "
        f"training samples, the last with at least {last}",
        key=key,
        fix="give the dataset size ([plan] dataset_size or --set dataset_size=N) to decide it",
        severity=Severity.INFO,
    )


@rule(
    "S102",
    "early-lr-decay",
    Severity.WARNING,
    summary="The LR falls to half or less of its start within the first 10% of the run.",
)
def early_lr_decay(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Finds how far the learning rate has fallen by the end of the first 10% of the planned
    run, in the unit the trainer steps the scheduler in, and flags a drop to half of its
    start or less (warmup increases do not count).

    ## Why is this bad?
    "Epoch-sized" milestones `[1, 2, 3]` with gamma 0.5 halve the LR after epochs 1, 2 and
    3: it is at 1/8 of its start by epoch 3 of a 100-epoch run, and the remaining 97% of
    the run trains at that rate. A schedule meant to decay over the run has done all its
    decaying before the model has seen the data a few times; the chosen `lr` is then not
    the LR the run uses.

    ## Example
    ```toml
    epochs = 100
    lr = 1e-05
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [1, 2, 3]
    gamma = 0.5
    ```

    ## Use instead
    ```toml
    [lr_scheduler_params]
    milestones = [50, 75, 90]
    gamma = 0.5
    ```

    ## Evidence
    - The user's Amharic "before" candidate (docs/xtts-facts.md section 2): milestones [1, 2, 3],
      100 epochs, `scheduler_after_epoch` left True.
    - `Trainer.train_epoch` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`) steps the
      scheduler at each epoch end; coqui-ai/TTS#3483
      (https://github.com/coqui-ai/TTS/issues/3483).
    """
    plan = ctx.plan
    drop = _early_drop(plan, ctx.schedule)
    if drop is None:
        return
    named = _decay_key(plan)
    unit, length = _unit(plan), run_length(plan) or 0
    if named:
        key, label = named
        verb = "are" if key.endswith("milestones") else "is"
        subject = f"{label} with gamma {fmt(plan.scheduler.params.get('gamma', 0.1))} {verb}"
        fix = f"e.g. milestones {fmt(_example_milestones(length))} ({unit}s)"
    else:
        key, subject = _curve_key(plan), f"{plan.scheduler.name} is"
        fix = f"size {key} in {unit}s"
    yield Problem(
        f"{subject} counted in {unit}s ({_why_unit(plan)}): {drop}",
        key=key,
        fix=f"spread the decay over the run's {_plural(length, unit)}: {fix}",
    )


def _early_drop(plan: Plan, schedule: Schedule) -> str | None:
    """ "the LR is at 1/8 of its start by epoch 3 of 100 (...)" when it halves within 10%."""
    curve = schedule.scheduler_curve(plan.scheduler.after_epoch)
    length = run_length(plan)
    if curve is None or length is None or curve.length < 2 or not plan.scheduler.name:
        return None
    # The LR after i scheduler steps; the first 10% ends after `horizon` of them.
    horizon = min(math.floor(EARLY * length), curve.length - 1)
    early = curve.upto(horizon)
    peak = float(early.lr.max())
    level = curve.value_at_or_before(horizon)
    if peak <= 0 or level / peak > HALVED:
        return None
    reached = int(early.x[int((early.lr <= level).argmax())])  # steps until the LR got there
    unit = _unit(plan)
    start = "start" if float(curve.lr[0]) == peak else "peak"
    return (
        f"the LR is at {_ratio_text(level / peak)} of its {start} by {unit} {reached} of "
        f"{length} ({reached / length:.0%} of the run), {fmt(level)} instead of {fmt(peak)} "
        f"from {unit} {reached + 1} on"
    )


def _curve_key(plan: Plan) -> str:
    """The parameter that sets how fast a non-milestone scheduler decays."""
    params = plan.scheduler.params
    for name in ("gamma", "T_max", "T_0", "total_iters", "warmup_steps"):
        if name in params:
            return f"lr_scheduler_params.{name}"
    return "lr_scheduler"


@rule(
    "S103",
    "warmup-in-epochs",
    Severity.WARNING,
    summary="An LR warmup is counted in epochs, not optimizer steps.",
)
def warmup_in_epochs(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags a warmup whose length is counted in epochs: `extras.warmup.unit = "epochs"`, or
    a LinearLR that ramps up (start_factor below end_factor) or a NoamLR while
    `scheduler_after_epoch` is true (the default).

    ## Why is this bad?
    A warmup is meant to cover the first few hundred optimizer steps, while Adam's moment
    estimates settle. Counted in epochs it is both coarse (the LR jumps once per epoch) and
    long: `warmup_steps = 4000` in a NoamLR stepped per epoch never ends in a 100-epoch
    run, and a 5-epoch LinearLR spends 5% of the run below the chosen LR.

    ## Example
    ```toml
    lr_scheduler = "LinearLR"
    [lr_scheduler_params]
    start_factor = 0.1
    total_iters = 500
    ```

    ## Use instead
    ```toml
    scheduler_after_epoch = false
    lr_scheduler = "LinearLR"
    [lr_scheduler_params]
    start_factor = 0.1
    total_iters = 500  # optimizer steps
    ```

    ## Evidence
    - `TrainerConfig.scheduler_after_epoch = True`, `Trainer.train_epoch`
      (coqui-tts-trainer 0.4.0, `trainer/trainer.py`); `trainer.torch.NoamLR`.
    - docs/xtts-facts.md section 5: warmup as LinearLR with `scheduler_after_epoch = false`.
    """
    plan = ctx.plan
    epochs = plan.batching.trained_epochs
    steps = plan.batching.total_optimizer_steps
    for key, length, what in _epoch_warmups(plan):
        share = f" ({length / epochs:.0%} of the {epochs}-epoch run)" if epochs else ""
        if epochs and length >= epochs:
            share = f": longer than the {epochs}-epoch run, the LR never reaches its base"
        target = max(1, steps // 20) if steps else None
        size = f" (5% of the run's {steps} optimizer steps is {target})" if target else ""
        yield Problem(
            f"{what} counts {_plural(length, 'epoch')}{share}: the LR rises once per epoch "
            "instead of over the first optimizer steps",
            key=key,
            fix=f"count the warmup in optimizer steps{size}: {_warmup_fix(key)}",
        )


def _epoch_warmups(plan: Plan) -> Iterator[tuple[str, int, str]]:
    spec = plan.scheduler
    if plan.known("extras.warmup.enabled") is True and plan.known("extras.warmup.unit") == "epochs":
        length = number(plan.known("extras.warmup.steps"))
        if length and length > 0:
            yield "extras.warmup.unit", int(length), "extras.warmup"
    if not spec.after_epoch:
        return
    if spec.name == "LinearLR":
        start = number(spec.params.get("start_factor", 1 / 3))
        end = number(spec.params.get("end_factor", 1.0))
        iters = number(spec.params.get("total_iters", 5))
        if start is not None and end is not None and iters and start < end:
            yield "lr_scheduler_params.total_iters", int(iters), "the LinearLR warmup"
    elif spec.name and spec.name.lower() == "noamlr":
        warmup = number(spec.params.get("warmup_steps", 0.1))
        if warmup and warmup >= 1:
            yield "lr_scheduler_params.warmup_steps", int(warmup), "the NoamLR warmup"


def _warmup_fix(key: str) -> str:
    if key.startswith("extras."):
        return 'set extras.warmup.unit = "optimizer_steps" and extras.warmup.steps to match'
    return f"set scheduler_after_epoch = false and {key} in optimizer steps"


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
    if ctx.plan.known("lr_scheduler") != "ReduceLROnPlateau":
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
    "S105",
    "warm-restarts-never-restart",
    Severity.WARNING,
    summary="CosineAnnealingWarmRestarts' T_0 is longer than the run in its stepping unit.",
)
def warm_restarts_never_restart(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares CosineAnnealingWarmRestarts' `T_0` with the planned run, in epochs when
    `scheduler_after_epoch` is true (the default), in optimizer steps when false.

    ## Why is this bad?
    `T_0` is usually sized in iterations (thousands), but the trainer steps the scheduler
    once per epoch: with `T_0 = 2000` and 100 epochs no restart ever happens and the first
    cosine has run 5% of its course, so the LR ends at 99% of its start. The config reads
    as a cyclic schedule and trains at a near-constant LR.

    ## Example
    ```toml
    epochs = 100
    lr_scheduler = "CosineAnnealingWarmRestarts"
    [lr_scheduler_params]
    T_0 = 2000
    ```

    ## Use instead
    ```toml
    [lr_scheduler_params]
    T_0 = 25  # epochs: four cycles in 100 epochs
    ```

    ## Evidence
    - `TrainerConfig.scheduler_after_epoch = True`, `Trainer.train_epoch`
      (coqui-tts-trainer 0.4.0, `trainer/trainer.py`).
    """
    spec, plan = ctx.plan.scheduler, ctx.plan
    if spec.name != "CosineAnnealingWarmRestarts":
        return
    period, length = number(spec.params.get("T_0")), run_length(plan)
    if period is None or length is None or period < length:
        return
    done = (length - 1) / period
    end = _cosine_ratio(spec.params, spec.base_lr, done)
    unit = _unit(plan)
    yield Problem(
        f"T_0 {fmt(period)} is counted in {unit}s ({_why_unit(plan)}) and the run has "
        f"{_plural(length, unit)}: no restart ever happens and the first cosine is "
        f"{done:.0%} done, the LR ends at {end:.0%} of its start",
        key="lr_scheduler_params.T_0",
        fix=f"size T_0 in {unit}s within the run, e.g. {max(1, length // 4)} for four cycles"
        + _epoch_fix_note(ctx),
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
    for key in ("continue_path", "restore_path"):
        path = plan.known(key)
        if isinstance(path, str) and path:
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


def _cosine_ratio(params: dict, base: float | None, done: float) -> float:
    """LR / base LR after ``done`` of a cosine period, with the params' eta_min."""
    floor = (number(params.get("eta_min", 0.0)) or 0.0) / base if base else 0.0
    return floor + (1 - floor) * (1 + math.cos(math.pi * done)) / 2


def _divisor_at_most(number_: int, limit: int, tries: int = 100_000) -> int:
    """The largest divisor of ``number_`` up to ``limit``, from divisor pairs (d, n // d) with
    d below ``tries``: bounded time however large the number (1 when none is found)."""
    found = 1
    for d in range(1, min(math.isqrt(number_), tries) + 1):
        if number_ % d == 0:
            found = max([found, *(x for x in (d, number_ // d) if x <= limit)])
    return found


@rule(
    "S108",
    "cosine-period-mismatch",
    Severity.WARNING,
    summary="CosineAnnealingLR's T_max does not fit the run: the LR barely decays or rises again.",
)
def cosine_period_mismatch(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares CosineAnnealingLR's `T_max` with the planned run in the unit the trainer steps
    the scheduler in. Flags a `T_max` so long that the LR ends above 90% of its start, and
    a `T_max` shorter than the run.

    ## Why is this bad?
    `T_max` sized in iterations but stepped per epoch (the default) means the cosine has
    barely begun when the run ends: a near-constant LR. A `T_max` shorter than the run is
    worse in a way that surprises people: torch's cosine is periodic, so after `T_max`
    steps the LR climbs back toward its start.

    ## Example
    ```toml
    epochs = 100
    lr_scheduler = "CosineAnnealingLR"
    [lr_scheduler_params]
    T_max = 10000
    ```

    ## Use instead
    ```toml
    [lr_scheduler_params]
    T_max = 100  # = epochs
    ```

    ## Evidence
    - torch 2.8 `torch/optim/lr_scheduler.py::CosineAnnealingLR` (the chainable form
      continues past `T_max`); `TrainerConfig.scheduler_after_epoch = True`
      (coqui-tts-trainer 0.4.0, `trainer/config.py`).
    """
    spec, plan = ctx.plan.scheduler, ctx.plan
    if spec.name != "CosineAnnealingLR":
        return
    period, length = number(spec.params.get("T_max")), run_length(plan)
    if not period or period < 1 or length is None or length < 2:
        return
    unit = _unit(plan)
    if period < length - 1:
        yield Problem(
            f"T_max {fmt(period)} is shorter than the run's {_plural(length, unit)} "
            f"({_why_unit(plan)}): the LR reaches eta_min at {unit} {fmt(period)} and then "
            "climbs back toward its start (torch's cosine is periodic)",
            key="lr_scheduler_params.T_max",
            fix=f"set T_max = {length} ({unit}s, the run's length)" + _epoch_fix_note(ctx),
        )
        return
    end = _cosine_ratio(spec.params, spec.base_lr, (length - 1) / period)
    if end <= 0.9:
        return
    yield Problem(
        f"T_max {fmt(period)} is counted in {unit}s ({_why_unit(plan)}) and the run has "
        f"{_plural(length, unit)}: the cosine is {(length - 1) / period:.0%} done at the end, "
        f"the LR never falls below {end:.0%} of its start",
        key="lr_scheduler_params.T_max",
        fix=f"set T_max = {length} ({unit}s, the run's length)" + _epoch_fix_note(ctx),
    )


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
    trainer = _unstepping_trainer(ctx)
    if trainer is None or described.first_change_fraction() is None:
        return  # stepped, or the described LR never changes either (S101 covers that)
    what = _early_drop(plan, described)
    if what is None:
        ratio = described.final_lr_ratio()
        what = f"the LR ends at {_ratio_text(ratio)} of its start" if ratio else "the LR changes"
    name = plan.scheduler.name or "the warmup"
    first = real.initial_lr()
    fix = _fix_never(ctx, run_length(plan) or 0, "the scheduler's lengths")
    bug = (
        f"{trainer} never steps a per-epoch scheduler of a single-optimizer model such as XTTS "
        f"({_why_unit(plan)})"
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
