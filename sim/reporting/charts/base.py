"""Shared pieces of every chart: the figure, its title and caption, intervals, and rendering.

Figures are built with the object-oriented API (``matplotlib.figure.Figure``, rendered by Agg), so
nothing here touches pyplot's global state.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.reporting.footer import footer
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL

A4_WIDTH_INCHES = 7.2
"""A4 text width (210 mm less margins) at 100 % zoom: fonts below stay legible when printed."""


FONT: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    # Labels come from files (scenario, variant, region names): drawn as written, never read as
    # mathtext or TeX (``Plan $\undefinedcmd$`` stopped the chart and the report).
    "text.parse_math": False,
    "text.usetex": False,
}


PLACEHOLDER = "placeholder"
"""The gid of a figure with nothing to show."""


def is_placeholder(fig: Figure) -> bool:
    return fig.get_gid() == PLACEHOLDER


Chart = Callable[[Results], tuple[Figure, pd.DataFrame]]


def new_figure(height: float) -> Figure:
    import matplotlib

    rc: Any = matplotlib.rcParams  # typed with a closed set of keys; FONT's are among them
    rc.update(FONT)
    return Figure(figsize=(A4_WIDTH_INCHES, height), layout="constrained", dpi=150)


def caption(
    results: Results, interval: bool = True, extra: str = "", what: str | None = None
) -> str:
    """What to read in the chart and what the interval means (:func:`interval_words`, or
    ``what`` the chart says itself); then, on a line of its own, the footer naming the
    scenario, its scale and window (:func:`sim.reporting.footer.footer`)."""
    parts = [extra] if extra else []
    parts.append(what if what is not None else interval_words(results, interval))
    failed = len(results.failed_runs)
    if failed:
        parts.append(f"{failed} failed run(s) excluded")
    text = "; ".join(parts)
    return f"{text[0].upper()}{text[1:]}.\n{footer(results)}"


def interval_words(results: Results, interval: bool = True) -> str:
    """What the whiskers and bands mean, or that there are none."""
    n = results.replications
    if results.worlds and interval:
        return (
            f"{n} runs per variant over {results.worlds} sampled worlds; whiskers/bands: 95 %"
            " confidence interval of the mean over the worlds"
        )
    if results.worlds:
        return f"{n} runs per variant over {results.worlds} sampled worlds; values are means"
    if results.single_run:
        return "one run: no interval (a single replication cannot show uncertainty)"
    if interval:
        return (
            f"{n} replications per variant; whiskers/bands: 95 % confidence interval of the"
            " mean (Student t, cut at the possible range)"
        )
    return f"{n} replications per variant; values are means"


def add_caption(fig: Figure, text: str) -> None:
    """The caption below the axes, each line of ``text`` wrapped on its own."""
    wrapped = "\n".join(textwrap.fill(line, 125) for line in text.split("\n"))
    fig.text(0.0, 0.0, wrapped, ha="left", va="top", fontsize=7.5, color=NEUTRAL, gid="caption")


def add_title(fig: Figure, title: str) -> None:
    fig.suptitle(title, fontsize=11, fontweight="bold", x=0.0, ha="left")


def empty_chart(results: Results, title: str, message: str) -> tuple[Figure, pd.DataFrame]:
    """A placeholder saying why there is nothing to draw (``pdsa plot --chart`` asked for it);
    marked so that the report and the default plots leave it out."""
    fig = new_figure(2.0)
    fig.set_gid(PLACEHOLDER)
    add_title(fig, title)
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color=NEUTRAL)
    add_caption(fig, caption(results))
    return fig, pd.DataFrame({"note": [message]})


def mark_missing(ax: Axes, x: float, text: str = "n/a") -> None:
    ax.text(x, 0, text, ha="center", va="bottom", fontsize=8, color=NEUTRAL)


def error_bars(ax: Axes, x: float, row: pd.Series, colour: str, variant: str) -> None:
    if "ci_low" not in row.index:
        return
    err = [[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]]
    ax.errorbar(
        [x],
        [row["mean"]],
        yerr=err,
        fmt="none",
        ecolor="black",
        capsize=3,
        lw=1,
        gid=f"interval:{variant}",
    )


def line_with_band(
    ax: Axes, line: pd.DataFrame, x: str, colour: str, variant: str, **style
) -> None:
    """One variant's mean as a line and, where there are replications, its interval as a band."""
    ax.plot(line[x], line["mean"], color=colour, label=variant, gid=f"line:{variant}", **style)
    if "ci_low" in line.columns:
        ax.fill_between(
            line[x],
            line["ci_low"],
            line["ci_high"],
            alpha=0.2,
            color=colour,
            lw=0,
            gid=f"interval:{variant}",
        )


def count_words(count: float) -> str:
    """``7.7 billion``, ``3.1 million``, ``42,000``, ``0.50``: a count as a reader says it, no
    ``1e7`` offset to decode (below a thousand, the tables' one rule)."""
    from sim.catalogue import number_text

    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(count) >= size:
            return f"{count / size:.3g} {word}"
    whole = abs(count) >= 1000 or float(count).is_integer()  # a tick at 300, not 300.0
    return f"{count:,.0f}" if whole else number_text(count)


def count_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels of ``axis`` as :func:`count_words` writes counts (no offset, no 1e5)."""
    from matplotlib.ticker import FuncFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: count_words(v)))


def factor_label(dotted: str) -> str:
    """``links.ncb_to_hub.delay_hours.mean`` -> ``links › ncb_to_hub › delay (hours) mean``."""
    parts = dotted.split(".")
    words = []
    for part in parts:
        for suffix in ("_hours", "_days", "_seconds"):
            if part.endswith(suffix):
                part = f"{part.removesuffix(suffix)} ({suffix[1:]})"
        words.append(part.replace("_", " "))
    return " › ".join(words)


SIZES: dict[str, tuple[float, float] | None] = {
    "a4": None,
    "slide": (11.0, 6.1875),
    "square": (7.2, 7.2),
}
"""Figure sizes in inches: ``a4`` keeps each chart's own height at A4 text width; ``slide``
fills a 16:9 slide (fonts stay legible when projected); ``square`` suits a half slide."""


SLIDE_RATIO = (16, 9)
PAD_INCHES = 0.15


def render(fig: Figure, fmt: str = "png", size: str = "a4", dpi: float | None = None) -> bytes:
    """The figure as PNG, SVG or PDF bytes at ``size`` (see SIZES) and ``dpi`` (the figure's
    150 by default), trimmed to its content (caption and footer included). A slide is then
    widened or heightened around its content to exactly 16:9 (whole pixels in a PNG), so
    nothing is cropped and the picture fills a 16:9 slide."""
    import io

    inches = SIZES[size]
    if inches is not None:
        fig.set_size_inches(*inches)
    dpi = dpi or fig.dpi
    box: Any = slide_box(fig, dpi) if size == "slide" else "tight"
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None} if fmt == "svg" else {}
    fig.savefig(
        buffer,
        format=fmt,
        bbox_inches=box,
        pad_inches=PAD_INCHES if box == "tight" else 0,
        metadata=metadata,
        dpi=dpi,
    )
    return buffer.getvalue()


def slide_box(fig: Figure, dpi: float) -> Any:
    """The figure's tight box with its padding, grown about its centre to 16:9 at a whole
    number of 16 x 9 pixel blocks (a hair more, so the pixel count never rounds down)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # lays out the constrained axes, as saving will
    tight = fig.get_tightbbox(renderer).padded(PAD_INCHES)
    w_units, h_units = SLIDE_RATIO
    blocks = math.ceil(max(tight.width * dpi / w_units, tight.height * dpi / h_units))
    width, height = (w_units * blocks + 1e-6) / dpi, (h_units * blocks + 1e-6) / dpi
    x, y = (tight.x0 + tight.x1) / 2, (tight.y0 + tight.y1) / 2
    return Bbox.from_bounds(x - width / 2, y - height / 2, width, height)
