"""`xtts-harness audit` on 10,000 generated clips vs loading them through XTTSDataset.

The dataset: N WAV clips (22050 Hz mono PCM_16, durations uniform in --seconds, by default
1 to 4 s like the demo data; XTTS fine-tuning clips run up to 11.6 s, and longer clips
only make the real path slower) with Amharic sentences from the demo data, in the coqui
CSV layout (train file + eval file of 1%).

Measured in this one run:

1. the audit in-process (read CSV, tokenize, read every audio header, judge, findings),
   median of 3 runs (also for 2);
2. the whole command in a fresh process (`python -m harness audit ...`), with the default
   text output and with `--format json` (which writes every sample's verdict);
3. the real path: the rows through coqui's formatter and `XTTSDataset(..., is_eval=True)`,
   which calls `load_item` on every sample (VoiceBpeTokenizer.encode, load_audio for the
   clip and again for the conditioning slice) and applies the length limits; TTS is
   imported before the clock starts. Run on every row (or on --real-rows of them, then
   scaled to N and labelled as such).

Targets (issue 3): the audit of 10,000 clips in at most 20 s, at least 10x less than the
real path. Usage: python benchmarks/bench_audit.py [--clips 10000] [--seconds 1 4]
[--real-rows 0]
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe" / "data"
VOCAB_AM = ROOT / "experiments" / "amharic_bpe" / "vocab_am.json"
RATE = 22050
ROUNDS = 3  # audit timings are medians of this many runs; the real path runs once


def make_dataset(root: Path, clips: int, seconds: tuple[float, float]) -> Path:
    """Write the clips and metadata; returns the dataset root."""
    with (DEMO / "metadata_train.csv").open(newline="", encoding="utf-8") as handle:
        sentences = [row["text"] for row in csv.DictReader(handle, delimiter="|")]
    rng = np.random.default_rng(0)
    wavs = root / "wavs"
    wavs.mkdir(parents=True)
    low, high = (int(s * RATE) for s in seconds)
    tone = (0.2 * np.sin(2 * np.pi * 200 * np.arange(high) / RATE) * 32767).astype(np.int16)
    rows = []
    for number in range(clips):
        frames = int(rng.integers(low, high + 1))
        name = f"wavs/clip_{number:05d}.wav"
        sf.write(root / name, tone[:frames], RATE, subtype="PCM_16")
        rows.append(f"{name}|{sentences[number % len(sentences)]}|speaker_{number % 7}")
    header = "audio_file|text|speaker_name"
    cut = clips // 100
    (root / "metadata_eval.csv").write_text("\n".join([header, *rows[:cut]]) + "\n", "utf-8")
    (root / "metadata_train.csv").write_text("\n".join([header, *rows[cut:]]) + "\n", "utf-8")
    return root


def time_audit(root: Path) -> tuple[float, object]:
    from harness.audit import audit_source, locate

    start = time.perf_counter()
    result = audit_source(locate(root), vocab=VOCAB_AM, language="am", tokenizer_mode="passthrough")
    return time.perf_counter() - start, result


def time_command(root: Path, config: Path, fmt: str) -> float:
    command = [
        sys.executable, "-m", "harness", "audit", str(config), "--dataset", str(root),
        "--vocab", str(VOCAB_AM), "--tokenizer", "passthrough", "--format", fmt,
        "-o", str(root.parent / f"audit.{fmt}"),
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"audit failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def time_real(root: Path, rows: int) -> tuple[float, int, int]:
    """Seconds for the real formatter + XTTSDataset(is_eval=True) on ``rows`` rows."""
    from TTS.tts.datasets.formatters import coqui
    from TTS.tts.layers.xtts import tokenizer as tokenizer_module
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.layers.xtts.trainer.dataset import XTTSDataset
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTArgs, GPTTrainerConfig

    tokenizer = VoiceBpeTokenizer(str(VOCAB_AM))

    def preprocess_text(txt, lang):  # what an Amharic fork patches in
        return tokenizer_module.collapse_whitespace(txt.replace('"', "").lower())

    tokenizer.preprocess_text = preprocess_text
    config = GPTTrainerConfig(model_args=GPTArgs())
    logging.disable(logging.CRITICAL)
    start = time.perf_counter()
    items = []
    for meta in ("metadata_train.csv", "metadata_eval.csv"):
        items += coqui(str(root), meta)
    items = items[:rows] if rows else items
    for item in items:
        item["language"] = "am"
    dataset = XTTSDataset(config, items, tokenizer, RATE, is_eval=True)
    elapsed = time.perf_counter() - start
    logging.disable(logging.NOTSET)
    return elapsed, len(items), len(dataset.samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, nargs=2, default=(1.0, 4.0))
    parser.add_argument("--real-rows", type=int, default=0, help="0: all rows")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        root = make_dataset(Path(tmp) / "data", args.clips, tuple(args.seconds))
        print(
            f"generated {args.clips} clips of {args.seconds[0]:g} to {args.seconds[1]:g} s "
            f"in {time.perf_counter() - start:.1f} s"
        )
        config = Path(tmp) / "config.toml"
        config.write_text('[plan]\nlanguage = "am"\n', encoding="utf-8")
        runs = [time_audit(root) for _ in range(ROUNDS)]
        audit_s, result = statistics.median(r[0] for r in runs), runs[-1][1]
        text_s = statistics.median(time_command(root, config, "text") for _ in range(ROUNDS))
        json_s = statistics.median(time_command(root, config, "json") for _ in range(ROUNDS))
        import TTS  # noqa: F401  (imported before the clock starts for the real path)

        real_s, rows, kept = time_real(root, args.real_rows)
    scale = args.clips / rows
    real_full = real_s * scale
    label = "measured" if rows == args.clips else f"measured on {rows} rows, scaled x{scale:.1f}"
    print(
        f"audit, in-process:               {audit_s:6.2f} s (median of {ROUNDS} runs, as below; "
        f"{result.totals.count(kept=True)} of {result.samples_total} kept)"
    )
    print(f"audit, command, text output:     {text_s:6.2f} s")
    print(f"audit, command, --format json:   {json_s:6.2f} s")
    print(f"real formatter + XTTSDataset:    {real_full:6.2f} s ({label}; {kept} of {rows} kept)")
    print(f"ratio real / audit command text: {real_full / text_s:6.1f}x (target >= 10x)")
    print(f"ratio real / audit command json: {real_full / json_s:6.1f}x")
    print(f"ratio real / audit in-process:   {real_full / audit_s:6.1f}x")
    slowest = max(text_s, json_s)
    ok = slowest <= 20 and real_full / slowest >= 10
    print(f"targets (<= 20 s, >= 10x, both outputs): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
