"""The full-scale GPU check (``nox -s gpu``): XTTS v2's GPT at the release dimensions.

Prints steps/s, tokens/s, peak memory and the wall time of a 100-epoch run per batch size
(4, 8, 16) and precision (fp32, bf16), and writes them as JSON. Meant to finish in under 8
minutes on one H100/H200. Without a GPU it runs on the CPU: pass --tiny there.

    python benchmarks/gpu_check.py [--config path/to/xtts_v2/config.json] [--checkpoint model.pth]
        [--steps 30] [--dataset-clips 1000] [--out benchmarks/gpu_check.json] [--tiny]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.ablate.gpucheck import gpu_check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="the release config.json (dimensions)")
    parser.add_argument("--checkpoint", type=Path, help="model.pth (default: random weights)")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batches", default="4,8,16")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--dataset-clips", type=int, default=1000)
    parser.add_argument("--clip-seconds", type=float, default=6.0)
    parser.add_argument("--text-tokens", type=int, default=80)
    parser.add_argument("--tiny", action="store_true", help="tiny dimensions (CPU test)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    figures = gpu_check(
        args.config,
        args.checkpoint,
        batches=tuple(int(b) for b in args.batches.split(",")),
        precisions=tuple(args.precisions.split(",")),
        steps=args.steps,
        clip_seconds=args.clip_seconds,
        text_len=args.text_tokens,
        dataset_clips=args.dataset_clips,
        tiny=args.tiny,
    )
    print(f"{figures['device']}: GPT {figures['gpt_parameters'] / 1e6:.1f} M parameters")
    for c in figures["cases"]:
        memory = "-" if c["peak_memory_mb"] is None else f"{c['peak_memory_mb']:.0f} MB"
        print(
            f"  batch {c['batch']:>2} {c['precision']}: {c['steps_per_second']:.2f} steps/s, "
            f"{c['tokens_per_second']:.0f} tokens/s, peak {memory}, "
            f"100 epochs of {figures['dataset_clips']} clips: {c['hours_for_100_epochs']} h"
        )
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
