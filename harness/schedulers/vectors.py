"""Curves as pure-Python vectors: ``array('d')`` built and scanned at C speed.

The lint path imports no numpy (its import alone cost about a third of a cold lint), so a
curve is an ``array('d')``: 8 bytes a value like numpy's float64, and a buffer numpy reads
without a copy (``numpy.asarray(curve)``). Whole tabulations never loop in Python per step
where the curve allows otherwise:

- piecewise-constant curves are block copies (``blocks``), a few per run;
- smooth curves are chains of ``map`` / ``itertools.accumulate`` over C functions
  (``math.cos``, ``operator.mul``), each value computed with the same float operations, in
  the same order, as torch's Python schedulers (and as numpy's ufuncs did);
- a scan for changes compares ``memoryview`` slices, which CPython does element by element
  in C with float semantics (``-0.0 == 0.0``, ``nan != nan``, as numpy's ``!=``).
"""

from __future__ import annotations

import itertools
import math
import operator
from array import array
from collections.abc import Iterable, Iterator, Sequence

SHORT_BLOCKS = 32  # mean block length under which one pass of iterators beats block copies


def floats(values: Iterable[float] = ()) -> array:
    """An LR curve: ``array('d')``, 8 bytes a value."""
    return array("d", values)


def constant(value: float, n: int) -> array:
    return array("d", [float(value)]) * max(n, 0)


def products(first: float, factors: Iterable[float]) -> list[float]:
    """``first``, ``first * f0``, ``(first * f0) * f1``, ...: left to right, like torch's
    ``lr * factor`` at each step (and ``np.cumprod``)."""
    return list(running_product(first, factors))


def running_product(first: float, factors: Iterable[float]) -> Iterator[float]:
    return itertools.accumulate(factors, operator.mul, initial=first)


def power(base: float, exponent: float) -> float:
    """``base ** exponent`` as numpy computes it: an overflow is infinite, not an error."""
    try:
        value = base**exponent
    except OverflowError:
        negative = base < 0 and float(exponent).is_integer() and int(exponent) % 2 == 1
        return -math.inf if negative else math.inf
    return math.nan if isinstance(value, complex) else value


def fill_segments(n: int, starts: list[int], values: Sequence[float]) -> array:
    """``values[i]`` from ``starts[i]`` up to the next start (starts ascending, starts[0] 0)."""
    return blocks(values, list(map(operator.sub, [*starts[1:], n], starts)))


def repeat_each(values: Sequence[float], times: int) -> array:
    """Each value ``times`` times in a row (``np.repeat``)."""
    if times == 1:
        return floats(values)
    if 1 < times < SHORT_BLOCKS and len(values) > 64:  # tuples of `times` references
        return floats(itertools.chain.from_iterable(zip(*[values] * times, strict=True)))
    return blocks(values, [times] * len(values))


def blocks(values: Sequence[float], lengths: Sequence[int]) -> array:
    """``values[i]`` repeated ``lengths[i]`` times, one block after another.

    Few or long blocks are block copies into one preallocated array (growing an array
    block by block costs more than the copies); many short ones are one pass of iterators.
    """
    if len(values) != len(lengths):
        raise ValueError("one length per value")
    lengths = [max(length, 0) for length in lengths]
    total = sum(lengths)
    if not total:
        return floats()
    if len(values) > 64 and total < SHORT_BLOCKS * len(values):
        repeated = map(itertools.repeat, map(float, values), lengths)
        return floats(itertools.chain.from_iterable(repeated))
    out = constant(values[0], total)
    at = 0
    for value, length in zip(values, lengths, strict=True):
        out[at : at + length] = constant(value, length)
        at += length
    return out


def changes(values: array) -> Iterator[int]:
    """Positions i >= 1 where ``values[i] != values[i - 1]``, lazily, in order.

    Each is found by an exponential, then a binary search over ``memoryview`` slice
    comparisons: a run of equal values costs C comparisons, never a Python step per value.
    """
    view = memoryview(values)
    at = 0
    while (found := _next_change(view, at)) is not None:
        yield found
        at = found


def _next_change(view: memoryview, at: int) -> int | None:
    """The first i > at with view[i] != view[i - 1], or None."""
    last = len(view) - 1
    low, span = at, 1  # invariant: no change in at + 1 .. low
    while True:
        high = min(low + span, last)
        if high <= low:
            return None
        if view[low + 1 : high + 1] != view[low:high]:
            break
        low, span = high, span * 2
    while high - low > 1:  # a change in low + 1 .. high: the first one
        middle = (low + high) // 2
        if view[low + 1 : middle + 1] != view[low:middle]:
            high = middle
        else:
            low = middle
    return high
