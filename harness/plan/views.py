"""Typed views of a Plan, one per concept, each derived once from its settings.

``Plan`` builds each view on first use and keeps it (``functools.cached_property``): a
Plan's settings do not change after ``harness.plan.build`` made it. Every view field is a
``Field`` (key, value, source), so a rule reads ``plan.optimizer.lr.number`` and points its
finding at ``plan.optimizer.lr.key``; derived values (the run's step counts, the warmup's
length in its unit, the effective weight decay) are properties computed in one place.

To add a view field: add the attribute to the view's dataclass and one ``Field.read(plan,
KEY)`` line in its ``read`` classmethod; a new concept is a new dataclass here and one
``cached_property`` on ``Plan``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.plan.fields import Field, short
from harness.plan.library_facts import library_facts

if TYPE_CHECKING:
    from harness.plan.model import Plan

# torch.optim.lr_scheduler.LinearLR's default start_factor: LinearLR(optimizer, total_iters=w).
WARMUP_START_FACTOR = 1.0 / 3
WARMUP_IN_EPOCHS = "epochs"  # extras.warmup.unit; any other value counts optimizer steps


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return int(value)
    return None


# Batching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchingSettings:
    """The settings the run's shape is read from, with their sources."""

    batch_size: Field[int]
    grad_accum_steps: Field[int]  # TrainerArgs, not in config.json
    epochs: Field[int]
    dataset_size: Field[int]  # plan fact: training samples
    eval_size: Field[int]  # plan fact: eval samples
    start_with_eval: Field[bool]  # TrainerArgs
    run_eval: Field[bool]
    batch_group_size: Field[int]  # ignored by GPTTrainer's dataset (rule X607)

    @classmethod
    def read(cls, plan: Plan) -> BatchingSettings:
        return cls(
            batch_size=Field.read(plan, "batch_size"),
            grad_accum_steps=Field.read(plan, "grad_accum_steps"),
            epochs=Field.read(plan, "epochs"),
            dataset_size=Field.read(plan, "dataset_size"),
            eval_size=Field.read(plan, "eval_size"),
            start_with_eval=Field.read(plan, "start_with_eval"),
            run_eval=Field.read(plan, "run_eval"),
            batch_group_size=Field.read(plan, "batch_group_size"),
        )


@dataclass(frozen=True)
class Batching:
    """How many batches and optimizer steps the planned run has."""

    batch_size: int | None
    grad_accum_steps: int | None
    epochs: int | None
    dataset_size: int | None
    given: BatchingSettings  # where the numbers came from
    # TrainerArgs(start_with_eval=True) with run_eval: the first epoch only evaluates.
    eval_only_epochs: int = 0

    @classmethod
    def read(cls, plan: Plan) -> Batching:
        given = BatchingSettings.read(plan)
        # The trainer drops start_with_eval when it does not evaluate at all.
        eval_first = given.start_with_eval.value is True and given.run_eval.or_(True) is not False
        return cls(
            batch_size=given.batch_size.integer,
            grad_accum_steps=_int_or_none(given.grad_accum_steps.or_(1)),
            epochs=given.epochs.integer,
            dataset_size=given.dataset_size.integer,
            eval_only_epochs=1 if eval_first else 0,
            given=given,
        )

    @property
    def runs_eval(self) -> bool:
        """``run_eval``: True unless the config switches it off (unknown: its default)."""
        return bool(self.given.run_eval.or_(True))

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


# Optimizer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Optimizer:
    """The optimizer the trainer builds: ``optimizer(params, lr=lr, **optimizer_params)``."""

    name: Field[str]
    lr: Field[float]
    params: Field[dict]  # the optimizer_params key itself: a dict, None, Unknown, or absent
    params_dict: dict[str, Any] | None  # rebuilt from its flattened keys (Plan.dict_value)
    wd_only_on_weights: Field[bool]
    grad_clip: Field[float]

    @classmethod
    def read(cls, plan: Plan) -> Optimizer:
        return cls(
            name=Field.read(plan, "optimizer"),
            lr=Field.read(plan, "lr"),
            params=Field.read(plan, "optimizer_params"),
            params_dict=plan.dict_value("optimizer_params"),
            wd_only_on_weights=Field.read(plan, "optimizer_wd_only_on_weights"),
            grad_clip=Field.read(plan, "grad_clip"),
        )

    @property
    def weight_decay(self) -> float | None:
        """The weight decay the optimizer will use, or None when it cannot be known."""
        params = self.params_dict
        if isinstance(params, dict) and "weight_decay" in params:
            return Field("optimizer_params.weight_decay", params["weight_decay"]).number
        name = self.name.value
        defaults = library_facts().default_weight_decay  # versioned: torch's and RAdam's
        return defaults.get(name.lower()) if isinstance(name, str) else None

    @property
    def betas(self) -> Any:
        params = self.params_dict
        return params.get("betas") if isinstance(params, dict) else None


# Schedule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warmup:
    """``extras.warmup``: the one place that says whether a warmup runs, how long, in which
    unit (epochs, or optimizer steps), and from which start factor."""

    enabled: Field[bool]
    steps: Field[int]  # its length, counted in ``unit``
    unit: Field[str]
    start_factor: Field[float]

    @classmethod
    def read(cls, plan: Plan) -> Warmup:
        return cls(
            enabled=Field.read(plan, "extras.warmup.enabled"),
            steps=Field.read(plan, "extras.warmup.steps"),
            unit=Field.read(plan, "extras.warmup.unit"),
            start_factor=Field.read(plan, "extras.warmup.start_factor"),
        )

    @property
    def undecided(self) -> str | None:
        """Why static reading cannot say what the warmup does (it is then left out)."""
        if (unknown := self.enabled.unknown) is not None:
            return f"extras.warmup.enabled is unknown ({unknown.text})"
        if not self.enabled.value:
            return None
        if self.steps.number is None:
            return f"extras.warmup.steps is unknown ({short(self.steps.raw)})"
        if (unknown := self.unit.unknown) is not None:
            return f"extras.warmup.unit is unknown ({unknown.text}): warmup left out"
        return None

    @property
    def length(self) -> int:
        """Its length in ``unit``; 0 when it is off, undecided or not positive."""
        if not self.enabled.value or self.undecided is not None:
            return 0
        return max(int(self.steps.number or 0), 0)

    @property
    def in_epochs(self) -> bool:
        return self.unit.value == WARMUP_IN_EPOCHS

    @property
    def optimizer_steps(self) -> int:
        """Its length when counted in optimizer steps, else 0."""
        return 0 if self.in_epochs else self.length

    def steps_with(self, steps_per_epoch: int) -> int:
        """Its length in optimizer steps, an epoch being ``steps_per_epoch`` of them."""
        return self.length * steps_per_epoch if self.in_epochs else self.length

    @property
    def start(self) -> float:
        """LinearLR's start_factor: the configured one when in (0, 1], else torch's 1/3."""
        value = self.start_factor.number
        return value if value is not None and 0 < value <= 1 else WARMUP_START_FACTOR


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


@dataclass(frozen=True)
class LrSchedule:
    """The LR scheduler as configured, its stepping unit and the warmup in front of it."""

    name: Field[str]  # lr_scheduler
    params: Field[dict]  # the lr_scheduler_params key itself
    params_dict: dict[str, Any] | None  # rebuilt from its flattened keys
    after_epoch: Field[bool]  # scheduler_after_epoch
    warmup: Warmup
    spec: SchedulerSpec

    @classmethod
    def read(cls, plan: Plan, lr: Field[float], warmup: Warmup) -> LrSchedule:
        name, after = Field.read(plan, "lr_scheduler"), Field.read(plan, "scheduler_after_epoch")
        params = plan.dict_value("lr_scheduler_params")
        spec = SchedulerSpec(
            name=name.value,
            params=params or {},
            after_epoch=bool(after.or_(True)),
            base_lr=float(lr.value) if isinstance(lr.value, (int, float)) else None,
            warmup_steps=warmup.optimizer_steps,
        )
        return cls(
            name=name,
            params=Field.read(plan, "lr_scheduler_params"),
            params_dict=params,
            after_epoch=after,
            warmup=warmup,
            spec=spec,
        )

    @property
    def per_epoch(self) -> bool:
        """Stepped once per epoch (``scheduler_after_epoch`` True, its default)."""
        return self.spec.after_epoch


# Model, data, bookkeeping, extras, environment -------------------------------------------

ARGS = "model_args."


@dataclass(frozen=True)
class ModelLimits:
    """The model's sizes and limits (``model_args``, ``audio``) a config can break."""

    max_text_length: Field[int]  # tokens
    max_wav_length: Field[int]  # samples
    gpt_max_text_tokens: Field[int]
    gpt_max_audio_tokens: Field[int]
    gpt_code_stride_len: Field[int]
    gpt_num_audio_tokens: Field[int]
    gpt_start_audio_token: Field[int]
    gpt_stop_audio_token: Field[int]
    gpt_use_perceiver_resampler: Field[bool]
    gpt_number_text_tokens: Field[int]  # text vocabulary size
    gpt_layers: Field[int]
    tokenizer_file: Field[str]
    sample_rate: Field[int]  # audio.sample_rate
    checkpoint_text_tokens: Field[int]  # plan fact: rows of the checkpoint's text embedding

    @classmethod
    def read(cls, plan: Plan) -> ModelLimits:
        args = {
            name: Field.read(plan, ARGS + name)
            for name in cls.__dataclass_fields__
            if name not in ("sample_rate", "checkpoint_text_tokens")
        }
        return cls(
            **args,
            sample_rate=Field.read(plan, "audio.sample_rate"),
            checkpoint_text_tokens=Field.read(plan, "checkpoint_text_tokens"),
        )

    @property
    def audio_tokens(self) -> tuple[Field[Any], ...]:
        """The settings whose GPTArgs defaults are XTTS v1 values."""
        return (
            self.gpt_num_audio_tokens,
            self.gpt_start_audio_token,
            self.gpt_stop_audio_token,
            self.gpt_use_perceiver_resampler,
        )


@dataclass(frozen=True)
class Data:
    """What the run trains on: the first dataset, the language, the eval split, tokenizer."""

    path: Field[str]  # datasets[0].path
    meta_file_train: Field[str]
    meta_file_val: Field[str]
    formatter: Field[str]
    dataset_language: Field[str]  # datasets[0].language
    language: Field[str]  # plan fact: the training language
    eval_split_size: Field[float]
    eval_split_max_size: Field[int]
    tokenizer: Field[str]  # plan fact: stock or passthrough

    @classmethod
    def read(cls, plan: Plan) -> Data:
        first = "datasets[0]."
        return cls(
            path=Field.read(plan, first + "path"),
            meta_file_train=Field.read(plan, first + "meta_file_train"),
            meta_file_val=Field.read(plan, first + "meta_file_val"),
            formatter=Field.read(plan, first + "formatter"),
            dataset_language=Field.read(plan, first + "language"),
            language=Field.read(plan, "language"),
            eval_split_size=Field.read(plan, "eval_split_size"),
            eval_split_max_size=Field.read(plan, "eval_split_max_size"),
            tokenizer=Field.read(plan, "tokenizer"),
        )

    @property
    def training_language(self) -> str | None:
        """The plan fact ``language``, else the first dataset's language."""
        return self.language.text or self.dataset_language.text


@dataclass(frozen=True)
class Bookkeeping:
    """Checkpoints, logs and resuming: their steps count batches."""

    save_step: Field[int]
    save_checkpoints: Field[bool]
    save_best_after: Field[int]
    print_step: Field[int]
    plot_step: Field[int]
    continue_path: Field[str]  # TrainerArgs
    restore_path: Field[str]  # TrainerArgs

    @classmethod
    def read(cls, plan: Plan) -> Bookkeeping:
        return cls(**{name: Field.read(plan, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Ema:
    enabled: Field[bool]
    decay: Field[float]


@dataclass(frozen=True)
class Lora:
    enabled: Field[bool]
    r: Field[int]
    alpha: Field[int]
    dropout: Field[float]
    targets: Field[list]


@dataclass(frozen=True)
class Extras:
    """Options the Coqui trainer does not have, that fine-tuning forks add (``extras.*``)."""

    ema: Ema
    warmup: Warmup
    lora: Lora
    freeze_modules: Field[list]
    grad_clip_after_optimizer_step: Field[bool]
    ablation_evidence: Field[list]  # study names / reports that justify EMA or warmup
    dead_settings: Field[list]  # trainer settings a script defines but never passes

    @classmethod
    def read(cls, plan: Plan, warmup: Warmup) -> Extras:
        def read(name: str) -> Field[Any]:
            return Field.read(plan, "extras." + name)

        return cls(
            ema=Ema(read("ema.enabled"), read("ema.decay")),
            warmup=warmup,
            lora=Lora(*(read(f"lora.{name}") for name in Lora.__dataclass_fields__)),
            freeze_modules=read("freeze.modules"),
            grad_clip_after_optimizer_step=read("grad_clip_after_optimizer_step"),
            ablation_evidence=read("ablation_evidence"),
            dead_settings=read("dead_settings"),
        )


@dataclass(frozen=True)
class Environment:
    """What runs the script, read from its repository (harness.plan.library)."""

    trainer_library: Field[str]  # e.g. "coqui-tts-trainer 0.1.4"
    tts_library: Field[str]  # e.g. "coqui-tts 0.24.2"
    torch_version: Field[str]
    torchaudio_version: Field[str]
    installed_packages: Field[list]
    tts_loads_weights_only: Field[bool]
    mixed_precision: Field[bool]  # what trainer 0.3.1 does per epoch depends on it

    @classmethod
    def read(cls, plan: Plan) -> Environment:
        return cls(**{name: Field.read(plan, name) for name in cls.__dataclass_fields__})
