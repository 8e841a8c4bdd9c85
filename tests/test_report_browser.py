"""The HTML report in a real browser: Debian's headless chromium, driven by selenium through
chromium-driver.

One page load answers every question: it opened from file:// with no console error and
no exception, made no network request, no script from the data ran (no dialog, the flag
the payloads set stays unset), every plot drew, the ablation curves have no stray points,
and the diff-only toggle changes the rows. Screenshots of the whole page, the summary and
the ablation curves are kept in artifacts/.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import PWNED_FLAG, write_payload_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1280,900",
    # Any DNS lookup fails, so a request that slipped past the page's policy could not
    # leave the machine; the test still sees it in the performance (Network) log.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@dataclass
class PageVisit:
    """What one load of the report showed."""

    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    toggled: dict[str, Any] = field(default_factory=dict)
    curves: dict[str, Any] = field(default_factory=dict)
    screenshots: dict[str, bytes] = field(default_factory=dict)


PAGE_STATE = f"""return (() => {{
  const plots = Array.from(document.querySelectorAll("div.plot"));
  const rows = Array.from(document.querySelectorAll("#diff-table tbody tr.key-row"));
  return {{
    plotsAttr: document.body.getAttribute("data-plots"),
    plots: plots.length,
    drawn: plots.filter(p => p.classList.contains("js-plotly-plot")
                           && p.querySelector(".main-svg")).length,
    traces: plots.map(p => p.querySelectorAll(".main-svg .trace, .main-svg .bars").length),
    visibleRows: rows.filter(r => r.offsetParent !== null).length,
    allRows: rows.length,
    pwned: window.{PWNED_FLAG} === undefined ? null : window.{PWNED_FLAG},
    injectedImages: document.querySelectorAll("img").length,
    injectedScripts: Array.from(document.scripts)
      .filter(s => s.type !== "application/json").length,
    title: document.title,
  }};
}})()"""

TOGGLE = """return (() => {
  if (!document.getElementById("diff-only")) { return null; }  // no reference
  document.getElementById("diff-only").click();
  const rows = Array.from(document.querySelectorAll("#diff-table tbody tr.key-row"));
  const after = rows.filter(r => r.offsetParent !== null).length;
  document.getElementById("diff-only").click();
  const back = rows.filter(r => r.offsetParent !== null).length;
  return {after, back, label: document.getElementById("diff-shown").textContent};
})()"""

# The ablation curves (the first plot of the ablation section): the points drawn, and the
# points its traces ask for (only traces whose mode has markers).
CURVES = """return (() => {
  const plot = document.querySelector("#ablation div.plot");
  if (!plot) { return null; }
  const wanted = plot.data
    .filter(t => (t.mode || "").includes("markers"))
    .reduce((n, t) => n + t.x.length, 0);
  return {
    drawn: plot.querySelectorAll("path.point").length,
    wanted,
    bandModes: plot.data.filter(t => t.fill === "toself").map(t => t.mode || null),
  };
})()"""


# Pictures kept in artifacts/: the whole page, the summary, the ablation curves.
SCREENSHOTS = {
    "page": "body",
    "summary": "#summary",
    "ablation-curves": "#ablation div.plot",
}
MAX_SHOT_HEIGHT = 12000  # pixels: the whole page fits; a runaway page does not fill the disk
BOX = """const r = document.querySelector(arguments[0]).getBoundingClientRect();
return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width,
        height: r.height};"""


def visit(path: Path) -> PageVisit:
    """Load ``path`` from file://, let the plots draw, click the toggle, take screenshots."""
    from selenium import webdriver
    from selenium.common.exceptions import UnexpectedAlertPresentException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    seen = PageVisit()
    try:
        url = path.resolve().as_uri()
        driver.get(url)
        try:
            seen.state = _poll_plots(driver)
            seen.toggled = driver.execute_script(TOGGLE)
            seen.curves = driver.execute_script(CURVES)
        except UnexpectedAlertPresentException as alert:
            seen.dialogs.append(alert.alert_text or "dialog")
            raise AssertionError(f"a dialog opened: {alert.alert_text}") from None
        for name, selector in SCREENSHOTS.items():
            seen.screenshots[name] = _screenshot(driver, selector)
        seen.console_errors = [
            entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
        ]
        seen.requests = _requests(driver.get_log("performance"), url)
    finally:
        driver.quit()
    return seen


def _screenshot(driver: Any, selector: str, attempts: int = 3) -> bytes:
    """A PNG of the element's box, page coordinates, through DevTools' captureScreenshot.

    No scrolling or resizing: one DevTools call per picture. On a loaded machine chromium's
    renderer can miss chromedriver's 10 s deadline, so a timed-out capture is retried.
    """
    from selenium.common.exceptions import TimeoutException

    box = driver.execute_script(BOX, selector)
    clip = {**box, "height": min(box["height"], MAX_SHOT_HEIGHT), "scale": 1}
    params = {"format": "png", "clip": clip, "captureBeyondViewport": True}
    for attempt in range(attempts):
        try:
            return base64.b64decode(
                driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
            )
        except TimeoutException:
            if attempt == attempts - 1:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def _poll_plots(driver: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = driver.execute_script(PAGE_STATE)
        if state["plotsAttr"] in ("drawn", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def _requests(performance_log: list[dict], url: str) -> list[str]:
    """Every request the page sent besides its own document (DevTools Network events)."""
    found = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            request_url = message["params"]["request"]["url"]
            if request_url != url:
                found.append(request_url)
    return found


def _need_browser() -> None:
    for name, path in (("chromium", CHROMIUM), ("chromedriver", DRIVER)):
        if not Path(path).exists():
            pytest.skip(f"{name} not found at {path} (Debian: apt-get install chromium-driver)")


@pytest.fixture(scope="module")
def page_visit(tmp_path_factory: pytest.TempPathFactory) -> PageVisit:
    _need_browser()
    _, path, _ = write_payload_report(tmp_path_factory.mktemp("payload"))
    seen = visit(path)
    ARTIFACTS.mkdir(exist_ok=True)
    for name, png in seen.screenshots.items():
        (ARTIFACTS / f"report-{name}.png").write_bytes(png)
    return seen


def test_the_page_loads_offline_with_no_error_and_no_request(page_visit: PageVisit) -> None:
    assert page_visit.console_errors == []
    assert page_visit.requests == []


def test_no_script_from_the_data_runs(page_visit: PageVisit) -> None:
    assert page_visit.dialogs == []
    assert page_visit.state["pwned"] is None
    assert page_visit.state["injectedImages"] == 0
    assert page_visit.state["injectedScripts"] == 2  # plotly.js and the report's own script


def test_every_plot_draws(page_visit: PageVisit) -> None:
    state = page_visit.state
    assert state["plotsAttr"] == "drawn"
    assert state["plots"] == 9  # overlay + 3 schedules + 2 histograms + 3 ablation figures
    assert state["drawn"] == state["plots"]
    assert all(count > 0 for count in state["traces"]), state["traces"]


def test_the_ablation_curves_draw_no_stray_points(page_visit: PageVisit) -> None:
    curves = page_visit.curves
    assert curves["bandModes"] and set(curves["bandModes"]) == {"lines"}
    assert curves["drawn"] == curves["wanted"] > 0  # only the mean curves' markers


def test_the_diff_only_toggle_shows_and_hides_unchanged_keys(page_visit: PageVisit) -> None:
    state, toggled = page_visit.state, page_visit.toggled
    assert 0 < state["visibleRows"] < state["allRows"]
    assert toggled["after"] == state["allRows"]
    assert toggled["back"] == state["visibleRows"]
    assert toggled["label"] == f"{state['visibleRows']} of {state['allRows']} keys shown"


def test_screenshots_are_kept(page_visit: PageVisit) -> None:
    for name in ("page", "summary", "ablation-curves"):
        png = page_visit.screenshots[name]
        assert png.startswith(b"\x89PNG")
        assert (ARTIFACTS / f"report-{name}.png").stat().st_size > 5_000
