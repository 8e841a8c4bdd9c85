"""The "Run against prediction" section: a run folder's logged LR beside the prediction.

Reads ``doc.extra["run_check"]``, which ``check-run`` / ``report --run`` fill with
``RunCheck.summary()`` and ``RunCheck.curves()``; computes nothing.
"""

from __future__ import annotations

from typing import Any

from harness.report import figures
from harness.report.htmlkit import Figures, esc, table, tag

LOGGED_COLOR = "#1f6feb"
PREDICTED_COLOR = "#d1242f"


def run_section(page: Figures, data: dict[str, Any] | None) -> str:
    title = "Run against prediction"
    if not data:
        body = tag("p", esc("No run folder was given (report --run RUN_DIR)."), cls="absent")
        return tag("section", tag("h2", esc(title)) + body, id="run")
    summary, curves = data["summary"], data["curves"]
    intro = tag(
        "p",
        esc(
            "The learning rate the run logged at each batch (TensorBoard "
            "TrainIterStats/current_lr) against the harness's prediction for the run's own "
            "config.json and trainer, aligned per batch. " + str(summary.get("lr", ""))
        ),
        cls="note",
    )
    rows = [(esc(str(key).replace("_", " ")), esc(str(value))) for key, value in summary.items()]
    parts = [intro, table(("what", "value"), rows)]
    if curves.get("batch"):
        parts.append(page.add(_lr_figure(curves), height=380))
    if curves.get("loss_batch"):
        parts.append(page.add(_loss_figure(curves), height=300))
    return tag("section", tag("h2", esc(title)) + "".join(parts), id="run")


def _lr_figure(curves: dict[str, Any]) -> dict[str, Any]:
    traces = [
        _line(curves["batch"], curves["logged"], "logged LR", LOGGED_COLOR, "solid"),
    ]
    if curves.get("predicted"):
        traces.append(
            _line(curves["batch"], curves["predicted"], "predicted LR", PREDICTED_COLOR, "dash")
        )
    return {
        "data": traces,
        "layout": figures.layout(
            "Learning rate: logged and predicted",
            xaxis={"title": {"text": "batch (GLOBAL_STEP)"}},
            yaxis={"title": {"text": "learning rate"}, "type": "log"},
        ),
    }


def _loss_figure(curves: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": [
            _line(curves["loss_batch"], curves["loss"], "train loss", figures.color(1), "solid")
        ],
        "layout": figures.layout(
            "Train loss",
            xaxis={"title": {"text": "batch (GLOBAL_STEP)"}},
            yaxis={"title": {"text": "loss"}},
        ),
    }


def _line(x: list[Any], y: list[Any], name: str, color: str, dash: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": y,
        "line": {"color": color, "dash": dash, "shape": "hv", "width": 2},
    }
