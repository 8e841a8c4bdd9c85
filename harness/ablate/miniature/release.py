"""Build the miniature release (``xtts-harness ablate build-base``): deterministic, cached.

1. espeak-ng speech in en, es, de (``corpus``): training clips and held-out clips;
2. a BPE vocab of those languages with their language tags (``vocab``);
3. mel statistics of that audio and a small DVAE trained on it (``dvae``);
4. the tiny XTTS-architecture GPT pretrained on the three languages through the real
   GPTTrainer and trainer.Trainer (``runner.run_trial``, from scratch), its eval
   loss_mel_ce on the held-out clips measured before and after: the build fails unless
   pretraining lowered it by at least ``learned_min`` (30%).

Everything is seeded; the folder is written next to its target and renamed into place, and
a folder whose manifest holds the same settings hash is reused as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.ablate.miniature.layout import MANIFEST, MARKER, file_hashes, read_manifest
from harness.errors import HarnessError

# The generator's settings: the manifest stores them and their hash (the cache key).
SETTINGS: dict[str, Any] = {
    "version": 1,
    "languages": ["en", "es", "de"],
    "train_clips": 48,  # per language
    "held_out_clips": 8,  # per language, sentences the training set never has
    "num_codes": 256,
    "dvae_steps": 40,
    "gpt_steps": 120,
    "batch_size": 8,
    "lr": 1.5e-3,
    "seed": 20261201,
    "learned_min": 0.30,  # the build fails unless pretraining lowers held-out loss this much
}
PRETRAIN_CONFIG: dict[str, Any] = {
    "meta": {"name": "miniature-pretraining"},
    "optimizer": "AdamW",
    "optimizer_wd_only_on_weights": True,
    "optimizer_params": {"betas": [0.9, 0.96], "eps": 1e-8, "weight_decay": 1e-2},
    "lr_scheduler": "MultiStepLR",
    "lr_scheduler_params": {"milestones": [10**9], "gamma": 0.5},
    "scheduler_after_epoch": True,
    "model_args": {
        "max_conditioning_length": 44100,  # 1-2 s prompts: pretraining is about the codes
        "min_conditioning_length": 22050,
        "max_wav_length": 242550,
        "max_text_length": 200,
        "gpt_use_masking_gt_prompt_approach": True,
    },
    "audio": {"sample_rate": 22050, "dvae_sample_rate": 22050, "output_sample_rate": 24000},
    "trainer": {"grad_accum_steps": 1},
}


@dataclass(frozen=True)
class BuildResult:
    folder: Path
    manifest: dict[str, Any]
    reused: bool


def settings_hash(settings: dict[str, Any] = SETTINGS) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def build_release(
    out: Path, settings: dict[str, Any] = SETTINGS, *, force: bool = False
) -> BuildResult:
    """Build the release into ``out`` (reused when its manifest has these settings)."""
    out = Path(out)
    found = read_manifest(out)
    if not force and found and found.get("settings_hash") == settings_hash(settings):
        return BuildResult(out, found, reused=True)
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".miniature-", dir=out.parent))
    try:
        release = work / "release"
        manifest = _build(release, work, settings)
        manifest["build_seconds"] = round(time.perf_counter() - started, 1)
        manifest["files"] = file_hashes(release)
        (release / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(release, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BuildResult(out, manifest, reused=False)


def _build(release: Path, work: Path, settings: dict[str, Any]) -> dict[str, Any]:
    import torch

    from harness.ablate.assets import save_atomic
    from harness.ablate.miniature import corpus, dvae, vocab

    torch.manual_seed(settings["seed"])
    release.mkdir(parents=True)
    data = {
        lang: corpus.write_language(
            lang, work / "data" / lang, settings["train_clips"], settings["held_out_clips"]
        )
        for lang in settings["languages"]
    }
    for lang, found in data.items():
        _copy_held_out(found, release / "held_out" / lang)
    texts = {lang: vocab.cleaned(corpus.read_texts(d), lang) for lang, d in data.items()}
    vocab_size = vocab.train_base_vocab(texts, release / "vocab.json")
    clips = sorted(str(p) for d in data.values() for p in (d.folder / "wavs").glob("*.wav"))
    mels = dvae.log_mels(clips[: len(clips)], corpus.SAMPLE_RATE)
    stats = dvae.mel_stats(mels)
    save_atomic(stats, release / "mel_stats.pth")
    model = dvae.train_dvae(
        mels, stats, settings["num_codes"], settings["dvae_steps"], settings["seed"]
    )
    save_atomic(model.state_dict(), release / "dvae.pth")
    _write_config(release, settings, vocab_size)
    learned = _pretrain(release, work, data, settings)
    return {
        "generator": "harness.ablate.miniature.release",
        "settings": settings,
        "settings_hash": settings_hash(settings),
        "vocab_size": vocab_size,
        "dvae_codes_used": dvae.codes_used(model, mels, stats),
        "learned": learned,
        "versions": _versions(),
    }


def _copy_held_out(data: Any, target: Path) -> None:
    """The held-out clips with a metadata file that lists them as train and as eval."""
    (target / "wavs").mkdir(parents=True)
    for row in (data.folder / data.eval).read_text(encoding="utf-8").splitlines()[1:]:
        audio = row.split("|", 1)[0]
        shutil.copy(data.folder / audio, target / audio)
    for name in (data.train, data.eval):
        shutil.copy(data.folder / data.eval, target / name)


def _write_config(release: Path, settings: dict[str, Any], vocab_size: int) -> None:
    from harness.ablate.assets import TINY_MODEL_ARGS
    from harness.ablate.build import V2_ARCHITECTURE
    from harness.ablate.miniature.dvae import SMALL_DVAE

    codes = settings["num_codes"]
    model_args = {
        **V2_ARCHITECTURE,
        **TINY_MODEL_ARGS,
        "gpt_num_audio_tokens": codes + 2,
        "gpt_start_audio_token": codes,
        "gpt_stop_audio_token": codes + 1,
        "gpt_number_text_tokens": vocab_size,
    }
    config = {
        "model": "xtts",
        "languages": settings["languages"],
        "model_args": model_args,
        "audio": PRETRAIN_CONFIG["audio"],
        MARKER: {"dvae": SMALL_DVAE, "num_codes": codes, "settings_hash": settings_hash(settings)},
    }
    (release / "config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def _pretrain(release: Path, work: Path, data: dict[str, Any], settings: dict[str, Any]) -> dict:
    """Pretrain the GPT from scratch; its held-out eval loss before and after."""
    from harness.ablate.runner import TrialRequest, run_trial
    from harness.ablate.spec import DataSpec, Scale, apply_overrides
    from harness.plan.build import build_plan
    from harness.plan.mapping import raw_from_mapping

    plan = build_plan(raw_from_mapping(PRETRAIN_CONFIG, name="miniature-pretraining", path=None))
    overrides = {
        "lr": settings["lr"],
        "batch_size": settings["batch_size"],
        "eval_batch_size": settings["batch_size"],
    }
    plan = apply_overrides(plan, overrides, release / "config.json", "pretraining")
    specs = [
        DataSpec(d.folder, d.train, d.eval, lang, release / "vocab.json")
        for lang, d in data.items()
    ]
    result = run_trial(
        TrialRequest(
            plan=plan,
            data=specs[0],
            extra_train=tuple(specs[1:]),
            scale=Scale("miniature", release),
            seed=settings["seed"],
            steps=settings["gpt_steps"],
            eval_every=settings["gpt_steps"],
            objective="loss_mel_ce",
            output_dir=work / "pretrain",
            cache_dir=work / "cache",
            eval_at_start=True,
            from_scratch=True,
            save_weights=release / "model.pth",
        )
    )
    untrained, trained = result.curve[0][1], result.curve[-1][1]
    reduction = 1 - trained / untrained
    if reduction < settings["learned_min"]:
        raise HarnessError(
            f"pretraining lowered the held-out eval loss_mel_ce by {reduction:.0%} "
            f"({untrained:.3f} -> {trained:.3f}), less than {settings['learned_min']:.0%}",
            fix="raise gpt_steps or lr in the generator's settings",
        )
    return {
        "objective": "eval loss_mel_ce on the held-out clips of " + ", ".join(data),
        "untrained": round(untrained, 4),
        "pretrained": round(trained, 4),
        "reduction": round(reduction, 4),
        "steps": result.steps,
        "steps_per_second": round(result.steps_per_second, 3),
    }


def _versions() -> dict[str, str]:
    import torch

    try:
        espeak = subprocess.run(
            ["espeak-ng", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        espeak = "absent"
    return {"torch": torch.__version__, "espeak-ng": espeak}
