"""The ablation section: curves per arm, intervals, paired effects, importances, trials."""

from __future__ import annotations

from typing import Any

from harness.report import figures
from harness.report.html_sections import absent, section
from harness.report.htmlkit import Figures, esc, number, table, tag

MAX_TRIAL_ROWS = 500


def ablation_section(page: Figures, study: dict[str, Any] | None) -> str:
    if not study:
        return section(
            "ablation",
            "Ablation",
            absent(
                "No ablation study given: add --storage URL (and --study NAME when the "
                "storage holds several)."
            ),
        )
    objective = str(study.get("objective") or "objective")
    trials = study.get("trials") or []
    body = [_context(study, trials)]
    verdicts = study.get("verdicts") or []
    if verdicts:
        items = "".join(
            tag("li", esc(v.get("text", v) if isinstance(v, dict) else v)) for v in verdicts
        )
        body.append(tag("ul", items, cls="verdicts"))
    if any(t.get("intermediate") for t in trials):
        body.append(page.add(figures.arm_curves_figure(trials, objective), height=420))
    pair = []
    if study.get("arm_stats"):
        pair.append(page.add(figures.arm_intervals_figure(study["arm_stats"], objective)))
    if study.get("effects"):
        pair.append(page.add(figures.effects_figure(study["effects"])))
    if pair:
        body.append(tag("div", "".join(pair), cls="grid2"))
    if study.get("effects"):
        body.append(_effects_table(study["effects"]))
    if study.get("importances"):
        body.append(page.add(figures.importances_figure(study["importances"])))
    body.append(_trial_table(trials))
    return section("ablation", "Ablation", "".join(body))


def _context(study: dict[str, Any], trials: list[dict[str, Any]]) -> str:
    states: dict[str, int] = {}
    for trial in trials:
        states[str(trial.get("state"))] = states.get(str(trial.get("state")), 0) + 1
    counts = ", ".join(f"{n} {state.lower()}" for state, n in sorted(states.items()))
    text = f"Study {tag('b', esc(study.get('study', '')))}"
    objective = tag("code", esc(study.get("objective", "")))
    text += f", {esc(study.get('direction', 'minimize'))} {objective}"
    text += f"; {len(trials)} trials ({esc(counts or 'none')})."
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
    columns = ("##", "arm", "#seed", "state", "#value", "#duration (s)", "failure reason")
    rows = [
        (
            number(t.get("number")),
            esc(t.get("arm") or ""),
            number(t.get("seed")),
            esc(t.get("state") or ""),
            number(t.get("value")),
            number(t.get("duration_s"), 3),
            (esc(t.get("failure") or ""), "reason"),
        )
        for t in trials[:MAX_TRIAL_ROWS]
    ]
    title = tag("h3", esc(f"Trials ({len(trials)})"))
    return title + table(columns, rows, wrap="table-wrap scroll")
