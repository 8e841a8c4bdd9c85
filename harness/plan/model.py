"""The Plan: one description of a training run, whatever file it came from.

Keys are dotted coqpit paths (``lr``, ``lr_scheduler_params.milestones``,
``model_args.max_text_length``, ``datasets[0].language``), plus the trainer
arguments and plan facts listed in ``FACT_KEYS`` and the ``extras.*`` keys in
``EXTRA_KEYS``. Every setting carries its Source. Values may be ``Unknown``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from harness.plan.source import Setting, Source, Unknown

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


@dataclass(frozen=True)
class Batching:
    """How many batches and optimizer steps the planned run has."""

    batch_size: int | None
    grad_accum_steps: int | None
    epochs: int | None
    dataset_size: int | None
    # TrainerArgs(start_with_eval=True) with run_eval: the first epoch only evaluates.
    eval_only_epochs: int = 0

    @property
    def trained_epochs(self) -> int | None:
        """Epochs that train: ``epochs`` less an evaluation-only first epoch."""
        if self.epochs is None:
            return None
        return max(self.epochs - self.eval_only_epochs, 0)

    @property
    def batches_per_epoch(self) -> int | None:
        if not self.dataset_size or not self.batch_size:
            return None
        return math.ceil(self.dataset_size / self.batch_size)

    @property
    def optimizer_steps_per_epoch(self) -> int | None:
        # The trainer also steps on the last batch of each epoch (docs/xtts-facts.md section 1).
        batches = self.batches_per_epoch
        if batches is None or not self.grad_accum_steps:
            return None
        return math.ceil(batches / self.grad_accum_steps)

    @property
    def total_optimizer_steps(self) -> int | None:
        per_epoch, epochs = self.optimizer_steps_per_epoch, self.trained_epochs
        return None if per_epoch is None or epochs is None else per_epoch * epochs

    @property
    def total_batches(self) -> int | None:
        per_epoch, epochs = self.batches_per_epoch, self.trained_epochs
        return None if per_epoch is None or epochs is None else per_epoch * epochs


@dataclass(frozen=True)
class SchedulerSpec:
    """The LR scheduler the trainer will build, and the unit it is stepped in."""

    name: str | None  # torch class name or NoamLR / StepwiseGradualLR; None: constant LR
    params: dict[str, Any]
    after_epoch: bool  # scheduler_after_epoch: True steps once per epoch
    base_lr: float | None
    warmup_steps: int = 0  # extras.warmup chained before the scheduler (optimizer steps)

    @property
    def unit(self) -> str:
        return "epoch" if self.after_epoch else "optimizer_step"


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

    @property
    def batching(self) -> Batching:
        return Batching(
            batch_size=_int_or_none(self.known("batch_size")),
            grad_accum_steps=_int_or_none(self.known("grad_accum_steps", 1)),
            epochs=_int_or_none(self.known("epochs")),
            dataset_size=_int_or_none(self.known("dataset_size")),
            eval_only_epochs=1 if self.starts_with_eval else 0,
        )

    @property
    def starts_with_eval(self) -> bool:
        """The trainer's first epoch only evaluates (it drops start_with_eval without eval)."""
        return self.known("start_with_eval") is True and self.known("run_eval", True) is not False

    @property
    def scheduler(self) -> SchedulerSpec:
        warmup = 0
        if self.known("extras.warmup.enabled") and self.known("extras.warmup.unit") != "epochs":
            warmup = _int_or_none(self.known("extras.warmup.steps")) or 0
        lr = self.known("lr")
        return SchedulerSpec(
            name=self.known("lr_scheduler"),
            params=self.dict_value("lr_scheduler_params") or {},
            after_epoch=bool(self.known("scheduler_after_epoch", True)),
            base_lr=float(lr) if isinstance(lr, (int, float)) else None,
            warmup_steps=warmup,
        )

    def source_of(self, key: str) -> Source | None:
        found = self.settings.get(key)
        return None if found is None else found.source


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return int(value)
    return None
