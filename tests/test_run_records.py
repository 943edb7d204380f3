"""Run records are written and read by orjson: the same values as the standard library's json.

A sweep writes one record per run (1-2 MB of JSON) and reads each two or three times (its
twins, the tables, ``--resume``); orjson does it in a tenth of the time. The standard library
is the reference: what ``record_bytes`` writes parses to what ``json.dumps(json_safe(...))``
writes, value for value, for any mix of numbers, NaN and infinities (null), numpy scalars,
tuples and non-string keys; files the standard library wrote are read the same.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.results import json_safe
from sim.sweeps import store

leaves = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(max_size=8)
    | st.booleans()
    | st.none()
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=40,
)


def reference(record: Any) -> Any:
    """What the standard library writes and reads back."""
    return json.loads(json.dumps(json_safe(record), allow_nan=False, separators=(",", ":")))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), values, max_size=8))
def test_record_bytes_parse_to_the_standard_librarys_values(record: dict[str, Any]) -> None:
    assert json.loads(store.record_bytes(record)) == reference(record)


def test_numpy_scalars_tuples_and_integer_keys_as_the_standard_library() -> None:
    record = {
        "run_id": "a",
        "metrics": {"x": np.float64(0.1), "nan": np.float64("nan"), "inf": -math.inf},
        "series": (1.0, 5.685435281514839e-05, float("nan")),
        "by_day": {3: 1.5},
    }
    assert json.loads(store.record_bytes(record)) == reference(record)
    assert json.loads(store.record_bytes(record))["metrics"]["nan"] is None


def test_an_integer_beyond_64_bits_is_written_by_the_standard_library() -> None:
    record = {"run_id": "a", "seed": 2**70, "x": float("nan")}
    assert json.loads(store.record_bytes(record)) == {"run_id": "a", "seed": 2**70, "x": None}


def test_a_record_the_standard_library_wrote_reads_the_same(tmp_path: Path) -> None:
    record = {"run_id": "r", "status": "ok", "v": [1e-300, 2.5e16, -0.0, 1 / 3], "s": "é"}
    (tmp_path / store.RUNS).mkdir()
    text = json.dumps(record, allow_nan=False, separators=(",", ":"))
    store.run_path(tmp_path, "r").write_text(text, encoding="utf-8")
    got = store.read_run(tmp_path, "r")
    assert got == record
    assert [math.copysign(1, v) for v in got["v"]] == [1, 1, -1, 1]
