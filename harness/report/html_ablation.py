"""The ablation section: curves per arm, intervals, paired effects, importances, trials."""

from __future__ import annotations

from typing import Any

from harness.report import study_figures
from harness.report.html_sections import absent, section
from harness.report.htmlkit import Figures, esc, number, table, tag

MAX_TRIAL_ROWS = 500


def ablation_section(page: Figures, study: dict[str, Any] | None) -> str:
    """``study`` is ``harness.ablate.summary.study_summary``'s dict."""
    if not study:
        return section("ablation", "Ablation", absent(NOT_GIVEN))
    trials = study.get("trials") or []
    body = [_context(study, trials)]
    if study.get("regime_label"):
        body.append(tag("p", esc(f"Verdicts from: {study['regime_label']}."), cls="note"))
    for objective in _objectives(study):
        body.append(_objective_part(page, objective, trials))
    if study.get("importances"):
        body.append(page.add(study_figures.importances_figure(study["importances"])))
    body.append(_trial_table(trials))
    return section("ablation", "Ablation", "".join(body))


def _objectives(study: dict[str, Any]) -> list[dict[str, Any]]:
    """Each objective of the summary (older summaries: the one objective)."""
    return study.get("objectives") or [
        {
            "name": str(study.get("objective") or "objective"),
            "field": "curve",
            "arms": study.get("arms") or [],
            "effects": study.get("effects") or [],
            "verdicts": study.get("verdicts") or [],
        }
    ]


def _objective_part(page: Figures, objective: dict[str, Any], trials: list[dict]) -> str:
    name = str(objective["name"])
    body = [tag("h3", esc(name))]
    if objective.get("verdicts"):
        items = "".join(tag("li", esc(v)) for v in objective["verdicts"])
        body.append(tag("ul", items, cls="verdicts"))
    if objective.get("arm_curves"):
        curves = study_figures.arm_curves_figure(objective["arm_curves"], name)
        body.append(page.add(curves, height=420))
    if objective.get("arms"):
        body.append(page.add(study_figures.arm_intervals_figure(objective["arms"], name)))
    if objective.get("effects"):
        body.append(page.add(study_figures.effects_figure(objective["effects"])))
        body.append(_effects_table(objective["effects"]))
    return "".join(body)


NOT_GIVEN = (
    "No ablation study given: add --storage URL (and --study NAME when the storage holds several)."
)


def _context(study: dict[str, Any], trials: list[dict[str, Any]]) -> str:
    counts = ", ".join(f"{n} {state}" for state, n in sorted((study.get("counts") or {}).items()))
    text = f"Study {tag('b', esc(study.get('study', '')))}"
    objective = tag("code", esc(study.get("objective", "")))
    text += f": {esc(study.get('direction', 'minimize'))} {objective}"
    text += f"; {len(trials)} trials ({esc(counts or 'none')})."
    if study.get("base_config"):
        text += f" Base config {tag('code', esc(study['base_config']))}."
    best = study.get("best")
    if best and not study.get("arms"):
        text += esc(f" Best: trial {best.get('number')}, {number(best.get('value'))}, ")
        text += tag("code", esc(best.get("params")))
    return tag("p", text, cls="note")


def _effects_table(effects: list[dict[str, Any]]) -> str:
    columns = (
        "factor",
        "#paired difference",
        "#95% interval",
        "#effect size d_z",
        "#p",
        "#seeds",
        "#seeds to detect",
    )
    rows = [
        (
            tag("b", esc(study_figures.effect_label(e))),
            number(e.get("mean")),
            f"{number(e.get('ci_low'))} to {number(e.get('ci_high'))}",
            number(e.get("d_z"), 3),
            number(e.get("p"), 3),
            number(e.get("n")),
            number(e.get("seeds_needed")),
        )
        for e in effects
    ]
    return tag("h4", "Paired factor effects") + table(columns, rows) + tag("p", LEGEND, cls="note")


LEGEND = (
    "Paired difference: the mean over seeds of (level minus reference) at the same seed; "
    "negative is better. Effect size d_z: that mean divided by the standard deviation of "
    "the per-seed differences. Seeds to detect: how many seeds a paired t-test needs to "
    "detect a difference this large with 80% power at the 5% level."
)


def _trial_table(trials: list[dict[str, Any]]) -> str:
    if not trials:
        return tag("p", "The study has no trials yet.", cls="note")
    columns = (
        "##",
        "arm or params",
        "#seed",
        "state",
        "#value",
        "#duration (s)",
        "failure or pruning",
    )
    rows = [
        (
            number(t.get("number")),
            esc(t.get("arm") or _params(t.get("params"))),
            number(t.get("seed")),
            esc(t.get("state") or ""),
            number(t.get("value")),
            number(t.get("duration_s"), 3),
            (esc(t.get("failure") or t.get("pruned") or ""), "reason"),
        )
        for t in trials[:MAX_TRIAL_ROWS]
    ]
    title = tag("h3", esc(f"Trials ({len(trials)})"))
    return title + table(columns, rows, wrap="table-wrap scroll")


def _params(params: Any) -> str:
    if not isinstance(params, dict):
        return ""
    return ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )
