"""The proof of the boundary: an architecture the simulator has never heard of, written in this
one file, runs through ``run_one`` and gets sane metrics.

Everything it needs is here: its strategy (what it does with changes and queries), its schema
class (what a scenario says about it), one line in the registry, and a scenario type whose
architecture may be it. Nothing in ``sim/`` knows it exists. A real architecture would put the
strategy in ``sim/architectures/``, its line in ``REGISTRY`` and its schema class among the
``Architecture`` union of ``sim/config/schema.py``.

The toy: "a hub with regional caches, refreshed on read". NCBs write to the hub, as in the
centralized model. Each regional platform is a cache of the hub that its members query
instead of the hub; it holds only what it has pulled, and it pulls (every hub change since its
last pull that its members may see) only when one of their queries reaches it. The copies
pulled arrive over the hub-to-platform link, so the query that pulls them does not see them.
Countries in no platform query the hub.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union, get_args

import numpy as np
import pytest
from pydantic import Field

from sim.architectures import REGISTRY, Context, Strategy
from sim.config.schema import Architecture, ArchitectureBase, Centralized, Scenario
from sim.log import View
from sim.runner import run_one, simulate
from sim.world import GLOBAL, NATIONAL, REGIONAL
from tests.helpers import TWO_COUNTRIES, merge

Pulls = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


class CachedHubSpec(ArchitectureBase):
    """Hub with regional caches refreshed on read (a toy)."""

    kind: Literal["cached_hub"]


class CachedHub(Strategy):
    kind = "cached_hub"

    def __init__(self, context: Context, spec: CachedHubSpec) -> None:
        super().__init__(context, spec)
        self.unpulled: list[Pulls] = [[] for _ in self.platforms]
        self.arrivals: list[list[np.ndarray]] = [[] for _ in self.platforms]
        self.hub.listeners.append(self._hub_applied)

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        shared = self._shared(idx)
        self._send("ncb_to_hub", self.hub, idx[shared], t_send[shared])

    def _hub_applied(self, rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
        for p, pulls in enumerate(self.unpulled):
            mine = self.destined(self.world.platforms[p])[rec]
            pulls.append((rec[mine], version[mine], t[mine]))

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        for view in self.views():
            mine = np.isin(querier, view.queriers)
            for name in view.stores:
                if name == "hub":
                    self._ask(self.hub, "ncb_to_hub", qid[mine], t[mine])
                else:
                    self._ask_cache(self.world.platforms.index(name), qid[mine], t[mine])

    def _ask_cache(self, p: int, qid: np.ndarray, t: np.ndarray) -> None:
        out, back = self.links["ncb_to_platform"].query_round_trip(t)
        cache = self.platforms[p]
        cache.receive_queries(qid, t + out, back)
        self.queries.ask(cache.name, qid)
        self.arrivals[p].append((t + out)[cache.availability.is_up(t + out)])

    def settle(self, now: float) -> None:
        """Serve, pull at each query's arrival what the hub applied by then, serve again.

        Once the hub has served everything that arrived before ``now``, every hub change
        applied before ``now`` is known, and so is every query arriving before ``now``."""
        super().settle(now)
        for p in range(len(self.platforms)):
            self._pull(p, now)
        super().settle(now)

    def _pull(self, p: int, now: float) -> None:
        if not self.unpulled[p] or not self.arrivals[p]:
            return
        arrivals = np.sort(np.concatenate(self.arrivals[p]))
        self.arrivals[p] = [arrivals[arrivals >= now]]
        arrivals = arrivals[arrivals < now]
        rec, version, t = (np.concatenate(part) for part in zip(*self.unpulled[p], strict=True))
        first = np.searchsorted(arrivals, t)  # the first query arriving at or after it
        pulled = first < arrivals.size
        self.unpulled[p] = [(rec[~pulled], version[~pulled], t[~pulled])]
        when = self.links["hub_to_platform"].carry_changes(arrivals[first[pulled]])
        self.platforms[p].receive_changes(rec[pulled], version[pulled], when)

    def buffered(self) -> int:
        return sum(part[0].size for pulls in self.unpulled for part in pulls)

    def views(self) -> list[View]:
        groups: dict[tuple[str, ...], list[int]] = {}
        for q in range(self.world.n_countries):
            mine = np.flatnonzero(self.world.membership[q])
            names = tuple(self.world.platforms[p] for p in mine) or ("hub",)
            groups.setdefault(names, []).append(q)
        return [View(np.array(qs), names) for names, qs in groups.items()]

    def destined(self, store: str) -> np.ndarray:
        sharing = self.source.sharing
        if store == "hub":
            return sharing != NATIONAL
        member = self.world.membership[self.source.owner, self.world.platforms.index(store)]
        return (sharing == GLOBAL) | ((sharing == REGIONAL) & member)


ToyArchitecture = Annotated[
    Union[(*get_args(get_args(Architecture)[0]), CachedHubSpec)],  # noqa: UP007
    Field(discriminator="kind"),
]


class ToyScenario(Scenario):
    """A scenario whose architecture may also be the toy."""

    architecture: ToyArchitecture = Centralized(kind="centralized")


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    monkeypatch.setitem(REGISTRY, "cached_hub", CachedHub)


WORLD = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
        {"code": "CCC", "region": "africa", "platforms": ["P2"]},
        {"code": "DDD", "region": "americas"},
    ],
}


def toy(kind: str = "cached_hub", **override) -> ToyScenario:
    raw = merge(
        TWO_COUNTRIES,
        {
            "architecture": {"kind": kind},
            "horizon_days": 200,
            "warmup_days": 30,
            "world": WORLD,
            "records": {
                "updates_per_record_per_day": 0.05,
                "scope": {"global": 0.7, "regional": 0.2, "national": 0.1},
            },
            "links": {"hub_to_platform": {"delay_hours": {"dist": "fixed", "value": 1}}},
            "queries": {"per_country_per_day": 0.2},
        },
    )
    return ToyScenario.model_validate(merge(raw, override))


def test_the_toy_runs_and_its_metrics_are_sane():
    """Every rate is a share; the caches lag the hub, so an officer sees less and more ghosts
    and stale versions than with the hub itself, and two caches disagree."""
    cached = run_one(toy(), seed=3)
    hub = run_one(toy("centralized"), seed=3)
    m, c = cached.metrics, hub.metrics
    assert cached.scenario["architecture"] == {"kind": "cached_hub", "query_deadline_seconds": 30.0}
    for name in ("completeness", "coverage", "ghost_rate", "stale_rate", "conflict_rate"):
        assert 0 <= m[name] <= 1, name
    assert m["completeness"] < c["completeness"] - 0.05
    assert m["ghost_rate"] > 0.01 and c["ghost_rate"] == 0
    assert m["stale_rate"] > 0.001 and c["stale_rate"] == 0
    assert m["conflict_rate"] > 0
    assert m["exposure"] > c["exposure"]  # copies on the platforms too
    assert m["query_availability"] == 1.0


def test_more_searches_keep_the_caches_fresher():
    rare = run_one(toy(queries={"per_country_per_day": 0.05}), seed=3).metrics
    frequent = run_one(toy(queries={"per_country_per_day": 5}), seed=3).metrics
    assert frequent["completeness"] > rare["completeness"] + 0.1
    assert frequent["ghost_rate"] < rare["ghost_rate"] / 10


def test_cache_completeness_against_its_closed_form():
    """AAA queries P1 only; P1 is pulled by the queries of AAA and BBB, a Poisson process of
    rate lam = 2 x 0.5 a day. A record created at c is at the hub at once and reaches P1 at
    the first query after c (a wait Exp(lam)) plus the link's d = 1 h, so with lifetimes
    Exp(mean L) it is returned for E[(Lifetime - W)^+] = P(Lifetime > W) L of its L days:
    completeness = e^(-d/L) lam / (lam + 1/L). L = 30: 0.96640."""
    base = {
        "horizon_days": 1000,
        "warmup_days": 100,
        "world": {
            "platforms": [{"name": "P1"}],
            "countries": [
                {"code": "AAA", "region": "europe", "platforms": ["P1"]},
                {"code": "BBB", "region": "africa", "platforms": ["P1"]},
                {"code": "CCC", "region": "americas"},
            ],
        },
        "records": {
            "updates_per_record_per_day": 0,
            "scope": {"global": 1.0, "regional": 0.0, "national": 0.0},
        },
        "queries": {"per_country_per_day": 0.5},
    }
    L, lam, d = 30.0, 1.0, 1 / 24
    s = toy(**base)
    seen = [run_one(s, seed=seed).by_region["europe"]["completeness"] for seed in (1, 2, 3)]
    assert np.mean(seen) == pytest.approx(np.exp(-d / L) * lam / (lam + 1 / L), abs=0.003)


@pytest.mark.parametrize("behaviour", [{}, {"enabled": True}])
def test_every_change_the_toy_means_to_send_is_sent_or_waits_for_a_pull(behaviour):
    """NCBs send each shareable change to the hub; each hub application is pulled by every
    cache meant to hold it, or still waits for a query; what is sent is applied or queued."""
    s = toy(behaviour=behaviour)
    log, counts = simulate(s, 3)
    src = log.source
    writes = int((src.sharing[src.change_rec] != NATIONAL).sum())
    hub = log.stores["hub"]
    pulls = sum(int(log.stores[p].destined[hub.rec].sum()) for p in log.world.platforms)
    assert counts["changes_sent"] + counts["changes_held_for_sync"] == writes + pulls
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]
