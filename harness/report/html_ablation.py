"""The ablation section: curves per arm, intervals, paired effects, importances, trials."""

from __future__ import annotations

from typing import Any

from harness.report import figures
from harness.report.html_sections import absent, section
from harness.report.htmlkit import Figures, esc, number, table, tag

MAX_TRIAL_ROWS = 500


def ablation_section(page: Figures, study: dict[str, Any] | None) -> str:
    """``study`` is ``harness.ablate.summary.study_summary``'s dict."""
    if not study:
        return section("ablation", "Ablation", absent(NOT_GIVEN))
    objective = str(study.get("objective") or "objective")
    trials = study.get("trials") or []
    body = [_context(study, trials)]
    verdicts = study.get("verdicts") or []
    if verdicts:
        body.append(tag("ul", "".join(tag("li", esc(v)) for v in verdicts), cls="verdicts"))
    if any(t.get("curve") for t in trials):
        curves = figures.arm_curves_figure(study.get("arm_curves") or [], objective)
        body.append(page.add(curves, height=420))
    if study.get("arms"):
        body.append(page.add(figures.arm_intervals_figure(study["arms"], objective)))
    if study.get("effects"):
        body.append(page.add(figures.effects_figure(study["effects"])))
        body.append(_effects_table(study["effects"]))
    if study.get("importances"):
        body.append(page.add(figures.importances_figure(study["importances"])))
    body.append(_trial_table(trials))
    return section("ablation", "Ablation", "".join(body))


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
            tag("b", esc(figures.effect_label(e))),
            number(e.get("mean")),
            f"{number(e.get('ci_low'))} to {number(e.get('ci_high'))}",
            number(e.get("d_z"), 3),
            number(e.get("p"), 3),
            number(e.get("n")),
            number(e.get("seeds_needed")),
        )
        for e in effects
    ]
    return tag("h3", "Paired factor effects") + table(columns, rows)


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
