"""Schedule rule S103: a warmup counted in epochs instead of optimizer steps."""

from __future__ import annotations

from collections.abc import Iterator

from harness.findings import Severity
from harness.plan import Plan
from harness.rules.base import Problem, RuleContext, number, rule
from harness.rules.schedule_terms import (
    plural,
)


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
            f"{what} counts {plural(length, 'epoch')}{share}: the LR rises once per epoch "
            "instead of over the first optimizer steps",
            key=key,
            fix=f"count the warmup in optimizer steps{size}: {_warmup_fix(key)}",
        )


def _epoch_warmups(plan: Plan) -> Iterator[tuple[str, int, str]]:
    spec = plan.scheduler
    extras_warmup = plan.lr_schedule.warmup
    if extras_warmup.in_epochs and extras_warmup.length:
        yield extras_warmup.unit.key, extras_warmup.length, "extras.warmup"
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
