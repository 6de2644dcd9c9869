"""Open a page in headless Chromium with the network off and report what it rendered and fetched.

Chromium is driven over the DevTools protocol (a websocket on loopback) rather than with
`--dump-dom`: Redocly prerenders the page, so the summaries are in the HTML before any script runs
and a dumped DOM proves nothing about the scripts. Over the protocol we also see every request the
page makes, every uncaught exception and whether React hydrated the prerendered markup.

The network is off twice over: DevTools' offline emulation, and a proxy on a closed loopback port
for anything outside the page's own requests. A remote request is therefore never answered; the
page passes only if it renders with none, or with ones its own Content-Security-Policy blocked
before they were sent.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM_NAMES = ("chromium", "chromium-browser")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
MAX_SCROLL_STEPS = 400
STEP_MS = 250

# `__reactContainer$<random>` is the key React 18+ puts on the root element it hydrated; Redoc
# hydrates into #redoc.
_HYDRATED = """(() => {
  const root = document.getElementById('redoc');
  return !!root && Object.keys(root).some(k => k.startsWith('__reactContainer'));
})()"""

# Redoc renders the sections of a long reference lazily, as they scroll into view, so the page is
# read the way a person reads it: scrolled from top to bottom, collecting the text shown at each
# step. The sidebar (`.menu-content`) is left out so that a summary counts only when its
# operation's section rendered. Bounded in steps; each step waits STEP_MS for the section to draw.
_SCROLL_AND_READ = """(async (maxSteps, stepMs) => {
  const seen = new Set();
  const pause = ms => new Promise(resolve => setTimeout(resolve, ms));
  const regions = () => {
    const menu = document.querySelector('.menu-content');
    if (!menu) return [document.body];
    const out = [];
    for (let node = menu; node && node !== document.body; node = node.parentElement) {
      for (const sibling of node.parentElement.children) if (sibling !== node) out.push(sibling);
    }
    return out;
  };
  const read = () => {
    for (const region of regions()) {
      for (const line of (region.innerText || '').split('\\n')) {
        const text = line.trim();
        if (text) seen.add(text);
      }
    }
  };
  const page = document.scrollingElement;
  window.scrollTo(0, 0);
  await pause(stepMs);
  read();
  let steps = 0;
  for (; steps < maxSteps; steps++) {
    const before = page.scrollTop;
    window.scrollBy(0, Math.max(200, Math.floor(window.innerHeight * 0.7)));
    await pause(stepMs);
    read();
    if (page.scrollTop === before) break;
  }
  window.scrollTo(0, 0);
  return JSON.stringify({steps, text: [...seen].join('\\n')});
})"""


class RenderError(Exception):
    """Chromium could not be started or driven (not a finding about the page)."""


@dataclass
class RenderResult:
    text: str = ""  # every line of the main panel seen while scrolling, one per line
    hydrated: bool = False
    scroll_steps: int = 0
    local_requests: list[str] = field(default_factory=list)
    # Remote URLs the page asked for that its Content-Security-Policy refused to send.
    blocked_remote_requests: list[str] = field(default_factory=list)
    # Remote URLs the page tried to fetch without being stopped by its policy: each one means the
    # page expects the network.
    remote_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class _Session:
    """Minimal synchronous DevTools client: commands wait for their reply, events are queued."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(max(0.01, deadline - time.monotonic()))
            if reply is None:
                raise RenderError(f"no reply to {method} within {timeout:.0f} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RenderError(f"{method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            event = self._receive(left)
            if event is not None:
                self.events.append(event)

    def wait_for(self, method: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return True
        while (left := deadline - time.monotonic()) > 0:
            event = self._receive(left)
            if event is None:
                continue
            self.events.append(event)
            if event.get("method") == method:
                return True
        return False

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        try:
            raw = self._ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        data: dict[str, Any] = json.loads(raw)
        return data


def _chromium_args(binary: str, profile: Path) -> list[str]:
    return [
        binary,
        "--headless",
        "--no-sandbox",  # we run as root in containers, where Chromium's sandbox cannot start
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",  # containers often have a 64 MB /dev/shm, too small for a tab
        # Nothing listens on port 9 (discard): any request that escapes the offline emulation
        # fails instead of reaching the network.
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",  # Chromium picks a free port and writes it to the profile
        "--window-size=1280,900",
        "about:blank",
    ]


def _devtools_url(profile: Path, process: subprocess.Popen[bytes], timeout: float) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RenderError(f"chromium exited early with code {process.returncode}")
        lines = port_file.read_text().splitlines() if port_file.is_file() else []
        if len(lines) >= 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    raise RenderError(f"chromium did not open its DevTools port within {timeout:.0f} s")


def _classify(events: list[dict[str, Any]], result: RenderResult) -> None:
    blocked_ids = {
        e["params"]["requestId"]
        for e in events
        if e.get("method") == "Network.loadingFailed" and e["params"].get("blockedReason") == "csp"
    }
    blocked_urls: set[str] = set()
    for event in events:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Network.requestWillBeSent":
            url: str = params["request"]["url"]
            if url.startswith(LOCAL_SCHEMES):
                result.local_requests.append(url)
            elif params["requestId"] in blocked_ids:
                result.blocked_remote_requests.append(url)
                blocked_urls.add(url)
            else:
                result.remote_requests.append(url)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text")
            result.errors.append(f"uncaught exception: {description}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            result.errors.append("console.error: " + " ".join(texts))
    for event in events:
        if event.get("method") != "Log.entryAdded":
            continue
        entry = event["params"]["entry"]
        if entry.get("level") != "error":
            continue
        # Reports of the policy refusing a request are the expected side of a blocked request.
        text = entry.get("text", "")
        if entry.get("url") in blocked_urls or (
            entry.get("source") == "security" and any(u in text for u in blocked_urls)
        ):
            continue
        result.errors.append(f"{entry.get('source')}: {entry.get('text')}")


def render(
    page: Path,
    *,
    timeout: float = 30.0,
    settle: float = 1.0,
    screenshot: Path | None = None,
    chromium: str | None = None,
) -> RenderResult:
    """Load `page` offline, wait until it has hydrated and settled, and report what happened.

    `settle` is how long to keep listening after hydration for late requests and errors.
    When `screenshot` is given, a PNG of the viewport is written there.
    """
    binary = chromium or find_chromium()
    if binary is None:
        raise RenderError("chromium is not installed: run publishing/ensure_chromium.sh")
    started = time.monotonic()
    result = RenderResult()
    # Chromium's helper processes can outlive the browser process for a moment and still write
    # into the profile; the whole process group is stopped before the profile is removed.
    with tempfile.TemporaryDirectory(prefix="publishing-chromium-") as tmp:
        profile = Path(tmp)
        process = subprocess.Popen(
            _chromium_args(binary, profile),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # Chromium logs D-Bus noise in containers
            start_new_session=True,
        )
        try:
            url = _devtools_url(profile, process, timeout=min(timeout, 30.0))
            with connect(url, proxy=None, max_size=None, open_timeout=10) as ws:
                _drive(_Session(ws), page, (timeout, settle), screenshot, result)
        finally:
            _stop_group(process)
    result.seconds = time.monotonic() - started
    return result


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the browser, then every helper process it started (they share its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    finally:
        # Helpers that outlive the browser get no time to write into the profile again.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _drive(
    cdp: _Session,
    page: Path,
    timing: tuple[float, float],
    screenshot: Path | None,
    result: RenderResult,
) -> None:
    timeout, settle = timing
    target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session: str = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Network", "Runtime", "Log"):
        cdp.call(f"{domain}.enable", session=session)
    cdp.call(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        session=session,
    )
    deadline = time.monotonic() + timeout
    cdp.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
    if not cdp.wait_for("Page.loadEventFired", timeout):
        result.errors.append(f"the page did not finish loading within {timeout:.0f} s")
    # Hydration happens after the load event; poll for it rather than sleeping a fixed time.
    while True:
        probe = cdp.call(
            "Runtime.evaluate", {"expression": _HYDRATED, "returnByValue": True}, session=session
        )
        result.hydrated = probe["result"].get("value") is True
        if result.hydrated or time.monotonic() > deadline:
            break
        cdp.pump(0.2)
    cdp.pump(settle)
    read = cdp.call(
        "Runtime.evaluate",
        {
            "expression": f"{_SCROLL_AND_READ}({MAX_SCROLL_STEPS}, {STEP_MS})",
            "returnByValue": True,
            "awaitPromise": True,
        },
        session=session,
        timeout=MAX_SCROLL_STEPS * STEP_MS / 1000 + 30,
    )
    state = json.loads(read["result"]["value"])
    result.text, result.scroll_steps = str(state["text"]), int(state["steps"])
    if screenshot is not None:
        shot = cdp.call("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    _classify(cdp.events, result)
