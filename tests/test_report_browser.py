"""The HTML report opened in headless Chromium over the DevTools pipe (stdlib only).

Checks what a reader would notice: every figure loads with a non-zero size, nothing is fetched
from outside the file, the console stays free of errors, and the screenshot is not blank.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.reporting import load_results
from sim.reporting.charts import STANDARD_CHARTS
from sim.reporting.report import write_report
from tests.test_reporting import NOTHING_TO_SHOW

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-pipe", "--window-size=1200,1600",
]  # fmt: skip
TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian package 'chromium', installed by .ci/run):"
    " the report was not opened in a browser",
)


class DevTools:
    """The Chrome DevTools protocol over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out)."""

    def __init__(self, profile: Path) -> None:
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child: move both ends clear of 3 and 4 first, then place
            high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)  # dup2 makes the copy inheritable
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        reply = self.wait(lambda m: m.get("id") == self.next_id)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply.get("result", {})

    def wait(self, match: Any) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, message in enumerate(self.events):
                if match(message):
                    return self.events.pop(i)
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.from_child], [], [], 1.0)
            if ready:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self.buffer += chunk
                *messages, self.buffer = self.buffer.split(b"\0")
                self.events += [json.loads(m) for m in messages if m]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.to_child)
        os.close(self.from_child)


IMAGES = """JSON.stringify(Array.from(document.images).map(i => ({
  alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
  shown: i.getBoundingClientRect().width})))"""
RESOURCES = "JSON.stringify(performance.getEntriesByType('resource').map(r => r.name))"


def open_report(report: Path, profile: Path) -> dict[str, Any]:
    """Load the report; return its images, fetched resources, console errors, screenshot."""
    browser = DevTools(profile)
    try:
        pages = browser.send("Target.getTargets")["targetInfos"]
        page = next(t for t in pages if t["type"] == "page")
        session = browser.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            browser.send(domain, session=session)
        browser.send("Page.navigate", {"url": report.resolve().as_uri()}, session=session)
        browser.wait(lambda m: m.get("method") == "Page.loadEventFired")

        def evaluate(expression: str) -> Any:
            result = browser.send(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )
            return json.loads(result["result"]["value"])

        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        errors = [
            m for m in browser.events
            if m.get("method") == "Runtime.exceptionThrown"
            or (m.get("method") == "Runtime.consoleAPICalled" and m["params"]["type"] == "error")
            or (m.get("method") == "Log.entryAdded" and m["params"]["entry"]["level"] == "error")
        ]  # fmt: skip
        return {
            "images": evaluate(IMAGES),
            "resources": evaluate(RESOURCES),
            "errors": errors,
            "screenshot": base64.b64decode(shot["data"]),
        }
    finally:
        browser.close()


def blank(png: bytes) -> bool:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return pixels.std() < 1.0


@pytest.mark.parametrize("kind", ["sweep", "run"])
def test_report_opens_in_chromium(kind: str, sweep_dir: Path, run_dir: Path,  # noqa: F811
                                  tmp_path: Path) -> None:  # fmt: skip
    source = sweep_dir if kind == "sweep" else run_dir
    report = write_report(load_results(source), tmp_path / "report.html")
    opened = open_report(report, tmp_path / "profile")
    (tmp_path / "screenshot.png").write_bytes(opened["screenshot"])
    assert len(opened["images"]) == len(STANDARD_CHARTS) - len(NOTHING_TO_SHOW[kind])
    for image in opened["images"]:
        assert image["complete"] and image["w"] > 0 and image["h"] > 0, image
        assert image["shown"] > 0, image
    assert opened["resources"] == [], "the report fetched something from outside the file"
    assert opened["errors"] == []
    assert not blank(opened["screenshot"])
