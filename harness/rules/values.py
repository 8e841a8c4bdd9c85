"""Value rules (K706-K729): a setting whose type is right but whose value means nothing.

The loaders refuse what cannot be a setting at all (``epochs = 2.5``, ``lr = nan``); these
rules flag values the trainer would take without a word and train nothing with, or crash on
hours in: a learning rate of zero or below, milestones that are not step counts, a decay
factor that is not a positive number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.findings import Severity
from harness.rules.base import Problem, RuleContext, fmt, number, rule

FACTOR_PARAMS = ("gamma", "factor", "start_factor", "end_factor")


def _learning_rates(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@rule(
    "K706",
    "lr-not-positive",
    Severity.ERROR,
    summary="The learning rate is zero or negative: the run trains nothing, or ascends.",
)
def lr_not_positive(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags an `lr` (or one of a list of per-optimizer `lr`s) that is zero or negative.

    ## Why is this bad?
    torch's AdamW refuses a negative learning rate only when it is built, hours into
    a job's setup; an `lr` of 0 is accepted and every step leaves the weights where they
    were, so the run burns its whole budget and the logs show a flat loss.

    ## Example
    ```toml
    lr = 0
    ```

    ## Use instead
    ```toml
    lr = 5e-06
    ```

    ## Evidence
    - `torch/optim/adam.py` (torch 2.8, which AdamW extends) raises `Invalid learning
      rate` only for `lr < 0`; with `lr = 0` every update is scaled by 0.
    """
    lr = ctx.plan.optimizer.lr
    if not lr.explicit:
        return
    for value in _learning_rates(lr.raw):
        rate = number(value)
        if rate is not None and rate <= 0:
            yield Problem(
                f"lr = {fmt(value)}: a learning rate must be above 0, or no step moves a weight",
                key="lr",
                fix="set lr to the fine-tuning rate, e.g. lr = 5e-06",
            )
            return


@rule(
    "K707",
    "milestones-not-steps",
    Severity.ERROR,
    summary="A scheduler milestone that is not a whole number of steps at or above 0.",
)
def milestones_not_steps(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `lr_scheduler_params.milestones` that is not a list of whole numbers of at
    least 0 (a string such as "x", a negative or fractional count).

    ## Why is this bad?
    MultiStepLR keeps its milestones in a Counter and compares the step count with each;
    a string milestone never equals a step, so that decay never happens, and a negative
    one never fires either. The config loads and trains, with the schedule silently wrong.

    ## Example
    ```toml
    lr_scheduler = "MultiStepLR"
    lr_scheduler_params = { milestones = ["x", -5], gamma = 0.5 }
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    lr_scheduler_params = { milestones = [5000, 15000], gamma = 0.5 }
    ```

    ## Evidence
    - `torch/optim/lr_scheduler.py` (torch 2.8), `MultiStepLR.get_lr`: decays only when
      `self.last_epoch in self.milestones` (a `Counter` of the milestones).
    """
    params = ctx.plan.lr_schedule.params_dict
    if not isinstance(params, dict) or "milestones" not in params:
        return
    milestones = params["milestones"]
    items = milestones if isinstance(milestones, list) else [milestones]
    bad = [m for m in items if isinstance(m, bool) or not isinstance(m, int) or m < 0]
    if bad:
        yield Problem(
            f"milestones {fmt(bad[0])} is not a step count (a whole number of at least 0): "
            "that decay never happens",
            key="lr_scheduler_params.milestones",
            fix="list whole step counts, e.g. milestones = [5000, 15000]",
        )


@rule(
    "K708",
    "scheduler-factor-not-number",
    Severity.ERROR,
    summary="gamma (or factor) of the LR scheduler is not a positive number.",
)
def scheduler_factor_not_number(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `lr_scheduler_params.gamma`, `factor`, `start_factor` or `end_factor` that is
    not a number above 0 (a string such as "half", zero, a negative number).

    ## Why is this bad?
    The scheduler multiplies the learning rate by it: a string fails with a TypeError at
    the first decay, deep into the run; 0 or a negative value stops or reverses training.

    ## Example
    ```toml
    lr_scheduler = "MultiStepLR"
    lr_scheduler_params = { milestones = [5000], gamma = "half" }
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    lr_scheduler_params = { milestones = [5000], gamma = 0.5 }
    ```

    ## Evidence
    - `torch/optim/lr_scheduler.py` (torch 2.8), `MultiStepLR.get_lr`: returns
      `group["lr"] * self.gamma ** self.milestones[self.last_epoch]`.
    """
    params = ctx.plan.lr_schedule.params_dict
    if not isinstance(params, dict):
        return
    for name in FACTOR_PARAMS:
        if name in params:
            value = number(params[name])
            if value is None or value <= 0:
                yield Problem(
                    f"{name} = {fmt(params[name])} is not a number above 0: the scheduler "
                    "multiplies the learning rate by it",
                    key=f"lr_scheduler_params.{name}",
                    fix=f"set {name} to a factor such as 0.5",
                )
