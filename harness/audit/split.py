"""The automatic eval split of ``TTS.tts.datasets.split_dataset``, reproduced exactly.

Used when a dataset has no eval metadata file: ``load_tts_samples`` takes
``int(len(items) * eval_split_size)`` rows (capped by ``eval_split_max_size``; an
integer size above 1 is a count) after ``np.random.seed(0); np.random.shuffle(items)``.
With several speakers it draws rows at random until the eval set is full, only from
speakers that keep at least one clip. ``RandomState(0)`` gives the same stream as the
global seed without touching the caller's numpy state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

from harness.errors import HarnessError

T = TypeVar("T")


def eval_count(total: int, size: float, max_size: int | None) -> int:
    if size > 1:
        return int(size)
    if max_size:
        return min(max_size, int(total * size))
    return int(total * size)


def split_eval(
    items: Sequence[T], speakers: Sequence[str | None], size: float, max_size: int | None
) -> tuple[list[T], list[T]]:
    """(eval, train) as load_tts_samples makes them; HarnessError where it would fail."""
    chosen, rest = _positions(speakers, size, max_size)
    return [items[i] for i in chosen], [items[i] for i in rest]


def eval_positions(speakers: Sequence[str | None], size: float, max_size: int | None) -> list[int]:
    """Positions (in the formatter's list) of the rows the split puts in eval, in its
    order, without building the train list (a million rows of it cost 36 MB)."""
    return _positions(speakers, size, max_size)[0]


def _positions(
    speakers: Sequence[str | None], size: float, max_size: int | None
) -> tuple[list[int], list[int]]:
    """(eval, train) positions, each in the split's order."""
    total = len(speakers)
    count = eval_count(total, size, max_size)
    if count <= 0:
        raise HarnessError(
            f"eval_split_size {size} of {total} rows gives an empty eval split: "
            "load_tts_samples asserts it is not",
            fix=f"give an eval metadata file or set eval_split_size >= {1 / max(total, 1):.4g}",
        )
    import numpy as np  # only datasets without an eval file need it

    rng = np.random.RandomState(0)
    order = list(range(total))
    rng.shuffle(order)
    if len(set(speakers)) <= 1:
        return order[:count], order[count:]
    return _multi_speaker(speakers, order, count, rng), order


def _multi_speaker(speakers, order, count, rng):
    left = Counter(speakers)
    if sum(n - 1 for n in left.values()) < count:
        raise HarnessError(
            f"the eval split needs {count} rows from speakers with a second clip, and there "
            "are fewer: load_tts_samples loops forever",
            fix="give an eval metadata file or a smaller eval_split_size",
        )
    remaining = order  # the caller's shuffled list: what is left of it is the train set
    chosen = []
    while len(chosen) < count:
        pick = rng.randint(0, len(remaining))
        speaker = speakers[remaining[pick]]
        if left[speaker] > 1:
            chosen.append(remaining[pick])
            left[speaker] -= 1
            del remaining[pick]
    return chosen
