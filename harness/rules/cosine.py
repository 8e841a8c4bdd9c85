"""Schedule rules S105, S108: cosine periods (T_0, T_max) that do not fit the run."""

from __future__ import annotations

from collections.abc import Iterator

from harness.findings import Severity
from harness.rules.base import Problem, RuleContext, fmt, number, rule
from harness.rules.schedule_terms import (
    cosine_ratio,
    epoch_fix_note,
    plural,
    run_length,
    unit_name,
    why_unit,
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
    end = cosine_ratio(spec.params, spec.base_lr, done)
    unit = unit_name(plan)
    yield Problem(
        f"T_0 {fmt(period)} is counted in {unit}s ({why_unit(plan)}) and the run has "
        f"{plural(length, unit)}: no restart ever happens and the first cosine is "
        f"{done:.0%} done, the LR ends at {end:.0%} of its start",
        key="lr_scheduler_params.T_0",
        fix=f"size T_0 in {unit}s within the run, e.g. {max(1, length // 4)} for four cycles"
        + epoch_fix_note(ctx),
    )


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
    unit = unit_name(plan)
    if period < length - 1:
        yield Problem(
            f"T_max {fmt(period)} is shorter than the run's {plural(length, unit)} "
            f"({why_unit(plan)}): the LR reaches eta_min at {unit} {fmt(period)} and then "
            "climbs back toward its start (torch's cosine is periodic)",
            key="lr_scheduler_params.T_max",
            fix=f"set T_max = {length} ({unit}s, the run's length)" + epoch_fix_note(ctx),
        )
        return
    end = cosine_ratio(spec.params, spec.base_lr, (length - 1) / period)
    if end <= 0.9:
        return
    yield Problem(
        f"T_max {fmt(period)} is counted in {unit}s ({why_unit(plan)}) and the run has "
        f"{plural(length, unit)}: the cosine is {(length - 1) / period:.0%} done at the end, "
        f"the LR never falls below {end:.0%} of its start",
        key="lr_scheduler_params.T_max",
        fix=f"set T_max = {length} ({unit}s, the run's length)" + epoch_fix_note(ctx),
    )
