"""Every documented command example runs as written, from the repository's layout, after the
demo: exit 0 (clean) or 1 (findings), never 2 (bad input) and never a traceback.

The examples run in a workspace laid out like a clone after ``nox -s demo``: the repository's
folders linked in, plus the demo's outputs. The demo's ablation study
(reports/demo/ablation.db) is built once per session through the real ``ablate`` command,
from the demo's own spec at the smallest size (2 seeds, 2 optimizer steps per trial), so
``results`` and ``report --storage`` read a real study. Only examples that need it carry the
``ablate`` marker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from command_examples import ROOT, CommandExample, collect_examples

EXAMPLES = collect_examples()
AMHARIC = Path("experiments/amharic_bpe")
DEMO_STORAGE = "reports/demo/ablation.db"
BUILD_BASE_OUT = ".xtts-harness/miniature"  # `ablate build-base`'s default --out
# What an example needs beyond the repository, by a pattern of its text. Add a row when a
# documented command needs a file a clone does not have.
NEEDS_STUDY = re.compile(r"\bablate\b|\bresults\b|--storage|amharic-bpe-ema-warmup")
FILES = {  # workspace path -> repository file copied there
    "train.py": "tests/fixtures/configs/gokhaneraslan_style/train.py",
    "config.py": "tests/fixtures/configs/gokhaneraslan_style/config.py",
    "runs/my_run/config.json": "harness/data/xtts_v2/config.json",
}
# The demo's study at the smallest size that still has every arm and both objectives.
SMALLEST = {
    r"(?m)^seeds = \d+": "seeds = 2",
    r"(?m)^steps = \d+": "steps = 2",
    r"(?m)^eval_every = \d+": "eval_every = 2",
}


def _params() -> list:
    params = []
    for example in EXAMPLES:
        marks = [pytest.mark.ablate, pytest.mark.slow] if NEEDS_STUDY.search(example.text) else []
        params.append(pytest.param(example, id=example.where, marks=marks))
    return params


def run_cli(argv: tuple[str, ...] | list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "harness", *argv], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone's layout: the repository's folders linked in, the files examples name."""
    root = tmp_path_factory.mktemp("clone")
    for name in ("baselines", "docs", "examples", "harness", "tests"):
        (root / name).symlink_to(ROOT / name)
    demo = root / AMHARIC
    demo.mkdir(parents=True)
    release = "experiments/miniature_release"  # the demo spec's scale, named relatively
    (root / release).symlink_to(ROOT / release)
    for entry in (ROOT / AMHARIC).iterdir():
        if entry.name != "ablation.toml":
            (demo / entry.name).symlink_to(entry)
    spec = (ROOT / AMHARIC / "ablation.toml").read_text(encoding="utf-8")
    for pattern, new in SMALLEST.items():
        spec, found = re.subn(pattern, new, spec, count=1)
        assert found, f"the demo spec no longer matches {pattern!r}: update SMALLEST"
    (demo / "ablation.toml").write_text(spec, encoding="utf-8")
    for target, source in FILES.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / source, root / target)
    # `ablate build-base` as after its first run: its default folder holds an up-to-date
    # build (the shipped one), so the example takes the cached path a user then sees. The
    # build itself is tested end to end at a reduced size in test_ablate_miniature.py.
    shutil.copytree(ROOT / release, root / BUILD_BASE_OUT)
    return root


@pytest.fixture(scope="session")
def demo_study(workspace: Path) -> Path:
    """reports/demo/ablation.db as the demo writes it, from the demo's spec at 2 x 2."""
    (workspace / "reports/demo").mkdir(parents=True, exist_ok=True)
    argv = ["ablate", str(AMHARIC / "ablation.toml"), "--storage", DEMO_STORAGE, "--resume"]
    done = run_cli(argv, workspace)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return workspace / DEMO_STORAGE


def test_examples_come_from_every_kind_of_document() -> None:
    places = {example.where.split(":")[0] for example in EXAMPLES}
    assert "README.md" in places and "docs/report.md" in places
    assert "experiments/amharic_bpe/ablation.toml" in places
    assert any(place.startswith("--help of ") for place in places)
    print(f"{len(EXAMPLES)} command examples")  # shown with pytest -s


@pytest.mark.parametrize("example", _params())
def test_documented_command_runs_as_written(
    example: CommandExample, workspace: Path, request: pytest.FixtureRequest
) -> None:
    if NEEDS_STUDY.search(example.text):
        request.getfixturevalue("demo_study")
    done = run_cli(example.argv, workspace)
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), f"{example.where}: {example.text}\n{output[-3000:]}"
    assert "Traceback" not in output
