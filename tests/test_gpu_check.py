"""The prepared GPU check: the same script on a CPU at tiny dimensions (so it cannot rot),
and at full size where a GPU is present (the only tests allowed to skip in CI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


@pytest.mark.ablate
def test_the_gpu_check_runs_on_a_cpu_at_tiny_dimensions(tmp_path):
    pytest.importorskip("TTS")
    out = tmp_path / "figures.json"
    command = [
        sys.executable,
        str(SCRIPT),
        "--tiny",
        "--steps",
        "2",
        "--batches",
        "1,2",
        "--precisions",
        "fp32",
        "--clip-seconds",
        "0.5",
        "--text-tokens",
        "8",
        "--dataset-clips",
        "10",
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert [(c["batch"], c["precision"]) for c in figures["cases"]] == [(1, "fp32"), (2, "fp32")]
    assert all(
        c["steps_per_second"] > 0 and c["hours_for_100_epochs"] > 0 for c in figures["cases"]
    )
    assert figures["model_args"]["gpt_layers"] == 2 and "batch  2 fp32" in done.stdout


@pytest.mark.gpu
def test_the_full_size_gpt_trains_on_the_gpu_in_fp32_and_bf16(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no GPU here")
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--steps", "5", "--batches", "4", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["gpt_parameters"] > 300e6  # the 30-layer, 1024-channel GPT of XTTS v2
    assert {c["precision"] for c in figures["cases"]} == {"fp32", "bf16"}
