"""A study as one JSON-safe dict: trials, arms, effects, verdicts, importances.

``study_summary(study)`` is what ``xtts-harness results`` prints and what the HTML report
reads; it needs the study only (the spec is stored in its user attributes). No torch.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from harness.ablate import stats
from harness.errors import HarnessError


def study_summary(study: Any) -> dict[str, Any]:
    """Everything the report shows about one ablation study (JSON-safe: no NaN, no inf)."""
    trials = _link_retries([trial_record(t) for t in study.get_trials(deepcopy=False)])
    attrs = study.user_attrs
    factors = [(f["name"], list(f["levels"])) for f in attrs.get("factors", [])]
    objective = str(attrs.get("objective", "eval loss"))
    regime = attrs.get("regime") or {}
    label = regime_label(regime)
    metric = objective.removeprefix("eval ")
    language = regime.get("language")
    objectives = [
        _objective(
            trials,
            factors,
            "value",
            metric,
            f"eval {metric}" + (f" on the new language ({language})" if language else ""),
            label,
        )
    ]
    held_out = attrs.get("held_out")
    if held_out:
        name = f"eval {metric} on held-out {held_out['language']} (forgetting)"
        objectives.append(_objective(trials, factors, "held_out_value", metric, name, label))
    arms, effects = objectives[0]["arms"], objectives[0]["effects"]
    summary = {
        "study": study.study_name,
        "objective": objective,
        "direction": "minimize",
        "protocol": attrs.get("protocol", {}),
        "spec": attrs.get("spec"),
        "base_config": attrs.get("base_config"),
        "factors": [{"name": n, "levels": ls} for n, ls in factors],
        "counts": _counts(trials),
        "trials": trials,
        "arm_curves": arm_curves(trials),
        "arms": arms,
        "effects": effects,
        # Every objective's verdicts, each saying which objective it is about.
        "verdicts": [
            v if len(objectives) == 1 else f"{o['name']}: {v}"
            for o in objectives
            for v in o["verdicts"]
        ],
        "objectives": objectives,
        "regime": regime,
        "regime_label": label,
        "importances": importances(study, attrs.get("search_params", [])),
        "best": _best(trials),
    }
    return json_safe(summary)


def arm_curves(trials: list[dict[str, Any]], curve: str = "curve") -> list[dict[str, Any]]:
    """Eval curve per arm over its seeds: at each step the mean, the lowest and the highest.

    ``curve`` names the trials' field: "curve" (the new language) or "held_out_curve"."""
    by_arm: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for trial in trials:
        for step, value in trial.get(curve) or ():
            if isinstance(value, (int, float)) and math.isfinite(value):
                by_arm[str(trial.get("arm") or "search trials")][step].append(value)
    curves = []
    for arm, steps in sorted(by_arm.items()):
        xs = sorted(steps)
        curves.append(
            {
                "arm": arm,
                "step": xs,
                "mean": [sum(steps[x]) / len(steps[x]) for x in xs],
                "low": [min(steps[x]) for x in xs],
                "high": [max(steps[x]) for x in xs],
            }
        )
    return curves


def _objective(
    trials: list[dict[str, Any]],
    factors: list[tuple[str, list[str]]],
    field: str,
    metric: str,
    name: str,
    label: str,
) -> dict[str, Any]:
    """Arms, paired effects and worded verdicts of one objective (``field`` of the trials)."""
    observations = [
        stats.Observation(t["levels"], int(t["seed"]), float(t[field]))
        for t in trials
        if t["kind"] == "factorial" and t["state"] == "COMPLETE" and t.get(field) is not None
    ]
    arms = stats.arm_stats(observations, factors) if factors else []
    effects = stats.factor_effects(observations, factors) if factors else []
    for effect in effects:
        effect["verdict"] = stats.verdict(effect, name, label)
    curve = "curve" if field == "value" else "held_out_curve"
    return {
        "name": name,
        "curve": curve,
        "arm_curves": arm_curves(trials, curve),
        "metric": metric,
        "arms": arms,
        "effects": effects,
        "verdicts": [e["verdict"] for e in effects],
    }


def regime_label(regime: dict[str, Any]) -> str:
    """What a verdict comes from: "miniature fine-tune, 2-layer GPT, 150 optimizer steps,
    3 seeds"; a miniature or tiny verdict is an indication to confirm at full scale."""
    if not regime:
        return ""
    scale = regime.get("scale")
    what = {"miniature": "miniature fine-tune", "tiny": "tiny model trained from scratch"}.get(
        str(scale), "full-scale fine-tune"
    )
    parts = [what]
    if regime.get("gpt_layers"):
        parts.append(f"{regime['gpt_layers']}-layer GPT")
    how = [f"lr {regime['lr']:g}"] if isinstance(regime.get("lr"), (int, float)) else []
    how.append(f"accumulation {regime.get('grad_accum_steps', 1)}")
    parts.append(f"{regime.get('steps')} optimizer steps ({', '.join(how)})")
    parts.append(f"{regime.get('seeds')} seeds")
    text = ", ".join(parts)
    if scale in ("miniature", "tiny"):
        text += "; an indication to confirm at full scale, not the answer for the production run"
    return text


def trial_record(trial: Any) -> dict[str, Any]:
    attrs = trial.user_attrs
    kind = str(attrs.get("kind", "search"))
    params = dict(trial.params)
    levels = {k: v for k, v in params.items() if k != "seed"} if kind == "factorial" else {}
    duration = trial.duration.total_seconds() if trial.duration is not None else None
    return {
        "number": trial.number,
        "state": trial.state.name,
        "kind": kind,
        "arm": attrs.get("arm", stats.arm_name(levels) if levels else None),
        "levels": levels,
        "seed": attrs.get("seed", params.get("seed")),
        "params": params,
        "value": trial.value if trial.state.name == "COMPLETE" else None,
        "held_out_value": attrs.get("held_out_value") if trial.state.name == "COMPLETE" else None,
        "held_out_curve": attrs.get("held_out_curve", []),
        "curve": sorted([int(s), v] for s, v in trial.intermediate_values.items()),
        "train_curve": attrs.get("train_curve", []),
        "duration_s": duration,
        "failure": attrs.get("failure") or _stale_reason(trial),
        "pruned": attrs.get("pruned"),
        "retry_of": trial.system_attrs.get("failed_trial"),
        "output_path": attrs.get("output_path"),
        "steps": attrs.get("steps"),
        "steps_per_second": attrs.get("steps_per_second"),
        "samples": attrs.get("samples"),
        "extras": attrs.get("extras", {}),
        "worker": attrs.get("worker"),
    }


def _stale_reason(trial: Any) -> str | None:
    if trial.state.name != "FAIL":
        return None
    return "its worker stopped (no heartbeat within the grace period: killed or lost)"


def _link_retries(trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each failed trial ``retried_by``: the later trial that reran it, if any."""
    for trial in trials:
        trial["retried_by"] = None
        if trial["state"] != "FAIL":
            continue
        origin = trial["retry_of"] if trial["retry_of"] is not None else trial["number"]
        later = [
            t["number"] for t in trials if t["retry_of"] == origin and t["number"] > trial["number"]
        ]
        trial["retried_by"] = min(later) if later else None
    return trials


IMPORTANCES_ATTR = "importances"


def importances(study: Any, params: list[str]) -> dict[str, float]:
    """Optuna's parameter importances over the search trials (empty when not computable).

    ``ablate`` stores them in the study when it finishes (``store_importances``), because
    importing optuna.importance (scikit-learn) costs about a second on every report.
    """
    if not params:
        return {}
    stored = study.user_attrs.get(IMPORTANCES_ATTR)
    if stored and stored.get("complete") == _complete_count(study):
        return dict(stored["values"])
    return compute_importances(study, params)


def store_importances(study: Any, params: list[str]) -> None:
    """Compute the importances once, after the study ran, for later summaries to read."""
    if params:
        values = compute_importances(study, params)
        study.set_user_attr(
            IMPORTANCES_ATTR, {"complete": _complete_count(study), "values": values}
        )


def _complete_count(study: Any) -> int:
    import optuna

    complete = (optuna.trial.TrialState.COMPLETE,)
    return len(study.get_trials(deepcopy=False, states=complete))


def compute_importances(study: Any, params: list[str]) -> dict[str, float]:
    import optuna

    complete = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if all(p in t.params for p in params)
    ]
    if len(complete) < 2:
        return {}
    try:
        found = optuna.importance.get_param_importances(study, params=params)
    except (RuntimeError, ValueError):  # e.g. every trial sampled the same value
        return {}
    except ImportError:  # fANOVA needs scikit-learn, which only the ablate extra brings
        return {}
    return {k: float(v) for k, v in found.items()}


def load_study(storage_url: str, name: str | None) -> Any:
    """The named study, or the only one in the storage."""
    import optuna

    from harness.ablate.readonly import open_storage_readonly
    from harness.ablate.storage import redact

    storage = open_storage_readonly(storage_url)  # a reading command changes nothing
    names = sorted(optuna.get_all_study_names(storage))
    if name is None:
        if len(names) != 1:
            listed = ", ".join(names) or "none"
            raise HarnessError(
                f"{redact(storage_url)} holds {len(names)} studies ({listed})",
                fix="name the study: xtts-harness results STUDY",
            )
        name = names[0]
    if name not in names:
        raise HarnessError(
            f"no study {name!r} in {redact(storage_url)}",
            fix=f"use one of: {', '.join(names) or '(none yet)'}",
        )
    return optuna.load_study(study_name=name, storage=storage)


def json_safe(value: Any) -> Any:
    """NaN and inf become None, tuples lists, keys strings: json.dumps(allow_nan=False) works."""
    from harness.jsonsafe import json_value

    return json_value(value, nonfinite_as_null=True)


def _counts(trials: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in trials:
        counts[trial["state"].lower()] = counts.get(trial["state"].lower(), 0) + 1
    return counts


def _best(trials: list[dict[str, Any]]) -> dict[str, Any] | None:
    done = [t for t in trials if t["value"] is not None]
    if not done:
        return None
    best = min(done, key=lambda t: t["value"])
    return {"number": best["number"], "value": best["value"], "params": best["params"]}
