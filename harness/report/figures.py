"""Plotly figures of the report, as plain JSON-ready dicts (``{"data": [...], "layout": {...}}``).

Built as dicts rather than ``plotly.graph_objects`` because validation of graph objects costs
more than the whole report and adds nothing: the browser test renders every figure.

Plotly.js reads a few HTML tags and entities in every label it draws (trace names, axis
categories, annotations, hover text), so each string from a config, dataset or study passes
through ``label()`` which escapes it; plotly decodes ``&lt;`` back to a visible ``<``.

This module holds the look every figure shares (``layout``, ``axis``, colours) and the LR
schedule figures; ``audit_figures`` draws the dataset audit, ``study_figures`` the study.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
# The reference is drawn in a neutral colour; candidates get distinct, colour-blind-safe hues.
REFERENCE_COLOR = "#7b8794"
COLORS = ("#2f6fdf", "#e8710a", "#12a37f", "#c2185b", "#7e57c2", "#8d6e63", "#00838f")
LIMIT_COLOR = "#d64545"


def label(text: Any) -> str:
    """A string plotly shows as-is (its tag and entity parsing turned off by escaping)."""
    return html.escape(str(text), quote=False)


def color(index: int) -> str:
    return COLORS[index % len(COLORS)]


def layout(title: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": {"text": label(title), "x": 0, "xanchor": "left", "font": {"size": 14}},
        "font": {"family": FONT, "size": 12, "color": INK},
        "margin": {"l": 70, "r": 30, "t": 60, "b": 55},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.22, "x": 0},
        "xaxis": axis(),
        "yaxis": axis(),
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def axis(**extra: Any) -> dict[str, Any]:
    return {
        "gridcolor": GRID,
        "zeroline": False,
        "linecolor": "#9aa5b1",
        "automargin": True,
    } | extra


# ---- LR schedule ----------------------------------------------------------------------


def schedule_figure(schedule: dict[str, Any], line_color: str) -> dict[str, Any]:
    """LR against optimizer step (bottom axis) and epoch (top axis), events annotated."""
    by_step = bool(schedule.get("x_step")) and bool(schedule.get("total_steps"))
    x = schedule["x_step"] if by_step else schedule["x_epoch"]
    epochs = schedule.get("epochs")
    trace = {
        "type": "scatter",
        "mode": "lines",
        "x": x,
        "y": schedule["lr"],
        "name": label(schedule["plan"]),
        "line": {"color": line_color, "width": 2, "shape": "hv"},
        "hovertemplate": ("step %{x:,}" if by_step else "epoch %{x}")
        + "<br>LR %{y:.3e}<extra></extra>",
    }
    shapes, annotations = _event_marks(schedule, by_step)
    extra: dict[str, Any] = {}
    if by_step and epochs:
        # An empty top axis in epochs, over the same span as the step axis.
        extra["xaxis2"] = axis(
            overlaying="x",
            side="top",
            range=[0, epochs],
            title={"text": "epoch"},
            showgrid=False,
            fixedrange=True,
            tickmode="auto",
        )
        trace_epochs = {
            "type": "scatter",
            "x": [0, epochs],
            "y": [None, None],
            "xaxis": "x2",
            "showlegend": False,
            "hoverinfo": "skip",
        }
        data = [trace, trace_epochs]
        x_range: list[Any] | None = [0, schedule["total_steps"]]
    else:
        data = [trace]
        x_range = [0, epochs] if epochs else None
    xaxis = axis(title={"text": "optimizer step" if by_step else "epoch"})
    if x_range:
        xaxis["range"] = x_range
    return {
        "data": data,
        "layout": layout(
            f"{schedule['plan']}: {schedule.get('scheduler') or 'constant LR'}",
            xaxis=xaxis,
            yaxis=_lr_axis(schedule["lr"]),
            shapes=shapes,
            annotations=annotations,
            showlegend=False,
            margin={"t": 90 if by_step and epochs else 60, "b": note_margin(annotations)},
            **extra,
        ),
    }


MAX_EVENT_LINES = 8
MAX_NOTE_LINES = 6
NOTE_LINE_PX = 17  # height of one line of a note box (12 px font)
NOTE = "note"  # the name of a note box annotation


def _lr_axis(*curves: Sequence[Any]) -> dict[str, Any]:
    """A log axis fitted to the positive LRs: a constant LR gets one decade around it."""
    # "~e" keeps 5e-6 short; without a format plotly labels minor log ticks as bare digits.
    lr = axis(type="log", title={"text": "learning rate"}, tickformat=".2~e")
    positive = [v for curve in curves for v in curve if finite(v) and v > 0]
    if positive:
        low, high = math.log10(min(positive)), math.log10(max(positive))
        pad = max(0.12, (0.9 - (high - low)) / 2)
        lr["range"] = [low - pad, high + pad]
        # Label 1, 2 and 5 of each decade, or only powers of ten over many decades.
        lr["dtick"] = 1 if high - low > 1.6 else "D2"
    return lr


def _event_marks(schedule: dict[str, Any], by_step: bool) -> tuple[list, list]:
    """Dotted lines where events fire; boxed notes for those that never fire (red) and
    those the plan cannot place (grey: the run length in their unit is unknown)."""
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    never, undecided = [], []
    for event in schedule.get("events", []):
        where = event.get("fires_at_step") if by_step else event.get("fires_at_epoch")
        if event.get("fires") is None and "fires" in event:
            undecided.append(event)
        elif where is None:
            never.append(event)
        elif len(shapes) < MAX_EVENT_LINES:
            shapes.append(_event_line(where))
            span = (schedule.get("total_steps") if by_step else schedule.get("epochs")) or 1
            right = where / span > 0.55  # label on the line's left, so it is not cut off
            annotations.append(_event_label(where, event, schedule, len(shapes) - 1, right))
    epochs = schedule.get("epochs")
    # The notes sit under the plot area, side by side, so that no box covers the LR line.
    if never:
        annotations.append(_note_box(never, epochs, LIMIT_COLOR, "#fff4f4", right=False))
    if undecided:
        annotations.append(_note_box(undecided, epochs, MUTED, "#f5f7fa", right=not never))
    return shapes, annotations


def note_margin(annotations: list[dict[str, Any]]) -> int:
    """Bottom margin in pixels that leaves room for the note boxes under the plot."""
    lines = [a["text"].count("<br>") + 1 for a in annotations if a.get("name") == NOTE]
    return 80 + NOTE_LINE_PX * max(lines) if lines else 55


def _event_line(where: float) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": where,
        "x1": where,
        "y0": 0,
        "y1": 1,
        "line": {"color": LIMIT_COLOR, "width": 1, "dash": "dot"},
    }


def _event_label(
    where: float, event: dict, schedule: dict, index: int, right: bool
) -> dict[str, Any]:
    return {
        "x": where,
        "xref": "x",
        "y": 1 - (0.09 * index) % 0.72,  # staggered so that close events stay readable
        "yref": "paper",
        "text": label(event_text(event, schedule.get("epochs"))),
        "showarrow": False,
        "xanchor": "right" if right else "left",
        "yanchor": "top",
        "xshift": -4 if right else 4,
        "align": "right" if right else "left",
        "font": {"size": 11, "color": LIMIT_COLOR},
        "bgcolor": "rgba(255,255,255,0.85)",
    }


def _note_box(events: list, epochs: Any, ink: str, fill: str, *, right: bool) -> dict[str, Any]:
    text = "<br>".join(label(event_text(e, epochs)) for e in events[:MAX_NOTE_LINES])
    if len(events) > MAX_NOTE_LINES:
        text += f"<br>... and {len(events) - MAX_NOTE_LINES} more"
    return {
        "x": 1 if right else 0,
        "xref": "paper",
        "y": 0,
        "yref": "paper",
        "yshift": -56,  # below the x axis title
        "name": NOTE,
        "text": text,
        "showarrow": False,
        "xanchor": "right" if right else "left",
        "yanchor": "top",
        "align": "left",
        "font": {"size": 12, "color": ink},
        "bgcolor": fill,
        "bordercolor": ink,
        "borderwidth": 1,
        "borderpad": 6,
    }


def event_text(event: dict[str, Any], epochs: int | None) -> str:
    """'milestone 50000 (epochs): never fires (the run has 100 epochs)'."""
    head = str(event.get("label") or event.get("kind") or "event")
    unit = event.get("unit")
    if unit:
        head += f" ({UNIT_WORDS.get(unit, unit)})"
    if event.get("description"):
        return f"{head}: {event['description']}"
    at = event.get("fires_at_epoch")
    if at is None:
        run = f" (the run has {epochs} epochs)" if epochs else ""
        return f"{head}: never fires{run}"
    return f"{head}: fires at epoch {_number(at)} of {epochs}" if epochs else f"{head}: fires"


UNIT_WORDS = {"epoch": "epochs", "optimizer_step": "optimizer steps"}


def schedules_overlay(schedules: Sequence[dict[str, Any]], colors: Sequence[str]) -> dict[str, Any]:
    """Every config's LR on one epoch axis, to compare their shapes over their runs.

    A line exactly under another stays visible: the reference is dashed and drawn last (on
    top), and each line drawn earlier is wider than the ones over it, so its edges show.
    """
    data = []
    pairs = sorted(zip(schedules, colors, strict=True), key=lambda p: p[1] == REFERENCE_COLOR)
    for order, (schedule, line_color) in enumerate(pairs):
        dash = "dash" if line_color == REFERENCE_COLOR else "solid"
        width = 2 + 1.5 * (len(pairs) - 1 - order)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": schedule["x_epoch"],
                "y": schedule["lr"],
                "name": label(schedule["plan"]),
                "line": {"color": line_color, "width": width, "shape": "hv", "dash": dash},
                "hovertemplate": label(schedule["plan"])
                + "<br>epoch %{x:.2f}<br>LR %{y:.3e}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": layout(
            "LR of every config over its planned run",
            xaxis=axis(title={"text": "epoch"}),
            yaxis=_lr_axis(*(s["lr"] for s in schedules)),
        ),
    }


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
