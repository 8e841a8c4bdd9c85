"""`xtts-harness audit` of 1,000,000 metadata rows against 10,000 rows: peak memory, cost per row.

The dataset: a few hundred generated WAV clips (22050 Hz mono PCM_16, 1 to 4 s) that the
metadata references many times over, each row with one of the demo data's Amharic
sentences in turn. Every row is read,
cleaned, tokenized and judged, and every audio path is resolved; the headers of the few
hundred files are read once each, as the audit caches them by path (what a real dataset
of a million distinct files would add is header reads, measured by bench_audit.py).

Targets (issue 9): the 1,000,000-row audit in at most 500 MB peak (RSS of the process),
and a cost per row close to the 10,000-row case (streaming: memory independent of rows).
Each size runs in a fresh process, measured in this one run.
Usage: python benchmarks/bench_audit_scale.py [--rows 10000 1000000] [--clips 300]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
RATE = 22050


def make_clips(folder: Path, clips: int) -> list[str]:
    rng = np.random.default_rng(0)
    (folder / "wavs").mkdir(parents=True)
    names = []
    for index in range(clips):
        seconds = rng.uniform(1, 4)
        wave = (0.1 * rng.standard_normal(int(seconds * RATE))).astype(np.float32)
        name = f"wavs/clip_{index:04d}.wav"
        sf.write(folder / name, wave, RATE, subtype="PCM_16")
        names.append(name)
    return names


def sentences() -> list[str]:
    lines = (DEMO / "data" / "metadata_train.csv").read_text(encoding="utf-8").splitlines()
    return [line.split("|")[1] for line in lines[1:] if line.count("|") >= 2]


def write_metadata(path: Path, rows: int, clips: list[str], texts: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("audio_file|text|speaker_name\n")
        for row in range(rows):
            text = texts[row % len(texts)]
            handle.write(f"{clips[row % len(clips)]}|{text}|speaker{row % 7}\n")


def audit(folder: Path, metadata: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS bytes, exit code) of one audit process."""
    argv = [sys.executable, "-m", "harness", "audit", str(DEMO / "after.toml")]
    argv += ["--dataset", str(metadata), "--vocab", str(DEMO / "vocab_am.json")]
    argv += ["--tokenizer", "passthrough", "--language", "am"]
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env()
    )
    assert process.stderr is not None
    error = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"audit failed ({code}): {error.decode()[-800:]}")
    return time.perf_counter() - start, usage.ru_maxrss * 1024, code


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--clips", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips, texts = make_clips(folder, args.clips), sentences()
        measured = []
        for rows in args.rows:
            metadata = folder / f"metadata_{rows}.csv"
            write_metadata(metadata, rows, clips, texts)
            seconds, peak, _ = audit(folder, metadata)
            measured.append((rows, seconds, peak))
            size = metadata.stat().st_size / 1e6
            print(f"{rows:>9} rows ({size:.0f} MB CSV): {seconds:6.1f} s, peak {peak / 1e6:6.0f} MB"
                  f", {seconds / rows * 1e6:.1f} us/row")  # fmt: skip
    (small, t_small, m_small), (large, t_large, m_large) = measured[0], measured[-1]
    per_row = (t_large / large) / (t_small / small)
    print(f"cost per row, {large} against {small} rows: {per_row:.2f}x")
    print(f"memory per extra row: {(m_large - m_small) / (large - small):.0f} bytes")
    ok = m_large <= 500e6
    print(f"peak at {large} rows: {m_large / 1e6:.0f} MB ({'within' if ok else 'OVER'} 500 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
