"""The Plan: one description of a training run, whatever file it came from.

Keys are dotted coqpit paths (``lr``, ``lr_scheduler_params.milestones``,
``model_args.max_text_length``, ``datasets[0].language``), plus the trainer
arguments and plan facts listed in ``FACT_KEYS`` and the ``extras.*`` keys in
``EXTRA_KEYS``. Every setting carries its Source. Values may be ``Unknown``.
Typed views of the settings (``plan.optimizer``, ``plan.lr_schedule``, ``plan.batching``,
``plan.model``, ``plan.data``, ``plan.bookkeeping``, ``plan.extras``, ``plan.environment``)
are in ``harness.plan.views``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from harness.plan.source import Setting, Source, Unknown
from harness.plan.views import (
    Batching,
    Bookkeeping,
    Data,
    Environment,
    Extras,
    LrSchedule,
    ModelLimits,
    Optimizer,
    SchedulerSpec,
    Warmup,
)

# Trainer arguments (TrainerArgs, not in config.json) and facts about the planned run.
FACT_KEYS: dict[str, str] = {
    "grad_accum_steps": "TrainerArgs.grad_accum_steps: batches per optimizer step",
    "restore_path": "TrainerArgs.restore_path: checkpoint whose weights are loaded",
    "continue_path": "TrainerArgs.continue_path: run folder to resume",
    "dataset_size": "number of training samples (sets batches per epoch)",
    "eval_size": "number of eval samples",
    "language": "training language code (e.g. am)",
    "checkpoint_text_tokens": "rows of gpt.text_embedding in the checkpoint being fine-tuned",
    # What the repository runs (harness.plan.repository / harness.plan.library).
    "tokenizer": "stock (VoiceBpeTokenizer as released) or passthrough (accepts any language)",
    "trainer_library": "trainer that runs the script, e.g. coqui-tts-trainer 0.1.4",
    "tts_library": "TTS package that runs the script, e.g. coqui-tts 0.24.2 or TTS 0.22.0",
    "torch_version": "torch version the repository installs (a pin or its lowest bound)",
    "torchaudio_version": "torchaudio version the repository installs",
    "installed_packages": "names of the packages the repository's requirements install",
    "tts_loads_weights_only": "whether the TTS package loads XTTS checkpoints under "
    "torch.load(weights_only=True) (torch >= 2.6 default)",
}
TOKENIZERS = ("stock", "passthrough")  # values of the "tokenizer" fact

# Options the Coqui trainer does not have, that fine-tuning forks add.
EXTRA_DEFAULTS: dict[str, Any] = {
    "extras.ema.enabled": False,
    "extras.ema.decay": 0.999,
    "extras.warmup.enabled": False,
    "extras.warmup.steps": 0,
    "extras.warmup.unit": "optimizer_steps",  # or "epochs"
    "extras.lora.enabled": False,
    "extras.lora.r": 8,
    "extras.lora.alpha": 32,
    "extras.lora.dropout": 0.05,
    "extras.lora.targets": [],
    "extras.freeze.modules": [],
    "extras.grad_clip_after_optimizer_step": False,
    "extras.ablation_evidence": [],  # study names / report paths that justify EMA or warmup
    "extras.dead_settings": [],  # trainer settings a script defines but never passes (X606)
}
EXTRA_KEYS = frozenset(EXTRA_DEFAULTS)
PROJECT_SOURCE = "default of xtts-harness (option absent from the Coqui trainer)"


@dataclass
class Plan:
    """Effective settings of one config, defaults filled in, each with its source."""

    name: str
    path: str | None
    library: str  # the defaults table used, e.g. "coqui-tts 0.28.0"
    settings: dict[str, Setting]
    unknown_keys: list[Setting] = field(default_factory=list)  # keys the config class lacks
    meta: dict[str, Any] = field(default_factory=dict)  # [meta] of the project's TOML format
    # True when the config (or the caller) named its library version; False when the
    # latest table only fills the gaps and the version that will run it is not known.
    library_declared: bool = False

    def setting(self, key: str) -> Setting | None:
        return self.settings.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key`` (may be ``Unknown``), or ``default`` when absent."""
        found = self.settings.get(key)
        return default if found is None else found.value

    def known(self, key: str, default: Any = None) -> Any:
        """Like ``get`` but an ``Unknown`` value also gives ``default``."""
        value = self.get(key, default)
        return default if isinstance(value, Unknown) else value

    def is_explicit(self, key: str) -> bool:
        found = self.settings.get(key)
        return found is not None and not found.source.is_default

    def subtree(self, prefix: str) -> dict[str, Any]:
        """Values under ``prefix.`` as a nested-free dict of the remaining key parts."""
        dot = prefix + "."
        return {k[len(dot) :]: s.value for k, s in self.settings.items() if k.startswith(dot)}

    def dict_value(self, key: str) -> dict[str, Any] | None:
        """A dict-valued field (``optimizer_params``) rebuilt from its flattened keys."""
        if key in self.settings:
            value = self.settings[key].value
            return value if isinstance(value, dict) or value is None else None
        sub = self.subtree(key)
        return sub or None

    # Typed views, each derived once (the settings do not change after build_plan).

    @cached_property
    def batching(self) -> Batching:
        return Batching.read(self)

    @cached_property
    def optimizer(self) -> Optimizer:
        return Optimizer.read(self)

    @cached_property
    def lr_schedule(self) -> LrSchedule:
        return LrSchedule.read(self, self.optimizer.lr, self.extras.warmup)

    @property
    def scheduler(self) -> SchedulerSpec:
        """The scheduler the trainer builds, as the schedulers package models it."""
        return self.lr_schedule.spec

    @cached_property
    def model(self) -> ModelLimits:
        return ModelLimits.read(self)

    @cached_property
    def data(self) -> Data:
        return Data.read(self)

    @cached_property
    def bookkeeping(self) -> Bookkeeping:
        return Bookkeeping.read(self)

    @cached_property
    def extras(self) -> Extras:
        return Extras.read(self, Warmup.read(self))

    @cached_property
    def environment(self) -> Environment:
        return Environment.read(self)

    def source_of(self, key: str) -> Source | None:
        found = self.settings.get(key)
        return None if found is None else found.source
