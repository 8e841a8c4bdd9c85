"""The trainer's own schedulers (``trainer.torch``): NoamLR and StepwiseGradualLR.

``trainer.trainer_utils.get_scheduler`` looks these two up by lower-case name.
"""

from __future__ import annotations

import bisect
import math
import operator
from array import array
from collections.abc import Sequence
from itertools import repeat
from typing import Any, ClassVar

from harness.schedulers.base import (
    REQUIRED,
    Marker,
    Params,
    ScheduleNotModelled,
    Scheduler,
    fmt,
    is_number,
    need_number,
    short,
    whole,
)
from harness.schedulers.vectors import fill_segments, floats


class NoamLR(Scheduler):
    name = "NoamLR"
    signature: ClassVar[Params] = {"warmup_steps": 0.1}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        return self.at(p, base, range(n), chained)

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        warmup = float(p["warmup_steps"])
        # trainer.torch.NoamLR: step = last_epoch + 1;
        # base * (warmup**0.5 * min(step * warmup**-1.5, step**-0.5)), as C iterators.
        steps = floats(map(operator.add, map(float, index), repeat(1.0)))
        rising = map(operator.mul, steps, repeat(warmup**-1.5))
        falling = map(operator.pow, steps, repeat(-0.5))
        peak = map(operator.mul, repeat(warmup**0.5), map(min, rising, falling))
        return floats(map(operator.mul, repeat(base), peak))

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        warmup = p["warmup_steps"]
        label = f"Noam warmup_steps {fmt(warmup)}: LR peaks, then decays"
        return [Marker("warmup_end", label, warmup, max(math.ceil(warmup) - 1, 0))]

    def check(self, p: Params) -> None:
        need_number("warmup_steps", p["warmup_steps"])
        if p["warmup_steps"] <= 0:
            raise ScheduleNotModelled("NoamLR warmup_steps must be > 0 (torch divides by it)")


class StepwiseGradualLR(Scheduler):
    name = "StepwiseGradualLR"
    signature: ClassVar[Params] = {"gradual_learning_rates": REQUIRED}

    def _segments(self, p: Params, base: float, chained: bool) -> tuple[list[int], list[float]]:
        thresholds, rates = _pairs(p)
        if chained:  # _get_closed_form_lr: the most recent threshold <= 0, clamped to the first
            first = rates[max(0, min(bisect.bisect_right(thresholds, 0) - 1, len(rates) - 1))]
        else:  # get_lr at last_epoch 0: jumps only when last_epoch equals a threshold
            first = rates[thresholds.index(0)] if 0 in thresholds else base
        hits = sorted({int(t) for t in thresholds if whole(t) and t >= 1})
        values = [float(first)] + [float(rates[thresholds.index(t)]) for t in hits]
        return hits, values

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        hits, values = self._segments(p, base, chained)
        kept = [h for h in hits if h < n]
        return fill_segments(n, [0, *kept], values[: len(kept) + 1])

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        hits, values = self._segments(p, base, chained)
        return floats(values[bisect.bisect_right(hits, i)] for i in index)

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        markers = []
        for t, rate in zip(*_pairs(p), strict=True):
            index = int(t) if whole(t) and t >= 0 else None
            markers.append(Marker("threshold", f"threshold {fmt(t)}: lr {fmt(rate)}", t, index))
        return markers

    def check(self, p: Params) -> None:
        pairs = p["gradual_learning_rates"]
        valid = isinstance(pairs, (list, tuple)) and len(pairs) > 0
        valid = valid and all(
            isinstance(pair, (list, tuple)) and len(pair) == 2 and all(map(is_number, pair))
            for pair in pairs
        )
        if not valid:
            raise ScheduleNotModelled(
                "StepwiseGradualLR gradual_learning_rates must be a list of [step, lr] pairs, "
                f"got {short(pairs)}"
            )


def _pairs(p: Params) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    thresholds, rates = zip(*p["gradual_learning_rates"], strict=True)
    return thresholds, rates
