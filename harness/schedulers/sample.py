"""Bounded samples of a curve: what a plot or a rule needs from a run of any length.

A run of up to ``TABULATE_LIMIT`` steps is tabulated whole. A longer one is sampled: the
first ``DENSE`` steps, every event and the step before it, and a linear and a logarithmic
grid, so that memory and time depend on the number of events, never on the run's length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

TABULATE_LIMIT = 1_000_000  # steps tabulated whole (8 MB a curve)
DENSE = 256
GRID = 2_000


@dataclass(frozen=True)
class Curve:
    """The LR at steps ``x`` (ascending, from 0 to ``length - 1``) of a curve ``length`` long."""

    x: np.ndarray  # int64 step (or epoch) indices
    lr: np.ndarray
    length: int

    @property
    def whole(self) -> bool:
        return len(self.x) == self.length

    def first_change(self) -> int | None:
        """The first index whose LR differs from the one before it (sampled: the first seen)."""
        if len(self.lr) < 2:
            return None
        changed = self.lr[1:] != self.lr[:-1]
        first = int(np.argmax(changed))
        return int(self.x[first + 1]) if changed[first] else None

    def upto(self, last: int) -> Curve:
        """The points at indices 0..last."""
        stop = int(np.searchsorted(self.x, last, side="right"))
        return Curve(self.x[:stop], self.lr[:stop], min(last + 1, self.length))

    def value_at_or_before(self, index: int) -> float:
        return float(self.lr[max(int(np.searchsorted(self.x, index, side="right")) - 1, 0)])


def tabulated(values: np.ndarray) -> Curve:
    return Curve(np.arange(len(values), dtype=np.int64), values, len(values))


def sample_indices(n: int, events: Iterable[int | None]) -> np.ndarray:
    """Bounded, ascending indices in 0..n-1 that show a curve ``n`` long."""
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    marks = [i for e in events if e is not None for i in (e - 1, e) if 0 <= i < n]
    parts = [
        np.arange(min(n, DENSE), dtype=np.int64),
        np.linspace(0, n - 1, GRID).round().astype(np.int64),
        np.unique(np.geomspace(1, n, GRID).round().astype(np.int64)) - 1,
        np.asarray(marks, dtype=np.int64),
        np.array([n - 1], dtype=np.int64),
    ]
    return np.unique(np.concatenate(parts))


def keep_points(curve: Curve, max_points: int) -> np.ndarray:
    """Positions in ``curve`` to plot: all when few; else every change (and the point before
    it) plus a grid."""
    n = len(curve.lr)
    if n <= max(max_points, 2):
        return np.arange(n)
    changes = np.flatnonzero(curve.lr[1:] != curve.lr[:-1]) + 1
    if 2 * len(changes) + 2 > max_points:  # a smooth curve: an even grid shows it
        return _grid(curve, max_points)
    must = np.unique(np.concatenate([[0, n - 1], changes, changes - 1]))
    return np.union1d(must, _grid(curve, max_points - len(must)))


def _grid(curve: Curve, points: int) -> np.ndarray:
    """Positions nearest to an even grid over the curve's index range."""
    targets = np.linspace(0, curve.length - 1, points).round().astype(np.int64)
    found = np.searchsorted(curve.x, targets).clip(0, len(curve.x) - 1)
    return np.unique(found)
