"""``ablate --dry-run``: a 5-step warm-up trial, then what the whole study will cost.

The warm-up is a real trial (first arm, first seed) on the study's device and precision,
in a temporary folder, recorded nowhere. From it: seconds per optimizer step, seconds per
evaluation, the fixed cost of a trial (building the model and loaders), and peak memory
(GPU: torch's peak allocation; CPU: the process's peak resident size).
"""

from __future__ import annotations

import math
import resource
import tempfile
from pathlib import Path
from typing import Any

from harness.ablate.spec import AblationSpec, Arm, apply_overrides, default_workdir

WARMUP_STEPS = 5


def dry_run(spec: AblationSpec, devices: int = 1) -> dict[str, Any]:
    """Measure the warm-up and estimate the study's wall time per device."""
    from harness.ablate.prepare import prepare_assets
    from harness.ablate.runner import TrialRequest, run_trial
    from harness.ablate.study import resolve_device

    spec = prepare_assets(spec)
    device, precision = resolve_device(spec)
    arm = spec.arms[0] if spec.arms else Arm(())
    plan = apply_overrides(spec.plan, spec.arm_overrides(arm), spec.path, "dry run")
    with tempfile.TemporaryDirectory() as tmp:
        result = run_trial(
            TrialRequest(
                plan=plan,
                data=spec.data,
                scale=spec.scale,
                seed=spec.seeds[0],
                steps=WARMUP_STEPS,
                eval_every=WARMUP_STEPS,
                objective=spec.objective,
                output_dir=Path(tmp) / "warmup",
                cache_dir=default_workdir(spec) / "cache",
                device=device,
                precision=precision,
                held_out=spec.held_out,
            )
        )
    return estimate(spec, result, devices, device, precision)


def estimate(spec: AblationSpec, result: Any, devices: int, device: str, precision: str) -> dict:
    per_step = result.train_seconds / max(result.steps, 1)
    per_eval = result.eval_seconds
    fixed = max(result.seconds - result.train_seconds - result.eval_seconds, 0.0)
    evals = math.ceil(spec.steps / spec.eval_every)
    trial = fixed + spec.steps * per_step + evals * per_eval
    trials = spec.total_trials
    per_device = math.ceil(trials / max(devices, 1))
    return {
        "arms": len(spec.arms),
        "seeds": len(spec.seeds),
        "steps": spec.steps,
        "trials": trials,
        "device": device,
        "precision": precision,
        "devices": devices,
        "seconds_per_step": round(per_step, 4),
        "seconds_per_eval": round(per_eval, 3),
        "seconds_fixed_per_trial": round(fixed, 2),
        "seconds_per_trial": round(trial, 1),
        "wall_seconds_per_device": round(per_device * trial, 1),
        "peak_memory_mb": _peak_memory_mb(result, device),
    }


def _peak_memory_mb(result: Any, device: str) -> float:
    if device == "cuda" and "peak_memory_mb" in result.extras:
        return float(result.extras["peak_memory_mb"])
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
