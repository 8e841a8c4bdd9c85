"""The Plan's typed views: derived once, provenance kept, Unknown never taken for a default,
and one reading of the warmup that the schedule, the rules and the fixer all share."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from harness.findings import Finding, Severity
from harness.fix.fixers import milestones
from harness.plan import Plan, Setting, Source, Unknown
from harness.plan.build import RawConfig, build_plan
from harness.plan.views import WARMUP_START_FACTOR
from harness.rules import run_rules
from harness.schedule import compute_schedule

HARNESS = Path(__file__).resolve().parents[1] / "harness"
FILE = "train.py"


def _plan(values: dict[str, Any]) -> Plan:
    settings = [
        Setting(key, value, Source(file=FILE, key=key, line=line))
        for line, (key, value) in enumerate(values.items(), start=1)
    ]
    return build_plan(RawConfig(name="views", path=FILE, settings=settings))


def test_each_view_is_derived_once_and_the_warmup_is_one_object() -> None:
    plan = _plan({"epochs": 10, "batch_size": 4, "dataset_size": 400})
    for name in ("optimizer", "lr_schedule", "batching", "model", "data", "extras"):
        assert getattr(plan, name) is getattr(plan, name), name
    assert plan.lr_schedule.warmup is plan.extras.warmup
    assert plan.scheduler is plan.lr_schedule.spec


def test_unknown_stays_apart_from_a_default_and_keeps_its_source() -> None:
    plan = _plan({"lr": Unknown("os.environ['LR']"), "epochs": 7})
    lr, optimizer = plan.optimizer.lr, plan.optimizer.name
    assert lr.unknown == Unknown("os.environ['LR']") and lr.value is None and lr.number is None
    assert lr.explicit and lr.source == Source(file=FILE, key="lr", line=1)
    assert lr.or_(1e-5) == 1e-5  # the caller's fallback, not the library default
    assert optimizer.unknown is None and not optimizer.explicit
    assert optimizer.source is not None and optimizer.source.is_default
    assert optimizer.value == "radam"  # GPTTrainerConfig's default
    epochs = plan.batching.given.epochs
    assert plan.batching.epochs == 7 and epochs.explicit and epochs.source.line == 2


def test_a_finding_points_at_the_line_of_the_view_field_it_read() -> None:
    plan = _plan(
        {
            "epochs": 100,
            "optimizer": "AdamW",
            "optimizer_params": {"weight_decay": 0.01},
            "optimizer_wd_only_on_weights": False,
        }
    )
    (found,) = [f for f in run_rules(plan, select=["O205"])]
    assert found.key == plan.optimizer.wd_only_on_weights.key
    assert (found.file, found.line) == (FILE, 4)


WARMUPS = [
    # (extras.warmup values, length, in_epochs, undecided text or None)
    ({"enabled": True, "steps": 100, "unit": "optimizer_steps"}, 100, False, None),
    ({"enabled": True, "steps": 3, "unit": "epochs"}, 3, True, None),
    ({"enabled": False, "steps": 100, "unit": "optimizer_steps"}, 0, False, None),
    ({"enabled": True, "steps": -5, "unit": "optimizer_steps"}, 0, False, None),
    ({"enabled": True, "steps": Unknown("args.warmup")}, 0, False, "steps is unknown"),
    ({"enabled": True, "steps": 100, "unit": Unknown("args.unit")}, 0, False, "unit is unknown"),
    ({"enabled": Unknown("args.warm"), "steps": 100}, 0, False, "enabled is unknown"),
]


@pytest.mark.parametrize(("warmup", "length", "in_epochs", "undecided"), WARMUPS)
def test_one_reading_of_the_warmup(
    warmup: dict[str, Any], length: int, in_epochs: bool, undecided: str | None
) -> None:
    values = {f"extras.warmup.{k}": v for k, v in warmup.items()}
    plan = _plan({"epochs": 100, "batch_size": 4, "dataset_size": 400, **values})
    view = plan.lr_schedule.warmup
    assert (view.length, view.in_epochs) == (length, in_epochs)
    assert (view.undecided is None) == (undecided is None)
    # The scheduler the schedule is computed from carries the same reading ...
    assert plan.scheduler.warmup_steps == (0 if in_epochs else length)
    schedule = compute_schedule(plan)
    ends = [e for e in schedule.events if e.kind == "warmup_end"]
    assert [e.index for e in ends] == ([length] if length else [])
    if undecided is not None:
        assert any(undecided in note for note in schedule.undecided)
    # ... and so do the rule that flags a warmup in epochs and the fixer that skips it.
    flagged = [f for f in run_rules(plan, select=["S103"]) if f.key == "extras.warmup.unit"]
    assert bool(flagged) == (in_epochs and length > 0)


def test_the_milestone_fixer_leaves_out_a_warmup_the_schedule_leaves_out() -> None:
    base = {"epochs": 100, "batch_size": 4, "dataset_size": 4000, "lr_scheduler": "MultiStepLR"}
    base["lr_scheduler_params"] = {"milestones": [50000, 150000], "gamma": 0.5}
    finding = Finding("S101", "milestones-never-fire", Severity.ERROR, "")
    undecided = {"extras.warmup.enabled": True, "extras.warmup.unit": Unknown("args.unit")}
    counted = {
        "extras.warmup.enabled": True,
        "extras.warmup.steps": 2,
        "extras.warmup.unit": "epochs",
    }
    plain = milestones(_plan(base), finding)
    assert milestones(_plan({**base, **undecided}), finding) == plain
    # A warmup of 2 epochs (2000 optimizer steps) in front shifts the milestones' base.
    assert milestones(_plan({**base, **counted}), finding)[0].value < plain[0].value


def test_start_factor_outside_0_1_is_torchs_default() -> None:
    plan = _plan({"extras.warmup.start_factor": 1.5})
    assert plan.lr_schedule.warmup.start == WARMUP_START_FACTOR
    assert _plan({"extras.warmup.start_factor": 0.1}).lr_schedule.warmup.start == 0.1


def test_no_string_lookup_of_plan_values_outside_the_plan_package() -> None:
    """Rules, schedule, audit, check-run, fix and ablate read views, not ``known("key")``."""
    offenders = [
        f"{path.relative_to(HARNESS)}:{number}"
        for path in HARNESS.rglob("*.py")
        if "plan" not in path.relative_to(HARNESS).parts[:1]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.known\(", line)
    ]
    assert offenders == []


def test_the_readme_example_of_reading_a_plan_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(HARNESS.parent)  # the example names a baseline from the checkout
    readme = (HARNESS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Reading a Plan", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})  # the project's own documented example
    words = capsys.readouterr().out.split()
    lr, source, steps = words[0], " ".join(words[1:-1]), words[-1]
    assert float(lr) == 5e-06 and source.startswith("baselines/gokhaneraslan-head.toml:")
    assert steps == "None"  # no dataset size in the baseline: undecided, not guessed
