"""Python training scripts are read with ast, never run: values, provenance, and Unknown.

The fixture scripts under tests/fixtures/configs/ are data in the styles of the real
fine-tuning repositories (gokhaneraslan/XTTS_V2, xtts-finetune-webui, the official recipe).
"""

from __future__ import annotations

import math
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.plan.load import load_plan, load_plans, load_raw
from harness.plan.source import Unknown

FIXTURES = Path(__file__).with_name("fixtures") / "configs"


def _line(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def test_gokhaneraslan_style_settings_module_and_arithmetic() -> None:
    folder = FIXTURES / "gokhaneraslan_style"
    plan = load_plan(folder / "train.py")
    assert plan.unknown_keys == []
    assert plan.get("lr") == 5e-06
    assert plan.get("lr_scheduler_params.milestones") == [900000, 2700000, 5400000]
    assert (plan.batching.batch_size, plan.batching.grad_accum_steps, plan.batching.epochs) == (
        4,
        128,
        100,
    )
    assert plan.get("model_args.max_text_length") == 512
    assert plan.get("model_args.tokenizer_file") == "/content/XTTS_V2/pretrained_model/vocab.json"
    assert plan.get("language") == "tr"  # `from config import LANGUAGE`, via the dataset
    assert plan.get("eval_split_size") == 0.1  # passed to load_tts_samples
    # Provenance: where each value was written, in the script or in config.py.
    lr = plan.source_of("lr")
    assert lr.file.endswith("gokhaneraslan_style/config.py") and lr.key == "LEARNING_RATE"
    assert lr.line == _line(folder / "config.py", "LEARNING_RATE =")
    accum = plan.source_of("grad_accum_steps")
    assert accum.line == _line(folder / "config.py", "GRAD_ACCUM_STEPS =")
    milestones = plan.source_of("lr_scheduler_params.milestones")
    assert milestones.file.endswith("train.py")
    assert milestones.line == _line(folder / "train.py", '"milestones"')
    assert plan.source_of("optimizer").line == _line(folder / "train.py", 'optimizer="AdamW"')
    assert plan.source_of("scheduler_after_epoch").is_default


def test_webui_style_parameter_defaults() -> None:
    path = FIXTURES / "webui_style" / "gpt_train.py"
    plan = load_plan(path)
    assert (plan.batching.epochs, plan.batching.batch_size, plan.batching.grad_accum_steps) == (
        10,
        2,
        1,
    )
    # max_wav_length = int(max_audio_length * SAMPLE_RATE), with max_audio_length=11
    assert plan.get("model_args.max_wav_length") == 242550
    wav = plan.source_of("model_args.max_wav_length")
    assert (wav.key, wav.line) == ("max_wav_length", _line(path, "max_wav_length = int("))
    epochs = plan.source_of("epochs")
    assert (epochs.key, epochs.line) == ("num_epochs", _line(path, "num_epochs=10"))
    assert plan.get("optimizer_wd_only_on_weights") is True
    assert plan.get("language") == "en"
    assert plan.get("datasets[0].meta_file_val") == "metadata_eval.csv"
    # load_tts_samples(eval_split_size=config.eval_split_size) passes the config's own value.
    assert plan.source_of("eval_split_size").is_default
    assert plan.get("output_path") == "finetune_models/run/training"  # os.path.join


def test_recipe_style_module_constants() -> None:
    path = FIXTURES / "recipe_style" / "train_gpt_xtts.py"
    plan = load_plan(path)
    assert (plan.batching.batch_size, plan.batching.grad_accum_steps) == (3, 84)
    assert plan.batching.epochs == 1000 and plan.source_of("epochs").is_default  # not set
    assert plan.get("optimizer_wd_only_on_weights") is True
    assert plan.get("datasets[0].language") == "en"
    assert plan.get("test_sentences[0].language") == "en"  # DATASETS_CONFIG_LIST[0].language
    # os.path.abspath(__file__) depends on where the script lives: not guessed.
    out = plan.get("output_path")
    assert isinstance(out, Unknown) and out.text == "OUT_PATH"
    assert plan.source_of("output_path").line == _line(path, "output_path=OUT_PATH")


def test_unresolvable_values_are_unknown_with_their_text() -> None:
    path = FIXTURES / "unresolvable" / "train.py"
    small, large = load_plans(path)  # `if USE_SMALL:` (from os.environ): one plan per path
    expected = {
        "epochs": "num_epochs",  # a parameter without a default
        "lr": "pick_lr()",  # a call into a module that is not there
        "optimizer_params.eps": "random.random()",
        "lr_scheduler_params.milestones": "[STEPS, 2 * STEPS]",  # STEPS from os.environ
        "grad_accum_steps": "STEPS // 2",
    }
    for plan in (small, large):
        for key, text in expected.items():
            value = plan.get(key)
            assert isinstance(value, Unknown) and value.text == text, key
        assert plan.source_of("lr").line == _line(path, "lr=pick_lr()")
        # The known parts are still read.
        assert plan.get("optimizer_params.betas") == [0.9, 0.96]
        assert plan.get("optimizer_params.weight_decay") == 0.01  # parameter default
        assert plan.get("lr_scheduler_params.gamma") == 0.5
        assert plan.get("print_step") == 10  # `config.print_step = 10` after construction
        assert plan.get("model_args.max_text_length") == 300
        assert plan.batching.epochs is None  # Unknown is never taken for a number
    # Both `if USE_SMALL:` statements take the same outcome on a path.
    line = _line(path, "if USE_SMALL:")
    assert small.meta["path_condition"] == [f"when USE_SMALL ({small.path}:{line})"]
    assert large.meta["path_condition"] == [f"when USE_SMALL is false ({small.path}:{line})"]
    assert (small.get("batch_size"), large.get("batch_size")) == (1, 2)
    assert small.get("save_step") == 100 and large.source_of("save_step").is_default
    assert small.source_of("save_step").line == _line(path, "config.save_step = 100")


def test_scripts_are_never_run(tmp_path: Path) -> None:
    """A script whose top level writes files (and exits) writes nothing when loaded."""
    shutil.copytree(FIXTURES / "side_effects", tmp_path / "project")
    shutil.copytree(FIXTURES / "gokhaneraslan_style", tmp_path / "gok")
    modules_before = set(sys.modules)
    plan = load_plan(tmp_path / "project" / "train.py")
    load_plan(tmp_path / "gok" / "train.py")
    assert (plan.get("lr"), plan.get("epochs")) == (2e-06, 3)
    assert sorted(p.name for p in (tmp_path / "project").iterdir()) == ["train.py"]
    new_modules = set(sys.modules) - modules_before
    assert not any(
        str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(tmp_path))
        for name in new_modules
    )


def _script(tmp_path: Path, text: str, **files: str) -> Path:
    for name, body in files.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


SETTINGS = "LR = 1e-4\nE = 7\n"  # settings.py beside the script
EXPRESSIONS = {
    "import as": ("import settings as cfg; c = GPTTrainerConfig(lr=cfg.LR)", "lr", 1e-4),
    "star import": ("from settings import *; c = GPTTrainerConfig(lr=LR * 2)", "lr", 2e-4),
    "relative import": (
        "from . import settings; c = GPTTrainerConfig(epochs=settings.E)",
        "epochs",
        7,
    ),
    "tuple unpacking": ("a, b = 3, 4; c = GPTTrainerConfig(epochs=a + b)", "epochs", 7),
    "augmented": ("n = 10; n += 5; c = GPTTrainerConfig(epochs=n)", "epochs", 15),
    "unary minus": ("c = GPTTrainerConfig(epochs=-(-5))", "epochs", 5),
    "f-string": ("x = 3; c = GPTTrainerConfig(run_name=f'run-{x:02d}')", "run_name", "run-03"),
    "if-expression": (
        "big = True; c = GPTTrainerConfig(batch_size=8 if big else 2)",
        "batch_size",
        8,
    ),
    "builtins": ("c = GPTTrainerConfig(lr=min(1e-5, 2e-5), epochs=round(99.6))", "epochs", 100),
    "float inf": ("c = GPTTrainerConfig(max_audio_len=float('inf'))", "max_audio_len", math.inf),
    "math.inf": (
        "import math; c = GPTTrainerConfig(max_text_len=math.inf)",
        "max_text_len",
        math.inf,
    ),
    "dict spread": (
        "b = {'gamma': 0.5}; c = GPTTrainerConfig(lr_scheduler_params={**b, 'milestones': [1]})",
        "lr_scheduler_params.gamma",
        0.5,
    ),
    "a module is no value": ("import math; c = GPTTrainerConfig(lr=math)", "lr", Unknown("math")),
    "kwargs call": ("kw = dict(lr=3e-6); c = GPTTrainerConfig(**kw)", "lr", None),
    "dict assigned": (
        "c = GPTTrainerConfig(); c.optimizer_params = {'weight_decay': 0.05}",
        "optimizer_params.weight_decay",
        0.05,
    ),
    "nested attribute": (
        "c = GPTTrainerConfig(model_args=GPTArgs()); c.model_args.max_text_length = 250",
        "model_args.max_text_length",
        250,
    ),
    "list item": (
        "c = GPTTrainerConfig(datasets=[BaseDatasetConfig(language='de')]);"
        " c.datasets[0].language = 'am'",
        "datasets[0].language",
        "am",
    ),
    "method default": (
        "class T:\n    def run(self, n=4):\n        return GPTTrainerConfig(batch_size=n)",
        "batch_size",
        4,
    ),
    "closure": (
        "def f():\n    E = 9\n    def g():\n        return GPTTrainerConfig(epochs=E)",
        "epochs",
        9,
    ),
}


@pytest.mark.parametrize("case", sorted(EXPRESSIONS))
def test_expression_forms(tmp_path: Path, case: str) -> None:
    body, key, expected = EXPRESSIONS[case]
    raw = load_raw(_script(tmp_path, body, settings=SETTINGS))
    found = {s.key: s.value for s in raw.settings}
    if expected is None:  # dict(...) is a call we do not follow: the note says so
        assert key not in found
        assert any("cannot be read" in note for note in raw.meta["notes"])
    else:
        assert found[key] == expected


def test_extras_and_conditional_objects(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        USE_EMA = True
        config = GPTTrainerConfig(lr=1e-5)
        lora = LoraConfig(
            r=8, lora_alpha=32, lora_dropout=0.05, target_modules=["c_attn", "c_proj"]
        )
        if USE_EMA:
            ema = EMAModel(model, decay=0.999)
        warmup = WarmupLRScheduler(optimizer, warmup_steps=500, base_lr=1e-5)
        """,
    )
    plan = load_plan(path)
    assert plan.get("extras.lora.enabled") is True
    assert plan.get("extras.lora.targets") == ["c_attn", "c_proj"]
    assert (plan.get("extras.lora.r"), plan.get("extras.lora.alpha")) == (8, 32)
    # only inside `if USE_EMA:`, and USE_EMA = True decides it (harness.plan.repository)
    assert plan.get("extras.ema.enabled") is True
    assert plan.source_of("extras.ema.enabled").line == 8
    assert plan.get("extras.ema.decay") == 0.999
    assert plan.get("extras.warmup.enabled") is True and plan.get("extras.warmup.steps") == 500


def test_ema_from_torch_averaged_model(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        config = GPTTrainerConfig(lr=1e-5)
        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.998))
        """,
    )
    plan = load_plan(path)
    assert plan.get("extras.ema.enabled") is True and plan.get("extras.ema.decay") == 0.998


def test_a_broken_settings_module_leaves_its_values_unknown(tmp_path: Path) -> None:
    path = _script(tmp_path, "import config\nc = GPTTrainerConfig(lr=config.LR)", config="LR = (")
    raw = load_raw(path)
    assert raw.settings[0].value == Unknown("config.LR")
    assert any("config.py" in note and "not valid Python" in note for note in raw.meta["notes"])


def test_two_configs_in_a_branch_follow_the_decided_branch(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        def train(small=False):
            if small:
                config = GPTTrainerConfig(lr=1e-6, epochs=5)
            else:
                config = GPTTrainerConfig(lr=1e-5, epochs=100)
            return config
        """,
    )
    raw = load_raw(path)  # small=False is the default: the else branch runs
    assert {s.key: s.value for s in raw.settings} == {"lr": 1e-05, "epochs": 100}
    assert raw.meta["config_call"].endswith(f":{_line(path, 'lr=1e-5')}")
    plans = load_plans(path, overrides=["small=true"])  # an input of the script
    assert [(p.get("lr"), p.get("epochs")) for p in plans] == [(1e-6, 5)]
    assert plans[0].unknown_keys == []  # `small` is an input, not an unknown config key


def test_an_undecidable_branch_gives_one_plan_per_path(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        import os
        def train():
            if os.environ.get("SMALL"):
                config = GPTTrainerConfig(lr=1e-6, epochs=5)
            else:
                config = GPTTrainerConfig(lr=1e-5, epochs=100)
            return config
        """,
    )
    plans = load_plans(path)
    assert [(p.get("lr"), p.get("epochs")) for p in plans] == [(1e-6, 5), (1e-5, 100)]
    line = _line(path, "if os.environ")
    assert plans[0].name.endswith(f'[when os.environ.get("SMALL") ({plans[0].path}:{line})]')
    assert plans[1].meta["path_condition"][0].startswith('when os.environ.get("SMALL") is false')
    first = load_plan(path)  # a single-plan caller gets the first path, and a note
    assert first.get("lr") == 1e-6 and any("2 feasible paths" in n for n in first.meta["notes"])


def test_hostile_expressions_stay_unknown_and_fast(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        x = x + 1
        c = GPTTrainerConfig(
            epochs=10 ** 10 ** 10, run_name="a" * 10 ** 9, lr=x, batch_size=[] + [1] * 99
        )
        """,
    )
    start = time.perf_counter()
    raw = load_raw(path)
    assert time.perf_counter() - start < 2
    found = {s.key: s.value for s in raw.settings}
    assert all(isinstance(found[k], Unknown) for k in ("epochs", "run_name", "lr"))
    assert found["batch_size"] == [1] * 99
