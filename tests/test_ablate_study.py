"""The Optuna study: enqueue without duplicates, failures recorded, kill -9 and --resume."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.ablate.spec import load_spec

DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"
CLI = [sys.executable, "-m", "harness"]

STUDY = """
[study]
name = "{name}"
base = "{base}"
seeds = {seeds}
steps = {steps}
eval_every = {eval_every}
heartbeat_interval = 1
grace_period = 3
pruner = "{pruner}"
workdir = "{workdir}"

[data]
path = "{data}"
vocab = "{vocab}"

[overrides]
lr = 3e-4
grad_accum_steps = 1
"""

EMA_FACTOR = """
[factors.ema.off]
extras.ema.enabled = false
[factors.ema.on]
extras.ema.enabled = true
extras.ema.decay = 0.9
"""


def write_spec(tmp_path: Path, body: str, *, name="t", seeds=2, steps=4, eval_every=2,
               pruner="median") -> Path:  # fmt: skip
    """A spec on the demo's base config and data, with its own study name and work folder."""
    spec = tmp_path / f"{name}.toml"
    head = STUDY.format(
        name=name,
        base=DEMO / "after.toml",
        seeds=seeds,
        steps=steps,
        eval_every=eval_every,
        pruner=pruner,
        workdir=tmp_path / "runs",
        data=DEMO / "data",
        vocab=DEMO / "vocab_am.json",
    )
    spec.write_text(head + body, encoding="utf-8")
    return spec


def factorial_keys(study, states=None):
    return [
        (t.user_attrs["arm"], t.user_attrs["seed"])
        for t in study.get_trials(deepcopy=False, states=states)
        if t.user_attrs.get("kind") == "factorial"
    ]


def _prepare(spec_path: str, url: str, start_at: float) -> None:
    from harness.ablate.study import prepare_study

    spec = load_spec(spec_path)
    time.sleep(max(0.0, start_at - time.time()))  # all processes race from the same moment
    prepare_study(spec, url, resume=True)


def test_concurrent_workers_enqueue_each_arm_and_seed_once(tmp_path):
    import optuna

    spec_path = write_spec(tmp_path, EMA_FACTOR + EMA_FACTOR.replace("ema", "warmup"), seeds=3)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0
    workers = [
        context.Process(target=_prepare, args=(str(spec_path), url, start_at)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    study = optuna.load_study(study_name="t", storage=url)
    keys = factorial_keys(study)
    assert len(keys) == 12 and len(set(keys)) == 12  # 4 arms x 3 seeds, no duplicate


def test_search_trials_are_pruned_on_intermediate_evals_and_factorial_trials_never():
    import optuna

    from harness.ablate.progress import Progress
    from harness.ablate.study import _OptunaHooks

    study = optuna.create_study(pruner=optuna.pruners.MedianPruner(1, 0))
    first = study.ask()
    for step, value in ((2, 1.0), (4, 0.5)):
        first.report(value, step)
    study.tell(first, 0.5)
    search = study.ask()
    _OptunaHooks(search, True, Progress(), 0).on_eval(2, 0.9)  # better than the median: goes on
    with pytest.raises(optuna.TrialPruned):
        _OptunaHooks(search, True, Progress(), 0).on_eval(4, 3.0)
    factorial = study.ask()
    _OptunaHooks(factorial, False, Progress(), 0).on_eval(4, 3.0)  # no raise: paired arms run on


@pytest.mark.ablate
def test_failed_trials_are_recorded_with_their_reason_and_the_study_goes_on(tmp_path, capsys):
    pytest.importorskip("TTS")
    from harness.cli import main

    body = """
[factors.setting.base]
extras.ema.enabled = false
[factors.setting.nan_loss]
model_args.gpt_loss_mel_ce_weight = nan
[factors.setting.bad_betas]
optimizer_params.betas = [2.0, 0.9]
"""
    spec = write_spec(tmp_path, body, seeds=1, steps=2, eval_every=2)
    db = tmp_path / "studies.db"
    assert main(["ablate", str(spec), "--storage", str(db), "--format", "json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    by_arm = {t["arm"]: t for t in summary["trials"]}
    assert by_arm["setting=base"]["state"] == "COMPLETE"
    assert by_arm["setting=nan_loss"]["state"] == "FAIL"
    assert "non-finite train loss" in by_arm["setting=nan_loss"]["failure"]
    assert by_arm["setting=bad_betas"]["state"] == "FAIL"
    assert by_arm["setting=bad_betas"]["failure"].startswith("ValueError: Invalid beta parameter")
    assert (Path(by_arm["setting=bad_betas"]["output_path"]) / "error.txt").is_file()
    # The stored study reads back the same through `results`.
    assert main(["results", "--storage", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"complete": 1, "fail": 2}


@pytest.mark.ablate
def test_a_search_samples_with_tpe_and_reports_importances(tmp_path):
    pytest.importorskip("TTS")
    import optuna

    from harness.ablate.progress import Progress
    from harness.ablate.study import run_study
    from harness.ablate.summary import study_summary

    body = """
[search]
trials = 2
sampler_seed = 7
[search.params.lr]
low = 1e-4
high = 1e-3
log = true
[search.params.optimizer_params.weight_decay]
low = 0.0
high = 0.1
"""
    spec = load_spec(write_spec(tmp_path, body, seeds=1, steps=2, eval_every=1, pruner="none"))
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    study = run_study(spec, url, progress=Progress())
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(trials) == 2
    assert all(1e-4 <= t.params["lr"] <= 1e-3 for t in trials)
    assert all(0 <= t.params["optimizer_params.weight_decay"] <= 0.1 for t in trials)
    assert all(len(t.intermediate_values) == 2 for t in trials)
    summary = study_summary(study)
    assert set(summary["importances"]) <= {"lr", "optimizer_params.weight_decay"}
    assert summary["best"]["value"] == min(t.value for t in trials)


@pytest.mark.ablate
def test_kill_9_in_the_first_seconds_and_mid_study_then_resume_loses_nothing(tmp_path):
    """Real SIGKILLs of the real ``xtts-harness ablate`` process: first as soon as its study
    exists in the storage (while it is being described), then, resumed, once a trial has
    completed and another is running; resumed again it finishes every arm and seed, keeps
    the completed trials, and ``results`` shows the factor's arms and verdicts."""
    pytest.importorskip("TTS")
    import optuna
    from optuna.trial import TrialState

    spec = write_spec(tmp_path, EMA_FACTOR, seeds=2, steps=6, eval_every=3)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    command = [*CLI, "ablate", str(spec), "--storage", url]
    _run_until(command, url, _study_exists)
    study = _run_until([*command, "--resume"], url, _complete_and_running)
    before = {t.number: t.value for t in study.get_trials(states=(TrialState.COMPLETE,))}
    killed = [t.number for t in study.get_trials(states=(TrialState.RUNNING,))]
    assert before and killed

    resumed = subprocess.run([*command, "--resume"], capture_output=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    study = optuna.load_study(study_name="t", storage=url)
    after = {t.number: t.value for t in study.get_trials(states=(TrialState.COMPLETE,))}
    assert {n: after.get(n) for n in before} == before  # completed trials kept as they were
    assert sorted(factorial_keys(study, (TrialState.COMPLETE,))) == sorted(
        (arm, seed) for arm in ("ema=off", "ema=on") for seed in (0, 1)
    )  # every arm and seed completed, none twice
    stale = study.trials[killed[0]]
    assert stale.state == TrialState.FAIL
    retries = [t for t in study.trials if t.system_attrs.get("failed_trial") == killed[0]]
    assert [t.state for t in retries] == [TrialState.COMPLETE]
    shown = subprocess.run(
        [*CLI, "results", "t", "--storage", url, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    summary = json.loads(shown.stdout)
    assert summary["factors"] == [{"name": "ema", "levels": ["off", "on"]}]
    assert [a["arm"] for a in summary["arms"]] == ["ema=off", "ema=on"]
    assert len(summary["verdicts"]) == 1 and "ema" in summary["verdicts"][0].lower()


def _study_exists(study) -> bool:
    return True


def _complete_and_running(study) -> bool:
    from optuna.trial import TrialState

    states = [t.state for t in study.get_trials(deepcopy=False)]
    return TrialState.COMPLETE in states and TrialState.RUNNING in states


def _run_until(command: list[str], url: str, reached) -> object:
    """Start the command, poll its storage until ``reached(study)``, then kill -9 it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        return _poll(url, worker, reached)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


def _poll(url: str, worker: subprocess.Popen, reached):
    import optuna

    from harness.ablate.storage import open_storage

    deadline = time.time() + 180
    while time.time() < deadline:
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        try:
            study = optuna.load_study(study_name="t", storage=open_storage(url))
        except KeyError:  # the worker has not created the study yet
            time.sleep(0.05)
            continue
        if reached(study):
            return study
        time.sleep(0.2)
    raise AssertionError("the worker did not reach the point to kill it in time")


def test_a_study_cut_off_while_being_described_gets_its_factors_on_resume(tmp_path):
    """kill -9 in the first seconds: the study exists but not all its attributes do. The
    protocol attribute is written last, so --resume sees it missing and describes again."""
    import optuna

    from harness.ablate.study import prepare_study
    from harness.ablate.summary import study_summary

    spec = load_spec(write_spec(tmp_path, EMA_FACTOR))
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    cut = optuna.create_study(study_name="t", storage=url)
    cut.set_user_attr("spec", str(spec.path))  # the first attribute, then the kill
    study = prepare_study(spec, url, resume=True)
    summary = study_summary(study)
    assert summary["factors"] == [{"name": "ema", "levels": ["off", "on"]}]
    assert len(summary["arms"]) == 2 and len(study.trials) == 4


def test_without_a_terminal_ablate_prints_a_line_per_trial_start_and_eval():
    import io

    from harness.ablate.progress import LineProgress

    out = io.StringIO()
    progress = LineProgress("t", 2, 0, stream=out)
    progress.trial_started(0, 0, "ema=off seed 0", 4)
    progress.trial_eval(0, 0, 2, 5.25)
    progress.trial_finished(0, 0, "trial   0  ema=off seed 0  loss_mel_ce 5.2500")
    assert out.getvalue().splitlines() == [
        "study t: 0 of 2 trials done",
        "trial   0  ema=off seed 0  started (4 steps, worker 0)",
        "trial   0  step 2: eval 5.2500",
        "trial   0  ema=off seed 0  loss_mel_ce 5.2500  (1/2)",
    ]
