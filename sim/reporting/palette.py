"""One colour per architecture, the same in every chart, sweep and report.

A variant's colour is keyed on its architecture kind (blue centralized, green federated,
orange hybrid, purple fragmented: hues of the Okabe-Ito colour-blind-safe palette), and on a
stable hash of its name (SHA-256, never Python's salted ``hash``) for the shade within the
kind or, for a variant of no known kind, the colour. A variant named after its kind alone
(``federated``) takes the kind's own hue. So ``hybrid-weekly`` is the same orange in every
sweep that has it, whatever the other variants; only when two variants of one sweep hash to
the same shade does the later one (in the experiment's order) move to the next free shade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

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

KIND_SHADES: dict[str, tuple[str, ...]] = {
    "centralized": ("#0072B2", "#56B4E9", "#003F63", "#2A9BD8", "#4D7FA3"),
    "federated": ("#009E73", "#5FCBA4", "#00573F", "#2DB38B", "#4E8C78"),
    "hybrid": ("#E69F00", "#B36B00", "#D9A53A", "#D18300", "#7A4A00"),
    "fragmented": ("#CC79A7", "#8C3F6B", "#E3A9CA", "#A8578A", "#5E2A48"),
}
"""Per architecture kind: its Okabe-Ito hue first, then darker and lighter shades of it."""

OTHER_COLOURS = ("#D55E00", "#000000", "#56B4E9", "#F0E442", "#7F7F7F", "#8B5A2B")
"""For variants of no known kind: vermillion, black, sky blue, yellow, grey, brown."""

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""A second channel beside colour, for greyscale print."""

OUTAGE_SHADE = "#BBBBBB"
DOMAIN_SHADE = "#D55E00"
"""Vermillion, hatched: a failure domain's events (every member down at once) over the grey."""
NEUTRAL = "#555555"


def stable_hash(name: str) -> int:
    """The same number for the same name in every process and on every machine."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def kind_of(name: str, kinds: Mapping[str, str] | None = None) -> str | None:
    """The variant's architecture kind: as the results record it, else the first kind its
    name contains (``hybrid-weekly``, ``federated with index``), else None."""
    recorded = (kinds or {}).get(name)
    if recorded in KIND_SHADES:
        return recorded
    lowered = name.lower()
    found = [(lowered.find(k), k) for k in KIND_SHADES if k in lowered]
    return min(found)[1] if found else None


def preferred(name: str, kind: str | None) -> tuple[tuple[str, ...], int]:
    """The shades to pick from and the index the name prefers among them."""
    if kind is None:
        return OTHER_COLOURS, stable_hash(name) % len(OTHER_COLOURS)
    shades = KIND_SHADES[kind]
    if name.lower() == kind:
        return shades, 0
    return shades, 1 + stable_hash(name) % (len(shades) - 1)


def variant_colours(
    variants: Sequence[str], kinds: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Variant label to colour, keyed on its kind and name (see the module docstring)."""
    colours: dict[str, str] = {}
    for name in variants:
        shades, start = preferred(name, kind_of(name, kinds))
        taken = set(colours.values())
        free = [shades[(start + i) % len(shades)] for i in range(len(shades))]
        colours[name] = next((c for c in free if c not in taken), free[0])
    return colours


def variant_markers(variants: Sequence[str]) -> dict[str, str]:
    """Variant label to marker, by the name's stable hash (collisions move on, as colours)."""
    markers: dict[str, str] = {}
    for name in variants:
        start = stable_hash(name) % len(MARKERS)
        order = [MARKERS[(start + i) % len(MARKERS)] for i in range(len(MARKERS))]
        markers[name] = next((m for m in order if m not in markers.values()), order[0])
    return markers


def sequential_cmap() -> str:
    """Colour map for the region heatmap: perceptually uniform and colour-blind-safe."""
    return "cividis"
