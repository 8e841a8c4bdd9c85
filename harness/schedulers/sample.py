"""Bounded samples of a curve: what a plot or a rule needs from a run of any length.

A run of up to ``TABULATE_LIMIT`` steps is tabulated whole. A longer one is sampled: the
first ``DENSE`` steps, every event and the step before it, and a linear and a logarithmic
grid, so that memory and time depend on the number of events, never on the run's length.

Pure Python: LR values are ``array('d')`` (``harness.schedulers.vectors``), step indices a
``range`` (tabulated) or a sorted list (sampled). The grids are numpy's ``linspace`` and
``geomspace`` arithmetic, operation for operation, so the sampled steps are the ones the
numpy implementation of earlier releases chose.
"""

from __future__ import annotations

import bisect
import itertools
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.schedulers.vectors import changes

TABULATE_LIMIT = 1_000_000  # steps tabulated whole (8 MB a curve)
DENSE = 256
GRID = 2_000


@dataclass(frozen=True)
class Curve:
    """The LR at steps ``x`` (ascending, from 0 to ``length - 1``) of a curve ``length`` long."""

    x: Sequence[int]  # step (or epoch) indices: range(length) when whole
    lr: array  # array('d'), one value per index in x
    length: int

    @property
    def whole(self) -> bool:
        return len(self.x) == self.length

    def first_change(self) -> int | None:
        """The first index whose LR differs from the one before it (sampled: the first seen)."""
        first = next(changes(self.lr), None)
        return None if first is None else self.x[first]

    def upto(self, last: int) -> Curve:
        """The points at indices 0..last."""
        stop = bisect.bisect_right(self.x, last)
        return Curve(self.x[:stop], self.lr[:stop], min(last + 1, self.length))

    def value_at_or_before(self, index: int) -> float:
        return self.lr[max(bisect.bisect_right(self.x, index) - 1, 0)]


def tabulated(values: array) -> Curve:
    return Curve(range(len(values)), values, len(values))


def sample_indices(n: int, events: Iterable[int | None]) -> list[int]:
    """Bounded, ascending indices in 0..n-1 that show a curve ``n`` long."""
    if n <= 0:
        return []
    picked = set(range(min(n, DENSE)))
    picked.update(map(round, linspace(float(n - 1), GRID)))
    picked.update(i - 1 for i in set(map(round, geomspace(n, GRID))))
    picked.update(i for e in events if e is not None for i in (e - 1, e) if 0 <= i < n)
    picked.add(n - 1)
    return sorted(picked)


def keep_points(curve: Curve, max_points: int) -> Sequence[int]:
    """Positions in ``curve`` to plot: all when few; else every change (and the point before
    it) plus a grid."""
    n = len(curve.lr)
    if n <= max(max_points, 2):
        return range(n)
    # More than this many changes: a smooth curve, which an even grid shows.
    found = list(itertools.islice(changes(curve.lr), max_points // 2))
    if 2 * len(found) + 2 > max_points:
        return _grid(curve, max_points)
    must = {0, n - 1, *found, *(i - 1 for i in found)}
    return sorted(must.union(_grid(curve, max_points - len(must))))


def _grid(curve: Curve, points: int) -> list[int]:
    """Positions nearest to an even grid over the curve's index range."""
    last = len(curve.x) - 1
    targets = map(round, linspace(float(curve.length - 1), points))
    return sorted({min(bisect.bisect_left(curve.x, t), last) for t in targets})


def linspace(stop: float, num: int) -> list[float]:
    """``numpy.linspace(0.0, stop, num)``: ``i * step``, the last point exactly ``stop``."""
    if num <= 1:
        return [0.0] * num
    step = stop / (num - 1)
    points = [i * step for i in range(num)]
    points[-1] = stop
    return points


def geomspace(stop: int, num: int) -> list[float]:
    """``numpy.geomspace(1, stop, num)``: 10 to the powers of ``linspace(0, log10(stop))``."""
    points = [10.0**exponent for exponent in linspace(math.log10(stop), num)]
    if num > 1:
        points[0], points[-1] = 1.0, float(stop)
    return points
