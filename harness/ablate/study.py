"""The Optuna side: create or resume a study, enqueue the factorial, run workers.

- Factorial: every arm x seed is enqueued once (``enqueue_factorial``, under the study
  lock, skipping the (arm, seed) pairs the study already holds, whatever their state), so
  two workers or a resumed run never add duplicates. Workers take WAITING trials with
  ``study.ask()`` under the same lock; the database marks a trial RUNNING atomically.
- Search: the remaining trials are new trials sampled by TPE (``[search]``), claimed under
  the lock up to the spec's count. Search trials run on the reference level of every
  factor, with the first seed, and only they are pruned (MedianPruner on the intermediate
  evals): the factorial trials are never pruned, because the paired comparison needs
  every arm at every seed.
- Heartbeats: each running trial records one every ``heartbeat_interval`` seconds. A trial
  whose worker died (kill -9, lost machine) goes stale after ``grace_period``; the next
  worker to look fails it and Optuna's retry callback enqueues it again (``max_retry``).
  ``--resume`` therefore loses no completed trial and reruns only what was cut off.
- A trial that fails (non-finite loss, an exception, out of memory) is recorded as FAIL
  with its reason in the user attribute ``failure``; the study goes on.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from pathlib import Path
from typing import Any

from harness.ablate.private import study_storage, trial_id
from harness.ablate.progress import Progress, make_progress
from harness.ablate.runner import TrialHooks
from harness.ablate.spec import AblationSpec, Arm, apply_overrides, default_workdir
from harness.ablate.storage import Heartbeat, open_storage, redact, study_lock
from harness.errors import HarnessError

WAIT, DONE = "wait", "done"
PROTOCOL_ATTR = "protocol"


def make_sampler(spec: AblationSpec, worker: int = 0) -> Any:
    import optuna

    seed = spec.search.sampler_seed if spec.search else None
    return optuna.samplers.TPESampler(seed=None if seed is None else seed + worker)


def make_pruner(spec: AblationSpec) -> Any:
    import optuna

    if spec.pruner == "none":
        return optuna.pruners.NopPruner()
    # Never before the second evaluation (MedianPruner skips steps < n_warmup_steps): the
    # first one says little about the end.
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=spec.eval_every + 1)


def prepare_study(spec: AblationSpec, storage_url: str, *, resume: bool) -> Any:
    """Create the study (or load it with ``resume``), check it matches, enqueue the factorial."""
    import optuna

    storage = _storage(spec, storage_url)
    names = set(optuna.get_all_study_names(storage))
    if spec.name in names:
        study = optuna.load_study(study_name=spec.name, storage=storage)
        _check_existing(study, spec, storage_url, resume=resume)
    else:
        study = optuna.create_study(
            study_name=spec.name, storage=storage, direction="minimize", load_if_exists=True
        )
        _describe(study, spec)
    with study_lock(storage, spec.name):
        enqueue_factorial(study, spec)
    return study


def _storage(spec: AblationSpec, url: str) -> Any:
    return open_storage(
        url,
        heartbeat_interval=spec.heartbeat_interval,
        grace_period=spec.grace_period,
        max_retry=spec.max_retry,
    )


def _check_existing(study: Any, spec: AblationSpec, url: str, *, resume: bool) -> None:
    if not resume and study.get_trials(deepcopy=False):
        raise HarnessError(
            f"study {spec.name!r} already exists in {redact(url)} "
            f"with {len(study.get_trials(deepcopy=False))} trials",
            fix="add --resume to continue it (also to join it from another worker), "
            "or change [study] name",
        )
    stored = study.user_attrs.get(PROTOCOL_ATTR)
    if stored is not None and stored != spec.protocol():
        changed = sorted(k for k in spec.protocol() if stored.get(k) != spec.protocol()[k])
        raise HarnessError(
            f"study {spec.name!r} was run with other settings ({', '.join(changed)} differ)",
            where=str(spec.path),
            fix="change [study] name for the new settings, or restore the old ones",
        )
    if stored is None:
        _describe(study, spec)


def _describe(study: Any, spec: AblationSpec) -> None:
    """What the report needs to read the study without the spec."""
    study.set_user_attr("spec", str(spec.path))
    study.set_user_attr("base_config", str(spec.base))
    study.set_user_attr("objective", f"eval {spec.objective}")
    study.set_user_attr(
        "factors", [{"name": f.name, "levels": [lv.name for lv in f.levels]} for f in spec.factors]
    )
    study.set_user_attr("search_params", [p.key for p in spec.search.params] if spec.search else [])
    study.set_user_attr("regime", spec.regime())
    if spec.held_out is not None:
        study.set_user_attr("held_out", {"language": spec.held_out.language})
    # Last: a study with its protocol is fully described (a kill -9 before this line
    # leaves none, and --resume describes it again).
    study.set_user_attr(PROTOCOL_ATTR, spec.protocol())


def enqueue_factorial(study: Any, spec: AblationSpec) -> int:
    """Enqueue each (arm, seed) the study does not hold yet; call under the study lock."""
    present = {
        (t.user_attrs.get("arm"), t.user_attrs.get("seed"))
        for t in study.get_trials(deepcopy=False)
        if t.user_attrs.get("kind") == "factorial"
    }
    added = 0
    for seed in spec.seeds:
        for arm in spec.arms:
            if (arm.name, seed) in present:
                continue
            study.enqueue_trial(
                {**arm.as_dict(), "seed": seed},
                user_attrs={"kind": "factorial", "arm": arm.name, "seed": seed},
                skip_if_exists=False,
            )
            added += 1
    return added


def claim_next(study: Any, spec: AblationSpec) -> Any:
    """The next trial to run (RUNNING, heartbeat recorded), WAIT, or DONE. Under the lock.

    The heartbeat is recorded *before* ``ask()`` makes the trial RUNNING: Optuna never
    calls a RUNNING trial without any heartbeat stale, so a worker killed between the two
    would otherwise leave a trial that nobody ever retries.
    """
    import optuna
    from optuna.trial import TrialState

    optuna.storages.fail_stale_trials(study)
    trials = study.get_trials(deepcopy=False)
    waiting = [t for t in trials if t.state == TrialState.WAITING]
    if not waiting and spec.search and _search_trials(trials) < spec.search.trials:
        study.enqueue_trial({}, user_attrs={"kind": "search"})  # TPE samples it on suggest
        waiting = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    if not waiting:
        return WAIT if any(t.state == TrialState.RUNNING for t in trials) else DONE
    storage = study_storage(study)
    storage.record_heartbeat(trial_id(min(waiting, key=lambda t: t.number)))
    trial = study.ask()  # pops the oldest WAITING trial (we hold the lock)
    storage.record_heartbeat(trial_id(trial))
    return trial


def _kind(trial: Any) -> str:
    return str(trial.user_attrs.get("kind", "search"))


def _search_trials(trials: list[Any]) -> int:
    """Search trials started so far (a retry of a dead worker's trial is not a new one)."""
    return sum(_kind(t) == "search" and "failed_trial" not in t.system_attrs for t in trials)


# --------------------------------------------------------------------------- one trial


class _OptunaHooks(TrialHooks):
    """Report evaluations to Optuna (and prune search trials), and draw progress."""

    def __init__(self, trial: Any, prunable: bool, progress: Progress, worker: int):
        import optuna

        self.trial = trial
        self.prunable = prunable
        self.progress = progress
        self.worker = worker
        self.passthrough = (optuna.TrialPruned,)

    def on_start(self, total_steps: int) -> None:
        pass

    def on_step(self, step: int, loss: float) -> None:
        self.progress.trial_step(self.worker, self.trial.number, step, loss)

    def on_eval(self, step: int, value: float) -> None:
        import optuna

        self.trial.report(value, step)
        self.progress.trial_eval(self.worker, self.trial.number, step, value)
        if self.prunable and self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step} (eval {value:.4f})")


def trial_setup(spec: AblationSpec, trial: Any) -> tuple[Any, int, str]:
    """The Plan, seed and label of a claimed trial (its params fixed or sampled here)."""
    if _kind(trial) == "factorial":
        levels = tuple(
            (f.name, trial.suggest_categorical(f.name, [lv.name for lv in f.levels]))
            for f in spec.factors
        )
        seed = int(trial.suggest_categorical("seed", list(spec.seeds)))
        arm = Arm(levels)
        overrides = spec.arm_overrides(arm)
        label = f"{arm.name} seed {seed}"
    else:
        reference = Arm(tuple((f.name, f.levels[0].name) for f in spec.factors))
        overrides = spec.arm_overrides(reference)
        assert spec.search is not None
        sampled = {p.key: _suggest(trial, p) for p in spec.search.params}
        overrides.update(sampled)
        seed = spec.seeds[0]
        trial.set_user_attr("seed", seed)
        label = "search " + " ".join(f"{k}={_short(v)}" for k, v in sampled.items())
    plan = apply_overrides(spec.plan, overrides, spec.path, f"trial {trial.number}")
    return plan, seed, label


def _suggest(trial: Any, param: Any) -> Any:
    if param.kind == "categorical":
        return trial.suggest_categorical(param.key, list(param.choices))
    if param.kind == "int":
        return trial.suggest_int(param.key, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(param.key, param.low, param.high, log=param.log)


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def execute_trial(
    study: Any, trial: Any, spec: AblationSpec, progress: Progress, worker: int = 0
) -> None:
    """Run one claimed trial and tell Optuna how it ended (COMPLETE, PRUNED or FAIL)."""
    import optuna
    from optuna.trial import TrialState

    from harness.ablate.runner import TrialFailed, TrialRequest, failure_reason, run_trial

    workdir = default_workdir(spec)
    started = time.perf_counter()
    try:
        plan, seed, label = trial_setup(spec, trial)
    except Exception as error:  # a sampled value the Plan cannot take
        _fail(study, trial, f"setup: {failure_reason(error)}", progress, worker, "?", started)
        return
    trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
    progress.trial_started(worker, trial.number, label, spec.steps)
    device, precision = resolve_device(spec)
    request = TrialRequest(
        plan=plan,
        data=spec.data,
        scale=spec.scale,
        seed=seed,
        steps=spec.steps,
        eval_every=spec.eval_every,
        objective=spec.objective,
        output_dir=workdir / f"trial-{trial.number:04d}",
        cache_dir=workdir / "cache",
        device=device,
        precision=precision,
        held_out=spec.held_out,
    )
    hooks = _OptunaHooks(trial, _kind(trial) == "search", progress, worker)
    try:
        with Heartbeat(study_storage(study), trial_id(trial), spec.heartbeat_interval):
            result = run_trial(request, hooks)
    except optuna.TrialPruned as pruned:
        trial.set_user_attr("pruned", str(pruned))
        study.tell(trial, state=TrialState.PRUNED)
        progress.trial_finished(
            worker, trial.number, _line(trial.number, label, f"PRUNED {pruned}", started)
        )
        return
    except TrialFailed as failed:
        _fail(study, trial, failed.reason, progress, worker, label, started, request.output_dir)
        return
    except KeyboardInterrupt:
        _interrupted(study, trial, spec)
        raise
    _record(trial, result)
    study.tell(trial, result.value)
    speed = f"{result.steps} steps, {result.steps_per_second:.2f} steps/s"
    text = f"{spec.objective} {result.value:.4f}  ({speed})"
    progress.trial_finished(worker, trial.number, _line(trial.number, label, text, started))


def _record(trial: Any, result: Any) -> None:
    trial.set_user_attr("output_path", result.output_path)
    trial.set_user_attr("steps", result.steps)
    trial.set_user_attr("batches", result.batches)
    trial.set_user_attr("seconds", round(result.seconds, 3))
    trial.set_user_attr("train_seconds", round(result.train_seconds, 3))
    trial.set_user_attr("steps_per_second", round(result.steps_per_second, 4))
    trial.set_user_attr("samples", result.samples)
    trial.set_user_attr("train_curve", [[s, round(v, 6)] for s, v in result.train_curve])
    trial.set_user_attr("extras", result.extras)
    if result.held_out_curve:  # the second objective: eval loss on a held-out base language
        trial.set_user_attr("held_out_value", result.held_out_value)
        trial.set_user_attr("held_out_curve", [[s, round(v, 6)] for s, v in result.held_out_curve])


def _fail(
    study: Any,
    trial: Any,
    reason: str,
    progress: Progress,
    worker: int,
    label: str,
    started: float,
    output_dir: Path | None = None,
) -> None:
    from optuna.trial import TrialState

    trial.set_user_attr("failure", reason)
    if output_dir is not None:
        trial.set_user_attr("output_path", str(output_dir))
    study.tell(trial, state=TrialState.FAIL)
    progress.trial_finished(
        worker, trial.number, _line(trial.number, label, f"FAIL {reason}", started)
    )


def _interrupted(study: Any, trial: Any, spec: AblationSpec) -> None:
    """Ctrl-C: record the trial as failed and queue it again (as Optuna's retry callback
    does for a dead worker), so --resume runs it first."""
    import optuna
    from optuna.trial import TrialState

    trial.set_user_attr("failure", "interrupted (Ctrl-C); queued again")
    study.tell(trial, state=TrialState.FAIL)
    frozen = study.trials[trial.number]
    origin = frozen.system_attrs.get("failed_trial", frozen.number)
    history = [*frozen.system_attrs.get("retry_history", []), frozen.number]
    with study_lock(study_storage(study), spec.name):
        study.add_trial(
            optuna.trial.create_trial(
                state=TrialState.WAITING,
                params=frozen.params,
                distributions=frozen.distributions,
                user_attrs={k: v for k, v in frozen.user_attrs.items() if k != "failure"},
                system_attrs={"failed_trial": origin, "retry_history": history},
            )
        )


def _line(number: int, label: str, outcome: str, started: float) -> str:
    return f"trial {number:>3}  {label}  {outcome}  [{time.perf_counter() - started:.1f} s]"


def resolve_device(spec: AblationSpec) -> tuple[str, str]:
    """``auto`` -> cuda when there is one; precision ``auto`` -> bf16 on a GPU that has it."""
    import torch

    device = spec.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise HarnessError("device = cuda but torch sees no GPU", fix="use device = auto or cpu")
    precision = spec.precision
    if precision == "auto":
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        precision = "bf16" if bf16 else "fp32"
    return device, precision


# --------------------------------------------------------------------------- workers


def run_worker(spec: AblationSpec, storage_url: str, progress: Progress, worker: int = 0) -> int:
    """Claim and run trials until the study has none left; return how many this ran."""
    import optuna

    device, precision = resolve_device(spec)  # once, before taking a trial
    spec = dataclasses.replace(spec, device=device, precision=precision)
    storage = _storage(spec, storage_url)
    study = optuna.load_study(
        study_name=spec.name,
        storage=storage,
        sampler=make_sampler(spec, worker),
        pruner=make_pruner(spec),
    )
    ran, waiting_said = 0, False
    while True:
        with study_lock(storage, spec.name):
            claim = claim_next(study, spec)
        if claim == DONE:
            return ran
        if claim == WAIT:
            if not waiting_said:
                progress.note(
                    f"worker {worker}: waiting for trials running elsewhere (a trial whose "
                    f"worker died is retried after {spec.grace_period} s without heartbeat)"
                )
                waiting_said = True
            time.sleep(min(spec.heartbeat_interval, 5))
            continue
        waiting_said = False
        execute_trial(study, claim, spec, progress, worker)
        ran += 1


def run_study(
    spec: AblationSpec,
    storage_url: str,
    *,
    workers: int = 1,
    resume: bool = False,
    progress: Progress | None = None,
    devices: tuple[str, ...] = (),
) -> Any:
    """Run the whole study with ``workers`` processes (1: this process), or one worker
    per GPU of ``devices`` (each sees only its GPU); return the study."""
    from harness.ablate.prepare import prepare_assets
    from harness.ablate.quiet import quiet_libraries
    from harness.ablate.workers import configure_process, run_processes

    quiet_libraries()
    study = prepare_study(spec, storage_url, resume=resume)
    spec = prepare_assets(spec)  # final files before any worker reads them
    own_progress = progress is None
    if progress is None:
        progress = make_progress(spec.name, spec.total_trials, finished_count(study))
    try:
        if devices:
            run_processes(spec, storage_url, len(devices), progress, run_worker, devices)
        elif workers <= 1:
            configure_process(spec, 1)
            run_worker(spec, storage_url, progress)
        else:
            run_processes(spec, storage_url, workers, progress, run_worker)
    finally:
        if own_progress:
            progress.close()
    from harness.ablate.summary import store_importances

    store_importances(study, study.user_attrs.get("search_params", []))
    return study


def finished_count(study: Any) -> int:
    from optuna.trial import TrialState

    finished = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    retried = {
        n for t in study.get_trials(deepcopy=False) for n in t.system_attrs.get("retry_history", [])
    }
    return sum(
        t.state in finished and t.number not in retried for t in study.get_trials(deepcopy=False)
    )
