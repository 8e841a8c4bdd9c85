"""The harness's overhead per trial against a bare loop of the same trainer steps.

Both sides fine-tune the same GPTTrainer (the demo spec: the miniature release with the
Amharic extension, arm ema=off,warmup=off, seed 0) through the same trainer.Trainer, run
the same N optimizer steps with ``Trainer.train_step`` and the same evaluations (new
language and held-out base language) with ``Trainer.eval_epoch``:

- bare: what a user would write: seed, build the model, Trainer(...), loaders, a loop of
  train_step calls, eval_epoch every K steps. No Optuna, no EMA, no progress bar.
- harness: one trial of a real study: the study in SQLite, the trial claimed under the
  lock, its heartbeat thread, the sample check, reports to Optuna, the rich progress bar
  (drawn into a buffer), user attributes, tell.

Each side runs --rounds times, alternating (and which goes first alternates too), after
one warm-up trial each (imports, the database's tables, the worker's sample check: once
per worker, not per trial; the checkpoint copy and the extended vocab are made once,
before both; the harness's warm-up is printed as its first-trial cost). The figure is
the median of the per-round ratios: the two trials of a round run back to back, under
about the same load. The target (issue 4) is an overhead of at most 5% per trial. No GPU
is lent to this machine, so only the miniature scale on CPU is measured.
Usage: python benchmarks/bench_ablate.py [--steps 60] [--eval-every 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "experiments" / "amharic_bpe" / "ablation.toml"


def bare_trainer(spec, cache: Path, out: Path):
    """What a user would write: the Trainer, its two eval loaders and its train loader."""
    from trainer import Trainer, TrainerArgs

    from harness.ablate.assets import prepare_tiny_assets
    from harness.ablate.build import TrialSettings, architecture, build_config, build_model
    from harness.ablate.checkpoint import cached_copy, load_gpt_weights
    from harness.ablate.miniature.dvae import load_small_dvae
    from harness.ablate.runner import seed_everything
    from harness.ablate.samples import load_samples

    release = spec.scale.checkpoint_dir
    train, evals, datasets = load_samples((spec.data,))
    _, held_out, _ = load_samples((spec.held_out,))
    codes = architecture(spec.scale)["gpt_num_audio_tokens"] - 2
    stub = prepare_tiny_assets(cache, codes, [], 22050).dvae_stub
    settings = TrialSettings(0, spec.steps, spec.eval_every, "cpu", "fp32", spec.data.vocab, 1)
    mel_stats = release / "mel_stats.pth"
    config = build_config(spec.plan, spec.scale, settings, mel_stats=mel_stats, dvae=stub)
    config.datasets = datasets
    seed_everything(0)
    model = build_model(config, spec.data.language, load_small_dvae(release / "dvae.pth", codes))
    load_gpt_weights(model, cached_copy(release / "model.pth", cache))
    trainer = Trainer(
        TrainerArgs(grad_accum_steps=1),
        config,
        output_path=str(out),
        model=model,
        train_samples=train,
        eval_samples=evals,
        parse_command_line_args=False,
    )
    new_language = trainer.get_eval_dataloader(evals, verbose=False)
    base_language = trainer.get_eval_dataloader(held_out, verbose=False)
    loader = trainer.get_train_dataloader(train, verbose=False)
    return trainer, new_language, base_language, loader


def bare_trial(spec, cache: Path, out: Path) -> tuple[float, float, int]:
    """Wall seconds of the whole trial, seconds inside train_step, optimizer steps."""
    started = time.perf_counter()
    trainer, new_language, base_language, loader = bare_trainer(spec, cache, out)
    steps, in_steps = 0, 0.0
    while steps < spec.steps:
        trainer.model.train()
        trainer.callbacks.on_train_epoch_start(trainer)
        for index, batch in enumerate(loader):
            tick = time.perf_counter()
            trainer.train_step(batch, len(loader), index, time.time())
            in_steps += time.perf_counter() - tick
            steps += 1
            if steps % spec.eval_every == 0:
                for eval_loader in (new_language, base_language):  # both objectives
                    trainer.eval_loader = eval_loader
                    trainer.eval_epoch()
                trainer.model.train()
                trainer.callbacks.on_train_epoch_start(trainer)
            if steps >= spec.steps:
                break
    trainer.dashboard_logger.finish()
    return time.perf_counter() - started, in_steps, steps


def harness_trial(spec, storage_dir: Path, round_index: int) -> tuple[float, float, int]:
    from rich.console import Console

    from harness.ablate.progress import RichProgress
    from harness.ablate.storage import study_lock
    from harness.ablate.study import claim_next, execute_trial, prepare_study

    spec = dataclasses.replace(spec, name=f"bench-{round_index}", seeds=(0,))
    url = f"sqlite:///{storage_dir / 'studies.db'}"
    started = time.perf_counter()
    study = prepare_study(spec, url, resume=False)
    with study_lock(study._storage, spec.name):
        trial = claim_next(study, spec)
    progress = RichProgress(spec.name, 1, 0, Console(file=io.StringIO(), stderr=False))
    execute_trial(study, trial, spec, progress)
    progress.close()
    wall = time.perf_counter() - started
    done = study.trials[trial.number]
    if done.state.name != "COMPLETE":
        raise SystemExit(f"harness trial failed: {done.user_attrs.get('failure')}")
    return wall, done.user_attrs["train_seconds"], done.user_attrs["steps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--eval-every", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import torch

    from harness.ablate.quiet import quiet_libraries
    from harness.ablate.runner import import_trainer_modules
    from harness.ablate.spec import load_spec

    quiet_libraries()
    import_trainer_modules()
    from harness.ablate.prepare import prepare_assets

    spec = load_spec(SPEC)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        spec = dataclasses.replace(
            spec, steps=args.steps, eval_every=args.eval_every, workdir=root / "runs"
        )
        spec = prepare_assets(spec)  # the checkpoint copy and extended vocab, once
        cache = root / "runs" / "cache"  # the harness's default cache under its workdir
        print(f"miniature fine-tune, CPU, {torch.get_num_threads()} threads; no GPU here")
        print(f"{args.steps} optimizer steps, eval every {args.eval_every}, batch 4")
        warm_bare = bare_trial(spec, cache, root / "warmup")  # imports, assets
        warm_ours = harness_trial(spec, root, -1)  # tables, sample check
        print(f"warm-up trials (once per worker): bare {warm_bare[0]:.2f} s, "
              f"harness {warm_ours[0]:.2f} s")  # fmt: skip
        bare, ours = [], []
        for index in range(args.rounds):
            # Alternate which side runs first, so that a side is not always the one that
            # meets the load another process starts or stops between the two.
            for side in ("bare", "harness") if index % 2 == 0 else ("harness", "bare"):
                if side == "bare":
                    bare.append(bare_trial(spec, cache, root / f"bare-{index}"))
                else:
                    ours.append(harness_trial(spec, root, index))
        report("bare loop", bare)
        report("harness  ", ours)
        # Each round's two trials ran back to back under about the same load: the median
        # of the per-round ratios is the figure least moved by load that changes over time.
        paired = statistics.median(o[0] / b[0] for o, b in zip(ours, bare, strict=True))
        print(f"harness / bare, whole trial (median of per-round ratios): {paired:.3f} "
              "(target <= 1.05)")  # fmt: skip
        ratio = statistics.median(w for w, _, _ in ours) / statistics.median(w for w, _, _ in bare)
        print(f"harness / bare, whole trial (median wall): {ratio:.3f}")
        load = os.getloadavg()[0]
        print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
        best = min(w for w, _, _ in ours) / min(w for w, _, _ in bare)
        print(f"harness / bare, whole trial (fastest of each): {best:.3f}")
        step_ratio = statistics.median(t for _, t, _ in ours) / statistics.median(
            t for _, t, _ in bare
        )
        print(f"harness / bare, time inside train_step: {step_ratio:.3f}")


def report(name: str, runs: list[tuple[float, float, int]]) -> None:
    walls = [w for w, _, _ in runs]
    rates = [s / t for _, t, s in runs if t > 0]
    print(
        f"{name}: trial {statistics.median(walls):.2f} s median "
        f"(runs {', '.join(f'{w:.2f}' for w in walls)}); "
        f"{statistics.median(rates):.2f} optimizer steps/s inside train_step"
        + ("" if all(math.isfinite(r) for r in rates) else " (invalid)")
    )


if __name__ == "__main__":
    main()
