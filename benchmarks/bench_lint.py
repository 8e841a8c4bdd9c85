"""Cold `xtts-harness lint` (whole process) vs importing coqui's GPTTrainerConfig.

Any coqpit-based loader pays at least
`python -c "from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig"`;
the harness keeps the library defaults as data so that it does not.

Targets (issue 2): median lint at most 0.3 s, at least 15x faster than that import.
Both are measured in this one run, alternating, each in a fresh process.

Figures (2 shared cores, load average 2-5 from two other sessions, PYTHONDONTWRITEBYTECODE
unset; two runs each):

- with numpy on the lint path (the schedulers, commit 7a46017): lint 0.398 s vs import
  10.52 s (26.4x), and 0.412 s vs 11.40 s (27.7x): 0.3 s missed.
- pure-Python schedulers (no numpy import): lint 0.211 s vs 10.79 s (51.1x), and 0.234 s
  vs 10.62 s (45.3x); merged with the faster script reader (commit cb2971c): 0.270 s vs
  11.34 s (41.9x).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = [
    sys.executable,
    "-m",
    "harness",
    "lint",
    "experiments/amharic_bpe/after.toml",
    "--baseline",
    "gokhaneraslan-head",
    "--format",
    "json",
]
IMPORT_TTS = [
    sys.executable,
    "-c",
    "from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig",
]
ROUNDS = 7


def wall(command: list[str], ok_codes: tuple[int, ...]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok_codes:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> int:
    lint_times, import_times = [], []
    for _ in range(ROUNDS):
        lint_times.append(wall(LINT, (0, 1)))
        import_times.append(wall(IMPORT_TTS, (0,)))
    lint_median = statistics.median(lint_times)
    import_median = statistics.median(import_times)
    ratio = import_median / lint_median
    print(f"lint, whole process, cold:         median {lint_median:.3f} s over {ROUNDS} runs")
    print(f"import GPTTrainerConfig (coqpit):  median {import_median:.3f} s over {ROUNDS} runs")
    print(
        f"ratio: lint is {ratio:.1f}x faster (target >= 15x); "
        f"lint median {lint_median / 0.3:.2f} of the 0.3 s target"
    )
    ok = lint_median <= 0.3 and ratio >= 15
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
