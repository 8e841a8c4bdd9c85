"""The base of every scheduler model: its signature, curve, closed form, events and check.

A model reproduces one ``torch.optim.lr_scheduler`` class (or one of the trainer's own) as
the coqui Trainer builds it, ``Scheduler(optimizer, **lr_scheduler_params)``, in the unit it
is stepped in, whatever that unit is (``harness.schedulers.placement`` puts it in the run).

- ``curve(params, base, n, chained)``: the LR after 0..n-1 calls of ``step()``, as torch's
  chainable (recursive) ``get_lr`` computes it, bit for bit where the tests pin it.
- ``at(params, base, index, chained)``: the LR after ``index`` steps for any (possibly huge)
  indices, from torch's closed form (``_get_closed_form_lr``); the same numbers as ``curve``
  up to the rounding the recursion accumulates. It keeps a run of 10**12 steps as cheap as
  one of 100: only the sampled points are computed.
- ``events(params, chained, horizon)``: the steps from which the LR changes, as markers.
- ``check(params)``: raise ``ScheduleNotModelled`` for values torch would reject.

``chained`` means the scheduler is the second one of a ``SequentialLR`` behind a warmup,
started by ``step(0)`` (its closed form at 0) instead of its constructor's initial step.
This module imports numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from harness.plan.fields import short

Params = dict[str, Any]
REQUIRED: Any = object()  # a signature entry without a default


class ScheduleNotModelled(ValueError):
    """A scheduler or parameter this package cannot model; the message is one plain sentence."""


@dataclass(frozen=True)
class Marker:
    """An LR change of one scheduler, counted in its own steps."""

    kind: str  # "milestone", "step", "warmup_end", "restart", "cosine_min", "threshold", ...
    label: str  # e.g. "milestone 50000"
    value: Any  # the number as written in the config
    index: int | None  # scheduler-step count from which the LR changes; None: never


class Scheduler:
    """One scheduler class, modelled. Subclasses set ``name`` and ``signature``."""

    name: ClassVar[str]
    signature: ClassVar[Params]  # parameter -> default (REQUIRED: none), without last_epoch

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        raise NotImplementedError

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
        raise NotImplementedError

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        return []

    def check(self, p: Params) -> None:
        return None


class Constant(Scheduler):
    """No scheduler: the LR stays where the optimizer put it."""

    name = "constant"
    signature: ClassVar[Params] = {}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        return np.full(n, base, dtype=np.float64)

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
        return np.full(len(index), base, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Value helpers shared by the models


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def need_number(key: str, value: Any) -> None:
    if not is_number(value):
        raise ScheduleNotModelled(f"lr_scheduler_params.{key} = {short(value)} is not a number")


def whole(value: Any) -> bool:
    return is_number(value) and float(value).is_integer()


def fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def stepwise(n: int, first: float, hits: list[int], factors: list[float]) -> np.ndarray:
    """LR that starts at ``first`` and is multiplied by ``factors[i]`` from step ``hits[i]`` on.

    ``np.cumprod`` multiplies left to right, exactly like torch's ``lr * factor`` each step.
    """
    values = np.cumprod(np.array([first, *factors], dtype=np.float64))
    return fill_segments(n, [0, *hits], values)


def stepwise_at(index: np.ndarray, first: float, hits: list[int], factors: list[float]):
    """``stepwise`` at the given indices only."""
    values = np.cumprod(np.array([first, *factors], dtype=np.float64))
    return values[np.searchsorted(np.asarray(hits, dtype=np.int64), index, side="right")]


def fill_segments(n: int, starts: list[int], values: np.ndarray) -> np.ndarray:
    """``values[i]`` from ``starts[i]`` up to the next start (starts ascending, starts[0] 0)."""
    if len(starts) > 64:
        return np.repeat(values, np.diff([*starts, n]))
    out = np.empty(n)
    for value, lo, hi in zip(values.tolist(), starts, [*starts[1:], n], strict=True):
        out[lo:hi] = value
    return out
