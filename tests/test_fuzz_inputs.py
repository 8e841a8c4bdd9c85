"""Property: for any bytes in any input the harness reads, a command exits 0, 1 or 2, with
nothing escaping as a traceback, within the worker's memory and time limits, and every
input stays byte-identical. Inputs are random bytes, and real files with a random slice
replaced (which keeps most of a valid structure, so the loaders get past their first line).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bounded_cli import Worker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
# Examples per property; `nox -s quick` runs the first few of the same derandomised sequence.
EXAMPLES = int(os.environ.get("XTTS_HARNESS_FUZZ_EXAMPLES", "40"))
AUDIT = ["--vocab", "vocab_am.json", "--tokenizer", "passthrough", "--language", "am"]

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the worker bounds each run (tests/bounded_cli.py)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
)


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    running = Worker()
    yield running
    running.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("after.toml", "vocab_am.json", "ablation.toml"):
        shutil.copy(DEMO / name, folder / name)
    shutil.copytree(DEMO / "data", folder / "data")
    return folder


def _seed_json() -> bytes:
    return b'{"lr": 5e-06, "epochs": 10, "batch_size": 3, "model_args": {"max_text_length": 200}}'


def _seed_yaml() -> bytes:
    return b"lr: 5.0e-06\nepochs: 10\nlr_scheduler_params:\n  milestones: [1, 2]\n  gamma: 0.5\n"


SEEDS: dict[str, Callable[[], bytes]] = {
    "toml": lambda: (DEMO / "after.toml").read_bytes(),
    "json": _seed_json,
    "yaml": _seed_yaml,
    "py": lambda: (ROOT / "tests/fixtures/configs/recipe_style/train_gpt_xtts.py").read_bytes(),
    "csv": lambda: (DEMO / "data" / "metadata_train.csv").read_bytes()[:3000],
    "spec": lambda: (DEMO / "ablation.toml").read_bytes(),
    "vocab": lambda: (DEMO / "vocab_am.json").read_bytes()[:4000],
}
# loader -> (file name, command line around it)
COMMANDS: dict[str, tuple[str, list[str]]] = {
    "toml": ("c.toml", ["lint", "c.toml"]),
    "json": ("c.json", ["lint", "c.json", "--format", "json"]),
    "yaml": ("c.yaml", ["lint", "c.yaml", "--format", "sarif"]),
    "py": ("c.py", ["lint", "c.py", "--format", "md"]),
    "csv": ("data/m.csv", ["audit", "after.toml", "--dataset", "data/m.csv", *AUDIT]),
    "spec": ("spec.toml", ["results", "spec.toml", "--storage", "no-such.db"]),
    "vocab": ("v.json", ["vocab-check", "v.json", "vocab_am.json"]),
}


@st.composite
def input_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=600))
    start = draw(st.integers(0, len(seed)))
    end = draw(st.integers(start, min(len(seed), start + 80)))
    return seed[:start] + draw(st.binary(max_size=40)) + seed[end:]


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _check(worker: Worker, argv: list[str], cwd: Path) -> None:
    before = _digests(cwd)
    answer = worker.run(argv, cwd)
    assert answer["escaped"] is None, answer["escaped"]
    assert answer["rc"] in (0, 1, 2), answer
    if answer["rc"] == 2:
        assert len(answer["stderr"].strip().splitlines()) == 1, answer["stderr"]
    assert _digests(cwd) == before


@pytest.mark.parametrize("loader", sorted(COMMANDS))
def test_any_bytes_in_any_loader_give_exit_0_1_or_2(worker, workdir, loader: str) -> None:
    name, argv = COMMANDS[loader]

    @FUZZ
    @given(data=input_bytes(SEEDS[loader]()))
    def run(data: bytes) -> None:
        (workdir / name).write_bytes(data)
        _check(worker, argv, workdir)

    run()


SET_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)


@FUZZ
@given(key=st.sampled_from(["lr", "epochs", "lr_scheduler_params", "model_args.x", "k"]),
       value=SET_TEXT)  # fmt: skip
def test_any_set_value_gives_exit_0_1_or_2(worker, workdir, key: str, value: str) -> None:
    _check(worker, ["lint", "after.toml", "--set", f"{key}={value}"], workdir)


@FUZZ
@given(text=SET_TEXT)
def test_any_set_text_gives_exit_0_1_or_2(worker, workdir, text: str) -> None:
    _check(worker, ["schedule", "after.toml", "--set", text, "--set", "dataset_size=100"], workdir)
