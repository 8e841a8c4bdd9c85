"""A Plan (+ arm, + scale) -> the GPTTrainerConfig and GPTTrainer of one trial.

The training settings come from the Plan (the base config with the spec's overrides and
the arm's levels). The architecture does not: the Plan's defaults are GPTTrainerConfig's,
which are XTTS v1 values (8194 audio tokens, no perceiver). The full scale takes the
architecture of the checkpoint's config.json (the XTTS v2 release values when it has
none); the tiny scale takes the same, with the small GPT of ``assets.TINY_MODEL_ARGS``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.ablate.assets import TINY_MODEL_ARGS
from harness.ablate.spec import Scale
from harness.plan.model import Plan
from harness.plan.source import Unknown

# Top-level GPTTrainerConfig fields a trial takes from the Plan.
TRAINING_KEYS = (
    "optimizer",
    "lr",
    "lr_scheduler",
    "scheduler_after_epoch",
    "batch_size",
    "eval_batch_size",
    "grad_clip",
    "optimizer_wd_only_on_weights",
    "target_loss",
)
DICT_KEYS = ("optimizer_params", "lr_scheduler_params")
# model_args a trial takes from the Plan: what the data pipeline and the loss see.
DATA_MODEL_ARGS = (
    "max_text_length",
    "max_wav_length",
    "min_conditioning_length",
    "max_conditioning_length",
    "gpt_loss_text_ce_weight",
    "gpt_loss_mel_ce_weight",
    "gpt_use_masking_gt_prompt_approach",
    "debug_loading_failures",
)
AUDIO_KEYS = ("sample_rate", "dvae_sample_rate", "output_sample_rate")
# The XTTS v2 release architecture (model_args of the release config.json, harness/data/xtts_v2).
V2_ARCHITECTURE: dict[str, Any] = {
    "gpt_layers": 30,
    "gpt_n_model_channels": 1024,
    "gpt_n_heads": 16,
    "gpt_max_audio_tokens": 605,
    "gpt_max_text_tokens": 402,
    "gpt_max_prompt_tokens": 70,
    "gpt_num_audio_tokens": 1026,
    "gpt_start_audio_token": 1024,
    "gpt_stop_audio_token": 1025,
    "gpt_code_stride_len": 1024,
    "gpt_use_perceiver_resampler": True,
    "input_sample_rate": 22050,
    "output_sample_rate": 24000,
    "output_hop_length": 256,
    "decoder_input_dim": 1024,
    "d_vector_dim": 512,
    "cond_d_vector_in_each_upsampling_layer": True,
}
NEVER = 10**12  # a step count no trial reaches: no checkpoints, no model artifacts


@dataclass(frozen=True)
class TrialSettings:
    """What the runner needs besides the Plan."""

    seed: int
    steps: int
    eval_every: int
    device: str  # "cpu" | "cuda"
    precision: str  # "fp32" | "bf16" | "fp16"
    vocab: Path
    grad_accum_steps: int


def plan_values(plan: Plan) -> dict[str, Any]:
    """The Plan values a trial uses; raises ValueError naming any the loader left Unknown."""
    # By name: these key lists are the trainer config a trial is built from, copied whole.
    values: dict[str, Any] = {key: plan.get(key) for key in TRAINING_KEYS}
    for key in DICT_KEYS:
        values[key] = plan.dict_value(key)
    for key in DATA_MODEL_ARGS:
        values[f"model_args.{key}"] = plan.get(f"model_args.{key}")
    for key in AUDIO_KEYS:
        values[f"audio.{key}"] = plan.get(f"audio.{key}")
    accum = plan.batching.given.grad_accum_steps
    values[accum.key] = accum.raw if accum.present else 1
    unknown = [k for k, v in values.items() if isinstance(v, Unknown) or _has_unknown(v)]
    if unknown:
        raise ValueError(f"the base config leaves {', '.join(unknown)} unresolved")
    return values


def architecture(scale: Scale) -> dict[str, Any]:
    arch = dict(V2_ARCHITECTURE)
    if scale.kind == "tiny":
        arch.update(TINY_MODEL_ARGS)
        return arch
    if scale.kind == "miniature":
        arch.update(TINY_MODEL_ARGS)  # then the release's own config.json, below
    assert scale.checkpoint_dir is not None
    config_file = scale.checkpoint_dir / "config.json"
    if config_file.is_file():
        release = json.loads(config_file.read_text(encoding="utf-8")).get("model_args", {})
        arch.update({k: release[k] for k in V2_ARCHITECTURE if release.get(k) is not None})
    return arch


def build_config(
    plan: Plan,
    scale: Scale,
    settings: TrialSettings,
    *,
    mel_stats: Path,
    dvae: Path,
) -> Any:
    """The GPTTrainerConfig of one trial."""
    from TTS.tts.configs.xtts_config import XttsAudioConfig
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTArgs, GPTTrainerConfig

    values = plan_values(plan)
    model_args = GPTArgs(**architecture(scale))
    for key in DATA_MODEL_ARGS:
        setattr(model_args, key, values[f"model_args.{key}"])
    model_args.tokenizer_file = str(settings.vocab)
    model_args.mel_norm_file = str(mel_stats)
    model_args.dvae_checkpoint = str(dvae)
    model_args.xtts_checkpoint = ""  # loaded by checkpoint.load_gpt_weights, on a copy
    model_args.gpt_checkpoint = ""
    audio = XttsAudioConfig(**{k: values[f"audio.{k}"] for k in AUDIO_KEYS})
    config = GPTTrainerConfig(model_args=model_args, audio=audio)
    for key in (*TRAINING_KEYS, *DICT_KEYS):
        setattr(config, key, values[key])
    _trial_controls(config, settings)
    return config


def _trial_controls(config: Any, settings: TrialSettings) -> None:
    """What makes a run a short trial: no checkpoints, no tests, its seed, logging cadence."""
    batches_per_eval = settings.eval_every * settings.grad_accum_steps
    config.run_name = "trial"
    config.training_seed = settings.seed
    config.epochs = NEVER  # the runner stops after N optimizer steps
    config.save_checkpoints = False
    config.save_best_after = NEVER
    config.save_step = NEVER
    config.save_on_interrupt = False
    config.log_model_step = NEVER
    config.test_delay_epochs = NEVER
    config.test_sentences = []
    config.run_eval = True
    config.run_eval_steps = None
    config.print_eval = False
    config.print_step = batches_per_eval
    config.plot_step = max(1, settings.grad_accum_steps)  # one TensorBoard point per step
    config.dashboard_logger = "tensorboard"
    config.num_loader_workers = 0
    config.num_eval_loader_workers = 0
    config.mixed_precision = settings.precision in ("bf16", "fp16")
    config.precision = settings.precision if config.mixed_precision else "fp16"


def build_model(config: Any, language: str, small_dvae: Any = None) -> Any:
    """Construct GPTTrainer (seed torch first), teach its tokenizer the language, and on
    the tiny and miniature scales swap in their small DVAE."""
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainer

    from harness.ablate.language import accept_language

    model = GPTTrainer(config)
    accept_language(model.xtts.tokenizer, language)
    if small_dvae is not None:
        model.dvae = small_dvae
    return model


def _has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return isinstance(value, Unknown)
