"""astroid (pylint's inference engine) against the harness's own static evaluator, on the
question the lint path asks: what does GPTTrainerConfig(...) receive?

Measured in this one run, on the 60 KB multi-module repository of bench_lint_script.py:

- speed: a cold process that parses the training module and infers every keyword of the
  config call (astroid), against a cold process that loads the plan (harness);
- correctness: keys whose value equals what the code really passes, from running the
  fixture's own code with the recording stubs of tests/oracle (dataset of 8,000 samples);
- safety: whether a value is computed whatever its size ('a' * 10**8 builds 100 MB in
  astroid; the harness's bound is 100,000 items).

Prints the figures; exit 0. Needs astroid (``pip install astroid``).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lint_script import build_repo

ROOT = Path(__file__).resolve().parents[1]
ORACLE = ROOT / "tests" / "oracle"
ARGV = ["headlessXttsTrain.py", "--lang", "am", "--epochs", "7", "--batch_size", "4"]
ROUNDS = 3
ASTROID_LIMIT_S = 240  # astroid follows GPTArgs into the installed TTS and torch sources

ASTROID = """
import json, sys, astroid
from astroid.manager import AstroidManager
repo = sys.argv[1]
sys.path.insert(0, repo)
module = AstroidManager().ast_from_file(repo + "/utils/gpt_train.py", modname="utils.gpt_train")
call = next(n for n in module.nodes_of_class(astroid.nodes.Call)
            if getattr(n.func, "name", "") == "GPTTrainerConfig")
out = {}
for keyword in call.keywords:
    try:
        values = [v for v in keyword.value.infer() if v is not astroid.Uninferable]
    except astroid.InferenceError:
        values = []
    if len(values) == 1 and isinstance(values[0], astroid.nodes.Const):
        out[keyword.arg] = values[0].value
print(json.dumps(out))
"""
HARNESS = """
import json, sys, os
from harness.app.configs import load_candidates
os.chdir(sys.argv[1])
[plan] = load_candidates(["python", *sys.argv[2:]], overrides=["dataset_size=8000"])
print(json.dumps({k: s.value for k, s in plan.settings.items() if not s.source.is_default},
                 default=str))
"""
SAFETY = """
import astroid, resource, time
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
node = astroid.extract_node("'a' * 10**8")
start = time.perf_counter()
value = next(node.infer())
print(len(value.value), round(time.perf_counter() - start, 3))
"""


def cold(code: str, *args: str, limit: float | None = None) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return math.inf, "{}"
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr[-800:])
    return elapsed, done.stdout


def oracle(repo: Path, tmp: Path) -> dict:
    out = tmp / "oracle.json"
    env = {**os.environ, "PYTHONPATH": str(ORACLE), "ORACLE_OUT": str(out)}
    env["ORACLE_DATASET_SIZE"] = "8000"
    subprocess.run([sys.executable, *ARGV], cwd=repo, env=env, check=True)
    return json.loads(out.read_text(encoding="utf-8"))["config"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        repo = build_repo(Path(tmp))
        real = oracle(repo, Path(tmp))
        # One astroid run: it is the slow side by orders of magnitude, and capped.
        astroid_time, astroid_out = cold(ASTROID, str(repo), limit=ASTROID_LIMIT_S)
        harness_times = []
        for _ in range(ROUNDS):
            elapsed, harness_out = cold(HARNESS, str(repo), *ARGV)
            harness_times.append(elapsed)
    scalars = {k: v for k, v in real.items() if not isinstance(v, (dict, list))}
    by_astroid = json.loads(astroid_out)
    by_harness = json.loads(harness_out)
    right_astroid = sum(1 for k, v in scalars.items() if by_astroid.get(k, object()) == v)
    right_harness = sum(1 for k, v in scalars.items() if by_harness.get(k, object()) == v)
    h = statistics.median(harness_times)
    if math.isinf(astroid_time):
        print(f"astroid: not done after {ASTROID_LIMIT_S} s (cold process, one config call)")
        print(f"harness: median {h:.3f} s over {ROUNDS} cold runs (whole command line)")
        print(f"  ratio: the harness is more than {ASTROID_LIMIT_S / h:.0f}x faster")
    else:
        print(f"cold process: astroid {astroid_time:.3f} s (one run), harness {h:.3f} s")
        print(f"  ratio: the harness is {astroid_time / h:.1f}x faster")
    print(f"scalar config values right ({len(scalars)} passed by the real run):")
    print(f"  astroid {right_astroid}, harness {right_harness}")
    _, safety = cold(SAFETY)
    size, seconds = safety.split()
    print(f"safety: astroid computed 'a' * 10**8 ({int(size):,} characters in {seconds} s);")
    print("  the harness gives Unknown past 100,000 items (tests/test_script_bounds.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
