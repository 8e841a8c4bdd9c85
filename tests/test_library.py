"""Which library a repository runs: pins resolved through the wheels' requirements, vendored
packages and copies read from their source, and the facts pinned against the installed
coqui-tts / coqui-tts-trainer."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from harness.plan.library import epoch_stepping, newest, pin_data, read_library
from harness.plan.load import load_plan
from harness.plan.loaders.repository import find_root
from harness.rules import run_rules
from harness.schedule import compute_schedule

REPOS = Path(__file__).resolve().parent / "fixtures" / "repos"


def _facts(tmp_path: Path, requirements: str) -> dict:
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    reading = read_library(tmp_path, tmp_path)
    return {key: setting.value for key, setting in reading.facts.items()}


@pytest.mark.parametrize(
    ("requirements", "trainer"),
    [
        ("coqui-tts[languages]==0.24.2\n", "coqui-tts-trainer 0.1.4"),  # the wheel pins 0.1.4
        ("coqui-tts[languages]==0.24.1\n", "coqui-tts-trainer 0.4.0"),  # >=0.1: newest today
        ("coqui-tts==0.27.2\n", "coqui-tts-trainer 0.3.3"),
        ("TTS==0.22.0\n", "trainer 0.0.36"),
        ("coqui-tts==0.28.0\ncoqui-tts-trainer==0.3.1\n", "coqui-tts-trainer 0.3.1"),
    ],
)
def test_trainer_resolved_through_the_wheels_requirements(tmp_path, requirements, trainer):
    assert _facts(tmp_path, requirements)["trainer_library"] == trainer


def test_pins_from_pyproject_and_setup_py(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["coqui-tts==0.24.2", "torch==2.5.1"]\n'
    )
    (tmp_path / "setup.py").write_text('setup(install_requires=["six>=1.16"])\n')
    reading = read_library(tmp_path, tmp_path)
    facts = {k: s.value for k, s in reading.facts.items()}
    assert facts["torch_version"] == "2.5.1" and facts["torchaudio_version"] == "2.5.1"
    assert facts["installed_packages"] == ["coqui-tts", "six", "torch"]
    assert reading.facts["torch_version"].source.file == "pyproject.toml"
    assert reading.table == "coqui-tts 0.24.2"


def test_requirements_outside_the_root_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("coqui-tts==0.24.2\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _facts(repo, "-r ../outside.txt\n") == {}


def test_webui_pin_runs_trainer_0_1_4_which_steps(tmp_path: Path) -> None:
    # The same epoch-sized milestones: S109 under an unpinned trainer (0.4.0), not under 0.1.4.
    script = (REPOS / "own_trainer_repo" / "finetune.py").read_text()
    for pin, expect in (("coqui-tts[languages]==0.24.2", False), ("coqui-tts==0.24.1", True)):
        repo = tmp_path / pin.replace("[", "").replace("]", "").replace("=", "")
        repo.mkdir()
        (repo / "requirements.txt").write_text(pin + "\n")
        (repo / "train.py").write_text(script.replace("trainer_alltalk.trainer", "trainer"))
        plan = load_plan(repo / "train.py")
        assert compute_schedule(plan).scheduler_stepped is not expect
        assert any(f.code == "S109" for f in run_rules(plan)) is expect
        assert any("assumed coqui-tts-trainer" in n for n in compute_schedule(plan).notes)


def test_vendored_trainer_and_tts_read_from_their_source() -> None:
    plan = load_plan(REPOS / "vendored_repo" / "train.py")
    assert plan.known("trainer_library") == "trainer 0.0.36"
    assert plan.known("tts_library") == "TTS 0.22.0" and plan.library == "TTS 0.22.0"
    assert plan.known("tokenizer") == "passthrough"  # the vendored tokenizer falls back
    assert plan.known("tts_loads_weights_only") is False
    codes = {f.code for f in run_rules(plan)}
    assert "E801" in codes and "S109" not in codes


def test_own_training_loop_copy_is_the_trainer() -> None:
    plan = load_plan(REPOS / "own_trainer_repo" / "finetune.py")
    assert plan.known("trainer_library") == "trainer_alltalk/trainer.py (repository copy)"
    assert "steps the per-epoch scheduler every epoch" in plan.source_of("trainer_library").key
    assert compute_schedule(plan).scheduler_stepped
    loop = REPOS / "own_trainer_repo" / "trainer_alltalk" / "trainer.py"
    assert epoch_stepping(loop) == "train_epoch steps the per-epoch scheduler every epoch"


def test_repository_root_is_the_nearest_marked_folder() -> None:
    assert find_root(REPOS / "webui_repo" / "utils" / "gpt_train.py") == (REPOS / "webui_repo")


def test_newest_release_under_a_specifier() -> None:
    from packaging.specifiers import SpecifierSet

    assert newest("coqui-tts-trainer", SpecifierSet(">=0.1")) == "0.4.0"
    assert newest("coqui-tts-trainer", SpecifierSet("<0.4.0,>=0.3.0")) == "0.3.3"
    assert newest("torch", SpecifierSet("<2.6")) == "2.5.1"


# Facts pinned against the installed library (metadata and source read, nothing imported).


def _installed(name: str) -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{name} is not installed")


@pytest.mark.ablate  # reads the installed wheels of the ablate extra
def test_pin_data_matches_the_installed_coqui_tts_wheel() -> None:
    dist = _installed("coqui-tts")
    requires = [
        r.replace(" ", "") for r in dist.requires or [] if r.startswith("coqui-tts-trainer")
    ]
    data = pin_data()["requires"]["coqui-tts"][dist.version]["coqui-tts-trainer"]
    assert f"coqui-tts-trainer{data}" in requires
    assert not any(r.startswith("six") for r in dist.requires or [])  # E803
    punctuation = Path(str(dist.locate_file("TTS/tts/utils/text/punctuation.py")))
    assert "import six" in punctuation.read_text(encoding="utf-8")


@pytest.mark.ablate  # reads the installed wheels of the ablate extra
def test_installed_trainer_start_with_eval_skips_the_first_training_epoch() -> None:
    dist = _installed("coqui-tts-trainer")
    source = Path(str(dist.locate_file("trainer/trainer.py"))).read_text(encoding="utf-8")
    assert "if not self.skip_train_epoch and not self.start_with_eval:" in source
    assert "self.start_with_eval = False" in source  # only the first epoch
    assert "if not self.config.run_eval:\n            self.start_with_eval = False" in source


@pytest.mark.ablate  # reads the installed wheels of the ablate extra
def test_installed_coqui_tts_loads_under_safe_globals() -> None:
    from harness.plan.library import weights_only_ready

    dist = _installed("coqui-tts")
    assert weights_only_ready(Path(str(dist.locate_file("TTS")))) is True


def test_library_option_decides_the_stepping(capsys) -> None:
    from harness.cli import main

    script = str(REPOS / "own_trainer_repo" / "finetune.py")
    assert main(["lint", script, "--select", "S109", "--format", "json"]) == 0
    capsys.readouterr()
    args = ["lint", script, "--select", "S109", "--library", "coqui-tts-trainer", "0.4.0"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "S109" in out and "assumed coqui-tts-trainer 0.4.0" in out.replace("\n  ", " ")
    assert main(["lint", script, "--library", "pytorch", "2.6"]) == 2
    assert "--library pytorch 2.6" in capsys.readouterr().err


def test_library_option_on_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('epochs = 10\nlr_scheduler = "MultiStepLR"\n')
    plan = load_plan(config, library_override=("coqui-tts", "0.24.2"))
    assert plan.library == "coqui-tts 0.24.2"
    assert plan.known("trainer_library") == "coqui-tts-trainer 0.1.4"


@pytest.mark.parametrize(
    ("tts", "loads"),
    [("coqui-tts==0.24.2", False), ("coqui-tts==0.24.3", True), ("TTS==0.22.0", False)],
)
def test_weights_only_loading_by_release(tmp_path: Path, tts: str, loads: bool) -> None:
    assert _facts(tmp_path, tts + "\n")["tts_loads_weights_only"] is loads


def test_environment_findings_are_errors_for_pins_and_warnings_when_resolved() -> None:
    pinned = load_plan(REPOS / "vendored_repo" / "train.py")  # torch==2.6.0
    resolved = load_plan(REPOS / "webui_repo" / "utils" / "gpt_train.py")  # torch unpinned
    by_plan = [
        {f.code: f.severity.value for f in run_rules(p, select=["E"])} for p in (pinned, resolved)
    ]
    assert by_plan[0]["E801"] == "error"
    assert by_plan[1] == {"E801": "warning", "E802": "warning"}


@pytest.mark.parametrize(("mixed", "stepped"), [(False, True), (True, False)])
def test_trainer_0_3_1_never_steps_with_mixed_precision(tmp_path, mixed, stepped) -> None:
    (tmp_path / "requirements.txt").write_text("coqui-tts-trainer==0.3.1\n")
    script = tmp_path / "train.py"
    script.write_text(
        "config = GPTTrainerConfig(epochs=10, lr_scheduler='MultiStepLR', "
        f"lr_scheduler_params={{'milestones': [2], 'gamma': 0.5}}, mixed_precision={mixed})\n"
    )
    assert compute_schedule(load_plan(script)).scheduler_stepped is stepped
