"""What the robustness charts draw, as tables, from a Results' assessment. No plotting here."""

from __future__ import annotations

import pandas as pd

from sim.reporting.definitions import scale
from sim.reporting.loading import Results
from sim.robustness import Assessment, BreakEven

MAX_BREAK_EVEN_PANELS = 4


def assessment(results: Results) -> Assessment | None:
    return results.robustness


def regret_long(found: Assessment) -> pd.DataFrame:
    """lever, world, regret in display units (percentage points for shares)."""
    table = found.regret_by_world * scale(found.metric)
    long = table.rename_axis("world").reset_index().melt("world", var_name="lever")
    return long.rename(columns={"value": "regret"})[["lever", "world", "regret"]]


def odds_long(found: Assessment) -> pd.DataFrame:
    """lever, rank, share of worlds; levers by their share of first places."""
    order = found.ranks.sort_values(1, ascending=False).index
    long = found.ranks.loc[order].reset_index().melt("lever", var_name="rank", value_name="share")
    return long.astype({"rank": int})


def shown_break_evens(found: Assessment) -> list[BreakEven]:
    """The uncertainties whose break-even is inside their sampled range first, then those along
    which the difference moves most; at most four."""

    def spread(be: BreakEven) -> float:
        return float(be.curve["fit"].max() - be.curve["fit"].min())

    ranked = sorted(found.break_evens, key=lambda be: (be.value is None, -spread(be)))
    return ranked[:MAX_BREAK_EVEN_PANELS]


def break_even_long(found: Assessment) -> pd.DataFrame:
    """uncertainty, x, per-world difference, monotone fit, break-even and its interval, in
    display units."""
    frames = []
    for be in shown_break_evens(found):
        curve = be.curve.assign(
            difference=be.curve["difference"] * scale(be.metric),
            fit=be.curve["fit"] * scale(be.metric),
        )
        frames.append(
            curve.assign(uncertainty=be.uncertainty, break_even=be.value, low=be.low, high=be.high)
        )
    columns = ["uncertainty", "x", "difference", "fit", "break_even", "low", "high"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )
