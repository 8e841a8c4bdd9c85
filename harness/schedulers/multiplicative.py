"""Schedulers that multiply the LR by gamma: MultiStepLR, StepLR, ExponentialLR."""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from harness.plan.fields import short
from harness.schedulers.base import (
    REQUIRED,
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
from harness.schedulers.vectors import blocks, floats, power, products, running_product


class MultiStepLR(Scheduler):
    name = "MultiStepLR"
    signature: ClassVar[Params] = {"milestones": REQUIRED, "gamma": 0.1}

    def _first_and_hits(self, p: Params, chained: bool) -> tuple[float, list[int], Counter]:
        gamma = p["gamma"]
        counts: Counter[Any] = Counter(p["milestones"])
        if chained:  # _get_closed_form_lr: base * gamma ** (milestones <= 0)
            first = gamma ** bisect.bisect_right(sorted(counts.elements()), 0)
        else:  # get_lr at last_epoch 0: a milestone 0 applies at construction
            first = gamma ** counts[0] if 0 in counts else 1.0
        hits = sorted(int(m) for m in counts if whole(m) and m >= 1)
        return first, hits, counts

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        first, hits, counts = self._first_and_hits(p, chained)
        hits = [h for h in hits if h < n]
        return stepwise(n, base * first, hits, [p["gamma"] ** counts[m] for m in hits])

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        first, hits, counts = self._first_and_hits(p, chained)
        return stepwise_at(index, base * first, hits, [p["gamma"] ** counts[m] for m in hits])

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        markers = []
        for m in dict.fromkeys(p["milestones"]):
            # A milestone 0 applies at construction; chained, step(0) applies every one <= 0.
            index = 0 if chained and m <= 0 else int(m) if whole(m) and m >= 0 else None
            markers.append(Marker("milestone", f"milestone {fmt(m)}", m, index))
        return markers

    def check(self, p: Params) -> None:
        need_number("gamma", p["gamma"])
        milestones = p["milestones"]
        if not isinstance(milestones, (list, tuple)):
            raise ScheduleNotModelled(
                f"MultiStepLR milestones must be a list, got {short(milestones)}"
            )
        for m in milestones:
            need_number("milestones", m)


class StepLR(Scheduler):
    name = "StepLR"
    signature: ClassVar[Params] = {"step_size": REQUIRED, "gamma": 0.1}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        size, gamma = int(p["step_size"]), float(p["gamma"])
        if not n:
            return floats()
        # chained: base * gamma ** (0 // step_size) == base as well
        decays = (n - 1) // size
        if size == 1:
            return floats(running_product(float(base), itertools.repeat(gamma, decays)))
        values = products(float(base), itertools.repeat(gamma, decays))
        return blocks(values, [size] * decays + [n - size * decays])

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        size, gamma = int(p["step_size"]), float(p["gamma"])
        return floats(base * power(gamma, i // size) for i in index)

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        size = int(p["step_size"])
        return [Marker("step", f"step_size {size}: first decay", p["step_size"], size)]

    def check(self, p: Params) -> None:
        need_number("gamma", p["gamma"])
        size = p["step_size"]
        if not (whole(size) and size >= 1):
            raise ScheduleNotModelled(
                f"StepLR step_size = {short(size)} is not modelled (needs a whole number >= 1)"
            )


class ExponentialLR(Scheduler):
    name = "ExponentialLR"
    signature: ClassVar[Params] = {"gamma": REQUIRED}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        if not n:
            return floats()
        # torch keeps the LR at construction (and base * gamma**0 chained)
        return floats(running_product(float(base), itertools.repeat(float(p["gamma"]), n - 1)))

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        gamma = float(p["gamma"])
        return floats(base * power(gamma, float(i)) for i in index)

    def check(self, p: Params) -> None:
        need_number("gamma", p["gamma"])
