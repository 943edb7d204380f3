"""``pdsa scenarios list`` and ``pdsa scenarios show NAME``: the scenario library.

The library is the package's embedded scenarios (``sim/scenarios/``) and the files in
``./scenarios/`` of the current directory. A scenario is found by its ``name`` key, its file
stem or its path. Each file opens with a comment whose first sentence is the question it
answers; ``list`` prints that sentence, ``show`` the file and the facts of its resolved form.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import click
import yaml

from sim.commands import echo, fail
from sim.config import ConfigError, Scenario, load_scenario, scenario_from_dict
from sim.config.loading import yaml_mapping
from sim.config.yaml_loader import parse_yaml

LOCAL_DIR = Path("scenarios")


@dataclass(frozen=True)
class Entry:
    """One scenario file of the library."""

    name: str
    file: str
    text: str
    copies: tuple[str, ...] = ()
    """Local files that hold the same scenario (``scenarios/demo-default.yaml``, the embedded
    small demo's copy for experiments to point at): listed on this entry's row, not twice."""

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    def called(self, name: str) -> bool:
        """Whether ``name`` is this scenario's name, file stem or path (or a copy's)."""
        return name in (self.name, self.stem, self.file, *self.copies) or any(
            name == Path(copy).stem for copy in self.copies
        )

    def shown_file(self) -> str:
        copies = ", ".join(self.copies)
        return f"{self.file} (copy: {copies})" if copies else self.file

    def question(self) -> str:
        return opening_question(self.text)

    def load(self) -> Scenario:
        if Path(self.file).is_file():
            return load_scenario(self.file)
        return scenario_from_dict(yaml_mapping(self.text, self.file), self.file)


def opening_question(text: str) -> str:
    """The first sentence of the file's opening comment, without a ``Question:`` label."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    comment = " ".join(part for part in lines if part)
    comment = re.sub(r"^question:\s*", "", comment, flags=re.IGNORECASE)
    match = re.match(r"(.+?[.?!])(\s|$)", comment)
    sentence = match.group(1) if match else comment
    return sentence[:1].upper() + sentence[1:]


def library(local_dir: Path = LOCAL_DIR) -> list[Entry]:
    """Built-in scenarios first, then ``local_dir``'s, each group sorted by file name."""
    builtin = resources.files("sim").joinpath("scenarios")
    found = [
        _entry(f"sim/scenarios/{item.name}", item.read_text(encoding="utf-8"))
        for item in sorted(builtin.iterdir(), key=lambda i: i.name)
        if item.name.endswith((".yaml", ".yml"))
    ]
    if local_dir.is_dir():
        files = sorted([*local_dir.glob("*.yaml"), *local_dir.glob("*.yml")])
        for path in files:
            if path.is_file():
                found = with_local(found, _entry(str(path), shown_text(path)))
    return found


def with_local(found: list[Entry], local: Entry) -> list[Entry]:
    """``found`` with a local file added, or noted as a copy of the built-in scenario whose
    content (comments aside) it repeats."""
    content = _mapping(local.text)
    for i, entry in enumerate(found):
        if (
            content is not None
            and entry.file.startswith("sim/")
            and _mapping(entry.text) == content
        ):
            found[i] = replace(entry, copies=(*entry.copies, local.file))
            return found
    return [*found, local]


def _mapping(text: str) -> dict | None:
    try:
        raw = parse_yaml(text)
    except yaml.YAMLError:
        return None
    return raw if isinstance(raw, dict) else None


def shown_text(path: Path) -> str:
    """The file's text for listing and showing, whatever it holds: bytes that are not UTF-8
    appear as U+FFFD (loading it then says which byte), an unreadable file as empty."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _entry(file: str, text: str) -> Entry:
    try:
        raw = parse_yaml(text)
    except yaml.YAMLError:
        raw = None
    name = raw.get("name") if isinstance(raw, dict) else None
    return Entry(name=str(name or Path(file).stem), file=file, text=text)


def find(name: str, entries: list[Entry]) -> Entry | None:
    """The scenario called ``name`` (its name key, file stem or path); local files first."""
    if Path(name).is_file():
        return Entry(name=name, file=name, text=shown_text(Path(name)))
    for entry in reversed(entries):
        if entry.called(name):
            return entry
    return None


def architecture_label(scenario: Scenario) -> str:
    """``hybrid batch 7d``, ``federated with index``, ``fragmented``: the kind and what sets it
    apart."""
    return scenario.architecture.label()


def facts(scenario: Scenario) -> list[tuple[str, str]]:
    """The resolved scenario's key facts, as (label, value) rows."""
    world, records = scenario.world, scenario.records
    regions = Counter(c.region for c in world.countries)
    rate = records.creation_per_country_per_day * sum(c.weight for c in world.countries)
    rows = [
        ("name", scenario.name),
        ("architecture", architecture_label(scenario)),
        ("days", f"{scenario.horizon_days:g} ({scenario.warmup_days:g} warm-up)"),
        (
            "countries",
            f"{len(world.countries)}: " + ", ".join(f"{r} {n}" for r, n in sorted(regions.items())),
        ),
        ("platforms", f"{len(world.platforms)}: " + ", ".join(p.name for p in world.platforms)),
        (
            "records/day",
            f"{rate:,.0f} real, {rate * records.sample_fraction:,.1f} simulated"
            f" (sample_fraction {records.sample_fraction:g})",
        ),
    ]
    rows += [(f"kind {k.name}", _kind_fact(k)) for k in records.kind_specs()]
    if records.denials:
        denied = "; ".join(f"{d.share:g} deny {', '.join(d.countries)}" for d in records.denials)
        rows.append(("denials", denied))
    rows += [(f"outages {kind}", text) for kind, text in _outage_facts(scenario)]
    return rows


def _kind_fact(kind) -> str:  # noqa: ANN001 (KindSpec)
    g, r, n = kind.scope.shares()
    review = f"review {kind.review_days:g}d" if kind.review_days else "no review"
    return (
        f"share {kind.share:g}, lifetime mean {kind.lifetime_days.mean_value():g}d, {review},"
        f" scope global {g:g} / regional {r:g} / national {n:g}"
    )


def _outage_facts(scenario: Scenario) -> list[tuple[str, str]]:
    rows = []
    for kind in ("hub", "platform", "ncb"):
        spec = getattr(scenario.outages, kind)
        if spec is not None:
            rows.append((kind, ", ".join(f"{k} {v}" for k, v in spec.model_dump().items())))
    rows += [(f"domain {d.name}", d.summary()) for d in scenario.outages.correlated]
    return rows


# --- commands --------------------------------------------------------------------------------


@click.group()
def scenarios() -> None:
    """The scenario library: built-in scenarios and the files in ./scenarios/."""


@scenarios.command(name="list")
def list_scenarios() -> None:
    """Name, file, architecture and question of every scenario."""
    rows = [("NAME", "FILE", "ARCHITECTURE", "QUESTION")]
    for entry in library():
        try:
            arch = architecture_label(entry.load())
        except ConfigError:
            arch = "INVALID (pdsa validate)"
        rows.append((entry.name, entry.shown_file(), arch, entry.question()))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        echo("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[3]]))


@scenarios.command()
@click.argument("name")
def show(name: str) -> None:
    """Print scenario NAME's file, then the key facts of its resolved form."""
    entry = find(name, library())
    if entry is None:
        known = ", ".join(e.name for e in library())
        fail(f"{name}: no such scenario (known: {known})")
    try:
        scenario = entry.load()
    except ConfigError as error:
        fail(error)
    echo(f"--- {entry.file}")
    echo(entry.text.rstrip("\n"))
    echo("--- resolved")
    rows = facts(scenario)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        echo(f"{label.ljust(width)}  {value}")
