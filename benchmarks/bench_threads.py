"""Trial step time with torch's OpenMP threads waiting passively against spinning (default).

Each side is a fresh process (the OpenMP runtime reads OMP_WAIT_POLICY once, when torch
loads) that builds the demo's trial (the miniature release fine-tuned on the Amharic data,
arm ema=off,warmup=off, seed 0) through the real GPTTrainer and Trainer and times
``Trainer.train_step`` on the same batches. The sides alternate for --rounds rounds; the
medians are compared. On a machine whose cores are shared (other workers or jobs: the load
average is printed) spinning threads hold the cores the working ones need.
Usage: python benchmarks/bench_threads.py [--rounds 3] [--steps 6] [--threads 2]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "experiments" / "amharic_bpe" / "ablation.toml"


def child(steps: int, threads: int) -> None:
    """Time ``steps`` train steps of the demo trial; print the median seconds as JSON."""
    import dataclasses

    from harness.ablate.quiet import quiet_libraries

    quiet_libraries()
    import torch

    torch.set_num_threads(threads)
    from bench_ablate import bare_trainer

    from harness.ablate.prepare import prepare_assets
    from harness.ablate.runner import import_trainer_modules
    from harness.ablate.spec import load_spec

    import_trainer_modules()
    with tempfile.TemporaryDirectory() as tmp:
        spec = load_spec(SPEC)
        spec = prepare_assets(dataclasses.replace(spec, workdir=Path(tmp) / "runs"))
        trainer, _, _, loader = bare_trainer(spec, Path(tmp) / "runs" / "cache", Path(tmp) / "t")
        batches = [b for _, b in zip(range(3), loader, strict=False)]
        trainer.model.train()
        trainer.callbacks.on_train_epoch_start(trainer)
        trainer.train_step(copy.copy(batches[0]), 10, 0, time.time())  # warm-up
        times = []
        for index in range(steps):
            tick = time.perf_counter()
            trainer.train_step(copy.copy(batches[index % 3]), 10, index, time.time())
            times.append(time.perf_counter() - tick)
    print(json.dumps({"median": statistics.median(times)}))


def measure(policy: str | None, steps: int, threads: int) -> float:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    # An empty value is no policy to OpenMP (its default: spin, then sleep) and keeps the
    # harness from choosing one: the behaviour before harness/ablate/threads.py.
    env["OMP_WAIT_POLICY"] = policy or ""
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, __file__, "--child", str(steps), "--threads", str(threads)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["median"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.threads)
        return
    spin, passive = [], []
    for _ in range(args.rounds):
        spin.append(measure(None, args.steps, args.threads))
        passive.append(measure("PASSIVE", args.steps, args.threads))
    load = os.getloadavg()[0]
    print(f"{args.threads} torch threads, {os.cpu_count()} cores, load average {load:.1f}")
    print(f"spinning (default): {statistics.median(spin):.3f} s per train_step median")
    print(f"passive:            {statistics.median(passive):.3f} s per train_step median")
    ratio = statistics.median(spin) / statistics.median(passive)
    print(f"spinning / passive, seconds per step: {ratio:.2f}")


if __name__ == "__main__":
    main()
