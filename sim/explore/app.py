"""The explorer's pages in Panel: widgets laid out, wired to :mod:`sim.explore.controls`,
:mod:`sim.explore.runs` and :mod:`sim.explore.browse`, which hold what they mean.

Each browser session gets its own pages (its own run, its own opened results). Widgets carry
``pdsa-*`` CSS classes so that a test can find them in the page. Nothing is written to disk:
downloads are made in memory when clicked.

Names, descriptions and error messages come from files, so they are data: every text put in a
Markdown pane goes through :func:`sim.textsafe.markdown` and every option label through
:func:`sim.textsafe.html` (a name such as ``<img src=x onerror=...>`` is shown, never run).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from sim.config import ConfigError
from sim.explore import browse
from sim.explore.controls import (
    ARCHITECTURES,
    EMBEDDED_CHOICES,
    Controls,
    Source,
    controls_from,
    load_source,
)
from sim.explore.controls import variants as make_variants
from sim.explore.runs import (
    BackgroundRun,
    Snapshot,
    headline_notes,
    headline_table,
    ncb_day,
    summary_json,
)
from sim.reporting import Results, ResultsError
from sim.reporting.charts import CHARTS, render
from sim.reporting.footer import caveat, manifest_caveat
from sim.reporting.loading import results_from_runs
from sim.reporting.palette import OKABE_ITO, variant_colours
from sim.textsafe import html as html_text
from sim.textsafe import markdown as md

POLL_MS = 400
"""How often a page looks at its background run."""

FLOATS = {
    "horizon_days": "Simulated days",
    "sample_fraction": "Share of records simulated",
    "deadline_seconds": "Search deadline (s)",
    "sync_interval_days": "Hybrid batch: sync every (days)",
    "entry_hub": "Fragmented: entry probability, hub",
    "entry_platform": "Fragmented: entry probability, platform",
    "update_hub": "Fragmented: update probability, hub",
    "update_platform": "Fragmented: update probability, platform",
    "hub_mtbf_days": "Hub: days between outages (0: never down)",
    "hub_mttr_hours": "Hub: hours to repair",
    "platform_mtbf_days": "Platforms: days between outages (0: never)",
    "platform_mttr_hours": "Platforms: hours to repair",
    "ncb_mtbf_days": "National nodes: days between outages (0: never)",
    "ncb_mttr_hours": "National nodes: hours to repair",
}
"""The numeric controls and their labels (field names of :class:`Controls`)."""


def css(name: str) -> list[str]:
    return [f"pdsa-{name.replace('_', '-')}"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def png_pane(data: bytes | None, name: str) -> pn.pane.PNG:
    """A chart as the report draws it, 880 pixels wide (its height follows)."""
    return pn.pane.PNG(data, css_classes=css(name), width=880)


class RunPage:
    """Controls pre-filled from a scenario, a run in the background, its table and charts."""

    def __init__(self, scenario_file: str | None, source: Source | None, error: str | None) -> None:
        self.source = source
        self.run: BackgroundRun | None = None
        self.shown: tuple[str, ...] = ()
        self.variants: dict[str, Any] = {}
        self.callback: Any = None
        self.embedded = pn.widgets.RadioButtonGroup(
            label="Embedded scenario", options=list(EMBEDDED_CHOICES),
            value=next(iter(EMBEDDED_CHOICES)), css_classes=css("embedded"),
        )  # fmt: skip
        self.embedded.param.watch(lambda _: self.load_embedded(), "value")
        self.path = pn.widgets.TextInput(
            label="Scenario file",
            value=scenario_file or "",
            placeholder="empty: the embedded scenario chosen above",
            css_classes=css("path"),
        )
        self.caveat = pn.pane.Alert(
            "", alert_type="warning", visible=False, css_classes=css("caveat")
        )
        self.load = pn.widgets.Button(label="Load", css_classes=css("load"))
        self.message = pn.pane.Alert(
            error or "", alert_type="danger", visible=bool(error), css_classes=css("message")
        )
        self.about = pn.pane.Markdown(css_classes=css("about"))
        self.architectures = pn.widgets.CheckBoxGroup(
            label="Architectures", options=list(ARCHITECTURES), css_classes=css("architectures")
        )
        self.seed = pn.widgets.IntInput(label="Seed", start=0, css_classes=css("seed"))
        self.behaviour = pn.widgets.Checkbox(label="Agent behaviour", css_classes=css("behaviour"))
        self.floats = {
            name: pn.widgets.FloatInput(label=label, start=0, css_classes=css(name))
            for name, label in FLOATS.items()
        }
        self.start = pn.widgets.Button(label="Run", color="primary", css_classes=css("run"))
        self.stop = pn.widgets.Button(label="Stop", disabled=True, css_classes=css("stop"))
        self.progress = pn.indicators.Progress(
            value=0, max=1000, sizing_mode="stretch_width", css_classes=css("progress")
        )
        self.status = pn.pane.Markdown("", css_classes=css("status"))
        self.each = pn.pane.Markdown("", css_classes=css("each"))
        self.table = pn.pane.DataFrame(
            None, index=False, css_classes=css("headline"), sizing_mode="stretch_width",
            styles={"overflow-x": "auto"},
        )  # fmt: skip
        self.notes = pn.pane.HTML("", css_classes=css("notes"), styles={"font-size": "12px"})
        self.over_time = png_pane(None, "over-time")
        self.daily_region = pn.widgets.Select(
            label="Day by day, for officers in", options=[browse.WORLD],
            css_classes=css("daily-region"),
        )  # fmt: skip
        self.daily_region.param.watch(lambda _: self.redraw_daily(), "value")
        self.last: Results | None = None
        self.behaviour_chart = png_pane(None, "behaviour")
        self.day = pn.widgets.IntSlider(
            label="NCBs on day", start=0, end=1, value=0, visible=False, css_classes=css("day")
        )
        self.day.param.watch(lambda _: self.show_ncbs(), "value_throttled")
        self.ncbs = pn.pane.HTML("", css_classes=css("ncbs"))
        self.charts = pn.Column()
        self.download_choice = pn.widgets.Select(label="Architecture", css_classes=css("download"))
        self.yaml_download = pn.widgets.FileDownload(
            callback=self.yaml_file, filename="scenario.yaml", label="Scenario YAML",
            css_classes=css("yaml"),
        )  # fmt: skip
        self.summary_download = pn.widgets.FileDownload(
            callback=self.summary_file, filename="summary.json", label="summary.json",
            css_classes=css("summary"),
        )  # fmt: skip
        self.downloads = pn.Row(
            self.download_choice, self.yaml_download, self.summary_download, visible=False
        )
        self.load.on_click(lambda _: self.load_file())
        self.start.on_click(lambda _: self.begin())
        self.stop.on_click(lambda _: self.halt())
        self.download_choice.param.watch(lambda _: self.name_downloads(), "value")
        if source is not None:
            self.fill(source)

    # --- the scenario and its controls ------------------------------------------------------

    def fill(self, source: Source) -> None:
        self.source = source
        self.set_controls(controls_from(source.scenario))
        scenario = source.scenario
        self.about.object = (
            f"**{md(scenario.name)}** ({md(str(source.file))}):"
            f" {len(scenario.world.countries)} countries,"
            f" {scenario.warmup_days:g} days of warm-up left out of the measures."
            f" {md(' '.join(scenario.description.split()))}"
        )
        warning = caveat(len(scenario.world.countries))
        self.caveat.object = (
            f"{warning} `pdsa demo` runs the whole world: choose it above." if warning else ""
        )
        self.caveat.visible = bool(warning)

    def load_embedded(self) -> None:
        """The embedded scenario chosen (the twelve NCBs, or the world as ``pdsa demo``)."""
        self.path.value = ""
        try:
            self.fill(load_source(None, EMBEDDED_CHOICES[self.embedded.value]))
        except ConfigError as error:
            self.show_error(str(error))
            return
        self.show_error(None)

    def set_controls(self, controls: Controls) -> None:
        self.architectures.value = list(controls.architectures)
        self.seed.value = controls.seed
        self.behaviour.value = controls.behaviour
        for name, widget in self.floats.items():
            widget.value = float(getattr(controls, name))

    def controls(self) -> Controls:
        values: dict[str, Any] = {name: w.value for name, w in self.floats.items()}
        return Controls(
            architectures=tuple(self.architectures.value),
            seed=int(self.seed.value or 0),
            behaviour=bool(self.behaviour.value),
            **values,
        )

    def load_file(self) -> None:
        try:
            which = EMBEDDED_CHOICES[self.embedded.value]
            source = load_source((self.path.value or "").strip() or None, which)
        except ConfigError as error:
            self.show_error(str(error))
            return
        self.show_error(None)
        self.fill(source)

    def show_error(self, text: str | None) -> None:
        self.message.object = md(text or "")
        self.message.visible = bool(text)

    # --- the run ----------------------------------------------------------------------------

    def begin(self) -> None:
        if self.source is None:
            self.show_error("load a scenario first")
            return
        if self.run is not None and self.run.snapshot().running:
            return
        try:
            chosen = make_variants(self.source, self.controls())
        except ConfigError as error:
            self.show_error(str(error))
            return
        self.show_error(None)
        self.variants = {v.label: v for v in chosen}
        self.shown = ()
        self.table.object = None
        self.notes.object = ""
        self.over_time.object = None
        self.behaviour_chart.object = None
        self.last = None
        self.day.visible, self.ncbs.object = False, ""
        self.charts.objects = []
        self.downloads.visible = False
        self.run = BackgroundRun(chosen).start()
        self.start.disabled, self.stop.disabled = True, False
        self.callback = pn.state.add_periodic_callback(self.poll, period=POLL_MS)

    def halt(self) -> None:
        if self.run is not None:
            self.run.stop()

    def poll(self) -> None:
        if self.run is None:
            return
        snapshot = self.run.snapshot()
        self.progress.value = round(1000 * snapshot.fraction)
        self.status.object = md(snapshot.status)
        self.each.object = md(progress_lines(snapshot, list(self.variants)))
        if tuple(snapshot.done) != self.shown:
            self.show_results(snapshot)
        if not snapshot.running:
            self.finish(snapshot)

    def show_results(self, snapshot: Snapshot) -> None:
        """The table and the day-by-day chart of the architectures finished so far."""
        self.shown = tuple(snapshot.done)
        if not snapshot.done:
            return
        self.table.object = headline_table(snapshot.done)
        self.notes.object = "  \n".join(
            escape(n) for n in headline_notes(snapshot.done).splitlines()
        )
        self.last = self.results(snapshot)
        self.daily_region.options = browse.daily_regions(self.last)
        self.redraw_daily()

    def redraw_daily(self) -> None:
        """The day-by-day charts of the finished architectures, for the chosen region."""
        if self.last is None:
            return
        shown = browse.region_view(self.last, self.daily_region.value or browse.WORLD)
        self.over_time.object = self.chart("over_time", shown)
        if self.behaving():
            self.behaviour_chart.object = self.chart("behaviour", shown)

    def finish(self, snapshot: Snapshot) -> None:
        if self.callback is not None:
            self.callback.stop()
            self.callback = None
        self.start.disabled, self.stop.disabled = False, True
        if snapshot.error:
            self.show_error(snapshot.error)
        if not snapshot.done:
            return
        results = self.results(snapshot)
        self.charts.objects = [
            png_pane(self.chart(n, results), n) for n in ("outcomes_costs", "regions")
        ]
        first = next(iter(self.variants.values())).scenario
        self.day.start = math.ceil(first.warmup_days)  # the daily series start after warm-up
        self.day.end = max(self.day.start + 1, math.ceil(first.horizon_days) - 1)
        self.day.value, self.day.visible = self.day.end, True
        self.show_ncbs()
        self.download_choice.options = list(snapshot.done)
        self.download_choice.value = next(iter(snapshot.done))
        self.name_downloads()
        self.downloads.visible = True
        first = next(iter(self.variants.values())).scenario
        self.status.object = md(
            f"{snapshot.status}; {first.horizon_days:g} days simulated, seed {first.seed},"
            f" {100 * first.records.sample_fraction:g} % of the records"
        )

    def show_ncbs(self) -> None:
        """Each NCB on the chosen day, by region, under each architecture that finished."""
        if self.run is None or not self.variants:
            return
        done = self.run.snapshot().done
        world = next(iter(self.variants.values())).scenario.world
        regions = {c.code: c.region for c in world.countries}
        self.ncbs.object = ncb_html(ncb_day(done, regions, int(self.day.value or 0)), list(done))

    def behaving(self) -> bool:
        return any(v.scenario.behaviour.enabled for v in self.variants.values())

    def results(self, snapshot: Snapshot) -> Results:
        file = Path(self.source.file) if self.source else Path(".")
        return results_from_runs(snapshot.done, file)

    @staticmethod
    def chart(name: str, results: Results) -> bytes:
        figure, _ = CHARTS[name](results)
        return render(figure, "png")

    # --- downloads --------------------------------------------------------------------------

    def name_downloads(self) -> None:
        label = self.download_choice.value or "scenario"
        self.yaml_download.filename = f"{slug(label)}.yaml"
        self.summary_download.filename = f"{slug(label)}-summary.json"

    def yaml_file(self) -> io.StringIO:
        return io.StringIO(self.variants[self.download_choice.value].yaml_text())

    def summary_file(self) -> io.StringIO:
        done = self.run.snapshot().done if self.run else {}
        return io.StringIO(summary_json(done[self.download_choice.value]))

    def view(self) -> pn.viewable.Viewable:
        numbers = [self.floats[n] for n in FLOATS]
        controls = pn.Column(
            self.architectures, self.seed, self.behaviour, *numbers, width=320,
        )  # fmt: skip
        results = pn.Column(
            self.embedded,
            pn.Row(self.path, self.load),
            self.message,
            self.caveat,
            self.about,
            pn.Row(self.start, self.stop),
            self.progress,
            self.status,
            self.each,
            self.table,
            self.notes,
            self.downloads,
            self.daily_region,
            self.over_time,
            self.behaviour_chart,
            self.day,
            self.ncbs,
            self.charts,
            sizing_mode="stretch_width",
        )
        return pn.Row(controls, results, sizing_mode="stretch_width")


class ResultsPage:
    """A sweep or run directory: variants, metric and region picked; intervals and charts."""

    def __init__(self, path: Path | None) -> None:
        self.results: Results | None = None
        self.path = pn.widgets.TextInput(
            label="Results directory", value=str(path or ""), css_classes=css("results-path")
        )
        self.open = pn.widgets.Button(label="Open", css_classes=css("open"))
        self.message = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=css("results-message")
        )
        self.about = pn.pane.Markdown(css_classes=css("results-about"))
        self.variants = pn.widgets.MultiChoice(label="Variants", css_classes=css("variants"))
        self.metric = pn.widgets.Select(label="Metric", css_classes=css("metric"))
        self.region = pn.widgets.Select(label="Region", css_classes=css("region"))
        self.by = pn.widgets.Select(label="By region or kind", css_classes=css("by"))
        self.chart_name = pn.widgets.Select(label="Chart", css_classes=css("chart-name"))
        self.comparison = pn.pane.DataFrame(None, index=False, css_classes=css("comparison"))
        self.differences = pn.pane.DataFrame(None, index=False, css_classes=css("differences"))
        self.by_part = pn.pane.DataFrame(None, index=False, css_classes=css("by-part"))
        self.by_title = pn.pane.Markdown("", css_classes=css("by-title"))
        self.spread = pn.pane.DataFrame(None, index=False, css_classes=css("spread"))
        self.gains = pn.pane.DataFrame(None, index=False, css_classes=css("gains"))
        self.chart = png_pane(None, "chart")
        self.robust_note = pn.pane.Markdown("", css_classes=css("robust-note"))
        self.ranges: dict[str, Any] = {}
        self.kept: dict[str, Any] = {}
        self.filters = pn.Column(css_classes=css("filters"))
        self.open.on_click(lambda _: self.open_dir())
        for widget in (self.variants, self.metric, self.region, self.by, self.chart_name):
            widget.param.watch(lambda _: self.refresh(), "value")
        if path is not None:
            self.open_dir()

    def open_dir(self) -> None:
        try:
            results = browse.open_results((self.path.value or "").strip())
        except (ResultsError, OSError, ValueError) as error:
            self.show_error(str(error))
            return
        self.message.visible = False
        self.results = None  # no refresh while the choices change
        # The choices' labels are HTML (Choices.js), so escaped; their values stay the names.
        self.variants.options = {html_text(v): v for v in results.variants}
        self.variants.value = list(results.variants)
        self.metric.options = browse.metric_labels(results)
        self.region.options = browse.region_choices(results)
        self.by.options = browse.breakdown_choices(results)
        self.chart_name.options = browse.chart_choices(results)
        self.ranges = {
            name: range_slider(name, low, high)
            for name, (low, high) in browse.uncertainty_ranges(results).items()
        }
        for slider in self.ranges.values():
            slider.param.watch(lambda _: self.refresh(), "value_throttled")
        self.kept = {
            name: value_boxes(name, values)
            for name, values in browse.uncertainty_values(results).items()
        }
        for boxes in self.kept.values():
            boxes.param.watch(lambda _: self.refresh(), "value")
        filters = [*self.ranges.values(), *self.kept.values()]
        self.filters.objects = (
            [pn.pane.Markdown("**Sampled worlds kept**"), *filters] if filters else []
        )
        warning = manifest_caveat(results.manifest)
        self.about.object = (
            (f"**{md(warning)}**  \n" if warning else "")
            + f"**{md(results.name)}** ({results.kind}): {len(results.variants)} variants,"
            f" {len(results.ok_runs)} runs, baseline {md(str(results.baseline))}"
        )
        problem = results.robustness_problem
        self.robust_note.object = md(f"Robustness not computed: {problem}.") if problem else ""
        self.results = results
        self.refresh()

    def show_error(self, text: str) -> None:
        self.message.object, self.message.visible = md(text), True

    def selection(self) -> browse.Selection:
        return browse.Selection(
            variants=tuple(self.variants.value or ()),
            metric=self.metric.value,
            region=self.region.value or browse.WORLD,
            chart=self.chart_name.value or "comparison",
            ranges=tuple(
                (name, float(slider.value[0]), float(slider.value[1]))
                for name, slider in self.ranges.items()
            ),
            kept=tuple((name, tuple(boxes.value or ())) for name, boxes in self.kept.items()),
            by=self.by.value or "region",
        )

    def refresh(self) -> None:
        if self.results is None:
            return
        selection = self.selection()
        try:
            self.comparison.object = browse.comparison_shown(self.results, selection)
            self.differences.object = browse.differences_shown(self.results, selection)
            self.by_part.object = browse.by_part_shown(self.results, selection)
            self.by_title.object = (
                f"**By {selection.by}: each {selection.by}'s mean and its paired difference"
                " from the baseline (as `pdsa compare --by`)**"
            )
            self.spread.object = browse.spread_shown(self.results, selection)
            self.gains.object = browse.gains(self.results, selection)
            self.chart.object = browse.chart_png(self.results, selection)
        except Exception as error:  # one view that cannot be drawn; the page and server go on
            self.show_error(f"this view cannot be drawn: {type(error).__name__}: {error}")
            return
        self.message.visible = False

    def view(self) -> pn.viewable.Viewable:
        choices = pn.Column(
            self.variants,
            self.metric,
            self.region,
            self.by,
            self.chart_name,
            self.filters,
            width=320,
        )
        shown = pn.Column(
            pn.Row(self.path, self.open),
            self.message,
            self.about,
            pn.pane.Markdown("**Mean and 95 % interval per variant**"),
            self.comparison,
            pn.pane.Markdown("**Paired difference from the baseline (common random numbers)**"),
            self.differences,
            self.by_title,
            self.by_part,
            pn.pane.Markdown(
                "**What may happen over the sampled worlds: 5th, 50th and 95th percentile**"
            ),
            self.spread,
            pn.pane.Markdown("**What each gain over the baseline costs**"),
            self.gains,
            self.robust_note,
            self.chart,
            sizing_mode="stretch_width",
        )
        return pn.Row(choices, shown, sizing_mode="stretch_width")


DOWN, UP = OKABE_ITO[5], "#EEF6EE"
"""A national node down that day (the palette's vermillion), or up (a pale neutral)."""


def ncb_html(table: pd.DataFrame, labels: list[str]) -> str:
    """The NCBs by region, one column per architecture in the report's colour: each node up or
    down, and the region's trust and backlog under that architecture above its NCBs."""
    if table.empty:
        return ""
    colours = variant_colours(labels)
    head = "".join(
        f'<th style="border-bottom:4px solid {colours[a]};padding:2px 8px">{escape(a)}</th>'
        for a in labels
    )
    body = []
    for region, rows in table.groupby("region", sort=False):
        first = rows.drop_duplicates("architecture").set_index("architecture")
        cells = "".join(f"<td>{region_cell(first.loc[a])}</td>" for a in labels)
        name = f'<th align="left">{escape(str(region))}</th>'
        body.append(f'<tr style="background:#F4F4F4">{name}{cells}</tr>')
        for code, ncb in rows.groupby("ncb", sort=False):
            down = ncb.set_index("architecture")["down"]
            states = "".join(
                f'<td style="background:{DOWN if down[a] else UP};text-align:center">'
                f"{'down' if down[a] else 'up'}</td>"
                for a in labels
            )
            body.append(f"<tr><td>{escape(str(code))}</td>{states}</tr>")
    return (
        '<table class="ncbs" style="border-collapse:collapse;font-size:12px">'
        f"<thead><tr><th>NCB</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def region_cell(row: pd.Series) -> str:
    """The region's trust and backlog delay, when behaviour was on."""
    parts = []
    if not pd.isna(row["trust"]):
        parts.append(f"trust {row['trust']:.2f}")
    if not pd.isna(row["backlog_delay_days"]):
        parts.append(f"backlog {row['backlog_delay_days']:.2f} d")
    return ", ".join(parts)


def progress_lines(snapshot: Snapshot, labels: list[str]) -> str:
    """Where each architecture is: finished (with its wall time), on a day, or waiting."""

    def line(label: str) -> str:
        if label in snapshot.done:
            return f"{label}: finished in {snapshot.done[label].wall_seconds:.1f} s"
        if label == snapshot.current:
            return f"{label}: day {snapshot.day} of {snapshot.days}"
        return f"{label}: {'waiting' if snapshot.running else 'not run'}"

    return " · ".join(line(label) for label in labels)


def range_slider(name: str, low: float, high: float) -> pn.widgets.RangeSlider:
    """A filter on one sampled uncertainty, over its whole sampled range at first."""
    step = (high - low) / 100 if high > low else 1.0
    return pn.widgets.RangeSlider(
        label=name, start=low, end=high if high > low else low + step, value=(low, high),
        step=step, css_classes=css("range"),
    )  # fmt: skip


def value_boxes(name: str, values: list[str]) -> pn.widgets.CheckBoxGroup:
    """A filter on one sampled uncertainty that is not a number: a box per value, all ticked
    at first (Bokeh writes a box's label as text: a value's HTML is shown, not run)."""
    return pn.widgets.CheckBoxGroup(
        label=name, options=list(values), value=list(values), css_classes=css("kept")
    )


def pages(scenario: str | None, results_dir: Path | None) -> tuple[RunPage, ResultsPage, pn.Tabs]:
    """The Run and Results pages of one session, in tabs; Results first when only a results
    directory was given."""
    source, error = None, None
    try:
        source = load_source(scenario)
    except ConfigError as problem:
        error = str(problem)
    run, results = RunPage(scenario, source, error), ResultsPage(results_dir)
    tabs = pn.Tabs(("Run", run.view()), ("Results", results.view()), css_classes=css("tabs"))
    if results_dir is not None and scenario is None:
        tabs.active = 1
    return run, results, tabs


def app_factory(
    scenario: str | None, results_dir: Path | None
) -> Callable[[], pn.viewable.Viewable]:
    """A new pair of pages for each browser session."""

    def app() -> pn.viewable.Viewable:
        run, _, tabs = pages(scenario, results_dir)
        pn.state.on_session_destroyed(lambda _: run.halt())  # a closed tab stops its run
        return pn.Column(pn.pane.Markdown("## pdsa explore"), tabs, sizing_mode="stretch_width")

    return app


def serve(scenario: str | None, results_dir: Path | None, host: str, port: int) -> None:
    """Serve the pages on ``host:port`` until interrupted."""
    origins = sorted({f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"})
    pn.serve(
        app_factory(scenario, results_dir),
        port=port,
        address=host,
        websocket_origin=origins,
        show=False,
        title="pdsa explore",
        verbose=False,
    )
