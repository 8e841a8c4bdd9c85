"""Which section of a report each config key belongs to, and which keys are noise.

Kept as data so that the diff, the reports and the docs agree. Patterns are globs over
dotted keys where only ``*`` is special (``datasets[*].path`` matches ``datasets[0].path``).
A key belongs to the first section with a matching pattern, ``other`` when none matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Section:
    name: str  # stable identifier, used in JSON
    title: str  # what a reader sees
    patterns: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "optimizer",
        "optimizer",
        (
            "lr",
            "optimizer",
            "optimizer_params",
            "optimizer_params.*",
            "optimizer_wd_only_on_weights",
            "grad_clip",
            # Clipping order is an optimizer concern even though only forks have it.
            "extras.grad_clip_after_optimizer_step",
        ),
    ),
    Section(
        "schedule",
        "LR schedule",
        (
            "lr_scheduler",
            "lr_scheduler_params",
            "lr_scheduler_params.*",
            "scheduler_after_epoch",
            "extras.warmup.*",
        ),
    ),
    Section(
        "batching",
        "batching and run length",
        (
            "batch_size",
            "eval_batch_size",
            "grad_accum_steps",
            "epochs",
            "dataset_size",
            "eval_size",
            "mixed_precision",
            "precision",
            "use_grad_scaler",
            "batch_group_size",
            "drop_last",
            "shuffle",
            "start_by_longest",
            "small_run",
            "overfit_batch",
        ),
    ),
    Section(
        "model",
        "model limits",
        (
            "model",
            "model_args.*",
            "checkpoint_text_tokens",
            "gpt_cond_len",
            "gpt_cond_chunk_len",
            "max_ref_len",
        ),
    ),
    Section("audio", "audio", ("audio", "audio.*")),
    Section(
        "data",
        "data and language",
        (
            "datasets",
            "datasets[*]",
            "datasets[*].*",
            "eval_split_*",
            "language",
            "languages",
            "min_audio_len",
            "max_audio_len",
            "min_text_len",
            "max_text_len",
            "use_*_weighted_sampler",
            "*_weighted_sampler_alpha",
            "test_sentences",
            "test_sentences_file",
            "characters",
            "text_cleaner",
            "add_blank",
            "enable_eos_bos_chars",
            "use_phonemes",
            "phonemizer",
            "phoneme_language",
            "phoneme_cache_path",
            "compute_*",
            "use_noise_augment",
            "sound_norm_refs",
            "speakers",
        ),
    ),
    Section("extras", "extras (EMA, warmup, LoRA, freezing)", ("extras.*",)),
    Section(
        "bookkeeping",
        "run bookkeeping",
        (
            "save_*",
            "print_step",
            "plot_step",
            "print_eval",
            "log_model_step",
            "run_eval",
            "run_eval_steps",
            "start_with_eval",
            "skip_train_epoch",
            "test_delay_epochs",
            "target_loss",
            "model_param_stats",
            "restore_path",
            "continue_path",
            "best_path",
            "output_path",
            "run_name",
            "project_name",
            "run_description",
            "dashboard_logger",
            "logger_uri",
            "wandb_entity",
            "model_dir",
        ),
    ),
    Section(
        "runtime",
        "runtime and devices",
        (
            "training_seed",
            "cudnn_*",
            "allow_tf32",
            "use_ddp",
            "use_accelerate",
            "distributed_*",
            "gpu",
            "rank",
            "group_id",
            "num_loader_workers",
            "num_eval_loader_workers",
            "precompute_num_workers",
        ),
    ),
)
OTHER = Section("other", "other", ())
SECTION_ORDER: tuple[str, ...] = (*(s.name for s in SECTIONS), OTHER.name)

# Keys whose differences say nothing about training (paths on one machine, run names,
# loggers). Hidden unless the user asks for everything. ``restore_path`` and
# ``continue_path`` are NOT noise: they decide what is resumed.
NOISE_PATTERNS: tuple[str, ...] = (
    "output_path",
    "run_name",
    "project_name",
    "run_description",
    "dashboard_logger",
    "logger_uri",
    "wandb_entity",
    "model_dir",
    "best_path",
    "phoneme_cache_path",
    "test_sentences_file",
    "model_args.*_checkpoint",
    "model_args.tokenizer_file",
    "model_args.mel_norm_file",
    "model_args.vocoder",
    "datasets[*].path",
    "datasets[*].meta_file_*",
)


def section_of(key: str) -> str:
    """The name of the section ``key`` is shown in."""
    for section in SECTIONS:
        if any(_matches(pattern, key) for pattern in section.patterns):
            return section.name
    return OTHER.name


def is_noise(key: str) -> bool:
    return any(_matches(pattern, key) for pattern in NOISE_PATTERNS)


def section_title(name: str) -> str:
    for section in (*SECTIONS, OTHER):
        if section.name == name:
            return section.title
    return name


def section_rank(name: str) -> int:
    return SECTION_ORDER.index(name) if name in SECTION_ORDER else len(SECTION_ORDER)


def _matches(pattern: str, key: str) -> bool:
    return _regex(pattern).fullmatch(key) is not None


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
