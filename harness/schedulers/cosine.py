"""Cosine schedulers: CosineAnnealingLR and CosineAnnealingWarmRestarts."""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import operator
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import ClassVar

from harness.plan.fields import short
from harness.schedulers.base import (
    REQUIRED,
    Marker,
    Params,
    ScheduleNotModelled,
    Scheduler,
    fmt,
    need_number,
    whole,
)
from harness.schedulers.vectors import constant, floats

MAX_RESTART_EVENTS = 20


class CosineAnnealingLR(Scheduler):
    name = "CosineAnnealingLR"
    signature: ClassVar[Params] = {"T_max": REQUIRED, "eta_min": 0.0}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        """torch's recursive get_lr (including its restart branch past T_max)."""
        t_max, eta = p["T_max"], p["eta_min"]
        # Constructed: the LR as set; chained: step(0) takes the closed form at 0.
        first = eta + (base - eta) * (1 + math.cos(math.pi * 0 / t_max)) / 2 if chained else base
        if n <= 1:
            return constant(first, n)
        # 1 + cos(pi * t / T) for every t; torch's ratio for step t is q[t] / q[t - 1].
        q = floats(map(operator.add, repeat(1.0), map(math.cos, _angles(range(n), t_max))))
        bump = (base - eta) * (1 - math.cos(math.pi / t_max)) / 2
        restarts = _restarts(t_max, n)
        if (step := _zero_division(q, restarts)) is not None:
            raise ScheduleNotModelled(
                f"CosineAnnealingLR T_max = {short(t_max)}: torch divides by zero at "
                f"scheduler step {step} (ZeroDivisionError in get_lr): the run stops there"
            )
        if len(restarts) > 1000:
            return _recurse(q, set(restarts), first, bump, eta)
        out = constant(first, n)
        for lo, hi in itertools.pairwise([0, *restarts, n]):
            start = first if lo == 0 else out[lo - 1] + bump
            out[lo:hi] = _between_restarts(q[lo:hi], start, eta)
        return out

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        # The closed form is periodic in 2 * T_max, as the recursion with its restart branch.
        t_max, eta = float(p["T_max"]), p["eta_min"]
        period, scale = 2 * t_max, base - eta
        out = floats(
            eta + scale * (1 + math.cos(math.pi * (i % period / t_max))) / 2 for i in index
        )
        if not chained:
            for position in (k for k, i in enumerate(index) if i == 0):
                out[position] = base
        return out

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        t_max = p["T_max"]
        index = int(t_max) if whole(t_max) and t_max > 0 else None
        return [Marker("cosine_min", f"T_max {fmt(t_max)}: LR reaches eta_min", t_max, index)]

    def check(self, p: Params) -> None:
        need_number("eta_min", p["eta_min"])
        need_number("T_max", p["T_max"])
        if p["T_max"] == 0:
            raise ScheduleNotModelled("CosineAnnealingLR T_max = 0: torch divides by zero")


class CosineAnnealingWarmRestarts(Scheduler):
    name = "CosineAnnealingWarmRestarts"
    signature: ClassVar[Params] = {"T_0": REQUIRED, "T_mult": 1, "eta_min": 0.0}

    def _position(self, p: Params, index: Sequence[int]) -> tuple[list[int], list[int]]:
        """(T_cur, T_i) at each index: cycles grow geometrically, so there are few of them."""
        t0, mult = p["T_0"], p["T_mult"]
        if mult == 1:
            return [i % t0 for i in index], [t0] * len(index)
        cycles = cycles_before(t0, mult, max(index) + 1 if len(index) else 0)
        starts = [start for start, _ in cycles]
        which = [bisect.bisect_right(starts, i) - 1 for i in index]
        t_cur = [i - starts[c] for i, c in zip(index, which, strict=True)]
        return t_cur, [cycles[c][1] for c in which]

    def curve(self, p: Params, base: float, n: int, chained: bool) -> array:
        t0, mult, eta = p["T_0"], p["T_mult"], p["eta_min"]
        if mult == 1 and n > t0:  # the same cycle over and over: tabulate one
            cycle = self.at(p, base, range(t0), chained)
            repeats, rest = divmod(n, t0)
            return cycle * repeats + cycle[:rest]
        if mult == 1:
            return self.at(p, base, range(n), chained)
        out = floats()
        for start, length in cycles_before(t0, mult, n):  # few: they grow geometrically
            t_cur = range(min(length, n - start))
            out += floats(_warm_restart_lr(eta, base, t_cur, repeat(length)))
        return out

    def at(self, p: Params, base: float, index: Sequence[int], chained: bool) -> array:
        t_cur, t_i = self._position(p, index)
        return floats(_warm_restart_lr(p["eta_min"], base, t_cur, t_i))

    def events(self, p: Params, chained: bool, horizon: int | None) -> list[Marker]:
        t0, mult = p["T_0"], p["T_mult"]
        # The first restart is listed even beyond the run: it is the one that never comes.
        reach = max(horizon or 0, t0 + 1)
        cycles = cycles_before(t0, mult, reach, limit=MAX_RESTART_EVENTS + 1)[1:]
        return [
            Marker("restart", f"restart {k} (T_0 {t0}, T_mult {mult})", start, start)
            for k, (start, _) in enumerate(cycles, 1)
        ]

    def check(self, p: Params) -> None:
        t0, mult = p["T_0"], p["T_mult"]
        # torch checks isinstance(int): a JSON 10.0 is rejected too.
        if not (isinstance(t0, int) and not isinstance(t0, bool) and t0 > 0):
            raise ScheduleNotModelled(
                f"CosineAnnealingWarmRestarts T_0 = {short(t0)}: torch needs an integer >= 1 "
                "(ValueError)"
            )
        if not (isinstance(mult, int) and not isinstance(mult, bool) and mult >= 1):
            raise ScheduleNotModelled(
                f"CosineAnnealingWarmRestarts T_mult = {short(mult)}: torch needs an integer "
                ">= 1 (ValueError)"
            )
        need_number("eta_min", p["eta_min"])


def cycles_before(t0: int, mult: int, n: int, limit: int | None = None) -> list[tuple[int, int]]:
    """(start, length) of each cosine cycle that begins before step n (at most ``limit``)."""
    if mult == 1 and limit is None:
        raise ValueError("T_mult 1 has n / T_0 cycles: use the modulo")
    cycles: list[tuple[int, int]] = []
    start, length = 0, t0
    while start < n and (limit is None or len(cycles) < limit):
        cycles.append((start, length))
        start, length = start + length, length * mult
    return cycles


def _restarts(t_max: float, n: int) -> list[int]:
    """Steps t in 1..n-1 where torch's get_lr takes its restart branch:
    ``(t - 1 - T_max) % (2 * T_max) == 0``."""
    if whole(t_max) and abs(t_max) < 2**52:  # exact in integers: every 2 T_max from T_max + 1
        span = abs(int(t_max))
        return list(range(1 + span, n, 2 * span))
    shifted = map(operator.sub, range(n - 1), itertools.repeat(t_max))  # t - 1 - T_max
    remainders = map(operator.mod, shifted, itertools.repeat(2 * t_max))
    return list(itertools.compress(range(1, n), map(operator.not_, remainders)))


def _zero_division(q: array, restarts: list[int]) -> int | None:
    """The first step t whose ratio q[t] / q[t - 1] divides by zero (q[t - 1] == 0.0, which
    is 1 + cos(pi * (t - 1) / T_max) when (t - 1) / T_max is an odd whole number), unless
    torch takes its restart branch there and divides by nothing."""
    skip, start = set(restarts), 0
    while True:
        try:
            at = q.index(0.0, start)
        except ValueError:
            return None
        if at + 1 >= len(q):
            return None
        if at + 1 not in skip:
            return at + 1
        start = at + 1


def _angles(steps: Iterable[int], t_max: float) -> Iterator[float]:
    """``math.pi * t / t_max`` for each step t, as C iterators."""
    return map(operator.truediv, map(operator.mul, repeat(math.pi), steps), repeat(t_max))


def _warm_restart_lr(
    eta: float, base: float, t_cur: Iterable[int], t_i: Iterable[int]
) -> Iterator[float]:
    """torch: eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2, same op order."""
    angles = map(operator.truediv, map(operator.mul, repeat(math.pi), t_cur), t_i)
    raised = map(operator.add, repeat(1.0), map(math.cos, angles))
    halves = map(operator.truediv, map(operator.mul, repeat(base - eta), raised), repeat(2))
    return map(operator.add, repeat(eta), halves)


def _between_restarts(q: array, start: float, eta: float) -> array:
    """The LR from a restart (or step 0) at ``start`` up to the next restart: step t is
    ``ratio * (lr - eta) + eta`` with ratio ``q[t] / q[t - 1]``."""
    # No q[t - 1] here is 0.0: curve() refused that step first (_zero_division), as torch does.
    return _recurrence(map(operator.truediv, q[1:], q[:-1]), start, eta)


def _recurrence(ratios: Iterable[float], start: float, eta: float) -> array:
    if eta == 0:  # r * (lr - 0) + 0 == r * lr exactly: a running product
        return floats(itertools.accumulate(ratios, operator.mul, initial=start))
    # r * (lr - eta) + eta rounds differently from any product: one step at a time
    return floats(itertools.accumulate(ratios, functools.partial(_step, eta), initial=start))


def _step(eta: float, lr: float, ratio: float) -> float:
    """One call of torch's get_lr between restarts."""
    return ratio * (lr - eta) + eta


def _recurse(q: array, restarts: set[int], first: float, bump: float, eta: float) -> array:
    """The recursion one step at a time, for a run with many restarts (a tiny T_max)."""

    def advance(lr: float, t: int) -> float:
        return lr + bump if t in restarts else _step(eta, lr, q[t] / q[t - 1])

    return floats(itertools.accumulate(range(1, len(q)), advance, initial=first))
