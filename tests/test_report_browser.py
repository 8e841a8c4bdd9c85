"""The HTML report in a real browser: Debian's headless chromium, driven over the DevTools
protocol on a pipe (``--remote-debugging-pipe``: stdlib only, no driver, no port).

One page load answers every question: it opened from file:// with no console error and
no exception, made no network request, no script from the data ran (no dialog, the flag
the payloads set stays unset), every plot drew, and the diff-only toggle changes the rows.
The screenshot is kept in artifacts/report-screenshot.png.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import PWNED_FLAG, write_payload_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = (
    "--headless",
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
    # Any DNS lookup fails, so a request that slipped past the page's policy could not
    # leave the machine; the test still sees it as a Network event.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


class Chromium:
    """A headless chromium speaking CDP over fds 3 (commands in) and 4 (replies out)."""

    def __init__(self, executable: str = CHROMIUM) -> None:
        self.profile = tempfile.mkdtemp(prefix="xtts-harness-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Move the child's ends above 4 so that the shell's "3<&a 4>&b" cannot clobber one.
        to_browser_read, from_browser_write = _above_four(to_browser_read, from_browser_write)
        # bash puts our pipe ends on fds 3 and 4, where chromium expects them (dash cannot
        # redirect from a two-digit fd).
        command = [
            "/bin/bash",
            "-c",
            f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write}',
            executable,
            *FLAGS,
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            command,
            pass_fds=(to_browser_read, from_browser_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive(timeout)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, predicate, timeout: float = 60) -> None:
        """Read events until ``predicate(events)`` holds."""
        deadline = time.monotonic() + timeout
        while not predicate(self.events):
            self.events.append(self._receive(max(0.01, deadline - time.monotonic())))

    def _receive(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (OSError, RuntimeError, TimeoutError, EOFError):
            self.process.kill()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


def _above_four(*fds: int) -> list[int]:
    moved = []
    for fd in fds:
        moved.append(fcntl.fcntl(fd, fcntl.F_DUPFD, 10))
        os.close(fd)
    return moved


@dataclass
class PageVisit:
    """What one load of the report showed."""

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    toggled: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""


PAGE_STATE = f"""(() => {{
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
    height: document.documentElement.scrollHeight,
  }};
}})()"""


def visit(path: Path) -> PageVisit:
    """Load ``path`` from file://, let the plots draw, click the toggle, take a screenshot."""
    browser = Chromium()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page.enable", "Runtime.enable", "Network.enable", "Log.enable"):
            browser.send(domain, session=session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        url = path.resolve().as_uri()
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for(lambda evs: any(e.get("method") == "Page.loadEventFired" for e in evs))
        state = _poll_plots(browser, session)
        toggled = _evaluate(
            browser,
            session,
            """(() => {
            if (!document.getElementById("diff-only")) { return null; }  // no reference
            document.getElementById("diff-only").click();
            const rows = Array.from(document.querySelectorAll("#diff-table tbody tr.key-row"));
            const after = rows.filter(r => r.offsetParent !== null).length;
            document.getElementById("diff-only").click();
            const back = rows.filter(r => r.offsetParent !== null).length;
            return {after, back, label: document.getElementById("diff-shown").textContent};
        })()""",
        )
        height = min(int(state["height"]), 12000)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        time.sleep(0.5)  # plotly's responsive resize
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        return _collect(browser.events, url, state, toggled, base64.b64decode(shot["data"]))
    finally:
        browser.close()


def _poll_plots(browser: Chromium, session: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = _evaluate(browser, session, PAGE_STATE)
        if state["plotsAttr"] in ("drawn", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def _evaluate(browser: Chromium, session: str, expression: str) -> Any:
    reply = browser.send(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
    )
    if "exceptionDetails" in reply:
        raise AssertionError(f"test script failed: {reply['exceptionDetails']}")
    return reply["result"]["value"]


def _collect(events: list[dict], url: str, state: dict, toggled: dict, shot: bytes) -> PageVisit:
    seen = PageVisit(state=state, toggled=toggled, screenshot=shot)
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            seen.console_errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
            )
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            seen.console_errors.append(params["entry"].get("text", ""))
        elif method == "Runtime.exceptionThrown":
            seen.exceptions.append(json.dumps(params.get("exceptionDetails"))[:500])
        elif method == "Page.javascriptDialogOpening":
            seen.dialogs.append(params.get("message", ""))
        elif method == "Network.requestWillBeSent":
            request_url = params["request"]["url"]
            if request_url != url:
                seen.requests.append(request_url)
    return seen


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")


@pytest.fixture(scope="module")
def page_visit(tmp_path_factory: pytest.TempPathFactory) -> PageVisit:
    _need_chromium()
    _, path, _ = write_payload_report(tmp_path_factory.mktemp("payload"))
    seen = visit(path)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-screenshot.png").write_bytes(seen.screenshot)
    return seen


def test_the_page_loads_offline_with_no_error_and_no_request(page_visit: PageVisit) -> None:
    assert page_visit.console_errors == []
    assert page_visit.exceptions == []
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


def test_the_diff_only_toggle_shows_and_hides_unchanged_keys(page_visit: PageVisit) -> None:
    state, toggled = page_visit.state, page_visit.toggled
    assert 0 < state["visibleRows"] < state["allRows"]
    assert toggled["after"] == state["allRows"]
    assert toggled["back"] == state["visibleRows"]
    assert toggled["label"] == f"{state['visibleRows']} of {state['allRows']} keys shown"


def test_a_screenshot_is_kept(page_visit: PageVisit) -> None:
    assert page_visit.screenshot.startswith(b"\x89PNG")
    assert (ARTIFACTS / "report-screenshot.png").stat().st_size > 50_000
