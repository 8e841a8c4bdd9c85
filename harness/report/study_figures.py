"""The ablation study's figures: eval curves per arm, intervals, paired effects,
importances. They draw what ``harness.ablate.summary`` computed (means, bands, intervals)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.report.figures import COLORS, MUTED, axis, color, finite, label, layout


def arm_curves_figure(curves: Sequence[dict[str, Any]], objective: str) -> dict[str, Any]:
    """Eval curve per arm: mean over seeds as a line, the range over seeds as a band.

    ``curves``: the study summary's ``arm_curves`` (``harness.ablate.summary.arm_curves``).
    """
    data = []
    for index, curve in enumerate(curves):
        arm, xs = curve["arm"], list(curve["step"])
        means, lows, highs = list(curve["mean"]), list(curve["low"]), list(curve["high"])
        hue = color(index)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",  # no mode: plotly adds markers at the band's corners
                "x": xs + xs[::-1],
                "y": highs + lows[::-1],
                "fill": "toself",
                "fillcolor": _alpha(hue, 0.16),
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": label(arm),
                "name": label(arm),
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": xs,
                "y": means,
                "name": label(arm),
                "legendgroup": label(arm),
                "line": {"color": hue, "width": 2},
                "marker": {"size": 5},
                "hovertemplate": label(arm) + "<br>step %{x}<br>mean %{y:.4f}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": layout(
            f"{objective} per arm (line: mean over seeds; band: min to max)",
            xaxis=axis(title={"text": "optimizer step"}),
            yaxis=axis(title={"text": label(objective)}),
        ),
    }


def arm_intervals_figure(arms: Sequence[dict[str, Any]], objective: str) -> dict[str, Any]:
    """Mean final objective per arm with its 95% interval."""
    arms = [a for a in arms if finite(a.get("mean"))]
    names = [label(a["arm"]) for a in arms]
    means = [a["mean"] for a in arms]
    plus = [_gap(a.get("ci_high"), a["mean"]) for a in arms]
    minus = [_gap(a["mean"], a.get("ci_low")) for a in arms]
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": means,
        "y": names,
        "orientation": "h",
        "marker": {"size": 10, "color": [color(i) for i in range(len(arms))]},
        "error_x": {
            "type": "data",
            "array": plus,
            "arrayminus": minus,
            "thickness": 2,
            "width": 6,
            "color": MUTED,
        },
        "hovertemplate": "%{y}<br>mean %{x:.4f}<extra></extra>",
        "showlegend": False,
    }
    return {
        "data": [trace],
        "layout": layout(
            f"final {objective} per arm (mean over seeds, 95% interval)",
            xaxis=axis(title={"text": label(objective)}),
            yaxis=axis(type="category", autorange="reversed"),
            height=max(220, 70 + 45 * len(arms)),
        ),
    }


def effects_figure(effects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Paired differences per factor with their 95% interval; zero marks 'no effect'."""
    effects = [e for e in effects if finite(e.get("mean"))]
    names = [label(effect_label(e)) for e in effects]
    diffs = [e["mean"] for e in effects]
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": diffs,
        "y": names,
        "marker": {"size": 10, "color": COLORS[0]},
        "error_x": {
            "type": "data",
            "array": [_gap(e.get("ci_high"), e["mean"]) for e in effects],
            "arrayminus": [_gap(e["mean"], e.get("ci_low")) for e in effects],
            "thickness": 2,
            "width": 6,
            "color": MUTED,
        },
        "customdata": [_p_text(e.get("p")) for e in effects],
        "hovertemplate": "%{y}<br>paired difference %{x:.4f}<br>%{customdata}<extra></extra>",
        "showlegend": False,
    }
    zero = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": 0,
        "x1": 0,
        "y0": 0,
        "y1": 1,
        "line": {"color": MUTED, "width": 1, "dash": "dash"},
    }
    return {
        "data": [trace],
        "layout": layout(
            "paired effect per factor (level minus reference level at the same seed; 95% interval)",
            xaxis=axis(title={"text": "difference in objective"}),
            yaxis=axis(type="category", autorange="reversed"),
            shapes=[zero],
            height=max(220, 70 + 45 * len(effects)),
        ),
    }


def effect_label(effect: dict[str, Any]) -> str:
    """'ema: on vs off' for a main effect, 'ema x warmup' for an interaction."""
    factor, contrast = str(effect.get("factor")), effect.get("contrast")
    return f"{factor}: {contrast}" if contrast and contrast != factor else factor


def importances_figure(importances: dict[str, float]) -> dict[str, Any]:
    items = sorted(importances.items(), key=lambda kv: kv[1])
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [v for _, v in items],
        "y": [label(k) for k, _ in items],
        "marker": {"color": COLORS[2]},
        "showlegend": False,
        "hovertemplate": "%{y}: %{x:.3f}<extra></extra>",
    }
    return {
        "data": [trace],
        "layout": layout(
            "parameter importances (Optuna)",
            xaxis=axis(title={"text": "importance"}),
            yaxis=axis(type="category"),
            height=max(220, 70 + 35 * len(items)),
        ),
    }


def _gap(high: Any, low: Any) -> float:
    return max(0.0, high - low) if finite(high) and finite(low) else 0.0


def _p_text(p: Any) -> str:
    return f"p = {p:.3g}" if finite(p) else "p not available"


def _alpha(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
