"""Schedulers that multiply the LR by gamma: MultiStepLR, StepLR, ExponentialLR."""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any, ClassVar

import numpy as np

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

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        first, hits, counts = self._first_and_hits(p, chained)
        hits = [h for h in hits if h < n]
        return stepwise(n, base * first, hits, [p["gamma"] ** counts[m] for m in hits])

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
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

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        size, gamma = int(p["step_size"]), p["gamma"]
        factors = np.full((n - 1) // size + 1 if n else 0, float(gamma))
        if len(factors):
            factors[0] = base  # chained: base * gamma ** (0 // step_size) == base as well
        return np.repeat(np.cumprod(factors), size)[:n]

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
        return base * float(p["gamma"]) ** (index // int(p["step_size"]))

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

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        values = np.full(n, float(p["gamma"]))
        if n:
            values[0] = base  # torch keeps the LR at construction (and base * gamma**0 chained)
        return np.cumprod(values, out=values)

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
        with np.errstate(under="ignore", over="ignore"):
            return base * float(p["gamma"]) ** index.astype(np.float64)

    def check(self, p: Params) -> None:
        need_number("gamma", p["gamma"])
