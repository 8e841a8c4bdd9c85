"""The ablation spec: what a user writes, and the one-line errors a bad spec gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.ablate.spec import load_spec
from harness.cli import main
from harness.errors import HarnessError

DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"

SPEC = """
[study]
name = "t"
base = "{base}"
seeds = [3, 4]
steps = 8
eval_every = 4

[data]
path = "{data}"
vocab = "{vocab}"

[overrides]
lr = 1e-4
optimizer_params.weight_decay = 0.05

[factors.ema.off]
extras.ema.enabled = false
[factors.ema.on]
extras.ema.enabled = true
extras.ema.decay = 0.9
"""


def write_spec(tmp_path: Path, text: str = SPEC, **extra: str) -> Path:
    spec = tmp_path / "spec.toml"
    values = {
        "base": DEMO / "after.toml",
        "data": DEMO / "data",
        "vocab": DEMO / "vocab_am.json",
        **extra,
    }
    spec.write_text(text.format(**values), encoding="utf-8")
    return spec


def test_spec_sets_plan_keys_and_arms_in_spec_order(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    assert [arm.name for arm in spec.arms] == ["ema=off", "ema=on"]
    assert spec.seeds == (3, 4) and spec.factorial_trials == 4
    # A dotted override changes one entry of a dict field: the base config's betas stay.
    assert spec.plan.dict_value("optimizer_params") == {
        "betas": [0.9, 0.96],
        "eps": 1e-8,
        "weight_decay": 0.05,
    }
    assert str(spec.plan.source_of("lr")).endswith("(overrides.lr)")
    assert spec.arm_overrides(spec.arms[1]) == {
        "extras.ema.enabled": True,
        "extras.ema.decay": 0.9,
    }
    assert spec.data.language == "am"  # from the base config's datasets[0].language


def test_quick_run_overrides_get_their_own_study_name(tmp_path):
    spec = load_spec(write_spec(tmp_path), steps=2, seeds=3)
    assert spec.name == "t-steps2-seeds3"
    assert spec.steps == 2 and spec.eval_every == 2
    assert spec.seeds == (3, 4, 5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("steps = 8", "stepz = 8"), "unknown key study.stepz"),
        (("lr = 1e-4", "learning_rate = 1e-4"), "learning_rate is not a setting of the base"),
        (("extras.ema.decay = 0.9", "model_args.gpt_layerz = 2"), "model_args.gpt_layerz"),
        (("seeds = [3, 4]", "seeds = [3, 3]"), "distinct integers"),
        (("[factors.ema.on]\nextras.ema.enabled = true\nextras.ema.decay = 0.9", ""), "two levels"),
    ],
)
def test_bad_spec_is_one_line_naming_the_key(tmp_path, change, message):
    old, new = change
    assert old in SPEC
    path = write_spec(tmp_path, SPEC.replace(old, new))
    with pytest.raises(HarnessError) as error:
        load_spec(path)
    assert message in error.value.one_line()
    assert "\n" not in error.value.one_line()
    assert str(path) in error.value.one_line()


def test_cli_bad_spec_exits_2_with_one_line(tmp_path, capsys):
    path = write_spec(tmp_path, SPEC.replace('base = "', 'base = "missing-'))
    assert main(["ablate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("xtts-harness: error:") and "not found" in err
    assert len(err.splitlines()) == 1


def test_demo_spec_loads_and_is_a_2x2_with_3_seeds():
    spec = load_spec(DEMO / "ablation.toml")
    assert [f.name for f in spec.factors] == ["ema", "warmup"]
    assert spec.seeds == (0, 1, 2) and spec.factorial_trials == 12
    assert spec.scale.kind == "miniature"  # the shipped miniature release
    assert spec.plan.known("extras.ema.enabled") is False  # after.toml: EMA off
    assert spec.plan.known("lr") == 5e-06  # the candidate's fine-tuning LR, not overridden
    assert spec.held_out is not None and spec.held_out.language == "en"  # forgetting


def test_devices_must_name_gpus_this_machine_has(capsys):
    pytest.importorskip("torch")
    from harness.cli import main

    spec = str(DEMO / "ablation.toml")
    assert main(["ablate", spec, "--devices", "0,x"]) == 2
    assert "not a list of distinct GPU indices" in capsys.readouterr().err
    import torch

    missing = str(torch.cuda.device_count())
    assert main(["ablate", spec, "--devices", missing]) == 2
    assert "names a GPU this machine lacks" in capsys.readouterr().err
