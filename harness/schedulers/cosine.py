"""Cosine schedulers: CosineAnnealingLR and CosineAnnealingWarmRestarts."""

from __future__ import annotations

import itertools
import math
from typing import ClassVar

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
    whole,
)

MAX_RESTART_EVENTS = 20


class CosineAnnealingLR(Scheduler):
    name = "CosineAnnealingLR"
    signature: ClassVar[Params] = {"T_max": REQUIRED, "eta_min": 0.0}

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        """torch's recursive get_lr (including its restart branch past T_max)."""
        t_max, eta = p["T_max"], p["eta_min"]
        # Constructed: the LR as set; chained: step(0) takes the closed form at 0.
        first = eta + (base - eta) * (1 + math.cos(math.pi * 0 / t_max)) / 2 if chained else base
        if n <= 1:
            return np.full(n, first)
        steps = np.arange(n)
        # 1 + cos(pi * t / T) for every t; torch's ratio for step t is q[t] / q[t - 1].
        q = 1 + np.cos(np.pi * steps / t_max)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = q[1:] / q[:-1]
        restart = (steps[1:] - 1 - t_max) % (2 * t_max) == 0
        bump = (base - eta) * (1 - math.cos(math.pi / t_max)) / 2
        starts = np.flatnonzero(restart) + 1
        if eta == 0 and len(starts) <= 1000:
            # r * (lr - 0) + 0 == r * lr exactly: a product per segment between restarts.
            out = np.empty(n)
            for lo, hi in itertools.pairwise([0, *starts.tolist(), n]):
                out[lo] = first if lo == 0 else out[lo - 1] + bump
                out[lo + 1 : hi] = ratios[lo : hi - 1]  # ratio of step t is ratios[t - 1]
                np.cumprod(out[lo:hi], out=out[lo:hi])
            return out
        # eta_min != 0: r * (lr - eta) + eta rounds differently from any product; recurse.
        ops: list[float | None] = ratios.tolist()
        for index in starts.tolist():
            ops[index - 1] = None

        def advance(lr: float, ratio: float | None) -> float:
            return lr + bump if ratio is None else ratio * (lr - eta) + eta

        return np.fromiter(itertools.accumulate(ops, advance, initial=first), np.float64, n)

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
        # The closed form is periodic in 2 * T_max, as the recursion with its restart branch.
        t_max, eta = float(p["T_max"]), p["eta_min"]
        phase = np.mod(index, 2 * t_max) / t_max
        out = eta + (base - eta) * (1 + np.cos(np.pi * phase)) / 2
        if not chained:
            out[index == 0] = base
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

    def _position(self, p: Params, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(T_cur, T_i) at each index: cycles grow geometrically, so there are few of them."""
        t0, mult = p["T_0"], p["T_mult"]
        if mult == 1:
            return index % t0, np.full(len(index), t0, dtype=np.int64)
        n = int(index.max()) + 1 if len(index) else 0
        cycles = cycles_before(t0, mult, n)
        starts = np.array([start for start, _ in cycles], dtype=np.int64)
        lengths = np.array([length for _, length in cycles], dtype=np.int64)
        which = np.searchsorted(starts, index, side="right") - 1
        return index - starts[which], lengths[which]

    def curve(self, p: Params, base: float, n: int, chained: bool) -> np.ndarray:
        return self.at(p, base, np.arange(n), chained)

    def at(self, p: Params, base: float, index: np.ndarray, chained: bool) -> np.ndarray:
        eta = p["eta_min"]
        t_cur, t_i = self._position(p, index)
        # torch: eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2, same op order.
        return eta + (base - eta) * (1 + np.cos(np.pi * t_cur / t_i)) / 2

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
