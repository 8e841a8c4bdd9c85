"""fix: each safe fix applied to the file's own text, then the fixed file linted again.

A fix is checked by what a user relies on: the finding it fixes is gone, no finding appears
that was not there before, and everything else in the file (comments, order, the other
lines of a script) is as it was.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.app.configs import lint_plans, load_candidates, load_reference
from harness.app.fixes import fix_config
from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
SCRIPT = ROOT / "tests" / "fixtures" / "configs" / "recipe_style" / "train_gpt_xtts.py"


def lint_codes(path: Path, overrides: list[str] = ()) -> set[str]:
    findings, _ = lint_plans(load_candidates([str(path)], list(overrides)), load_reference(None))
    return {f.code for f in findings}


def fixed_copy(source: Path, tmp_path: Path, overrides: list[str] = ()) -> tuple[Path, set[str]]:
    """Fix a copy of ``source`` (named like it, in tmp_path); return it and the codes fixed."""
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    result = fix_config(copy, overrides)
    copy.write_text(result.fixed, encoding="utf-8")
    return copy, result.fixed_codes


def assert_clean_relint(source: Path, fixed: Path, codes: set[str], overrides=()) -> None:
    before, after = lint_codes(source, overrides), lint_codes(fixed, overrides)
    assert codes and codes <= before
    assert not codes & after, f"still flagged: {codes & after}"
    assert after <= before, f"new findings: {after - before}"


@pytest.mark.parametrize(
    ("name", "overrides", "expected"),
    [
        ("after.toml", [], {"S101", "B502"}),
        ("before.toml", ["dataset_size=12000"], {"S102", "B502"}),
    ],
)
def test_amharic_candidates_are_fixed_and_relint_clean(tmp_path, name, overrides, expected):
    fixed, codes = fixed_copy(DEMO / name, tmp_path, overrides)
    assert codes == expected
    assert_clean_relint(DEMO / name, fixed, codes, overrides)
    original = (DEMO / name).read_text(encoding="utf-8")
    text = fixed.read_text(encoding="utf-8")
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert all(line in text.splitlines() for line in comments), "comments are kept"


def test_the_after_milestones_are_sized_to_its_100_epochs(tmp_path):
    result = fix_config(DEMO / "after.toml")
    assert "-milestones = [50000, 150000, 300000]\n+milestones = [15, 45, 90]\n" in result.diff()


def test_with_the_dataset_size_milestones_move_to_optimizer_steps(tmp_path):
    # 12000 samples / batch 4 / accumulation 128 = 24 optimizer steps an epoch, 2400 in
    # 100 epochs; the 500-step warmup in front shifts the base milestones by 500, so they
    # are sized to the 1900 steps after it: the last fires at 500 + 1710 = 90% of the run.
    result = fix_config(DEMO / "before.toml", ["dataset_size=12000"])
    assert "+milestones = [570, 1140, 1710]" in result.diff()
    assert "+scheduler_after_epoch = false" in result.diff()


def test_a_script_gets_the_literal_replaced_at_its_line(tmp_path):
    overrides = ["dataset_size=13100"]
    fixed, codes = fixed_copy(SCRIPT, tmp_path, overrides)
    assert codes == {"S101", "B502"}
    assert_clean_relint(SCRIPT, fixed, codes, overrides)
    old = SCRIPT.read_text(encoding="utf-8").splitlines()
    new = fixed.read_text(encoding="utf-8").splitlines()
    removed = [line for line in old if line not in new]
    added = [line for line in new if line not in old]
    assert removed == ["        save_step=10000,", old[70]]
    assert added[0] == "        save_step=10080,"
    # start_with_eval: the first of 1000 epochs only evaluates, so 999 x 52 = 51,948 steps
    assert '"milestones": [7792, 23376, 46753], "gamma": 0.5, "last_epoch": -1' in added[1]
    assert added[2:] == ["        scheduler_after_epoch=False,"]  # next to its neighbour
    assert len(new) == len(old) + 1


def test_without_the_dataset_size_a_script_on_trainer_0_4_keeps_its_milestones():
    result = fix_config(SCRIPT)  # no library named: trainer 0.4.0, which never steps per epoch
    assert result.fixed_codes == {"B502"}
    assert any(f.code == "S101" and "dataset_size" in why for f, why in result.skipped)


def test_a_fix_is_applied_whole_or_not_at_all(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig\n"
        "config = GPTTrainerConfig()\n"
        "config.epochs = 10\n"
        "config.batch_size = 4\n"
        'config.lr_scheduler = "MultiStepLR"\n'
        'config.lr_scheduler_params = {"milestones": [50000], "gamma": 0.5}\n',
        encoding="utf-8",
    )
    result = fix_config(script, ["dataset_size=2000"])
    # scheduler_after_epoch cannot go next to an assignment: the milestones stay as well.
    assert "S101" not in result.fixed_codes and "milestones" not in result.diff()
    assert any(f.code == "S101" for f, _ in result.skipped)


YAML = """\
# A hand-written candidate
lr: 5.0e-06          # fine-tuning LR
lr_sheduler: MultiStepLR   # misspelled
epochs: 10
batch_size: 4
optimizer: AdamW
optimizer_params: {betas: [0.9, 0.96], eps: 1.0e-08, weight_decay: 0.01}
lr_scheduler_params:
  milestones: [2000, 3000]   # optimizer steps
  gamma: 0.5
scheduler_after_epoch: false
save_step: 1000
model_args:
  max_text_length: 500
  gpt_max_text_tokens: 402
plan:
  dataset_size: 2000
"""


@pytest.mark.parametrize(
    ("code", "edit", "expect"),
    [
        ("K701", {}, "lr_scheduler: MultiStepLR   # misspelled"),
        ("M301", {}, "  max_text_length: 402"),
        ("O203", {"optimizer: AdamW\n": ""}, "optimizer: AdamW"),
        ("O204", {"optimizer_params: {betas": "optimizer_params: null\n#"}, "optimizer_params:"),
    ],
)
def test_each_yaml_fix_keeps_comments_and_order(tmp_path, code, edit, expect):
    text = YAML
    for old, new in edit.items():
        text = text.replace(old, new)
    source = tmp_path / "source" / "cand.yaml"
    source.parent.mkdir()
    source.write_text(text, encoding="utf-8")
    assert code in lint_codes(source)
    (tmp_path / "out").mkdir()
    fixed, codes = fixed_copy(source, tmp_path / "out")
    assert code in codes
    after = lint_codes(fixed)
    assert code not in after and after <= lint_codes(source)
    new_text = fixed.read_text(encoding="utf-8")
    assert expect in new_text
    assert new_text.startswith("# A hand-written candidate\nlr: 5.0e-06          # fine-tuning LR")


def test_json_run_config_keeps_key_order(tmp_path):
    config = {"lr": 5e-06, "save_step": 1000, "model_args": {"max_text_length": 500,
              "gpt_max_text_tokens": 402}, "epochs": 3}  # fmt: skip
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, indent=4), encoding="utf-8")
    result = fix_config(path)
    assert "M301" in result.fixed_codes
    fixed = json.loads(result.fixed)
    assert list(fixed)[: len(config)] == list(config)  # new keys (O203, O204) go last
    assert fixed["model_args"]["max_text_length"] == 402


def test_fix_never_writes_over_its_input_unless_in_place(tmp_path, capsys):
    copy = tmp_path / "after.toml"
    shutil.copy(DEMO / "after.toml", copy)
    original = copy.read_text(encoding="utf-8")
    assert main(["fix", str(copy), "-o", str(copy)]) == 2
    assert "is an input of this" in capsys.readouterr().err
    assert main(["fix", str(copy)]) == 0  # the diff, nothing written
    assert "+milestones = [15, 45, 90]" in capsys.readouterr().out
    assert copy.read_text(encoding="utf-8") == original
    out = tmp_path / "fixed.toml"
    assert main(["fix", str(copy), "-o", str(out)]) == 0
    assert copy.read_text(encoding="utf-8") == original and out.read_text() != original
    assert main(["fix", str(copy), "--in-place"]) == 0
    assert copy.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
