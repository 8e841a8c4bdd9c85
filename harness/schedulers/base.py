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
Curves are ``array('d')`` and indices any sequence of ints: the package is pure Python
(``harness.schedulers.vectors``), so the lint path imports no numpy.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from harness.plan.fields import short
from harness.schedulers.vectors import constant, fill_segments, floats, products

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

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        raise NotImplementedError

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        raise NotImplementedError

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        return []

    def check(self, p: Params) -> None:
        return None


class Constant(Scheduler):
    """No scheduler: the LR stays where the optimizer put it."""

    name = "constant"
    signature: ClassVar[Params] = {}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        return constant(base, n)

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        return constant(base, len(index))


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


def stepwise(n: int, first: float, hits: list[int], factors: list[float]) -> array:
    """LR that starts at ``first`` and is multiplied by ``factors[i]`` from step ``hits[i]`` on."""
    return fill_segments(n, [0, *hits], products(first, factors))


def stepwise_at(index: Sequence[int], first: float, hits: list[int], factors: list[float]) -> array:
    """``stepwise`` at the given indices only."""
    values = products(first, factors)
    return floats(values[bisect.bisect_right(hits, i)] for i in index)
