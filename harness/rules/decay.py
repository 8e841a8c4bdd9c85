"""Schedule rules S101, S102: milestones that never fire, and a decay done too early.

Lengths are counted in the unit the trainer steps the scheduler in
(``harness.rules.schedule_terms``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from harness.findings import Severity
from harness.plan import Plan
from harness.rules.base import Problem, RuleContext, fmt, rule
from harness.rules.schedule_terms import (
    early_drop,
    example_milestones,
    fix_never,
    min_samples_for_steps,
    plural,
    ratio_text,
    run_length,
    step_count_formula,
    unit_name,
    unstepped_note,
    why_unit,
)

if TYPE_CHECKING:  # harness.schedule loads every scheduler model: only once one is computed
    from harness.schedule import ScheduleEvent


_DECAY_EVENTS = ("milestone", "step")  # ScheduleEvent kinds of MultiStepLR and StepLR


def _decay_key(plan: Plan) -> tuple[str, str] | None:
    """(params key, how the config writes it) for MultiStepLR / StepLR, else None."""
    spec = plan.scheduler
    if spec.name == "MultiStepLR":
        return "lr_scheduler_params.milestones", f"milestones {fmt(spec.params.get('milestones'))}"
    if spec.name == "StepLR":
        return "lr_scheduler_params.step_size", f"step_size {fmt(spec.params.get('step_size'))}"
    return None


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
    unit, length = unit_name(plan), run_length(plan)
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
            f"{label} {verb} counted in {unit}s ({why_unit(plan)}) and the run has "
            f"{plural(length, unit)}: none fires, {stays}{unstepped_note(ctx)}",
            key=key,
            fix=fix_never(ctx, length),
        )
        return
    late = [e.value for e in events if not e.fires]
    ratio = schedule.final_lr_ratio()
    end = f"; the LR ends at {ratio_text(ratio)} of its start" if ratio else ""
    yield Problem(
        f"milestones {fmt(late)} of {label.removeprefix('milestones ')} are beyond the run's "
        f"{plural(length, unit)} ({why_unit(plan)}) and never fire{end}",
        key=key,
        fix=f"keep milestones below {length} {unit}s, e.g. {fmt(example_milestones(length))}",
        severity=Severity.WARNING,
    )


def _undecided_milestones(
    plan: Plan, key: str, label: str, events: list[ScheduleEvent]
) -> Iterator[Problem]:
    indices = [e.index for e in events if e.index is not None]
    if plan.scheduler.after_epoch or not indices:
        return  # in epochs the run length is known unless epochs is: nothing useful to say
    first = min_samples_for_steps(plan, min(indices))
    last = min_samples_for_steps(plan, max(indices))
    if first is None or last is None:
        return
    yield Problem(
        f"undecided: {label} {'is' if key.endswith('step_size') else 'are'} counted in "
        f"optimizer steps ({why_unit(plan)}) and dataset_size is not given (the run has "
        f"{step_count_formula(plan)}): the first decay happens only with at least {first} "
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
    drop = early_drop(plan, ctx.schedule)
    if drop is None:
        return
    named = _decay_key(plan)
    unit, length = unit_name(plan), run_length(plan) or 0
    if named:
        key, label = named
        verb = "are" if key.endswith("milestones") else "is"
        subject = f"{label} with gamma {fmt(plan.scheduler.params.get('gamma', 0.1))} {verb}"
        fix = f"e.g. milestones {fmt(example_milestones(length))} ({unit}s)"
    else:
        key, subject = _curve_key(plan), f"{plan.scheduler.name} is"
        fix = f"size {key} in {unit}s"
    yield Problem(
        f"{subject} counted in {unit}s ({why_unit(plan)}): {drop}",
        key=key,
        fix=f"spread the decay over the run's {plural(length, unit)}: {fix}",
    )


def _curve_key(plan: Plan) -> str:
    """The parameter that sets how fast a non-milestone scheduler decays."""
    params = plan.scheduler.params
    for name in ("gamma", "T_max", "T_0", "total_iters", "warmup_steps"):
        if name in params:
            return f"lr_scheduler_params.{name}"
    return "lr_scheduler"
