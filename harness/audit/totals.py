"""Running totals of an audit: what the findings and the report need, in memory that does
not grow with the number of rows (counts, sums, a few examples, bounded samples).

A million-row dataset is audited as a stream: each row's verdict is added here and then
forgotten, except the records ``Records`` keeps for the report.

The histograms plot a uniform sample of at most ``RESERVOIR`` values per distribution
(every value of a smaller dataset): a 20,000-value sample draws the same shape as a
million values, within a bin's height or so, for 160 KB.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.audit.verdict import Reason

if TYPE_CHECKING:
    from harness.audit.result import SampleResult

EXAMPLES = 3  # rows quoted per drop reason
RESERVOIR = 20_000  # values kept per distribution for the histograms
KEPT = "kept"
ROLES = ("train", "eval")


@dataclass
class ReasonTotals:
    """One first drop reason (or "kept"): counts, seconds, and what its finding quotes."""

    count: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ROLES, 0.0))
    examples: list[str] = field(default_factory=list)  # file:line of the first rows
    shortest: float | None = None
    longest: float | None = None
    most_tokens: int = 0
    unk_chars: Counter[str] = field(default_factory=Counter)
    prefix_unk: bool = False
    then: Counter[str] = field(default_factory=Counter)  # the second reason, by name

    @property
    def total(self) -> int:
        return sum(self.count.values())

    @property
    def hours(self) -> float:
        return sum(self.seconds.values()) / 3600

    def add(self, item: SampleResult) -> None:
        verdict, role = item.verdict, item.role
        self.count[role] += 1
        seconds = verdict.duration_s or 0.0
        self.seconds[role] += seconds
        if len(self.examples) < EXAMPLES:
            self.examples.append(item.sample.where)
        self.shortest = seconds if self.shortest is None else min(self.shortest, seconds)
        self.longest = seconds if self.longest is None else max(self.longest, seconds)
        self.most_tokens = max(self.most_tokens, verdict.text_tokens)
        if verdict.reason is Reason.UNK_CHARACTERS:
            self.unk_chars.update(item.encoded.unk_chars)
            self.prefix_unk = self.prefix_unk or item.encoded.prefix_unk
        self.then.update(r.value for r in verdict.reasons[1:2])


class Reservoir:
    """A uniform sample of at most ``size`` values (Vitter's algorithm R, seeded): every
    value while there are fewer, so small datasets plot exactly what they hold."""

    def __init__(self, typecode: str, size: int = RESERVOIR, seed: int = 0):
        self.values: array[Any] = array(typecode)  # 'd' seconds or 'i' token counts
        self.seen = 0
        self._size = size
        self._random = random.Random(seed)

    def add(self, value: float) -> None:
        self.seen += 1
        if len(self.values) < self._size:
            self.values.append(value)
            return
        slot = self._random.randrange(self.seen)
        if slot < self._size:
            self.values[slot] = value

    def to_list(self) -> list[float]:
        return list(self.values)


@dataclass
class Totals:
    """Everything the audit sums over its rows."""

    reasons: dict[str, ReasonTotals] = field(default_factory=dict)  # Reason value or "kept"
    chars: int = 0  # characters of cleaned text
    tokens: int = 0  # text tokens, the [lang] tag not counted
    tag_tokens: int = 0
    approximate: int = 0
    first_approximate: str | None = None
    train_listed: int = 0  # train rows the formatter returns (coqui skips missing audio)
    text_tokens: Reservoir = field(default_factory=lambda: Reservoir("q"))
    durations: Reservoir = field(default_factory=lambda: Reservoir("d", seed=1))

    def add(self, item: SampleResult, formatter: str) -> None:
        name = item.verdict.reason.value if item.verdict.reason else KEPT
        self.reasons.setdefault(name, ReasonTotals()).add(item)
        encoded = item.encoded
        self.chars += len(encoded.cleaned)
        self.tokens += len(encoded.ids) - self.tag_tokens
        if encoded.approximate:
            self.approximate += 1
            self.first_approximate = self.first_approximate or item.sample.where
        if item.role == "train" and (item.audio.exists or formatter != "coqui"):
            self.train_listed += 1
        self.text_tokens.add(item.verdict.text_tokens)
        if item.verdict.duration_s is not None:
            self.durations.add(item.verdict.duration_s)

    def of(self, name: str) -> ReasonTotals:
        return self.reasons.get(name) or ReasonTotals()

    def count(self, role: str | None = None, *, kept: bool | None = None) -> int:
        """Rows in ``role`` (both when None), only the kept or only the dropped ones."""
        return sum(
            r.total if role is None else r.count[role]
            for name, r in self.reasons.items()
            if kept is None or (name == KEPT) == kept
        )

    def hours(self, role: str | None = None, *, kept: bool | None = None) -> float:
        return sum(
            (r.hours if role is None else r.seconds[role] / 3600)
            for name, r in self.reasons.items()
            if kept is None or (name == KEPT) == kept
        )


class Records:
    """Which rows keep their record for the report: the first ``ALL_ROWS`` rows, then
    dropped or flagged rows up to ``FLAGGED_ROWS``; ``not_listed`` counts the others."""

    ALL_ROWS = 2_000
    FLAGGED_ROWS = 2_000

    def __init__(self) -> None:
        self.items: list[SampleResult] = []
        self.not_listed = 0
        self._flagged = 0

    def offer(self, item: SampleResult, flagged: bool) -> None:
        if len(self.items) < self.ALL_ROWS:
            self.items.append(item)
        elif (flagged or not item.verdict.kept) and self._flagged < self.FLAGGED_ROWS:
            self._flagged += 1
            self.items.append(item)
        else:
            self.not_listed += 1
