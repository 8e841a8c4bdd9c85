"""The dataset limits a config sets, read from its Plan.

XTTSDataset gets ``config.audio.sample_rate`` as its sample rate (GPTTrainer.get_data_loader)
and reads ``model_args.max_wav_length`` (samples at that rate) and
``model_args.max_text_length`` (tokens); ``load_item`` drops clips under 0.5 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.plan import Plan

MIN_SECONDS = 0.5  # XTTSDataset.load_item: wav.shape[-1] < 0.5 * sample_rate
DEFAULTS = {  # GPTArgs / XttsAudioConfig defaults of coqui-tts 0.28
    "model_args.max_text_length": 200,
    "model_args.max_wav_length": 255995,
    "audio.sample_rate": 22050,
    "eval_split_size": 0.01,
    "eval_split_max_size": None,
}


@dataclass(frozen=True)
class Limits:
    """What XTTSDataset filters on; ``sources`` says where each value came from."""

    max_text_tokens: int = 200
    max_wav_samples: int = 255995
    sample_rate: int = 22050
    min_seconds: float = MIN_SECONDS
    sources: tuple[tuple[str, str], ...] = ()

    @property
    def min_wav_samples(self) -> float:
        return self.min_seconds * self.sample_rate  # compared as a float, like the dataset

    @property
    def max_wav_seconds(self) -> float:
        return self.max_wav_samples / self.sample_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_text_length": self.max_text_tokens,
            "max_wav_length": self.max_wav_samples,
            "max_wav_seconds": self.max_wav_seconds,
            "min_wav_seconds": self.min_seconds,
            "sample_rate": self.sample_rate,
            "sources": dict(self.sources),
        }


@dataclass(frozen=True)
class EvalSplit:
    """load_tts_samples' automatic split, used when there is no eval metadata file."""

    size: float = 0.01
    max_size: int | None = None


def limits_from_plan(plan: Plan) -> Limits:
    values = {key: _number(plan, key) for key in list(DEFAULTS)[:3]}
    return Limits(
        max_text_tokens=int(values["model_args.max_text_length"]),
        max_wav_samples=int(values["model_args.max_wav_length"]),
        sample_rate=int(values["audio.sample_rate"]),
        sources=tuple((key, str(plan.source_of(key) or "default")) for key in values),
    )


def eval_split_from_plan(plan: Plan) -> EvalSplit:
    size = _number(plan, "eval_split_size")
    max_size = plan.known("eval_split_max_size")
    return EvalSplit(
        size=float(size),
        max_size=int(max_size) if isinstance(max_size, (int, float)) and max_size else None,
    )


def language_from_plan(plan: Plan) -> str | None:
    """The plan fact ``language``, else the first dataset's language."""
    for key in ("language", "datasets[0].language"):
        value = plan.known(key)
        if isinstance(value, str) and value:
            return value
    return None


def dataset_from_plan(plan: Plan) -> dict[str, str | None]:
    """The first dataset entry of the config (path, metadata files, formatter)."""
    keys = ("path", "meta_file_train", "meta_file_val", "formatter")
    out: dict[str, str | None] = {}
    for name in keys:
        value = plan.known(f"datasets[0].{name}")
        out[name] = value if isinstance(value, str) and value else None
    return out


def _number(plan: Plan, key: str) -> Any:
    value = plan.known(key, DEFAULTS[key])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return DEFAULTS[key]
    return value
