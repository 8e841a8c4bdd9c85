"""Real Coqui Trainer run folders for the check-run tests: ``Trainer.fit()`` on the tiny GPTTrainer.

The model, assets and samples are the ablation code's (``harness.ablate``): a 2-layer GPT with
the XTTS v2 architecture otherwise, the demo's Amharic clips and extended vocab. What differs
from a trial is that the real ``Trainer.fit()`` drives the epochs, so the run folder is exactly
what a user's run leaves behind: config.json, trainer_0_log.txt, TensorBoard events and (when
``save_step`` is reached) checkpoints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"


@dataclass(frozen=True)
class RunRecipe:
    """The settings of one tiny run; everything else is the demo's "after" config."""

    name: str
    epochs: int = 3
    batch_size: int = 13  # 52 demo clips: 4 batches per epoch
    grad_accum_steps: int = 1
    start_with_eval: bool = False
    scheduler_after_epoch: bool = True
    milestones: tuple[int, ...] = (1, 2)
    save_step: int = 10**9
    config: dict[str, Any] = field(default_factory=dict)  # more GPTTrainerConfig fields


def fit_run(recipe: RunRecipe, out: Path, cache: Path) -> Path:
    """Train ``recipe`` with ``Trainer.fit()``; return the run folder it wrote."""
    from dataclasses import replace

    from trainer import Trainer, TrainerArgs

    from harness.ablate.assets import load_small_dvae, prepare_tiny_assets
    from harness.ablate.build import TrialSettings, architecture, build_config, build_model
    from harness.ablate.design import Scale
    from harness.ablate.runner import import_trainer_modules, seed_everything
    from harness.ablate.samples import load_samples
    from harness.ablate.spec import load_spec

    import_trainer_modules()
    # The demo's data and vocab on the tiny scale: a run folder in seconds, not minutes.
    spec = replace(load_spec(DEMO / "ablation.toml"), scale=Scale("tiny"))
    train, evals, datasets = load_samples([spec.data])
    codes = architecture(spec.scale)["gpt_num_audio_tokens"] - 2
    tiny = prepare_tiny_assets(cache, codes, [s["audio_file"] for s in train], 22050)
    settings = TrialSettings(
        seed=0,
        steps=0,
        eval_every=1,
        device="cpu",
        precision="fp32",
        vocab=spec.data.vocab,
        grad_accum_steps=recipe.grad_accum_steps,
    )
    config = build_config(
        spec.plan, spec.scale, settings, mel_stats=tiny.mel_stats, dvae=tiny.dvae_stub
    )
    _run_settings(config, recipe)
    config.datasets = datasets
    seed_everything(0)
    model = build_model(config, spec.data.language, load_small_dvae(tiny))
    args = TrainerArgs(
        grad_accum_steps=recipe.grad_accum_steps, start_with_eval=recipe.start_with_eval
    )
    trainer = Trainer(
        args,
        config,
        output_path=str(out),
        model=model,
        train_samples=train,
        eval_samples=evals,
        parse_command_line_args=False,
    )
    try:
        trainer.fit()
    finally:
        _release_log_handlers(out)
    return Path(trainer.output_path)


def _run_settings(config: Any, recipe: RunRecipe) -> None:
    config.run_name = recipe.name
    config.epochs = recipe.epochs
    config.batch_size = recipe.batch_size
    config.eval_batch_size = recipe.batch_size
    config.lr = 1e-3
    config.lr_scheduler = "MultiStepLR"
    config.lr_scheduler_params = {"milestones": list(recipe.milestones), "gamma": 0.5}
    config.scheduler_after_epoch = recipe.scheduler_after_epoch
    config.save_step = recipe.save_step
    config.save_checkpoints = True
    config.save_best_after = 10**9
    config.print_step = 1
    config.plot_step = 1
    for key, value in recipe.config.items():
        setattr(config, key, value)


def _release_log_handlers(out: Path) -> None:
    """The Trainer adds a FileHandler on its log file; close it so the folder can go."""
    root = logging.getLogger("trainer")
    for handler in list(root.handlers):
        if str(out) in getattr(handler, "baseFilename", ""):
            root.removeHandler(handler)
            handler.close()
