"""Robustness measures against hand-computed values on a small frame, break-even on a planted
crossing, PRIM on a planted box."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.reporting.robust_text import break_even_sentences, equivalence_sentence
from sim.robustness import (
    RobustnessError,
    break_even,
    break_even_between,
    first_place_odds,
    lever_labels,
    parse_threshold,
    prim_box,
    rank_distribution,
    regret,
    regret_summary,
    satisficing,
    world_table,
)
from sim.verdict.ties import tie_of

COMPLETENESS = {  # world -> lever -> value (world 0 has two replications: 0.85 and 0.95 for A)
    0: {"A": 0.9, "B": 0.8, "C": 0.7},
    1: {"A": 0.6, "B": 0.8, "C": 0.7},
    2: {"A": 0.9, "B": 0.9, "C": 0.5},
    3: {"A": 0.5, "B": 0.6, "C": 0.95},
}
GHOSTS = {"A": [0.01, 0.01, 0.05, 0.01], "B": [0.02] * 4, "C": [0.0] * 4}


def small_runs() -> pd.DataFrame:
    rows = []
    for world, values in COMPLETENESS.items():
        for lever, value in values.items():
            reps = [value - 0.05, value + 0.05] if (world, lever) == (0, "A") else [value]
            reps = reps if world == 0 else reps
            for r, v in enumerate(
                reps if world else [value - 0.05 * (lever == "A"), value + 0.05 * (lever == "A")]
            ):
                rows.append(
                    {
                        "variant": lever,
                        "world": world,
                        "replication": r,
                        "status": "ok",
                        "completeness": v,
                        "ghost_rate": GHOSTS[lever][world],
                        "x": world / 10,
                    }
                )
    # a fifth world where C failed: left out of every comparison
    for lever in "ABC":
        rows.append(
            {
                "variant": lever,
                "world": 4,
                "replication": 0,
                "status": "failed" if lever == "C" else "ok",
                "completeness": 1.0,
                "ghost_rate": 0.0,
                "x": 0.4,
            }
        )
    return pd.DataFrame(rows)  # fmt: skip


def test_world_table_averages_replications_and_drops_worlds_a_lever_misses():
    table = world_table(small_runs(), "completeness")
    assert list(table.index) == [0, 1, 2, 3] and list(table.columns) == ["A", "B", "C"]
    assert table.loc[0, "A"] == pytest.approx(0.9)


def test_regret_against_hand_computed_values():
    table = world_table(small_runs(), "completeness")
    expected = pd.DataFrame(
        [[0, 0.1, 0.2], [0.2, 0, 0.1], [0, 0, 0.4], [0.45, 0.35, 0]],
        index=table.index, columns=table.columns,
    )  # fmt: skip
    pd.testing.assert_frame_equal(regret(table, "completeness"), expected, atol=1e-12)
    summary = regret_summary(table, "completeness")
    assert summary["max_regret"].to_dict() == pytest.approx({"A": 0.45, "B": 0.35, "C": 0.4})
    assert summary["mean_regret"].to_dict() == pytest.approx({"A": 0.1625, "B": 0.1125, "C": 0.175})
    assert summary["p90_regret"].to_dict() == pytest.approx({"A": 0.375, "B": 0.275, "C": 0.34})


def test_regret_of_a_lower_is_better_metric_is_the_excess_over_the_least():
    table = world_table(small_runs(), "ghost_rate")
    r = regret(table, "ghost_rate")
    assert r["C"].eq(0).all() and r.loc[2, "A"] == pytest.approx(0.05)


def test_rank_distribution_shares_ties_and_sums_to_one():
    table = world_table(small_runs(), "completeness")
    ranks = rank_distribution(table, "completeness")
    expected = pd.DataFrame(
        [[0.375, 0.125, 0.5], [0.375, 0.625, 0.0], [0.25, 0.25, 0.5]],
        index=pd.Index(["A", "B", "C"], name="lever"), columns=[1, 2, 3],
    )  # fmt: skip
    pd.testing.assert_frame_equal(ranks, expected)
    assert first_place_odds(table, "completeness").to_dict() == {"A": 0.375, "B": 0.375, "C": 0.25}


def test_satisficing_against_hand_computed_shares():
    thresholds = [parse_threshold("completeness>=0.8"), parse_threshold("ghost_rate < 0.03")]
    shares = satisficing(small_runs(), thresholds)
    assert shares["completeness>=0.8"].to_dict() == {"A": 0.5, "B": 0.75, "C": 0.25}
    assert shares["ghost_rate<0.03"].to_dict() == {"A": 0.75, "B": 1.0, "C": 1.0}
    assert shares["all"].to_dict() == {"A": 0.25, "B": 0.75, "C": 0.25}
    assert (shares["worlds"] == 4).all()


@pytest.mark.parametrize("text", ["completeness=>0.9", "0.9<=completeness", "completeness>=x"])
def test_a_malformed_threshold_is_refused(text):
    with pytest.raises(RobustnessError, match="METRIC>=VALUE"):
        parse_threshold(text)


def test_levers_carry_their_grid_values():
    interval = "architecture.sync_interval_days"
    runs = pd.DataFrame({"variant": ["h", "h", "c"], interval: [1.0, 7.0, None]})
    assert list(lever_labels(runs, [interval])) == [
        "h sync_interval_days=1", "h sync_interval_days=7", "c",
    ]  # fmt: skip


# --- break-even -------------------------------------------------------------------------------


def crossing_levers(slope: float, at: float, n: int = 300, noise: float = 0.01, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.8, 0.99, n)
    return x, slope * (x - at) + rng.normal(0, noise, n)


@pytest.mark.parametrize("slope", [2.0, -0.5])
def test_break_even_finds_a_planted_crossing_with_an_interval_around_it(slope):
    x, diff = crossing_levers(slope, at=0.9)
    value, low, high, share = break_even(x, diff, seed=3, resamples=200)
    assert value == pytest.approx(0.9, abs=0.005)
    assert low < 0.9 < high and high - low < 0.03
    assert share > 0.95


def test_break_even_is_none_when_one_lever_is_better_everywhere():
    x, diff = crossing_levers(2.0, at=0.5)  # crossing far below the sampled range
    value, low, high, share = break_even(x, diff, seed=3, resamples=50)
    assert value is None and math.isnan(low) and math.isnan(high) and share == 0


def test_break_even_between_two_levers_of_a_sweep():
    x, diff = crossing_levers(2.0, at=0.9, n=120)
    rows = [
        {"variant": v, "world": w, "replication": 0, "status": "ok", "p": xw,
         "completeness": 0.9 + (d if v == "today" else 0.0)}
        for w, (xw, d) in enumerate(zip(x, diff, strict=True)) for v in ("today", "hybrid")
    ]  # fmt: skip
    result = break_even_between(pd.DataFrame(rows), "p", "today", "hybrid", "completeness")
    assert result.value == pytest.approx(0.9, abs=0.01)
    assert result.a_better_above is True and result.worlds == 120
    assert list(result.curve.columns) == ["x", "difference", "fit"]


# --- PRIM -------------------------------------------------------------------------------------


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.random((600, 4)), columns=["a", "b", "c", "d"])
    cases = ((x["a"] > 0.6) & (x["b"] < 0.4)).to_numpy()
    found = prim_box(x, cases, "planted")
    assert found is not None
    assert found.coverage > 0.9 and found.density > 0.9
    limits = found.limits.set_index("uncertainty")
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc["b", "high"] == pytest.approx(0.4, abs=0.03)
    assert found.trajectory.loc[found.chosen, "coverage"] == found.coverage
    assert len(found.trajectory) > 5 and found.trajectory["coverage"].iloc[0] == 1.0


def test_prim_has_nothing_to_find_without_cases_or_without_others():
    x = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    assert prim_box(x, np.zeros(20, bool), "none") is None
    assert prim_box(x, np.ones(20, bool), "all") is None


def test_odds_half_width_is_the_binomial_one():
    from sim.robustness import odds_half_width

    assert odds_half_width(0.5, 256) == pytest.approx(1.96 * 0.5 / 16)
    assert odds_half_width(1.0, 10) == 0


def test_a_crossing_within_the_materiality_threshold_is_not_a_break_even():
    """Two levers whose average difference changes sign along an uncertainty but never goes
    beyond the materiality threshold (0.5 points of completeness) are equal there, not
    separated by a break-even value: the report says so in one sentence. The same crossing
    scaled a thousand times up (differences of up to 20 points) is a break-even."""
    x, diff = crossing_levers(2.0, at=0.9, n=120)

    def runs_with(scale: float) -> pd.DataFrame:
        rows = [
            {"variant": v, "world": w, "replication": 0, "status": "ok", "p": xw,
             "completeness": 0.9 + (scale * d if v == "today" else 0.0)}
            for w, (xw, d) in enumerate(zip(x, diff, strict=True)) for v in ("today", "hybrid")
        ]  # fmt: skip
        return pd.DataFrame(rows)

    large = break_even_between(runs_with(1.0), "p", "today", "hybrid", "completeness")
    small = break_even_between(runs_with(0.001), "p", "today", "hybrid", "completeness")
    assert small.value == pytest.approx(0.9, abs=0.01)  # it does cross, by a hair
    found = SimpleNamespace(
        metric="completeness",
        break_evens=[large, replace(small, uncertainty="q")],
        keys={},
        tie=tie_of("completeness"),
        table=world_table(runs_with(1.0), "completeness"),
        leader="today",
        rival="hybrid",
    )
    sentences = break_even_sentences(found)
    assert len(sentences) == 2
    assert sentences[0].startswith("today and its runner-up hybrid are equal on completeness")
    assert " p is 0.9" in sentences[0]
    assert sentences[1] == (
        "today and hybrid stay within 0.5 percentage points of each other on average across"
        " the sampled range of q: none of these assumptions decides between them."
    )


@pytest.mark.parametrize(
    ("equal", "where"),
    [
        ({"centralized": 1.0}, "of each other in 100 % of the worlds;"),
        (
            {"centralized": 1.0, "hybrid-batch": 0.6},
            "of hybrid-push in a share of the worlds (centralized in 100 %, hybrid-batch in 60 %);",
        ),
    ],
)
def test_the_equivalence_sentence_says_in_how_many_worlds(equal, where):
    found = SimpleNamespace(
        metric="completeness",
        leader="hybrid-push",
        tie=tie_of("completeness"),
        equivalent_to_leader=lambda: equal,
    )
    sentence = equivalence_sentence(found)
    assert sentence.startswith(f"On completeness, hybrid-push and {' and '.join(equal)} are")
    assert where in sentence


def servers_runs() -> pd.DataFrame:
    """``small_runs`` with servers: C's service is slower than the target in worlds 1 and 3
    (no number of servers does: no value, a positive ``stores_beyond_target``); B's run in
    world 2 has no value for another reason (nothing counts it as beyond the target)."""
    runs = small_runs()
    servers = {"A": 100.0, "B": 300.0, "C": 50.0}
    runs["servers_needed_total"] = runs["variant"].map(servers)
    runs["stores_beyond_target"] = 0.0
    beyond = (runs["variant"] == "C") & runs["world"].isin([1, 3])
    runs.loc[beyond, "servers_needed_total"] = np.nan
    runs.loc[beyond, "stores_beyond_target"] = 195.0
    runs.loc[(runs["variant"] == "B") & (runs["world"] == 2), "servers_needed_total"] = np.nan
    return runs


def test_a_world_where_no_number_of_servers_does_counts_as_failing_the_threshold():
    """Worlds 0, 1 and 3 count (in 2 B has no value at all; 4 is C's failed run). C meets
    ``servers_needed_total<=200`` in world 0 only (1 and 3: beyond the target), B never (300),
    A always; with completeness>=0.8 (A: worlds 0; B: 0, 1; C: 3)."""
    thresholds = [
        parse_threshold("servers_needed_total<=200"),
        parse_threshold("completeness>=0.8"),
    ]
    shares = satisficing(servers_runs(), thresholds)
    assert (shares["worlds"] == 3).all()
    assert shares["servers_needed_total<=200"].to_dict() == pytest.approx(
        {"A": 1.0, "B": 0.0, "C": 1 / 3}
    )
    assert shares["all"].to_dict() == pytest.approx({"A": 1 / 3, "B": 0.0, "C": 0.0})


def test_without_the_count_a_missing_value_still_leaves_the_world_out():
    """Runs from before ``stores_beyond_target`` (or a metric not in ``UNBOUNDED``): a world
    where a lever has no value is left out, as for any missing value."""
    runs = servers_runs().drop(columns="stores_beyond_target")
    shares = satisficing(runs, [parse_threshold("servers_needed_total<=200")])
    assert (shares["worlds"] == 1).all()  # world 0: C has no value in 1 and 3, B in 2
    assert shares["servers_needed_total<=200"].to_dict() == {"A": 1.0, "B": 0.0, "C": 1.0}


def test_criteria_give_the_shares_and_the_pareto_front_their_own_worlds():
    """The shares meeting every threshold are over the 3 worlds with a value or a beyond;
    the Pareto front and the regret over the world with finite values of each (world 0),
    and the report's sentences say both."""
    from sim.reporting.robust_text import criteria_sentences
    from sim.verdict.criteria import criteria

    thresholds = [
        parse_threshold("servers_needed_total<=200"),
        parse_threshold("completeness>=0.8"),
    ]
    found = criteria(servers_runs(), thresholds)
    assert (found.met_worlds, found.worlds) == (3, 1)
    assert np.isfinite(found.regret.to_numpy()).all()
    met, front = criteria_sentences(SimpleNamespace(criteria=found))
    assert "the share of 3 worlds in which a lever meets all of them" in met
    assert "of the 1 worlds where every lever has a value of each:" in front
