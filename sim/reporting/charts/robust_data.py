"""What the robustness charts draw, as tables, from a Results' assessment. No plotting here."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

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
    """The uncertainties whose break-even is inside their sampled range first, then those the
    difference follows most closely (rank correlation: a step fit's span also grows with
    noise); at most four."""

    def follows(be: BreakEven) -> float:
        if np.ptp(be.curve["x"]) == 0 or np.ptp(be.curve["difference"]) == 0:
            return 0.0  # a constant has no rank correlation (and scipy warns)
        rho = spearmanr(be.curve["x"], be.curve["difference"]).statistic
        return abs(float(rho)) if np.isfinite(rho) else 0.0

    ranked = sorted(found.break_evens, key=lambda be: (be.value is None, -follows(be)))
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
