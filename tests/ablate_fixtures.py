"""Small real ablation studies for tests (and for other tests that need one to read).

``write_miniature_spec`` writes a spec that fine-tunes the shipped miniature release on
the Amharic demo data at the smallest useful size; ``run_small_study`` runs it to
completion in a given folder and returns the storage URL. It runs with two workers on a
copy of the release whose model.pth is in the legacy format (which coqui rewrites in place
on first load): the test of that case and the tests that only read a completed study share
the one study (the ``small_study`` fixture).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
RELEASE = ROOT / "experiments" / "miniature_release"

SPEC = """
[study]
name = "{name}"
base = "{base}"
scale = "{scale}"
seeds = {seeds}
steps = {steps}
eval_every = {eval_every}
heartbeat_interval = 1
grace_period = 3
workdir = "{workdir}"

[data]
path = "{data}"
vocab = "{vocab}"
language = "am"

[overrides]
grad_accum_steps = 1

[factors.ema.off]
extras.ema.enabled = false
[factors.ema.on]
extras.ema.enabled = true
extras.ema.decay = 0.9
"""


def write_miniature_spec(
    folder: Path,
    *,
    name: str = "mini",
    seeds: int = 2,
    steps: int = 4,
    eval_every: int = 2,
    scale: Path = RELEASE,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / f"{name}.toml"
    spec.write_text(
        SPEC.format(
            name=name,
            base=DEMO / "after.toml",
            scale=scale,
            seeds=seeds,
            steps=steps,
            eval_every=eval_every,
            workdir=folder / "runs",
            data=DEMO / "data",
            vocab=DEMO / "vocab_am.json",
        ),
        encoding="utf-8",
    )
    return spec


LEGACY = "legacy-release"  # the folder, next to the storage, of the legacy-format copy
LEGACY_SHA_ATTR = "test_legacy_model_sha256"  # its model.pth's hash before the study


def run_small_study(folder: Path, **kwargs) -> str:
    """Run the small miniature study to completion with two workers on a legacy-format
    copy of the release; return its SQLite storage URL."""
    import optuna

    from harness.ablate.progress import Progress
    from harness.ablate.spec import load_spec
    from harness.ablate.study import run_study

    legacy = legacy_copy(folder / LEGACY)
    before = hashlib.sha256((legacy / "model.pth").read_bytes()).hexdigest()
    url = f"sqlite:///{folder / 'studies.db'}"
    spec = load_spec(write_miniature_spec(folder, scale=legacy, **kwargs))
    run_study(spec, url, workers=2, progress=Progress())
    optuna.load_study(study_name=spec.name, storage=url).set_user_attr(LEGACY_SHA_ATTR, before)
    return url


def legacy_release(url: str) -> Path:
    """The legacy-format copy the study of ``run_small_study`` at ``url`` ran on."""
    return Path(url.removeprefix("sqlite:///")).parent / LEGACY


def legacy_copy(folder: Path) -> Path:
    """The miniature release with model.pth in the legacy format of the original XTTS v2
    release: its "config" an XttsConfig object, pickled under the classes' old module."""
    import pytest
    import torch
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.models.xtts import _legacy_safe_globals

    shutil.copytree(RELEASE, folder)
    state = torch.load(folder / "model.pth", map_location="cpu", weights_only=True)
    with _legacy_safe_globals():  # the classes pickle under TTS.tts.models.xtts, as then
        torch.save({"model": state["model"], "config": XttsConfig()}, folder / "model.pth")
    with pytest.raises(Exception, match="Weights only load failed"):
        torch.load(folder / "model.pth", weights_only=True)
    return folder
