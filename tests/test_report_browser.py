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


def open_report(report: Path, profile: Path, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Load the report; return its images, fetched resources, console errors, screenshot,
    and the value of each ``extra`` expression (a JSON string) evaluated in the page."""
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
        time.sleep(0.5)  # a planted handler (an image that fails to load) has fired by now
        return {
            "images": evaluate(IMAGES),
            "resources": evaluate(RESOURCES),
            "errors": errors,
            "screenshot": base64.b64decode(shot["data"]),
        } | {name: evaluate(expression) for name, expression in (extra or {}).items()}
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


HOSTILE = {
    "planted": "JSON.stringify(typeof window.__pwned)",
    "title": "JSON.stringify(document.querySelector('h1').textContent)",
    "text": "JSON.stringify(document.body.innerText)",
    "scripts": "JSON.stringify(document.querySelectorAll('script, [onerror], [onload],"
    " [onmouseover]').length)",
}


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_hostile_names_never_run_in_the_report(
    kind: str, hostile_run_dir: Path, hostile_sweep_dir: Path, tmp_path: Path
) -> None:
    """A scenario and an experiment whose names and descriptions plant scripts: the HTML
    report shows every name as written and nothing planted runs (before: held already for
    the HTML report, the one output that escaped names)."""
    from tests import hostile

    source = hostile_run_dir if kind == "run" else hostile_sweep_dir
    report = write_report(load_results(source), tmp_path / "report.html")
    opened = open_report(report, tmp_path / "profile", HOSTILE)
    assert opened["planted"] == "undefined" and opened["scripts"] == 0
    name = hostile.NAME if kind == "run" else hostile.EXPERIMENT_NAME
    assert opened["title"] == f"{name}: data-sharing architectures compared"
    for text in (hostile.NAME, hostile.PLATFORM):  # the scenario and platform named as written
        assert text in opened["text"], text
    assert opened["errors"] == [] and opened["resources"] == []


def test_the_markdown_report_rendered_as_html_runs_nothing(
    hostile_run_dir: Path, tmp_path: Path
) -> None:
    """The Markdown report through a renderer that passes raw HTML (CommonMark with html on,
    as many viewers do). Before: the names were written raw, so the planted handler ran in
    the rendered page."""
    from markdown_it import MarkdownIt

    from tests import hostile

    source = write_report(load_results(hostile_run_dir), tmp_path / "report.md", "md")
    rendered = (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .render(source.read_text(encoding="utf-8"))
    )
    page = tmp_path / "report-md.html"
    page.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{rendered}</body>",
                    encoding="utf-8")  # fmt: skip
    opened = open_report(page, tmp_path / "profile", HOSTILE)
    assert opened["planted"] == "undefined" and opened["scripts"] == 0
    assert opened["title"] == f"{hostile.NAME}: data-sharing architectures compared"
    assert hostile.PLATFORM in opened["text"]
