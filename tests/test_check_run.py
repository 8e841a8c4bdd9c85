"""check-run on real run folders: ``Trainer.fit()`` of the tiny GPTTrainer (tests/run_folders.py).

Each stepping mode is trained once per session (4 batches an epoch, a few epochs) and checked
against the harness's prediction for its own config.json under the installed trainer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.ablate  # real Trainer.fit() runs: not in the torch-free quick loop
pytest.importorskip("torch")
pytest.importorskip("TTS")
trainer = pytest.importorskip("trainer")

from run_folders import RunRecipe, fit_run  # noqa: E402

from harness.cli import main  # noqa: E402
from harness.runcheck import check_run  # noqa: E402

pytestmark = pytest.mark.ablate

# 4 batches an epoch, 3 epochs (the first only evaluates in eval-first).
RECIPES = {
    "per-epoch": RunRecipe("per-epoch", scheduler_after_epoch=True, milestones=(1, 2)),
    "per-step": RunRecipe("per-step", scheduler_after_epoch=False, milestones=(3, 7)),
    # 4 batches, 3 per optimizer step: the optimizer steps on batches 2 and 3 of each epoch.
    "accum": RunRecipe("accum", scheduler_after_epoch=False, grad_accum_steps=3, milestones=(1, 3)),
    "eval-first": RunRecipe(
        "eval-first",
        scheduler_after_epoch=False,
        start_with_eval=True,
        milestones=(2,),
        save_step=5,
    ),
}


class TinyRuns:
    """Real run folders, each trained on first use and kept for the whole session."""

    def __init__(self, root: Path):
        self.root = root
        self.folders: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self.folders:
            self.folders[name] = fit_run(RECIPES[name], self.root / name, self.root / "cache")
        return self.folders[name]


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> TinyRuns:
    return TinyRuns(tmp_path_factory.mktemp("tiny-runs"))


def codes(run) -> set[str]:
    return {f.code for f in run.findings}


def test_installed_trainer_is_the_one_the_default_prediction_follows() -> None:
    assert trainer.__version__ == "0.4.0"


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_check_run_confirms_the_prediction_of_every_stepping_mode(tiny_runs, name) -> None:
    run = check_run(tiny_runs[name])
    recipe = RECIPES[name]
    assert run.comparison is not None and run.comparison.matches, run.verdict()
    trained = recipe.epochs - int(recipe.start_with_eval)
    assert run.observed.batches_done == trained * 4
    assert run.comparison.compared == trained * 4
    assert run.alignment.grad_accum_steps == recipe.grad_accum_steps
    assert run.observed.logs.first_epoch_eval_only is recipe.start_with_eval
    assert "R101" not in codes(run)


def test_per_step_milestones_change_the_logged_lr_where_predicted(tiny_runs) -> None:
    run = check_run(tiny_runs["per-step"])
    lr = dict(zip(run.observed.lr_steps.tolist(), run.observed.lr.tolist(), strict=True))
    # current_lr is read before the batch's optimizer step, i.e. after one scheduler step
    # per batch before it: milestone 3 (3 steps done) shows from batch 3.
    assert lr[2] == pytest.approx(1e-3) and lr[3] == pytest.approx(5e-4)
    assert lr[6] == pytest.approx(5e-4) and lr[7] == pytest.approx(2.5e-4)


def test_accumulation_moves_the_milestones_to_optimizer_steps(tiny_runs) -> None:
    run = check_run(tiny_runs["accum"])
    lr = dict(zip(run.observed.lr_steps.tolist(), run.observed.lr.tolist(), strict=True))
    # optimizer steps at batches 2, 3 | 6, 7 | 10, 11: batches 0-2 use step 0's LR,
    # batch 3 step 1's, batches 4-6 step 2's, batch 7 step 3's.
    assert run.observed.optimizer_batches.tolist() == [2, 3, 6, 7, 10, 11]
    assert lr[2] == pytest.approx(1e-3) and lr[3] == pytest.approx(5e-4)
    assert lr[6] == pytest.approx(5e-4) and lr[7] == pytest.approx(2.5e-4)


def test_per_epoch_schedule_never_stepped_by_trainer_0_4_is_said(tiny_runs) -> None:
    run = check_run(tiny_runs["per-epoch"])
    assert run.observed.lr.tolist() == pytest.approx([1e-3] * 12)
    assert "R102" in codes(run)
    assert any("never steps a per-epoch scheduler" in n for n in run.schedule_notes)
    assert run.summary()["trainer"] == "coqui-tts-trainer 0.4.0"


def test_a_wrong_prediction_is_reported_with_step_logged_and_predicted(tiny_runs) -> None:
    # coqui-tts 0.24.2 pins trainer 0.1.4, which steps the per-epoch scheduler: wrong here.
    run = check_run(tiny_runs["per-epoch"], library="coqui-tts 0.24.2")
    diff = run.comparison.first_difference
    assert (diff.batch, diff.logged, diff.predicted) == (4, pytest.approx(1e-3), 5e-4)
    r101 = next(f for f in run.findings if f.code == "R101")
    assert "batch 4" in r101.message and "coqui-tts-trainer 0.4.0" in r101.message
    assert run.alternative == "coqui-tts-trainer 0.4.0"


def test_a_wrong_override_is_caught_on_a_per_step_run(tiny_runs) -> None:
    run = check_run(tiny_runs["per-step"], ["lr_scheduler_params.milestones=[5, 7]"])
    assert run.comparison.first_difference.batch == 3


def test_checkpoints_and_their_absence(tiny_runs) -> None:
    assert "R107" in codes(check_run(tiny_runs["per-step"]))
    saved = check_run(tiny_runs["eval-first"])
    assert saved.observed.checkpoints and "R107" not in codes(saved)


def test_cli_json_exit_codes_and_follow(tiny_runs, capsys) -> None:
    folder = str(tiny_runs["per-epoch"])
    assert main(["check-run", folder, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["run_against_prediction"]["lr"].startswith("matches the prediction")
    assert main(["check-run", folder, "--library", "coqui-tts 0.24.2"]) == 1
    capsys.readouterr()
    args = ["check-run", folder, "--follow", "--interval", "0", "--idle", "0", "--timeout", "5"]
    assert main(args) == 0
    printed = capsys.readouterr().err
    assert printed.count("R102") == 1  # each finding once, as it appears


def test_bad_run_folder_is_one_line(tmp_path, capsys) -> None:
    assert main(["check-run", str(tmp_path)]) == 2
    assert "has no config.json" in capsys.readouterr().err
