"""Loading configs: coqpit JSON run folders, the project's TOML/YAML format, baselines,
overrides, and one-line errors for every kind of bad input."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from harness.baselines import (
    BASELINES_DIR,
    DEFAULT_BASELINE,
    list_baselines,
    resolve_baseline,
)
from harness.errors import HarnessError
from harness.plan.defaults import load_table
from harness.plan.load import apply_overrides, load_plan, load_raw
from harness.plan.source import Unknown

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = ROOT / "experiments" / "amharic_bpe"


# --- coqpit JSON --------------------------------------------------------------------------


def _coqpit_dump(**changes: object) -> dict:
    """GPTTrainerConfig().to_dict() as coqpit writes it: nested model_args / audio."""
    data: dict = {}
    for key, value in load_table("coqui-tts 0.28.0").config.items():
        head, _, rest = key.partition(".")
        if rest:
            data.setdefault(head, {})[rest] = value
        else:
            data[key] = value
    for key, value in changes.items():
        head, _, rest = key.partition("__")
        if rest:
            data[head][rest] = value
        else:
            data[key] = value
    return data


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_run_folder_round_trip(tmp_path: Path) -> None:
    run = tmp_path / "output" / "GPT_XTTS_FT-November-24-2025_10+00AM-abc1234"
    run.mkdir(parents=True)
    dump = _coqpit_dump(
        lr=1e-05,
        epochs=100,
        batch_size=4,
        optimizer="AdamW",
        optimizer_params={"betas": [0.9, 0.96], "eps": 1e-08, "weight_decay": 0.01},
        lr_scheduler="MultiStepLR",
        lr_scheduler_params={"milestones": [1, 2, 3], "gamma": 0.5},
        model_args__max_text_length=300,
        datasets=[{"formatter": "coqui", "language": "am", "path": "/data"}],
    )
    text = json.dumps(dump, indent=4)  # json writes inf as Infinity, as coqpit does
    assert "Infinity" in text
    (run / "config.json").write_text(text, encoding="utf-8")

    for target in (run, run / "config.json", tmp_path / "output"):  # folder, file, parent
        plan = load_plan(target)
        assert plan.unknown_keys == []
        assert plan.get("lr") == 1e-05 and plan.get("epochs") == 100
        assert plan.get("model_args.max_text_length") == 300
        assert plan.get("lr_scheduler_params.milestones") == [1, 2, 3]
        assert plan.dict_value("optimizer_params") == dump["optimizer_params"]
        assert math.isinf(plan.get("max_audio_len"))
        assert plan.get("language") == "am"  # taken from the datasets
        # grad_accum_steps is a TrainerArgs field, never in config.json: the default shows it.
        assert plan.source_of("grad_accum_steps").is_default
        source = plan.source_of("model_args.max_text_length")
        assert source.file.endswith("config.json") and not source.is_default
        assert source.line == _line_of(text, '"max_text_length": 300')
        assert plan.source_of("lr").line == _line_of(text, '"lr": 1e-05')
        assert plan.name == run.name


@pytest.mark.ablate
def test_real_gpt_trainer_config_save_json_loads_back(tmp_path: Path) -> None:
    """What the Coqui Trainer writes into a run folder, made by the real library."""
    pytest.importorskip("TTS")
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTArgs, GPTTrainerConfig

    config = GPTTrainerConfig(
        lr=2e-06,
        epochs=7,
        optimizer="AdamW",
        optimizer_params={"betas": [0.9, 0.96], "eps": 1e-8, "weight_decay": 0.05},
        lr_scheduler="MultiStepLR",
        lr_scheduler_params={"milestones": [1, 2, 3], "gamma": 0.5},
        model_args=GPTArgs(max_text_length=250, gpt_num_audio_tokens=1026),
    )
    config.save_json(str(tmp_path / "config.json"))
    plan = load_plan(tmp_path)
    assert plan.unknown_keys == []
    for key, value in (
        ("lr", 2e-06),
        ("epochs", 7),
        ("model_args.max_text_length", 250),
        ("model_args.gpt_num_audio_tokens", 1026),
        ("lr_scheduler_params.milestones", [1, 2, 3]),
        ("optimizer_params.weight_decay", 0.05),
    ):
        assert plan.get(key) == value, key
        assert not plan.source_of(key).is_default
    assert math.isinf(plan.get("max_text_len"))


# --- project TOML / YAML ------------------------------------------------------------------

PROJECT_TOML = """\
lr = 1e-05
lr_scheduler = "MultiStepLR"
optimizer_params = { betas = [0.9, 0.96], weight_decay = 0.01 }

[meta]
name = "small"
library = "coqui-tts 0.24.2"

[lr_scheduler_params]
milestones = [
  1,
  2,
]
gamma = 0.5

[model_args]
max_text_length = 300

[[datasets]]
language = "am"

[trainer]
grad_accum_steps = 128

[plan]
dataset_size = 12000

[extras.ema]
enabled = true
"""

PROJECT_YAML = """\
lr: 1.0e-05
lr_scheduler: MultiStepLR
optimizer_params: {betas: [0.9, 0.96], weight_decay: 0.01}
meta:
  name: small
  library: coqui-tts 0.24.2
lr_scheduler_params:
  milestones:
    - 1
    - 2
  gamma: 0.5
model_args:
  max_text_length: 300
datasets:
  - language: am
trainer:
  grad_accum_steps: 128
plan:
  dataset_size: 12000
extras:
  ema:
    enabled: true
"""


@pytest.mark.parametrize(("suffix", "text"), [(".toml", PROJECT_TOML), (".yaml", PROJECT_YAML)])
def test_project_file_values_and_lines(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"candidate{suffix}"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    assert (plan.name, plan.library) == ("small", "coqui-tts 0.24.2")
    assert plan.batching.grad_accum_steps == 128 and plan.batching.dataset_size == 12000
    assert plan.scheduler.params == {"milestones": [1, 2], "gamma": 0.5}
    assert plan.get("extras.ema.enabled") is True
    assert plan.get("language") == "am"
    lines = text.splitlines()

    def line(key: str) -> int:
        return plan.source_of(key).line

    assert "lr" in lines[line("lr") - 1]
    assert "milestones" in lines[line("lr_scheduler_params.milestones") - 1]
    assert "gamma" in lines[line("lr_scheduler_params.gamma") - 1]
    assert "max_text_length" in lines[line("model_args.max_text_length") - 1]
    assert "grad_accum_steps" in lines[line("grad_accum_steps") - 1]
    assert "dataset_size" in lines[line("dataset_size") - 1]
    assert "language" in lines[line("datasets[0].language") - 1]
    assert "enabled" in lines[line("extras.ema.enabled") - 1]
    # a leaf of an inline table / flow mapping takes the line of the key holding it
    assert "optimizer_params" in lines[line("optimizer_params.weight_decay") - 1]
    assert plan.source_of("optimizer").is_default  # not in the file: radam, said so


# --- baselines and candidates -------------------------------------------------------------

# docs/xtts-facts.md section 2, one row per key.
BASELINE_VALUES = {
    "gokhaneraslan-head": {
        "optimizer_wd_only_on_weights": False,
        "lr_scheduler_params.milestones": [50000, 150000, 300000],
        "batch_size": 4,
        "grad_accum_steps": 128,
        "epochs": 100,
        "save_step": 1000,
        "model_args.max_text_length": 512,
        "eval_split_size": 0.1,
        "eval_split_max_size": 256,
    },
    "gokhaneraslan-38e3c75": {
        "optimizer_wd_only_on_weights": True,
        "lr_scheduler_params.milestones": [50000 * 18, 150000 * 18, 300000 * 18],
        "lr_scheduler_params.last_epoch": -1,
        "batch_size": 4,
        "grad_accum_steps": 128,
        "epochs": 100,
        "save_step": 10000,
        "model_args.max_text_length": 200,
        "eval_split_size": 0.1,
    },
    "coqui-recipe": {
        "optimizer_wd_only_on_weights": True,
        "lr_scheduler_params.milestones": [50000 * 18, 150000 * 18, 300000 * 18],
        "batch_size": 3,
        "grad_accum_steps": 84,
        "epochs": 1000,
        "save_step": 10000,
        "model_args.max_text_length": 200,
        "eval_split_size": 0.01,
        "eval_split_max_size": 256,
    },
    "webui-gpt-train": {
        "optimizer_wd_only_on_weights": True,
        "lr_scheduler_params.milestones": [50000 * 18, 150000 * 18, 300000 * 18],
        "batch_size": 2,
        "grad_accum_steps": 1,
        "epochs": 10,
        "save_step": 1000,
        "model_args.max_text_length": 200,
        "model_args.max_wav_length": 11 * 22050,
        "datasets[0].meta_file_val": "metadata_eval.csv",
    },
}
COMMON = {
    "optimizer": "AdamW",
    "optimizer_params.betas": [0.9, 0.96],
    "optimizer_params.eps": 1e-8,
    "optimizer_params.weight_decay": 1e-2,
    "lr": 5e-06,
    "lr_scheduler": "MultiStepLR",
    "lr_scheduler_params.gamma": 0.5,
    "scheduler_after_epoch": True,
    "mixed_precision": False,
    "grad_clip": 0.0,
    "model_args.min_conditioning_length": 66150,
    "model_args.max_conditioning_length": 132300,
    "model_args.gpt_num_audio_tokens": 1026,
    "model_args.gpt_start_audio_token": 1024,
    "model_args.gpt_stop_audio_token": 1025,
    "model_args.gpt_use_perceiver_resampler": True,
    "model_args.gpt_max_text_tokens": 402,
    "model_args.gpt_max_audio_tokens": 605,
    "audio.sample_rate": 22050,
    "audio.dvae_sample_rate": 22050,
    "audio.output_sample_rate": 24000,
    "checkpoint_text_tokens": 6681,
    "extras.ema.enabled": False,
    "extras.warmup.enabled": False,
}


@pytest.mark.parametrize("name", sorted(BASELINE_VALUES))
def test_baseline_values(name: str) -> None:
    plan = load_plan(name)
    assert plan.unknown_keys == []
    assert plan.meta["reference"] is True and plan.meta["source"]["commit"]
    for key, value in {**COMMON, **BASELINE_VALUES[name]}.items():
        assert plan.get(key) == value, key
    # Values the scripts do not set come from the library default, and say so.
    assert plan.source_of("scheduler_after_epoch").is_default


def test_every_baseline_file_is_covered_and_listed() -> None:
    infos = list_baselines()
    assert {i.name for i in infos} == set(BASELINE_VALUES)
    assert infos[0].name == DEFAULT_BASELINE
    head = next(i for i in infos if i.name == "gokhaneraslan-head")
    assert str(head.source) == "gokhaneraslan/XTTS_V2 train.py @5cf242e"
    assert head.library == "TTS 0.22.0" and head.path.parent == BASELINES_DIR
    assert resolve_baseline("coqui-recipe") == BASELINES_DIR / "coqui-recipe.toml"


def test_baselines_folder_can_be_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.toml").write_text('lr = 1e-4\n[meta]\ntitle = "Mine"\n', encoding="utf-8")
    monkeypatch.setenv("XTTS_HARNESS_BASELINES", str(tmp_path))
    assert [(i.name, i.title) for i in list_baselines()] == [("mine", "Mine")]
    assert load_plan("mine").get("lr") == 1e-4


@pytest.mark.parametrize(
    ("name", "values"),
    [
        (
            "before",
            {
                "lr": 1e-05,
                "optimizer_params.weight_decay": 0.01,
                "lr_scheduler_params.milestones": [1, 2, 3],
                "extras.ema.enabled": True,
                "extras.ema.decay": 0.999,
                "extras.warmup.enabled": True,
            },
        ),
        (
            "after",
            {
                "lr": 5e-06,
                "optimizer_params.weight_decay": 1e-2,
                "lr_scheduler_params.milestones": [50000, 150000, 300000],
                "extras.ema.enabled": False,
                "extras.warmup.enabled": False,
            },
        ),
    ],
)
def test_amharic_candidates(name: str, values: dict) -> None:
    plan = load_plan(CANDIDATES / f"{name}.toml")
    assert plan.unknown_keys == []
    assert plan.get("language") == "am"
    assert (plan.batching.epochs, plan.batching.batch_size, plan.batching.grad_accum_steps) == (
        100,
        4,
        128,
    )
    assert plan.batching.dataset_size is None  # not recorded: the schedule says what it leaves open
    assert plan.scheduler.after_epoch is True and plan.source_of("scheduler_after_epoch").is_default
    for key, value in values.items():
        assert plan.get(key) == value, key


# --- overrides ----------------------------------------------------------------------------


def test_overrides_set_values_with_their_own_source() -> None:
    plan = load_plan(
        "gokhaneraslan-head",
        overrides=[
            "model_args.max_text_length=300",
            "dataset_size=12000",
            "lr=1e-5",
            "lr_scheduler_params.milestones=[1,2,3]",
            "--run_name=trial one",
            "max_audio_len=Infinity",
        ],
    )
    assert plan.get("model_args.max_text_length") == 300
    assert plan.batching.dataset_size == 12000
    assert plan.get("lr") == 1e-05
    assert plan.scheduler.params == {"milestones": [1, 2, 3], "gamma": 0.5}
    assert plan.get("run_name") == "trial one"
    assert math.isinf(plan.get("max_audio_len"))
    source = plan.source_of("lr")
    assert (source.file, source.key, source.line) == ("--set", "lr", None)


def test_headless_cli_spelling() -> None:
    """xtts-finetune-webui headless: --num_epochs 100 --batch_size 4 --grad_acumm 128 ..."""
    plan = load_plan(
        "webui-gpt-train",
        overrides=[
            "num_epochs=100",
            "batch_size=4",
            "grad_acumm=128",
            "max_audio_length=11.6",
            "lang=am",
        ],
    )
    assert (plan.batching.epochs, plan.batching.batch_size, plan.batching.grad_accum_steps) == (
        100,
        4,
        128,
    )
    assert plan.get("model_args.max_wav_length") == int(11.6 * 22050)
    assert plan.get("language") == "am" and plan.get("datasets[0].language") == "am"
    assert plan.source_of("epochs").key == "num_epochs"


def test_a_whole_dict_override_replaces_its_keys() -> None:
    raw = load_raw("gokhaneraslan-head")
    changed = apply_overrides(raw, ['lr_scheduler_params={"milestones": [10], "gamma": 0.1}'])
    keys = {s.key: s.value for s in changed.settings if s.key.startswith("lr_scheduler_params")}
    assert keys == {"lr_scheduler_params.milestones": [10], "lr_scheduler_params.gamma": 0.1}
    assert {s.key for s in raw.settings} >= {"lr_scheduler_params.milestones"}  # raw untouched


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5e-6", 5e-06),
        ("300", 300),
        ("[50000, 150000]", [50000, 150000]),
        ("true", True),
        ("True", True),
        ("null", None),
        ("'quoted text'", "quoted text"),
        ('{"gamma": 0.5}', {"gamma": 0.5}),
        ("{ gamma = 0.5 }", {"gamma": 0.5}),
        ("1_000", 1000),
        ("MultiStepLR", "MultiStepLR"),
    ],
)
def test_override_values(text: str, value: object) -> None:
    from harness.plan.loaders.overrides import parse_value

    assert parse_value(text) == value


# --- bad input ----------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


BAD_INPUTS = {
    "missing file": (lambda t: t / "nope.toml", [], r"nope\.toml: no such file"),
    "no such baseline": (lambda t: "gokhaneraslan-tail", [], r"baselines: gokhaneraslan-head"),
    "folder without config.json": (lambda t: t, [], r"folder has no config\.json"),
    "bad JSON": (
        lambda t: _write(t, "c.json", '{"lr": 1e-5,\n "epochs": }'),
        [],
        r"c\.json:2: not valid JSON",
    ),
    "JSON list": (lambda t: _write(t, "c.json", "[1, 2]"), [], r"must be a JSON object"),
    "bad TOML": (
        lambda t: _write(t, "c.toml", "lr = 1e-5\nepochs = = 3\n"),
        [],
        r"c\.toml:2: not valid TOML",
    ),
    "bad YAML": (
        lambda t: _write(t, "c.yaml", "lr: 1\n  epochs: [3\n"),
        [],
        r"c\.yaml:\d+: not valid YAML",
    ),
    "YAML list": (lambda t: _write(t, "c.yml", "- 1\n"), [], r"top level must be a table"),
    "wrong type": (
        lambda t: _write(t, "c.toml", 'epochs = "many"\n'),
        [],
        r"c\.toml:1 \(epochs\): epochs must be a whole number",
    ),
    "wrong bool": (
        lambda t: _write(t, "c.toml", "[model_args]\ngpt_use_perceiver_resampler = 1\n"),
        [],
        r"must be true or false",
    ),
    "zero accumulation": (
        lambda t: _write(t, "c.toml", "[trainer]\ngrad_accum_steps = 0\n"),
        [],
        r"at least 1",
    ),
    "bad warmup unit": (
        lambda t: _write(t, "c.toml", '[extras.warmup]\nunit = "batches"\n'),
        [],
        r"'optimizer_steps' or 'epochs'",
    ),
    "unknown library": (
        lambda t: _write(t, "c.toml", '[meta]\nlibrary = "TTS 0.1"\n'),
        [],
        r"no defaults table",
    ),
    "bad python": (
        lambda t: _write(t, "train.py", "x = 1\ndef f(:\n"),
        [],
        r"train\.py:2: not valid Python",
    ),
    "python without config": (
        lambda t: _write(t, "train.py", "print('hi')\n"),
        [],
        r"no GPTTrainerConfig",
    ),
    "not UTF-8": (lambda t: _write(t, "c.toml", b"lr = \xff\n"), [], r"not UTF-8"),
    "unknown format": (lambda t: _write(t, "c.ini", "[x]\n"), [], r"unknown config format '\.ini'"),
    "override without =": (lambda t: "coqui-recipe", ["lr"], r"--set: override 'lr' has no '='"),
    "override bad value": (
        lambda t: "coqui-recipe",
        ["lr_scheduler_params.milestones=[1,"],
        r"cannot read the value",
    ),
    "override wrong type": (
        lambda t: "coqui-recipe",
        ["lr=fast"],
        r"--set \(lr\): lr must be a number",
    ),
    "override empty value": (lambda t: "coqui-recipe", ["lr="], r"has no value"),
    "override bad key": (lambda t: "coqui-recipe", ["model args=1"], r"not a config key"),
    "override seconds": (
        lambda t: "webui-gpt-train",
        ["max_audio_length=255995"],
        r"not a length in seconds",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line(tmp_path: Path, case: str) -> None:
    make_target, overrides, pattern = BAD_INPUTS[case]
    with pytest.raises(HarnessError) as caught:
        load_plan(make_target(tmp_path), overrides=overrides)
    message = str(caught.value)
    assert "\n" not in message and "fix: " in message
    assert re.search(pattern, message), message


def test_bad_input_exits_2_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from harness.cli import main

    path = _write(tmp_path, "c.json", '{"lr": }')
    assert main(["lint", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not valid JSON" in err and "Traceback" not in err


def test_unknown_values_are_not_type_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, "train.py", "from x import y\nc = GPTTrainerConfig(epochs=y)\n")
    plan = load_plan(path)
    assert isinstance(plan.get("epochs"), Unknown) and plan.batching.epochs is None
