"""One trial: the real GPTTrainer through the real ``trainer.Trainer``, for N optimizer steps.

Never ``Trainer.fit()``: it turns every exception (``optuna.TrialPruned`` too) into
``sys.exit(1)``, may delete the run folder, and Ctrl-C ends in ``os._exit(130)``. The
runner drives the Trainer's own pieces the way ``Trainer._fit``/``train_epoch`` do:
``callbacks.on_train_epoch_start``, ``train_step`` per batch (which accumulates gradients
and steps the optimizer and, with ``scheduler_after_epoch`` False, the scheduler),
the epoch-end scheduler step, and ``eval_epoch``. It stops after ``steps`` *optimizer*
steps (counted by a hook on the optimizer, so accumulation and the extra step the Trainer
takes on the last batch of every epoch are counted as the Trainer really does them).

Each trial has its own output folder (``trainer_0_log.txt``, config.json, TensorBoard
events), writes no checkpoint, and gives back the FileHandler the Trainer adds to the
"trainer" logger. The objective is the mean eval loss over all eval batches (the
Trainer's own running average drops the first batch, docs/xtts-facts.md section 1); it is also
written to TensorBoard as ``Ablation/eval_<objective>`` against optimizer steps.
"""

from __future__ import annotations

import math
import random
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.ablate.build import TrialSettings, build_config, build_model
from harness.ablate.failure import TrialFailed, failure_reason
from harness.ablate.private import stepped_optimizers
from harness.ablate.quiet import released_trainer_handlers
from harness.ablate.samples import check_train_samples, load_samples
from harness.ablate.spec import DataSpec, Scale
from harness.plan.model import Plan


@dataclass(frozen=True)
class TrialRequest:
    plan: Plan  # base config + spec overrides + this trial's levels / sampled values
    data: DataSpec
    scale: Scale
    seed: int
    steps: int
    eval_every: int
    objective: str
    output_dir: Path
    cache_dir: Path
    device: str = "cpu"  # "cpu" | "cuda" (resolved: not "auto")
    precision: str = "fp32"  # "fp32" | "bf16" | "fp16" (resolved)
    extra_train: tuple[DataSpec, ...] = ()  # more training languages (the base's pretraining)
    held_out: DataSpec | None = None  # a base language's eval clips: the forgetting objective
    eval_at_start: bool = False  # also evaluate before the first step (the untrained value)
    from_scratch: bool = False  # a miniature scale without its model.pth (pretraining)
    save_weights: Path | None = None  # write the trained GPT here (the miniature's model.pth)


@dataclass
class TrialResult:
    value: float
    curve: list[tuple[int, float]]  # (optimizer step, objective) at each evaluation
    train_curve: list[tuple[int, float]]  # (optimizer step, train loss_mel_ce)
    steps: int
    batches: int
    seconds: float
    train_seconds: float  # wall time inside train_step only
    output_path: str
    samples: dict[str, int]
    extras: dict[str, Any] = field(default_factory=dict)
    held_out_curve: list[tuple[int, float]] = field(default_factory=list)  # forgetting
    eval_seconds: float = 0.0  # wall time inside evaluations

    @property
    def held_out_value(self) -> float | None:
        return self.held_out_curve[-1][1] if self.held_out_curve else None

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.train_seconds if self.train_seconds else 0.0


class TrialHooks:
    """Called by the runner; the study's hooks report to Optuna and drive the progress bar.

    Exceptions of the types in ``passthrough`` (``optuna.TrialPruned``) leave the runner
    as they are; any other error becomes TrialFailed with a one-line reason.
    """

    passthrough: tuple[type[BaseException], ...] = ()

    def on_start(self, total_steps: int) -> None:
        """The model is built; training starts."""

    def on_step(self, step: int, loss: float) -> None:
        """An optimizer step finished; ``loss`` is its last batch's train loss_mel_ce."""

    def on_eval(self, step: int, value: float) -> None:
        """An evaluation finished. May raise ``optuna.TrialPruned``."""


def run_trial(request: TrialRequest, hooks: TrialHooks | None = None) -> TrialResult:
    """Train one trial; raise TrialFailed with a reason when it cannot give a value."""
    hooks = hooks or TrialHooks()
    started = time.perf_counter()
    request.output_dir.mkdir(parents=True, exist_ok=True)
    import_trainer_modules()  # importing trainer adds its console handler: before the scope
    with released_trainer_handlers():
        session = _Session(request)
        try:
            result = session.train(hooks)
        except TrialFailed:
            raise
        except Exception as error:  # the trainer's own errors become the trial's reason
            if isinstance(error, hooks.passthrough):
                raise
            _write_traceback(request.output_dir, error)
            raise TrialFailed(failure_reason(error)) from error
        finally:
            session.close()
    result.seconds = time.perf_counter() - started
    return result


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch; GPTTrainer must be built after this to be reproducible."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def import_trainer_modules() -> None:
    """Import TTS's XTTS trainer modules without their ``torch.set_num_threads(1)``.

    The dataset module sets one thread at import; the worker chose the thread count
    (cores / workers) before, so keep it.
    """
    import torch

    threads = torch.get_num_threads()
    import TTS.tts.layers.xtts.trainer.dataset
    import TTS.tts.layers.xtts.trainer.gpt_trainer  # noqa: F401

    torch.set_num_threads(threads)


class _StepCounter:
    """Counts real optimizer steps (a post-step hook), whatever the Trainer decided."""

    def __init__(self, optimizer: Any):
        self.steps = 0
        self._handle = optimizer.register_step_post_hook(self._count)

    def _count(self, *_: Any) -> None:
        self.steps += 1

    def remove(self) -> None:
        self._handle.remove()


class _Session:
    """The Trainer, model, loaders, EMA and warmup of one trial."""

    def __init__(self, request: TrialRequest):
        self.request = request
        self.trainer: Any = None
        self.removers: list[Callable[[], None]] = []
        self.ema: Any = None
        self.extras: dict[str, Any] = {}

    # ------------------------------------------------------------------ setup
    def build(self) -> None:
        from trainer import Trainer, TrainerArgs

        req = self.request
        plan = req.plan
        grad_accum = int(plan.batching.given.grad_accum_steps.or_(1) or 1)
        settings = TrialSettings(
            seed=req.seed,
            steps=req.steps,
            eval_every=req.eval_every,
            device=req.device,
            precision=req.precision,
            vocab=req.data.vocab or Path(plan.model.tokenizer_file.value),
            grad_accum_steps=grad_accum,
        )
        train_samples, eval_samples, datasets = load_samples((req.data, *req.extra_train))
        config, small_dvae, checkpoint_copy = self._config(settings, train_samples)
        config.datasets = datasets
        _reset_peak_memory()
        seed_everything(req.seed)
        model = build_model(config, req.data.language, small_dvae)
        if checkpoint_copy is not None:
            from harness.ablate.checkpoint import load_gpt_weights

            self.extras["checkpoint"] = load_gpt_weights(model, checkpoint_copy).to_dict()
        self.trainer = Trainer(
            TrainerArgs(grad_accum_steps=grad_accum),
            config,
            output_path=str(req.output_dir),
            model=model,
            train_samples=train_samples,
            eval_samples=eval_samples,
            parse_command_line_args=False,
        )
        self.extras["device"] = str(next(model.parameters()).device)
        self._add_ema_and_warmup(plan)
        self.counter = _StepCounter(self.trainer.optimizer[0])
        self.removers.append(self.counter.remove)
        self._build_loaders(train_samples, eval_samples)
        self.held_out_loader = self._held_out_loader()

    def _config(self, settings: TrialSettings, samples: list[Any]) -> tuple[Any, Any, Path | None]:
        from harness.ablate.assets import load_small_dvae, prepare_tiny_assets
        from harness.ablate.build import architecture
        from harness.ablate.checkpoint import cached_copy

        req = self.request
        codes = architecture(req.scale)["gpt_num_audio_tokens"] - 2
        if req.scale.kind == "tiny":
            clips = [s["audio_file"] for s in samples]
            rate = int(req.plan.model.sample_rate.or_(22050))
            tiny = prepare_tiny_assets(req.cache_dir, codes, clips, rate)
            config = build_config(
                req.plan, req.scale, settings, mel_stats=tiny.mel_stats, dvae=tiny.dvae_stub
            )
            return config, load_small_dvae(tiny), None
        if req.scale.kind == "miniature":
            from harness.ablate.miniature.dvae import load_small_dvae as load_miniature_dvae

            folder = req.scale.checkpoint_dir
            assert folder is not None
            stub = prepare_tiny_assets(req.cache_dir, codes, [], 22050).dvae_stub
            config = build_config(
                req.plan, req.scale, settings, mel_stats=folder / "mel_stats.pth", dvae=stub
            )
            copy = None if req.from_scratch else cached_copy(folder / "model.pth", req.cache_dir)
            return config, load_miniature_dvae(folder / "dvae.pth", codes), copy
        folder = req.scale.checkpoint_dir
        assert folder is not None
        copy = cached_copy(folder / "model.pth", req.cache_dir)
        config = build_config(
            req.plan,
            req.scale,
            settings,
            mel_stats=folder / "mel_stats.pth",
            dvae=folder / "dvae.pth",
        )
        return config, None, copy

    def _add_ema_and_warmup(self, plan: Plan) -> None:
        from harness.ablate.ema import Ema
        from harness.ablate.warmup import chain_warmup

        trainer = self.trainer
        optimizer = trainer.optimizer[0]
        ema, warmup_view = plan.extras.ema, plan.lr_schedule.warmup
        if ema.enabled.or_(False):
            decay = float(ema.decay.or_(0.999))
            self.ema = Ema(trainer.model.xtts.gpt, optimizer, decay)
            self.removers.append(self.ema.remove)
        if warmup_view.length:
            steps = self._warmup_steps(plan)
            if steps > 0:
                start = warmup_view.start  # the configured one in (0, 1], else LinearLR's 1/3
                per_epoch = bool(trainer.config.scheduler_after_epoch)
                warmup = chain_warmup(
                    optimizer, trainer.scheduler[0], steps, start, base_per_epoch=per_epoch
                )
                trainer.scheduler[0] = warmup
                if hasattr(warmup, "remove"):
                    self.removers.append(warmup.remove)
                self.extras["warmup_steps"] = steps

    def _warmup_steps(self, plan: Plan) -> int:
        warmup = plan.lr_schedule.warmup
        steps = warmup.length
        if not warmup.in_epochs:
            return steps
        # A warmup counted in epochs: convert with this dataset's optimizer steps per epoch.
        batching = plan.batching
        size = len(self.trainer.train_samples)
        batches = math.ceil(size / (batching.batch_size or 1))
        return steps * math.ceil(batches / (batching.grad_accum_steps or 1))

    def _build_loaders(self, train_samples: list[Any], eval_samples: list[Any]) -> None:
        trainer = self.trainer
        try:
            trainer.eval_loader = trainer.get_eval_dataloader(eval_samples, verbose=False)
        except AssertionError:  # the Trainer asserts a non-empty loader
            trainer.eval_loader = None
        eval_kept = len(trainer.eval_loader.dataset.samples) if trainer.eval_loader else 0
        trainer.train_loader = trainer.get_train_dataloader(train_samples, verbose=False)
        kept, checked, first_error = check_train_samples(trainer.train_loader.dataset)
        self.samples = {
            "train_total": len(train_samples),
            "train_checked": checked,
            "train_kept": kept,
            "eval_total": len(eval_samples),
            "eval_kept": eval_kept,
        }
        if kept == 0:
            raise TrialFailed(
                f"the XTTS dataset drops all {checked} training samples checked "
                f"(first: {first_error}); see the dataset audit"
            )
        if eval_kept == 0:
            raise TrialFailed(
                f"the XTTS dataset drops all {len(eval_samples)} eval samples; "
                "see the dataset audit"
            )

    def _held_out_loader(self) -> Any:
        """The eval loader of the held-out base language (the forgetting objective)."""
        if self.request.held_out is None:
            return None
        _, held_out, _ = load_samples((self.request.held_out,))
        loader = self.trainer.get_eval_dataloader(held_out, verbose=False)
        self.samples["held_out_kept"] = len(loader.dataset.samples)
        return loader

    def _evaluate_all(self, step: int) -> float:
        """Evaluate the new language (the objective) and, if any, the held-out base one."""
        tick = time.perf_counter()
        value = self._evaluate_both(step)
        self.eval_seconds += time.perf_counter() - tick
        return value

    def _evaluate_both(self, step: int) -> float:
        value = self.evaluate()
        self.curve.append((step, value))
        if self.held_out_loader is not None:
            loader, self.trainer.eval_loader = self.trainer.eval_loader, self.held_out_loader
            try:
                self.held_out_curve.append((step, self.evaluate(tag="held_out")))
            finally:
                self.trainer.eval_loader = loader
        return value

    # ------------------------------------------------------------------ training
    def train(self, hooks: TrialHooks) -> TrialResult:
        self.build()
        req, trainer = self.request, self.trainer
        hooks.on_start(req.steps)
        self.curve: list[tuple[int, float]] = []
        self.held_out_curve: list[tuple[int, float]] = []
        self.eval_seconds = 0.0
        if req.eval_at_start:
            self._evaluate_all(0)
        train_curve: list[tuple[int, float]] = []
        batches, train_seconds = 0, 0.0
        while self.counter.steps < req.steps:
            self._epoch_start()
            loader = trainer.train_loader
            n_batches = len(loader)
            loader_start = time.time()
            for cur_step, batch in enumerate(loader):
                before = self.counter.steps
                tick = time.perf_counter()
                _, loss_dict = trainer.train_step(batch, n_batches, cur_step, loader_start)
                train_seconds += time.perf_counter() - tick
                batches += 1
                loss = float((loss_dict or {}).get("loss", math.nan))
                if not math.isfinite(loss):
                    raise TrialFailed(f"non-finite train loss ({loss}) at batch {batches}")
                if self.counter.steps > before:
                    step = self.counter.steps
                    mel = float(loss_dict.get("loss_mel_ce", loss))
                    train_curve.append((step, mel))
                    hooks.on_step(step, mel)
                    if step % req.eval_every == 0 or step >= req.steps:
                        hooks.on_eval(step, self._evaluate_all(step))
                    if step >= req.steps:
                        break
                loader_start = time.time()
            else:
                self._epoch_end()
        if req.save_weights is not None:
            from harness.ablate.checkpoint import save_gpt_weights

            save_gpt_weights(trainer.model, req.save_weights)
        return TrialResult(
            value=self.curve[-1][1],
            curve=self.curve,
            held_out_curve=self.held_out_curve,
            eval_seconds=self.eval_seconds,
            train_curve=train_curve,
            steps=self.counter.steps,
            batches=batches,
            seconds=0.0,
            train_seconds=train_seconds,
            output_path=str(trainer.output_path),
            samples=self.samples,
            extras=self._extras(),
        )

    def _epoch_start(self) -> None:
        from trainer.generic_utils import KeepAverage

        trainer = self.trainer
        trainer.keep_avg_train = KeepAverage()
        trainer.callbacks.on_epoch_start(trainer)
        trainer.model.train()
        trainer.callbacks.on_train_epoch_start(trainer)  # GPTTrainer: gpt.train(), rest eval

    def _epoch_end(self) -> None:
        """What ``Trainer.train_epoch`` does after its loop: the per-epoch scheduler step."""
        trainer = self.trainer
        trainer.callbacks.on_train_epoch_end(trainer)
        if trainer.config.scheduler_after_epoch:
            for idx, scheduler in enumerate(trainer.scheduler):
                if scheduler is not None and idx in stepped_optimizers(trainer):
                    scheduler.step()
        stepped_optimizers(trainer).clear()
        trainer.callbacks.on_epoch_end(trainer)
        trainer.epochs_done += 1

    def evaluate(self, tag: str = "") -> float:
        """The Trainer's eval_epoch (EMA weights swapped in); the true mean over batches."""
        from contextlib import nullcontext

        from trainer.generic_utils import KeepAverage

        trainer = self.trainer
        trainer.keep_avg_eval = KeepAverage()
        recorded: list[tuple[float, int]] = []
        original = trainer.eval_step

        def recording_eval_step(batch: dict[str, Any], step: int) -> Any:
            outputs, loss_dict = original(batch, step)
            if loss_dict is not None:
                size = int(batch["text_lengths"].shape[0])
                recorded.append((float(loss_dict[self.request.objective]), size))
            return outputs, loss_dict

        trainer.eval_step = recording_eval_step  # instance attribute: eval_epoch calls it
        try:
            with self.ema.swapped_in() if self.ema else nullcontext():
                trainer.eval_epoch()
        finally:
            del trainer.eval_step
        trainer.model.train()
        trainer.callbacks.on_train_epoch_start(trainer)  # back to gpt.train(), rest eval
        total = sum(size for _, size in recorded)
        value = sum(v * size for v, size in recorded) / total if total else math.nan
        if not math.isfinite(value):
            raise TrialFailed(f"non-finite eval {self.request.objective} ({value})")
        name = f"eval_{self.request.objective}" + (f"_{tag}" if tag else "")
        trainer.dashboard_logger.add_scalars("Ablation", {name: value}, self.counter.steps)
        return value

    def _extras(self) -> dict[str, Any]:
        import torch

        extras = dict(self.extras)
        if torch.cuda.is_available() and extras["device"].startswith("cuda"):
            extras["peak_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        if self.ema is not None:
            extras["ema_updates"] = self.ema.updates
        return extras

    def close(self) -> None:
        for remove in self.removers:
            remove()
        if self.trainer is not None:
            self.trainer.dashboard_logger.finish()
        uses_cuda = self.extras.get("device", "").startswith("cuda")
        self.trainer = None
        self.ema = None
        if uses_cuda:  # give the GPU memory back before the next trial builds its model
            import gc

            import torch

            gc.collect()
            torch.cuda.empty_cache()


def _reset_peak_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _write_traceback(folder: Path, error: BaseException) -> None:
    try:
        text = "".join(traceback.format_exception(error))
        (folder / "error.txt").write_text(text, encoding="utf-8")
    except OSError:
        pass
