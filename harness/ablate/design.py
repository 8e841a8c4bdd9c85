"""The parts of an ablation design: factors and their levels, arms, search parameters,
the data and the scale a study trains on. Plain frozen dataclasses; no torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Level:
    """One level of a factor: a name and the Plan keys it sets."""

    name: str
    overrides: dict[str, Any]


@dataclass(frozen=True)
class Factor:
    """A factor of the full factorial. The first level is the reference (e.g. "off")."""

    name: str
    levels: tuple[Level, ...]

    def level(self, name: str) -> Level:
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(name)


@dataclass(frozen=True)
class Arm:
    """One cell of the factorial: a level of each factor."""

    levels: tuple[tuple[str, str], ...]  # (factor, level) in factor order

    @property
    def name(self) -> str:
        return ",".join(f"{f}={lv}" for f, lv in self.levels) or "base"

    def as_dict(self) -> dict[str, str]:
        return dict(self.levels)


@dataclass(frozen=True)
class SearchParam:
    """A Plan key sampled by TPE: float or int in [low, high] (log scale or not), or choices."""

    key: str
    kind: str  # "float" | "int" | "categorical"
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Search:
    trials: int
    params: tuple[SearchParam, ...]
    sampler_seed: int | None = None


@dataclass(frozen=True)
class DataSpec:
    path: Path  # folder of the metadata files (the coqui formatter: audio_file|text|speaker)
    train: str
    eval: str
    language: str
    vocab: Path | None  # tokenizer file; None: the base config's model_args.tokenizer_file


@dataclass(frozen=True)
class Scale:
    """``tiny``: small GPT from scratch on CPU. ``miniature``: a miniature release folder
    (``xtts-harness ablate build-base``), fine-tuned like the real one. Otherwise an XTTS
    v2 checkpoint directory (full scale)."""

    kind: str  # "tiny" | "miniature" | "checkpoint"
    checkpoint_dir: Path | None = None

    @property
    def label(self) -> str:
        return "tiny" if self.kind == "tiny" else str(self.checkpoint_dir)
