"""Training and eval samples of a trial, read by coqui's own loader and checked up front.

``load_samples`` reads coqui-format metadata (formatter "coqui") for one or more
languages; ``check_train_samples`` proves some training samples survive the XTTS
dataset's filters before a trial trains (the dataset drops failing samples silently).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from harness.ablate.failure import failure_reason
from harness.ablate.spec import DataSpec

SAMPLE_CHECK_LIMIT = 256  # training samples loaded up front to prove some survive the filters


def load_samples(
    datasets: Sequence[DataSpec],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Any]]:
    """Train and eval samples through coqui's own loader (formatter "coqui"), and the
    dataset entries (kept in the trial's config, so its config.json says what it read)."""
    from TTS.config.shared_configs import BaseDatasetConfig
    from TTS.tts.configs.shared_configs import BaseTTSConfig
    from TTS.tts.datasets import load_tts_samples

    entries = [
        BaseDatasetConfig(
            formatter="coqui",
            dataset_name=f"ablation-{data.language}",
            path=str(data.path),
            meta_file_train=data.train,
            meta_file_val=data.eval,
            language=data.language,
        )
        for data in datasets
    ]
    train, evals = load_tts_samples(BaseTTSConfig(datasets=entries), eval_split=True)
    return train, evals, entries


_checked_samples: dict[tuple[Any, ...], tuple[int, int, str]] = {}


def check_train_samples(dataset: Any) -> tuple[int, int, str]:
    """Load up to SAMPLE_CHECK_LIMIT training samples with the dataset's own code and limits.

    The XTTS train dataset drops a failing sample silently and draws another, which ends
    in RecursionError when all fail. The Python RNG state is restored afterwards, so the
    check does not change the order in which training samples are drawn. Loading the clips
    costs about a second, so a worker checks the same samples under the same limits once.
    """
    samples = [s for group in dataset.samples.values() for s in group][:SAMPLE_CHECK_LIMIT]
    key = (
        tuple(sorted((s["audio_file"], s["text"], s["language"]) for s in samples)),
        dataset.tokenizer.tokenizer.to_str(),
        dataset.max_wav_len,
        dataset.max_text_len,
        dataset.sample_rate,
    )
    if key not in _checked_samples:
        _checked_samples[key] = _load_each(dataset, samples)
    return _checked_samples[key]


def _load_each(dataset: Any, samples: list[dict[str, Any]]) -> tuple[int, int, str]:
    state = random.getstate()
    kept, first_error = 0, ""
    try:
        for sample in samples:
            try:
                tseq, _, wav, _, _, _ = dataset.load_item(sample)
            except Exception as error:
                first_error = first_error or failure_reason(error)
                continue
            if wav is None or wav.shape[-1] > dataset.max_wav_len:
                first_error = first_error or "audio longer than max_wav_length"
            elif tseq.shape[0] > dataset.max_text_len:
                first_error = first_error or "text longer than max_text_length tokens"
            else:
                kept += 1
    finally:
        random.setstate(state)
    return kept, len(samples), first_error
