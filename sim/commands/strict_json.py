"""Strict JSON for ``--format json``: no ``NaN``, no ``Infinity`` (which Python writes and most
parsers refuse), and no bare null either: every value that is missing or not a finite number
becomes ``null`` and the object holding it gains ``"why_null": {key: reason}``.

The reasons come from the caller (what a missing interval or an unreachable percentile means
in its table), with a plain default for anything else.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

WHY = "why_null"

DEFAULT_REASON = "no finite value: nothing to count (a ratio of zero to zero), or not computed"

REASONS: dict[str, str] = {
    "ci_low": "no interval: fewer than two values (one run, or one pair)",
    "ci_high": "no interval: fewer than two values (one run, or one pair)",
    "diff_ci_low": "no interval: fewer than two paired values",
    "diff_ci_high": "no interval: fewer than two paired values",
    "mean_diff": "the baseline itself, or no paired value",
    "mean": "no run has a value: a ratio with nothing to count, a percentile never reached",
    "low": "no interval: too few bootstrap resamples cross",
    "high": "no interval: too few bootstrap resamples cross",
    "value": "no crossing in the sampled range",
    "robust": "no setting meets the threshold in enough worlds",
    "median": "no world crosses inside the range",
    "qp": "no quasi-p value for this restriction",
}
"""Why a column of the CLI's tables may be empty, in words."""

Reason = Callable[[str, Any], str]


def reason_for(key: str, value: Any) -> str:
    """The reason a value at ``key`` is null: infinities say which end they stand for."""
    if isinstance(value, float) and math.isinf(value):
        end = "beyond the largest value" if value > 0 else "before the smallest value"
        return f"infinite: {end} of the range"
    return REASONS.get(key, DEFAULT_REASON)


def finite(value: Any) -> bool:
    """A value that is neither null nor a non-finite number."""
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def plain(value: Any) -> Any:
    """numpy and pandas scalars and arrays as plain Python."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="records")
    if isinstance(value, pd.Series):
        return value.to_dict()
    if value is pd.NA or value is pd.NaT:
        return math.nan
    return value


def strict(value: Any, reason: Reason = reason_for, key: str = "") -> Any:
    """``value`` with every non-finite number replaced by null, each explained in its
    object's ``why_null``; a list holding one is explained by its own key."""
    value = plain(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        why: dict[str, str] = dict(value.get(WHY) or {})
        for k, v in value.items():
            if k == WHY:
                continue
            v = plain(v)
            if not finite(v):
                out[str(k)], why[str(k)] = None, reason(str(k), v)
            elif isinstance(v, list | tuple) and not all(finite(plain(x)) for x in v):
                out[str(k)] = [strict(x, reason, str(k)) for x in v]
                why[str(k)] = reason(str(k), next(plain(x) for x in v if not finite(plain(x))))
            else:
                out[str(k)] = strict(v, reason, str(k))
        return out | ({WHY: why} if why else {})
    if isinstance(value, list | tuple):
        return [strict(v, reason, key) for v in value]
    if not finite(value):
        return None
    return value


def dumps(value: Any, reason: Reason = reason_for) -> str:
    """Indented strict JSON (``allow_nan=False``: a non-finite number left over would be a
    bug, and raises rather than writing ``NaN``)."""
    return json.dumps(strict(value, reason), indent=2, allow_nan=False, default=str)


def frame_json(frame: pd.DataFrame, reason: Reason = reason_for) -> str:
    """A table as strict JSON records."""
    records = [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False)]
    return dumps(records, reason)
