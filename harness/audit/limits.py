"""The dataset limits a config sets, read from its Plan.

XTTSDataset gets ``config.audio.sample_rate`` as its sample rate (GPTTrainer.get_data_loader)
and reads ``model_args.max_wav_length`` (samples at that rate) and
``model_args.max_text_length`` (tokens); ``load_item`` drops clips under 0.5 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.plan import Field, Plan

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
    model = plan.model
    fields = (model.max_text_length, model.max_wav_length, model.sample_rate)
    text, wav, rate = (_number(field) for field in fields)
    return Limits(
        max_text_tokens=int(text),
        max_wav_samples=int(wav),
        sample_rate=int(rate),
        sources=tuple((field.key, str(field.source or "default")) for field in fields),
    )


def eval_split_from_plan(plan: Plan) -> EvalSplit:
    size = _number(plan.data.eval_split_size)
    max_size = plan.data.eval_split_max_size.value
    return EvalSplit(
        size=float(size),
        max_size=int(max_size) if isinstance(max_size, (int, float)) and max_size else None,
    )


def language_from_plan(plan: Plan) -> str | None:
    """The plan fact ``language``, else the first dataset's language."""
    return plan.data.training_language


def dataset_from_plan(plan: Plan) -> dict[str, str | None]:
    """The first dataset entry of the config (path, metadata files, formatter)."""
    data = plan.data
    fields = (data.path, data.meta_file_train, data.meta_file_val, data.formatter)
    return {field.key.removeprefix("datasets[0]."): field.text for field in fields}


def _number(field: Field[Any]) -> Any:
    """The field's number, or the library default when it is unknown or not a number."""
    value = field.or_(DEFAULTS[field.key])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return DEFAULTS[field.key]
    return value
