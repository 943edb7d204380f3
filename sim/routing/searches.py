"""The sampled searches of a run: which systems each asks, what came back by its deadline, and
the searches the plan's consults of stores send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.engine.links import Link
from sim.engine.store import Store
from sim.topology import OWNERS, Consult, Topology, kind_mask, querier_groups


@dataclass
class QueryBook:
    """Which systems each sampled search asks, and what came back by its deadline.

    A search asks one or more systems (stores, national nodes); every answer back within the
    deadline counts, so a search is as complete as the answers that arrived in time."""

    time: np.ndarray
    """When each search leaves its NCB."""
    deadline: float
    """Days a search waits for its answers."""
    issuer: np.ndarray
    """Per search: the country that issued its subject's record (a travel document, a vehicle),
    used where its kind names the issuer."""
    names_issuer: np.ndarray
    """Per search: its subject's kind names the issuing country."""
    kind: np.ndarray
    """Per search: its subject's kind (index into the records' kind names)."""
    n_asked: np.ndarray = field(init=False)
    n_answered: np.ndarray = field(init=False)
    """Answers back within the deadline."""
    last_answer: np.ndarray = field(init=False)
    """When the last answer back within the deadline arrived (``-inf``: none)."""
    asked_of: dict[str, list[np.ndarray]] = field(default_factory=dict)
    """Searches asked of each store or node (by store name): the load it must answer."""
    broadcasts: list[tuple[np.ndarray, np.ndarray | None]] = field(default_factory=list)
    """Searches asked of every national node of a set (a mask; None: every node) but the
    querier's own."""

    def __post_init__(self) -> None:
        self.n_asked = np.zeros(self.time.size, dtype=np.int64)
        self.n_answered = np.zeros(self.time.size, dtype=np.int64)
        self.last_answer = np.full(self.time.size, -np.inf)

    @property
    def n_queries(self) -> int:
        return int(self.time.size)

    def ask(self, target: str, qid: np.ndarray) -> None:
        """The searches ``qid`` (distinct) ask the store or node named ``target``."""
        self.n_asked[qid] += 1
        self.asked_of.setdefault(target, []).append(qid)

    def ask_each(self, targets: list[str], qids: list[np.ndarray]) -> None:
        """``ask`` of each target in turn, with its searches."""
        for target, qid in zip(targets, qids, strict=True):
            self.ask(target, qid)

    def answers(self, qid: np.ndarray, back: np.ndarray) -> None:
        """Answers to ``qid`` back at the querier at ``back`` (``inf``: none); only those within
        the deadline count."""
        self._count(self.n_answered, self.last_answer, qid, back)

    def tally(self, answers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """(answers back within the deadline, when the last came) of every search, counting
        also the stores' ``answers`` (query ids, back times); the book itself is unchanged."""
        n_answered, last = self.n_answered.copy(), self.last_answer.copy()
        for qid, back in answers:
            self._count(n_answered, last, qid, back)
        return n_answered, last

    def answered(self, n_answered: np.ndarray) -> np.ndarray:
        """Which searches count as answered at all: at least one of the systems each asked
        answered by the deadline. Each system asked gives an answer of its own: the hub or
        one of the officer's platforms, any other national node (a broadcast), the issuer,
        the index (the owner it names is asked only once the index has answered)."""
        return (n_answered >= 1) & (self.n_asked >= 1)

    def _count(self, n: np.ndarray, last: np.ndarray, qid: np.ndarray, back: np.ndarray) -> None:
        on_time = back - self.time[qid] <= self.deadline
        np.add.at(n, qid[on_time], 1)
        np.maximum.at(last, qid[on_time], back[on_time])

    def direct(self, target: str, qid: np.ndarray, back: np.ndarray) -> None:
        """An ask of ``target`` answered by the strategy itself, not through a store."""
        self.ask(target, qid)
        self.answers(qid, back)

    def broadcast(
        self,
        qid: np.ndarray,
        n_asked: int | np.ndarray,
        n_answered: np.ndarray,
        last: np.ndarray,
        nodes: np.ndarray | None = None,
    ) -> None:
        """Searches asked of every other national node at once (of ``nodes``, a mask; None:
        every node), ``n_asked`` of them each, with the answers each got back within the
        deadline and when the last of them came."""
        self.n_asked[qid] += n_asked
        self.n_answered[qid] += n_answered
        np.maximum.at(self.last_answer, qid, last)
        self.broadcasts.append((qid, nodes))


class Searches:
    """Sends each day's searches to the stores the plan's consults name; searches that ask the
    owners are the architecture's own (a broadcast, the issuer, an index's second leg)."""

    def __init__(
        self,
        plan: Topology,
        book: QueryBook,
        stores: Mapping[str, Store],
        links: Mapping[str, Link],
        kind_names: tuple[str, ...],
        n_countries: int,
    ) -> None:
        self.plan = plan
        self.book = book
        self.stores = stores
        self.links = links
        self.groups = querier_groups(plan, n_countries)
        self.members = [np.isin(np.arange(n_countries), queriers) for queriers, _ in self.groups]
        """Per group, a mask over the countries: who is in it."""
        self.kind_names = kind_names
        self._kinds: dict[int, np.ndarray] = {}

    def ask(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Each group of queriers asks, in parallel, every store its consults name that hold
        for the search's kind at the time it is made; a store that several rows name (for
        the records of different owners) is asked once."""
        for member, (_, rows) in zip(self.members, self.groups, strict=True):
            mine = member[querier]
            if not mine.any():
                continue
            asking: dict[str, tuple[str, np.ndarray]] = {}
            for i in rows:
                consult = self.plan.consults[i]
                if consult.target == OWNERS:
                    continue
                sel = self.holds(consult, mine, qid, t)
                link, before = asking.get(consult.target, (consult.profile.link, None))
                asking[consult.target] = (link, sel if before is None else before | sel)
            for target, (link, sel) in asking.items():
                self.ask_store(target, link, qid[sel], t[sel])

    def holds(
        self, consult: Consult, mine: np.ndarray, qid: np.ndarray, t: np.ndarray
    ) -> np.ndarray:
        """Of the searches ``mine``, those ``consult`` holds for (their kind, their time)."""
        if consult.kinds is None and not (
            np.isfinite(consult.start_day) or np.isfinite(consult.end_day)
        ):
            return mine
        kinds = self._kinds.get(id(consult))
        if kinds is None:
            kinds = self._kinds[id(consult)] = kind_mask(consult.kinds, self.kind_names)
        sel = mine & kinds[self.book.kind[qid]]
        if np.isfinite(consult.start_day) or np.isfinite(consult.end_day):
            sel &= (t >= consult.start_day) & (t < consult.end_day)
        return sel

    def ask_store(self, store: str, link: str, qid: np.ndarray, t: np.ndarray) -> None:
        """Searches ``qid`` made at ``t`` ask ``store`` over ``link``: queued there, answered
        when served, unless it is down when they arrive."""
        out, back = self.links[link].query_round_trip(t)
        target = self.stores[store]
        target.receive_queries(qid, t + out, back)
        self.book.ask(target.name, qid)
