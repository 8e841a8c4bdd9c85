"""Factor schedulers: LinearLR (also the warmup in front of a SequentialLR) and ConstantLR."""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Sequence
from itertools import repeat
from typing import ClassVar

from harness.plan.fields import short
from harness.schedulers.base import (
    Marker,
    Params,
    ScheduleNotModelled,
    Scheduler,
    fmt,
    need_number,
    stepwise,
    stepwise_at,
    whole,
)
from harness.schedulers.vectors import constant, floats, running_product


class LinearLR(Scheduler):
    name = "LinearLR"
    signature: ClassVar[Params] = {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        start, end, total = p["start_factor"], p["end_factor"], p["total_iters"]
        if not n:
            return floats()
        # The steps t = 1, 2, ... <= total_iters that still change the LR.
        ramp = max(0, min(n - 1, math.floor(total)))
        # torch: lr * (1.0 + (end - start) / (total * start + (t - 1) * (end - start)))
        slope = end - start
        below = map(
            operator.add, repeat(total * start), map(operator.mul, range(ramp), repeat(slope))
        )
        factors = map(operator.add, repeat(1.0), map(operator.truediv, repeat(slope), below))
        head = floats(running_product(self._first(p, base, chained), factors))
        out = constant(head[-1], n)
        out[: len(head)] = head
        return out

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        start, end, total = p["start_factor"], p["end_factor"], p["total_iters"]
        if total <= 0:
            return constant(self._first(p, base, chained), len(index))
        return floats(base * (start + (end - start) * min(total, i) / total) for i in index)

    def _first(self, p: Params, base: float, chained: bool) -> float:
        start, end, total = p["start_factor"], p["end_factor"], p["total_iters"]
        if not chained:
            return base * start
        if total == 0:  # _get_closed_form_lr at last_epoch 0
            raise ScheduleNotModelled("LinearLR total_iters 0 after a warmup: torch divides by 0")
        return base * (start + (end - start) * min(total, 0) / total)

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        total = p["total_iters"]
        index = int(total) if whole(total) and total >= 1 else None
        return [Marker("linear_end", f"total_iters {fmt(total)}: linear ramp ends", total, index)]

    def check(self, p: Params) -> None:
        start, end = p["start_factor"], p["end_factor"]
        for key in ("start_factor", "end_factor", "total_iters"):
            need_number(key, p[key])
        if not 0 < start <= 1 or not 0 <= end <= 1:
            raise ScheduleNotModelled(
                f"LinearLR start_factor {short(start)} / end_factor {short(end)}: torch needs "
                "0 < start <= 1 and 0 <= end <= 1 (ValueError)"
            )


class ConstantLR(Scheduler):
    name = "ConstantLR"
    signature: ClassVar[Params] = {"factor": 1.0 / 3, "total_iters": 5}

    def _parts(self, p: Params, base: float, chained: bool) -> tuple[float, list[int], list]:
        factor, total = p["factor"], p["total_iters"]
        # Chained: step(0) takes the closed form at 0, factor + (0 >= total_iters) * (1 - factor).
        first = base * (factor + (total <= 0) * (1 - factor)) if chained else base * factor
        lifted = whole(total) and total >= 1
        return first, [int(total)] if lifted else [], [1.0 / factor] if lifted and factor else []

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        first, hits, factors = self._lifted(p, base, chained, n)
        return stepwise(n, first, hits, factors)

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        n = max(index) + 1 if len(index) else 0
        return stepwise_at(index, *self._lifted(p, base, chained, n))

    def _lifted(self, p: Params, base: float, chained: bool, n: int) -> tuple[float, list, list]:
        """The start and the lift at total_iters, when the first ``n`` steps reach it."""
        first, hits, factors = self._parts(p, base, chained)
        if not hits or hits[0] >= n:
            return first, [], []
        if not factors:
            raise ScheduleNotModelled("ConstantLR factor 0: torch divides by it at total_iters")
        return first, hits, factors

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        total = p["total_iters"]
        index = int(total) if whole(total) and total >= 1 else None
        label = f"total_iters {fmt(total)}: factor {fmt(p['factor'])} lifted"
        return [Marker("constant_end", label, total, index)]

    def check(self, p: Params) -> None:
        for key in ("factor", "total_iters"):
            need_number(key, p[key])
        if not 0 <= p["factor"] <= 1:
            factor = p["factor"]
            raise ScheduleNotModelled(
                f"ConstantLR factor {short(factor)}: torch needs 0 <= factor <= 1"
            )


def warmup_head(start_factor: float, length: int, base: float, n: int) -> array:
    """The warmup LinearLR(start_factor, 1.0, length) for its first ``n`` steps."""
    params = {"start_factor": start_factor, "end_factor": 1.0, "total_iters": length}
    return LinearLR().curve(params, base, n, False)


def warmup_head_at(start_factor: float, length: int, base: float, index: Sequence[int]) -> array:
    params = {"start_factor": start_factor, "end_factor": 1.0, "total_iters": length}
    return LinearLR().at(params, base, index, False)


def linear_factor(start: float, length: int, index: Sequence[int]) -> list[float]:
    """LinearLR's closed-form factor at optimizer steps ``index`` (1 from ``length`` on)."""
    return [start + (1.0 - start) * min(i, length) / length for i in index]
