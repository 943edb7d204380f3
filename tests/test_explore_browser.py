"""``pdsa explore`` in a real browser: the server started as a user starts it, Debian's
headless Chromium driven over the DevTools pipe (stdlib only, as the report's browser test).

Checks what a user would do and see: a control changed, a small run started, the headline
table with a row of numbers for every architecture chosen, a results directory opened and its
chart drawn, a bad scenario refused in the page while the server keeps answering; no console
error anywhere, and nothing written in the directory the server ran in. Skips without Chromium
or Panel locally; in CI (``CI`` set) their absence is a failure, since .ci/run installs both.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.catalogue import HEADLINE_METRICS, metric_spec
from sim.commands.formatting import headline_cell
from sim.config import ConfigError
from sim.explore.controls import load_source
from tests.helpers import TWO_COUNTRIES, merge
from tests.test_report_browser import CHROMIUM, DevTools, blank

ROOT = Path(__file__).parent.parent
WAIT = 60.0
SHOTS = os.environ.get("PDSA_EXPLORE_SHOTS")
"""A directory to keep the screenshots in (they go to the test's tmp_path otherwise)."""


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where .ci/run installs Chromium and the test extra."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run the explorer's browser test")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return int(reply.status)


class Explorer:
    """A running ``pdsa explore`` and the directory it runs in."""

    def __init__(self, workdir: Path, logs: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = logs / "explore.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sim.cli", "explore", "--port", str(self.port)],
                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if answers(self.url) == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"pdsa explore did not start:\n{self.log.read_text()}")
            time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


HELPERS = """window.pdsa = {
  all(sel) { const out = [];
    const walk = (root) => { out.push(...root.querySelectorAll(sel));
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot); };
    walk(document); return out; },
  root(name) { const host = pdsa.all('.pdsa-' + name)[0];
    return host ? (host.shadowRoot || host) : null; },
  type(name, value) { const input = pdsa.root(name).querySelector('input');
    input.focus(); input.value = String(value);
    for (const kind of ['input', 'change']) input.dispatchEvent(new Event(kind, {bubbles: true}));
    return input.value; },
  click(name) { pdsa.root(name).querySelector('button').click(); return true; },
  tick(name, label) {
    const box = [...pdsa.root(name).querySelectorAll('label')]
      .find(l => l.textContent.trim() === label).querySelector('input');
    box.click(); return box.checked; },
  tab(label) { const tab = pdsa.all('.bk-tab').find(t => t.textContent.trim() === label);
    tab.click(); return true; },
  text(name) { const root = pdsa.root(name); if (!root) return '';
    return [...root.children].filter(c => c.tagName !== 'STYLE')
      .map(c => c.innerText || '').join(' ').trim(); },
  shown(name) { const host = pdsa.all('.pdsa-' + name)[0];
    return !!host && host.getBoundingClientRect().height > 0; },
  rows(name) { const root = pdsa.root(name); if (!root) return [];
    return [...root.querySelectorAll('table tbody tr')]
      .map(r => [...r.querySelectorAll('th,td')].map(c => c.textContent.trim())); },
  image(name) { const root = pdsa.root(name); const img = root && root.querySelector('img');
    return img && img.complete ? [img.naturalWidth, img.naturalHeight,
      img.getBoundingClientRect().width] : null; },
};
true"""


class Page:
    """One Chromium tab over the DevTools protocol."""

    def __init__(self, browser: DevTools) -> None:
        self.browser = browser
        targets = browser.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = browser.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(domain)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1400, "height": 1700, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, session=self.session)

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.browser.wait(lambda m: m.get("method") == "Page.loadEventFired")
        self.js(HELPERS)
        self.until("pdsa.all('.pdsa-run').length > 0 && pdsa.root('path') !== null")

    def js(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    def until(self, expression: str, timeout: float = WAIT) -> Any:
        deadline = time.monotonic() + timeout
        while (value := self.js(expression)) in (None, False, "", []):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never showed: {expression}")
            time.sleep(0.3)
        return value

    def screenshot(self, file: Path) -> bytes:
        shot = self.send("Page.captureScreenshot", {"format": "png"})
        png = base64.b64decode(shot["data"])
        file.write_bytes(png)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            shutil.copy(file, Path(SHOTS) / file.name)
        return png

    def download(self, name: str, folder: Path) -> Path:
        """Click a download button and wait for the file the browser saves."""
        folder.mkdir(parents=True, exist_ok=True)
        self.browser.send(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(folder), "eventsEnabled": True},
        )
        self.js(f"pdsa.root({json.dumps(name)}).querySelector('a').click()")
        deadline = time.monotonic() + WAIT
        while not (done := [f for f in folder.iterdir() if not f.name.endswith(".crdownload")]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing was downloaded by {name}")
            time.sleep(0.2)
        (file,) = done
        return file

    def errors(self) -> list[dict]:
        """Console errors and uncaught exceptions since the browser started."""
        self.js("true")  # collect what is in the pipe
        return [
            m for m in self.browser.events
            if m.get("method") == "Runtime.exceptionThrown"
            or (m.get("method") == "Runtime.consoleAPICalled" and m["params"]["type"] == "error")
            or (m.get("method") == "Log.entryAdded" and m["params"]["entry"]["level"] == "error")
        ]  # fmt: skip


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Explorer]:
    if CHROMIUM is None:
        unavailable("Chromium is not installed (Debian package 'chromium')")
    try:
        import panel  # noqa: F401
    except ImportError:
        unavailable("Panel is not installed (the 'explore' extra)")
    workdir = tmp_path_factory.mktemp("explore-cwd")
    server = Explorer(workdir, tmp_path_factory.mktemp("explore-logs"))
    yield server
    server.stop()
    assert list(workdir.iterdir()) == [], "the explorer wrote where nobody asked it to"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    browser = DevTools(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield Page(browser)
    finally:
        browser.close()


def is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


def test_a_small_run_in_the_browser(explorer: Explorer, page: Page, tmp_path: Path):
    page.open(explorer.url)
    assert page.js("pdsa.type('horizon-days', 120)") == "120"
    assert page.js("pdsa.tick('architectures', 'federated broadcast')") is False
    assert page.js("pdsa.tick('architectures', 'federated issuer')") is False
    time.sleep(0.5)  # let the widgets' new values reach the server before the click
    page.js("pdsa.click('run')")
    status = page.until("pdsa.text('status').includes('days simulated') && pdsa.text('status')")
    assert "finished: 3 of 3 architectures" in status and "120 days simulated" in status
    each = page.js("pdsa.text('each')")
    for label in ("centralized", "hybrid push", "fragmented"):
        assert f"{label}: finished in" in each
    assert page.js("pdsa.all('progress.pdsa-progress').map(p => p.value / p.max)") == [1]
    rows = page.js("pdsa.rows('headline')")
    head = page.js("[...pdsa.root('headline').querySelectorAll('table thead th')]"
                   ".map(c => c.textContent.trim())")  # fmt: skip
    assert head == ["metric", "unit", "centralized", "hybrid push", "fragmented"]
    assert [row[0] for row in rows] == [metric_spec(m).label for m in HEADLINE_METRICS]
    by_metric = {m: row for m, row in zip(HEADLINE_METRICS, rows, strict=True)}
    assert by_metric["completeness"][1] == "%"  # the catalogue's unit, as the CLI prints it
    for value in by_metric["completeness"][2:]:
        assert 0 < float(value) <= 100  # percent, not a fraction
    for column in range(2, 5):
        others = {m: row[column] for m, row in by_metric.items() if not is_number(row[column])}
        # a lag may be "never"; a cost the illustrative world does not price is "n/a"
        assert all(v == "never" for m, v in others.items() if m.startswith("lag_")), others
        assert set(others.values()) <= {"never", "n/a"} and len(others) <= 5, others
    width, height, shown = page.until("pdsa.image('over-time')")
    assert width > 0 and height > 0 and shown > 0
    page.until("pdsa.shown('yaml') && pdsa.image('regions')")
    ncbs = page.js("[...pdsa.root('ncbs').querySelectorAll('tbody tr')].map(r => r.innerText)")
    assert len(ncbs) == 12 + 3  # twelve NCBs under their three regions
    downloaded = page.download("yaml", tmp_path / "downloads")
    again = yaml.safe_load(downloaded.read_text(encoding="utf-8"))
    assert downloaded.name == "centralized.yaml"
    assert again["horizon_days"] == 120 and again["architecture"]["kind"] == "centralized"
    summary = json.loads(page.download("summary", tmp_path / "summary").read_text())
    shown = headline_cell(summary["metrics"], "completeness")
    assert shown == by_metric["completeness"][2]  # centralized's, as the CLI formats it
    assert "ILLUSTRATIVE world of 12 NCBs" in page.js("pdsa.text('caveat')")
    png = page.screenshot(tmp_path / "explore-run.png")
    assert not blank(png)
    assert page.errors() == []


def test_a_bad_scenario_is_refused_in_the_page(explorer: Explorer, page: Page, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(merge(TWO_COUNTRIES, {"records": {"scope": {"global": 2}}})))
    with pytest.raises(ConfigError) as refused:
        load_source(bad)
    page.open(explorer.url)
    page.js(f"pdsa.type('path', {json.dumps(str(bad))})")
    time.sleep(0.5)
    page.js("pdsa.click('load')")
    shown = page.until("pdsa.shown('message') && pdsa.text('message')")
    assert shown == str(refused.value)
    assert answers(explorer.url) == 200
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(TWO_COUNTRIES))
    page.js(f"pdsa.type('path', {json.dumps(str(good))})")  # the page still works
    time.sleep(0.5)
    page.js("pdsa.click('load')")
    page.until("!pdsa.shown('message') && pdsa.text('about').startsWith('two-countries')")
    assert page.errors() == []


def test_a_results_directory_in_the_browser(
    explorer: Explorer,
    page: Page,
    sweep_dir: Path,
    tmp_path: Path,
):
    page.open(explorer.url)
    page.js("pdsa.tab('Results')")
    page.until("pdsa.root('results-path') !== null")
    page.js(f"pdsa.type('results-path', {json.dumps(str(sweep_dir))})")
    time.sleep(0.5)
    page.js("pdsa.click('open')")
    width, height, shown = page.until("pdsa.image('chart')")
    assert width > 0 and height > 0 and shown > 0
    rows = page.until("pdsa.rows('comparison').length > 0 && pdsa.rows('comparison')")
    assert {row[0] for row in rows} == set(load_variants(sweep_dir))
    differences = page.until("pdsa.rows('differences').length > 0 && pdsa.rows('differences')")
    # the CLI's catalogue labels, units and formatter: 85.5 [.., ..] and +13.7 [..] pp, not
    # raw fractions, ci_low columns or True/False
    text = page.js("pdsa.text('comparison') + ' ' + pdsa.text('differences')")
    assert "Completeness (%): mean [95% CI]" in text
    for raw in ("ci_low", "mean_diff", "True", "False", "point_id"):
        assert raw not in text, raw
    for row in rows:
        mean = row[2].split(" [")[0]
        assert 1 < float(mean) <= 100, row  # percent
    assert all(re.fullmatch(r"[-+]?[\d.]+ \[[-+]?[\d.]+, [-+]?[\d.]+\] pp( \*)?", row[1])
               for row in differences), differences  # fmt: skip
    labels = page.js("[...pdsa.root('metric').querySelector('select').options]"
                     ".map(o => o.textContent)")  # fmt: skip
    assert "Completeness (%)" in labels and "completeness" not in labels
    png = page.screenshot(tmp_path / "explore-results.png")
    assert not blank(png)
    assert page.errors() == []


def test_the_results_page_compares_by_region_and_by_kind(
    explorer: Explorer, page: Page, road_map_dir: Path
):
    """The by-region view reads as `pdsa compare --by region` prints it: each region's
    variants, their mean [95 % CI] and paired difference from the baseline; the kind
    selector turns it into the same view by record kind."""
    from tests.test_by_region import compared

    page.open(explorer.url)
    page.js("pdsa.tab('Results')")
    page.until("pdsa.root('results-path') !== null")
    page.js(f"pdsa.type('results-path', {json.dumps(str(road_map_dir))})")
    time.sleep(0.5)
    page.js("pdsa.click('open')")
    rows = page.until("pdsa.rows('by-part').length > 0 && pdsa.rows('by-part')")
    title = page.until("pdsa.text('by-title').includes('By region') && pdsa.text('by-title')")
    assert "By region: each region's mean and its paired difference" in title
    label = page.js("pdsa.root('metric').querySelector('select').value")
    metric = {metric_spec(m).axis_label: m for m in HEADLINE_METRICS}[label]
    expected = compared(road_map_dir, "--by", "region", "--metric", metric)
    assert len(rows) == len(expected) == 9
    for row, want in zip(rows, expected.itertuples(), strict=True):
        region, variant, runs, mean, gain = row[-5:]
        assert (region, variant, runs) == (want.region, want.variant, "3")
        assert float(mean.split(" [")[0]) == pytest.approx(100 * want.mean, abs=0.051)
        if want.variant == "today":
            assert gain == "baseline"
        else:
            assert float(gain.split(" [")[0]) == pytest.approx(100 * want.mean_diff, abs=0.051)
            assert gain.endswith("pp *") == bool(want.significant)
    options = page.js("[...pdsa.root('by').querySelector('select').options].map(o => o.value)")
    assert options == ["region", "kind"]
    page.js("(() => { const s = pdsa.root('by').querySelector('select'); s.value = 'kind';"
            " s.dispatchEvent(new Event('change', {bubbles: true})); return 1; })()")  # fmt: skip
    kinds = page.until(
        "pdsa.rows('by-part').length === 6 && pdsa.rows('by-part').map(r => r[r.length - 5])"
    )
    assert sorted(set(kinds)) == ["document", "notice"]
    assert page.errors() == []


def load_variants(path: Path) -> list[str]:
    from sim.reporting import load_results

    return load_results(path).variants


def test_the_run_page_says_which_world_and_offers_both(explorer: Explorer, page: Page):
    """The page opens on the twelve NCBs (seconds a run) and says it is not the world;
    ``pdsa demo``'s whole world is one click away, and then the warning goes."""
    page.open(explorer.url)
    choices = page.js("[...pdsa.root('embedded').querySelectorAll('button')]"
                      ".map(b => b.textContent.trim())")  # fmt: skip
    assert choices == ["Illustrative: twelve NCBs (seconds a run)",
                       "The whole world in 2023, as pdsa demo (minutes a run)"]  # fmt: skip
    warning = page.until("pdsa.shown('caveat') && pdsa.text('caveat')")
    assert warning.startswith("ILLUSTRATIVE world of 12 NCBs, not a world result.")
    assert "12 countries" in page.js("pdsa.text('about')")
    page.js("[...pdsa.root('embedded').querySelectorAll('button')][1].click()")
    about = page.until("pdsa.text('about').includes('196 countries') && pdsa.text('about')")
    assert about.startswith("world-2023-demo")
    assert page.until("!pdsa.shown('caveat')")


def test_hostile_names_are_shown_never_run(
    explorer: Explorer,
    page: Page,
    hostile_files: tuple[Path, Path],
    hostile_sweep_dir: Path,
    tmp_path: Path,
):
    """A scenario, an experiment and an error message whose text plants scripts: the pages
    show each as written and nothing planted runs. Before: the Run page's Markdown put the
    scenario's name and description in the page as HTML (the planted handler ran), and the
    Results page the experiment's name."""
    from tests import hostile

    page.open(explorer.url)
    page.js(f"pdsa.type('path', {json.dumps(str(hostile_files[0]))})")
    time.sleep(0.5)
    page.js("pdsa.click('load')")
    about = page.until(f"pdsa.text('about').includes({json.dumps(hostile.NAME)}) && "
                       "pdsa.text('about')")  # fmt: skip
    assert "<script>window.__pwned=2</script> [click](javascript:window.__pwned=3)" in about
    missing = str(tmp_path / 'nothing <img src=x onerror="window.__pwned=8">.yaml')
    page.js(f"pdsa.type('path', {json.dumps(missing)})")
    time.sleep(0.5)
    page.js("pdsa.click('load')")
    shown = page.until("pdsa.shown('message') && pdsa.text('message')")
    assert shown == f"{missing}: file not found"
    page.js("pdsa.tab('Results')")
    page.until("pdsa.root('results-path') !== null")
    page.js(f"pdsa.type('results-path', {json.dumps(str(hostile_sweep_dir))})")
    time.sleep(0.5)
    page.js("pdsa.click('open')")
    page.until("pdsa.image('chart')")
    named = json.dumps(hostile.EXPERIMENT_NAME)
    results = page.until(f"pdsa.text('results-about').includes({named})"
                         " && pdsa.text('results-about')")  # fmt: skip
    assert results.splitlines()[-1].startswith(hostile.EXPERIMENT_NAME)  # under the caveat
    labels = page.js("[...pdsa.root('kept').querySelectorAll('label')].map(l => l.textContent)")
    assert sorted(label.strip() for label in labels) == sorted(hostile.TEXT_VALUES)
    time.sleep(0.5)  # a planted handler (an image that fails to load) has fired by now
    assert page.js("typeof window.__pwned") == "undefined"
    assert page.js("pdsa.all('[onerror], [onload], [onmouseover]').length") == 0
    assert page.errors() == []
