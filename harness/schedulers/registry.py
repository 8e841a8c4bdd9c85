"""Every modelled scheduler by name, how the trainer finds one, and the warmup chain.

``resolve`` binds ``lr_scheduler_params`` the way ``Scheduler(optimizer, **params)`` does;
``lr_curve`` / ``lr_at`` give the LR after a number of scheduler steps, with the warmup
``SequentialLR([LinearLR(start_factor, 1.0, total_iters=w), base], milestones=[w])`` in front
when ``spec.warmup_steps`` > 0 (the base starts at the milestone through ``step(0)``).
"""

from __future__ import annotations

import difflib
from array import array
from collections.abc import Sequence
from typing import Any

from harness.plan.fields import cut, short
from harness.plan.library_facts import library_facts
from harness.plan.model import SchedulerSpec
from harness.plan.source import Unknown
from harness.plan.views import WARMUP_START_FACTOR  # LinearLR's default start_factor
from harness.schedulers.base import REQUIRED, Constant, Params, ScheduleNotModelled, Scheduler
from harness.schedulers.coqui import NoamLR, StepwiseGradualLR
from harness.schedulers.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from harness.schedulers.linear import ConstantLR, LinearLR, warmup_head, warmup_head_at
from harness.schedulers.multiplicative import ExponentialLR, MultiStepLR, StepLR

SCHEDULERS: dict[str, Scheduler] = {
    model.name: model
    for model in (
        MultiStepLR(),
        StepLR(),
        ExponentialLR(),
        CosineAnnealingLR(),
        CosineAnnealingWarmRestarts(),
        LinearLR(),
        ConstantLR(),
        NoamLR(),
        StepwiseGradualLR(),
    )
}
_CONSTANT = Constant()
_TORCH_NOT_MODELLED = (
    "LambdaLR",
    "MultiplicativeLR",
    "PolynomialLR",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
    "LRScheduler",
)


def scheduler_class(name: str, library: str | None = None) -> str | None:
    """The class the trainer builds for ``lr_scheduler``, as it looks it up, or None."""
    return (library_facts(library) if library else library_facts()).scheduler_class(name)


def resolve(spec: SchedulerSpec) -> tuple[Scheduler, Params]:
    """The modelled scheduler (Constant when none) and its parameters, as torch binds them."""
    if spec.name is None:
        return _CONSTANT, {}
    model = SCHEDULERS[_model_name(spec.name)]
    params = dict(spec.params or {})
    last_epoch = params.pop("last_epoch", -1)
    if last_epoch != -1:
        raise ScheduleNotModelled(
            f"lr_scheduler_params.last_epoch = {short(last_epoch)} resumes a schedule; with a "
            "fresh optimizer torch raises KeyError ('initial_lr'): not modelled"
        )
    extra = sorted(map(str, set(params) - set(model.signature)))
    if extra:
        raise ScheduleNotModelled(
            f"{model.name} takes no parameter {cut(', '.join(extra))} (torch raises "
            f"TypeError); it takes {', '.join(model.signature)}"
        )
    bound = {}
    for key, default in model.signature.items():
        value = params.get(key, default)
        if value is REQUIRED:
            raise ScheduleNotModelled(
                f"{model.name} needs lr_scheduler_params.{key}; without it the trainer cannot "
                "build the scheduler (TypeError)"
            )
        _reject_unknown(key, value)
        bound[key] = value
    model.check(bound)
    return model, bound


def lr_curve(
    spec: SchedulerSpec, n_steps: int, *, warmup_start_factor: float = WARMUP_START_FACTOR
) -> array:
    """The LR after 0..n_steps-1 calls of ``scheduler.step()``, as torch produces it.

    Ignores ``spec.after_epoch``: the unit is whatever the scheduler is stepped in. An unknown
    ``base_lr`` gives the curve relative to 1.0. Raises ScheduleNotModelled.
    """
    n = max(int(n_steps), 0)
    base = 1.0 if spec.base_lr is None else float(spec.base_lr)
    model, params = resolve(spec)
    warmup = int(spec.warmup_steps)
    if warmup <= 0:
        return model.curve(params, base, n, False)
    head = warmup_head(warmup_start_factor, warmup, base, min(n, warmup))
    if n <= warmup:
        return head
    return head + model.curve(params, base, n - warmup, True)


def lr_at(
    spec: SchedulerSpec, index: Sequence[int], *, warmup_start_factor: float = WARMUP_START_FACTOR
) -> array:
    """The LR after ``index`` scheduler steps, for each index, from closed forms."""
    steps = [int(i) for i in index]
    base = 1.0 if spec.base_lr is None else float(spec.base_lr)
    model, params = resolve(spec)
    warmup = int(spec.warmup_steps)
    if warmup <= 0:
        return model.at(params, base, steps, False)
    head = iter(warmup_head_at(warmup_start_factor, warmup, base, [i for i in steps if i < warmup]))
    rest = iter(model.at(params, base, [i - warmup for i in steps if i >= warmup], True))
    return array("d", [next(head) if i < warmup else next(rest) for i in steps])


def _model_name(name: Any) -> str:
    if not isinstance(name, str):
        raise ScheduleNotModelled(f"lr_scheduler = {short(name)} is not a scheduler name")
    # trainer.trainer_utils.get_scheduler: its own two by lower-case name, else getattr(torch).
    for own in ("NoamLR", "StepwiseGradualLR"):
        if name.lower() == own.lower():
            return own
    if name in SCHEDULERS:
        return name
    if name == "ReduceLROnPlateau":
        raise ScheduleNotModelled(
            "ReduceLROnPlateau is not modelled: the trainer calls its step() without the "
            "metric it needs, so training fails (TypeError) at the first scheduler step"
        )
    if name in _TORCH_NOT_MODELLED:
        raise ScheduleNotModelled(f"lr_scheduler {name} is not modelled by xtts-harness")
    known = [*SCHEDULERS, "ReduceLROnPlateau", *_TORCH_NOT_MODELLED]
    close = [k for k in known if k.lower() == name.lower()]
    close = close or difflib.get_close_matches(name[:100], known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise ScheduleNotModelled(
        f"lr_scheduler {short(name)} is not a torch.optim.lr_scheduler class (names are "
        f"case-sensitive): the trainer fails to build it{hint}"
    )


def _reject_unknown(key: str, value: Any) -> None:
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, (list, tuple)):
            _reject_unknown(key, item)
        elif isinstance(item, Unknown):
            raise ScheduleNotModelled(f"lr_scheduler_params.{key} is unknown ({item.text})")
