"""Charts and reports from RESULTS (a ``pdsa sweep`` or a ``pdsa run --out`` directory).

The top layer below the CLI: it reads what ``sim.results`` and the sweep wrote and computes its
statistics with ``sim.analysis``; nothing in the simulator imports it. matplotlib is imported
here only, and only through the object-oriented API rendered by Agg.
"""

from __future__ import annotations

from pathlib import Path

from sim.reporting.loading import NoSuccessfulRun, Results, ResultsError, load_results
from sim.results import write_atomic
from sim.textsafe import csv_bytes

__all__ = [
    "NoSuccessfulRun",
    "Results",
    "ResultsError",
    "load_results",
    "write_charts",
    "write_standard_charts",
]

FORMATS = ("png", "svg", "pdf")


def write_charts(
    results: Results,
    out_dir: str | Path,
    formats: tuple[str, ...] = ("png",),
    names: tuple[str, ...] | None = None,
    size: str = "a4",
    dpi: float | None = None,
) -> list[Path]:
    """Draw the named charts (by default every chart with something to show: placeholders
    saying there is nothing are drawn only when named); each as ``NAME.<fmt>`` with
    ``NAME.csv`` beside it, at ``size`` (``a4``, ``slide``, ``square``) and ``dpi``.

    Every chart is drawn first, then each file is written atomically: a chart that cannot be
    drawn, or results with no successful run (:class:`ResultsError`), leave ``out_dir`` as it
    was. Returns the figure files written, in chart order.
    """
    from sim.reporting.charts import CHARTS, charts_for, render
    from sim.reporting.charts.base import is_placeholder

    out_dir = Path(out_dir)
    results.require_success()
    files: dict[Path, bytes] = {}
    written = []
    for name in names or charts_for(results):  # every chart drawn before any file is written
        fig, data = CHARTS[name](results)
        if names is None and is_placeholder(fig):
            continue
        files[out_dir / f"{name}.csv"] = csv_bytes(data)
        for fmt in formats:
            files[out_dir / f"{name}.{fmt}"] = render(fig, fmt, size, dpi)
            written.append(out_dir / f"{name}.{fmt}")
    for path, content in files.items():
        write_atomic(path, content)
    return written


def write_standard_charts(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """The standard charts of a sweep or run directory as PNG + CSV (``--plot``), with the
    robustness charts for a sweep with sampled worlds."""
    return write_charts(load_results(results_dir, world_series=True), out_dir)
