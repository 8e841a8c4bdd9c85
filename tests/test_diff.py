"""The semantic config diff: what counts as a change, grouping, noise, provenance."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from harness.diff import diff_plans, values_equal
from harness.plan.build import build_plan
from harness.plan.mapping import raw_from_mapping
from harness.plan.source import Unknown
from harness.sections import SECTION_ORDER, is_noise, section_of


def make_plan(name: str, data: dict, lines: dict | None = None):
    raw = raw_from_mapping(data, name=name, path=f"configs/{name}.toml", lines=lines)
    return build_plan(raw)


REFERENCE = {
    "lr": 5e-06,
    "optimizer": "AdamW",
    "optimizer_params": {"betas": [0.9, 0.96], "eps": 1e-8, "weight_decay": 1e-2},
    "lr_scheduler": "MultiStepLR",
    "lr_scheduler_params": {"milestones": [1, 2, 3], "gamma": 0.5},
    "epochs": 100,
    "batch_size": 4,
    "output_path": "/runs/reference",
    "run_name": "reference",
    "trainer": {"grad_accum_steps": 128},
}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (5e-06, 5e-6),
        (1, 1.0),
        (0.01, 1e-2),
        (1e-6, 1e-6 * (1 + 1e-12)),  # float noise from arithmetic (50000 * 18 style)
        ([0.9, 0.96], (0.9, 0.96)),
        ([1, 2, 3], [1.0, 2.0, 3.0]),
        ({"gamma": 0.5, "milestones": [1]}, {"milestones": [1.0], "gamma": 0.5}),
        (math.inf, float("inf")),
        (Unknown("config.LR * 2"), Unknown("config.LR * 2")),
        (None, None),
    ],
)
def test_values_that_mean_the_same_are_equal(a, b):
    assert values_equal(a, b)
    assert values_equal(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (True, 1),  # a flag is not a count
        (False, 0),
        (1e-6, 1.1e-6),
        (1e-14, 2e-14),  # relative, not absolute, tolerance: tiny values still differ
        ([1, 2, 3], [1, 2]),
        ([1, 2, 3], [1, 3, 2]),  # order matters: milestones are a sequence
        ({"gamma": 0.5}, {"gamma": 0.5, "last_epoch": -1}),
        (Unknown("a"), Unknown("b")),
        (Unknown("5e-6"), 5e-6),  # an unresolved value never equals a known one
        (None, 0),
        ("0.5", 0.5),
    ],
)
def test_values_that_differ_are_not_equal(a, b):
    assert not values_equal(a, b)
    assert not values_equal(b, a)


def test_tolerance_is_adjustable():
    assert not values_equal(1.0, 1.001)
    assert values_equal(1.0, 1.001, rel_tol=1e-2)


def test_one_reference_against_several_candidates():
    reference = make_plan("reference", REFERENCE)
    same_spelled_differently = make_plan(
        "respelled",
        {
            **REFERENCE,
            "lr": 5e-6,
            "optimizer_params": {"betas": (0.9, 0.96), "eps": 1e-08, "weight_decay": 0.01},
            "epochs": 100.0,
        },
    )
    changed = make_plan(
        "changed",
        {
            **REFERENCE,
            "lr_scheduler_params": {"milestones": [50000, 150000, 300000], "gamma": 0.5},
            "model_args": {"max_text_length": 512},
        },
    )
    diff = diff_plans(reference, [same_spelled_differently, changed])

    assert diff.reference == "reference"
    assert diff.candidates == ["respelled", "changed"]
    changed_keys = {e.key: e.changed for e in diff.changed_entries()}
    assert changed_keys == {
        "lr_scheduler_params.milestones": (False, True),
        "model_args.max_text_length": (False, True),
    }
    # Every key of every plan is in entries, changed or not, one cell per candidate.
    lr = next(e for e in diff.entries if e.key == "lr")
    assert lr.changed == (False, False) and len(lr.candidates) == 2


def test_a_value_set_to_its_default_is_not_a_change_and_a_default_is():
    reference = make_plan("reference", {"lr": 5e-06})
    explicit_default = make_plan("explicit", {"lr": 5e-06, "batch_size": 32})  # 32: the default
    implicit_optimizer = make_plan("implicit", {"lr": 5e-06, "optimizer": "radam"})
    diff = diff_plans(reference, [explicit_default, implicit_optimizer])
    assert diff.changed_entries() == []


def test_provenance_is_carried_per_cell():
    reference = make_plan("reference", REFERENCE, lines={"lr": 3})
    candidate = make_plan("candidate", {"lr": 1e-5, "optimizer": "AdamW"}, lines={"lr": 7})
    diff = diff_plans(reference, [candidate])
    entries = {e.key: e for e in diff.changed_entries()}

    lr = entries["lr"]
    assert (lr.reference.source.file, lr.reference.source.line) == ("configs/reference.toml", 3)
    assert (lr.candidates[0].source.file, lr.candidates[0].source.line) == (
        "configs/candidate.toml",
        7,
    )
    # A value the candidate did not set is the library default, and says so.
    epochs = entries["epochs"]
    assert epochs.candidates[0].value == 1000
    assert epochs.candidates[0].source.is_default
    assert "default of coqui-tts" in str(epochs.candidates[0].source)
    # A trainer argument the candidate lacks comes from the trainer's defaults.
    assert entries["grad_accum_steps"].candidates[0].source.library.startswith("coqui-tts-trainer")


def test_subkeys_present_on_one_side_only():
    reference = make_plan("reference", REFERENCE)
    candidate = make_plan("candidate", {**REFERENCE, "lr_scheduler_params": {"gamma": 0.5}})
    bare = make_plan("bare", {"lr": 5e-06})  # optimizer_params None, lr_scheduler_params {}
    diff = diff_plans(reference, [candidate, bare])
    entries = {e.key: e for e in diff.changed_entries()}

    milestones = entries["lr_scheduler_params.milestones"]
    assert milestones.candidates == (None, None)
    assert milestones.changed == (True, True)
    # The empty container rows would only repeat what the sub-key rows already show.
    assert "lr_scheduler_params" not in entries
    assert "optimizer_params" not in entries
    assert entries["optimizer_params.betas"].changed == (False, True)


def test_noise_is_hidden_unless_show_all():
    reference = make_plan("reference", REFERENCE)
    candidate = make_plan(
        "candidate",
        {
            **REFERENCE,
            "output_path": "/elsewhere",
            "run_name": "other",
            "model_args": {"tokenizer_file": "/data/vocab_am.json"},
            "trainer": {"grad_accum_steps": 128, "restore_path": "/ckpt/model.pth"},
        },
    )
    diff = diff_plans(reference, [candidate])

    visible = {e.key for e in diff.changed_entries()}
    everything = {e.key for e in diff.changed_entries(show_all=True)}
    noise = {"output_path", "run_name", "model_args.tokenizer_file"}
    assert visible == {"restore_path"}  # resuming from a checkpoint matters
    assert everything == visible | noise
    assert diff.hidden_noise() == len(noise)
    assert {e["key"] for e in diff.to_dict()["entries"]} == visible
    assert {e["key"] for e in diff.to_dict(show_all=True)["entries"]} == everything


def test_sections_group_in_a_fixed_order():
    reference = make_plan("reference", REFERENCE)
    candidate = make_plan(
        "candidate",
        {
            "lr": 1e-5,
            "audio": {"sample_rate": 24000},
            "model_args": {"max_text_length": 300},
            "batch_size": 8,
            "save_step": 500,
            "extras": {"ema": {"enabled": True}},
            "datasets": [{"language": "am", "path": "/data/am"}],
        },
    )
    diff = diff_plans(reference, [candidate])
    sections = list(diff.by_section())
    assert sections == sorted(sections, key=SECTION_ORDER.index)
    assert {"optimizer", "batching", "model", "audio", "data", "extras", "bookkeeping"} <= set(
        sections
    )
    keys = [e.key for e in diff.changed_entries()]
    assert keys.index("lr") < keys.index("batch_size") < keys.index("model_args.max_text_length")


@pytest.mark.parametrize(
    ("key", "section"),
    [
        ("lr", "optimizer"),
        ("optimizer_params.betas", "optimizer"),
        ("lr_scheduler_params.milestones", "schedule"),
        ("extras.warmup.steps", "schedule"),
        ("grad_accum_steps", "batching"),
        ("model_args.gpt_max_text_tokens", "model"),
        ("audio.sample_rate", "audio"),
        ("datasets[0].language", "data"),
        ("eval_split_size", "data"),
        ("extras.ema.decay", "extras"),
        ("save_step", "bookkeeping"),
        ("temperature", "other"),
    ],
)
def test_section_of(key, section):
    assert section_of(key) == section


@pytest.mark.parametrize(
    ("key", "noise"),
    [
        ("output_path", True),
        ("model_args.xtts_checkpoint", True),
        ("datasets[3].meta_file_train", True),
        ("datasets[0].path", True),
        ("datasets[0].language", False),
        ("restore_path", False),
        ("model_args.max_text_length", False),
    ],
)
def test_is_noise(key, noise):
    assert is_noise(key) is noise


def test_to_dict_is_json_safe():
    reference = make_plan("reference", REFERENCE)
    candidate = make_plan(
        "candidate", {**REFERENCE, "max_audio_len": math.inf, "lr": Unknown("config.LR")}
    )
    data = diff_plans(reference, [candidate]).to_dict()
    text = json.dumps(data, allow_nan=False)
    entries = {e["key"]: e for e in json.loads(text)["entries"]}
    assert entries["lr"]["candidates"][0]["value"] == {"unknown": "config.LR"}
    assert entries["lr"]["reference"]["source"]["file"] == "configs/reference.toml"


def test_importing_diff_does_not_import_deepdiff():
    code = "import sys, harness.diff; print('deepdiff' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_plans_with_few_keys_in_common_still_diff_key_by_key():
    from harness.plan.model import Plan
    from harness.plan.source import Setting, Source

    def bare(name, values):
        source = Source(file=f"{name}.json")
        settings = {k: Setting(k, v, source) for k, v in values.items()}
        return Plan(name=name, path=f"{name}.json", library="coqui-tts 0.28.0", settings=settings)

    diff = diff_plans(bare("a", {"lr": 1e-5, "epochs": 10}), [bare("b", {"batch_size": 4})])
    assert {e.key: e.changed for e in diff.changed_entries()} == {
        "lr": (True,),
        "epochs": (True,),
        "batch_size": (True,),
    }


def test_a_default_the_other_library_version_lacks_is_not_a_change():
    old_raw = raw_from_mapping({"lr": 5e-06}, name="old", path="old.toml")
    old = build_plan(old_raw, library="TTS 0.22.0")
    new = make_plan("new", {"lr": 5e-06, "run_eval": False})
    only_new = set(new.settings) - set(old.settings)
    assert "speakers" in only_new  # a field coqui-tts added after TTS 0.22

    diff = diff_plans(old, [new])
    assert "run_eval" in {e.key for e in diff.changed_entries()}
    assert not only_new & {e.key for e in diff.changed_entries()}
    # A key only one side has is still a change when that side set it explicitly.
    explicit = make_plan("explicit", {"lr": 5e-06, "speakers": ["spk1"]})
    assert "speakers" in {e.key for e in diff_plans(old, [explicit]).changed_entries()}
