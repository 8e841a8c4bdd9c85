"""Small real ablation studies for tests (and for other tests that need one to read).

``write_miniature_spec`` writes a spec that fine-tunes the shipped miniature release on
the Amharic demo data at the smallest useful size; ``run_small_study`` runs it to
completion in a given folder (about a minute on 2 cores) and returns the storage URL.
Tests that only read a completed study share one (the ``small_study`` fixture).
"""

from __future__ import annotations

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


def run_small_study(folder: Path, **kwargs) -> str:
    """Run the small miniature study to completion; return its SQLite storage URL."""
    from harness.ablate.progress import Progress
    from harness.ablate.spec import load_spec
    from harness.ablate.study import run_study

    url = f"sqlite:///{folder / 'studies.db'}"
    run_study(load_spec(write_miniature_spec(folder, **kwargs)), url, progress=Progress())
    return url
