"""The dataset audit's figures: histograms with the trainer's limits drawn on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.report.figures import COLORS, LIMIT_COLOR, axis, finite, label, layout

BINS = 50


def histogram_figure(
    title: str,
    x_title: str,
    histogram: dict[str, Any],
    limits: Sequence[tuple[float, str]],
) -> dict[str, Any]:
    """A histogram of ``histogram["values"]`` with the limits drawn as red dashed lines.

    The bins span 0 to past the highest limit, so data and limits share one scale.
    """
    values = [v for v in histogram["values"] if finite(v)]
    top = max([*values, *(v for v, _ in limits if finite(v)), 1]) * 1.05
    trace: dict[str, Any] = {
        "type": "histogram",
        "x": values,
        "xbins": {"start": 0, "end": top, "size": top / BINS},
    }
    trace |= {
        "marker": {"color": COLORS[0], "line": {"color": "#ffffff", "width": 0.5}},
        "name": label(x_title),
        "showlegend": False,
    }
    shapes, annotations = [], []
    for index, (value, text) in enumerate(limits):
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": value,
                "x1": value,
                "y0": 0,
                "y1": 1,
                "line": {"color": LIMIT_COLOR, "width": 2, "dash": "dash"},
            }
        )
        annotations.append(
            {
                "x": value,
                "xref": "x",
                "y": 1 - 0.1 * index,
                "yref": "paper",
                "text": label(text),
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "xshift": 4,
                "font": {"size": 11, "color": LIMIT_COLOR},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    return {
        "data": [trace],
        "layout": layout(
            title,
            xaxis=axis(title={"text": label(x_title)}),
            yaxis=axis(title={"text": "samples"}),
            shapes=shapes,
            annotations=annotations,
            bargap=0.02,
            showlegend=False,
        ),
    }
