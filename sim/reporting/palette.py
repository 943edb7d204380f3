"""One colour per variant, the same in every chart: the Okabe-Ito colour-blind-safe palette.

Colours follow the experiment's variant order, so the baseline (listed first) is always the same
colour and a reader who learnt "blue is centralized" on the first chart can trust it on the last.
"""

from __future__ import annotations

from collections.abc import Sequence

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow (last: weak on white)
    "#000000",  # black
)
"""Okabe & Ito (2008), "Color Universal Design"; distinguishable under the common colour-vision
deficiencies."""

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""A second channel beside colour, for greyscale print."""

OUTAGE_SHADE = "#BBBBBB"
NEUTRAL = "#555555"


def variant_colours(variants: Sequence[str]) -> dict[str, str]:
    """Variant label to colour, by position (cycling past eight variants)."""
    return {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(variants)}


def variant_markers(variants: Sequence[str]) -> dict[str, str]:
    return {v: MARKERS[i % len(MARKERS)] for i, v in enumerate(variants)}


def sequential_cmap() -> str:
    """Colour map for the region heatmap: perceptually uniform and colour-blind-safe."""
    return "cividis"
