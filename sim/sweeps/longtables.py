"""A sweep's long tables written a chunk of runs at a time.

The robustness experiment as shipped holds 5,376 run records whose daily tables, series and
outages come to about 700 million numbers: read all at once, as Python objects, they took
more than 24 GB. Each table is instead written a chunk of runs at a time, as a part file
beside it, and the parts are joined into the table at the end on the union of their columns
(a column that a chunk lacks, or holds no value of, is missing there: null). Nothing but the
finished table ever has the table's name (the parts are hidden files, removed once joined or
on failure), so a reader sees the whole table or none.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.results import atomic_file, problem


class LongTable:
    """``name.parquet`` under ``out_dir``, from the parts of its chunks (``write_part``, each
    then told with :meth:`written`), joined by :meth:`close`."""

    def __init__(self, out_dir: Path, name: str) -> None:
        self.out_dir = out_dir
        self.path = out_dir / f"{name}.parquet"
        self.parts: list[Path] = []
        self.columns: list[str] = []
        """The columns of an empty table (no chunk had rows)."""

    def part(self, index: int) -> Path:
        """Where chunk ``index`` of the table is written (a hidden file)."""
        return part_path(self.out_dir, self.path.stem, index)

    def add(self, frame: pd.DataFrame | pa.Table) -> None:
        """The rows of the next chunk of runs, written here."""
        index = len(self.parts)
        self.written(index, write_part(self.part(index), frame))

    def written(self, index: int, empty: list[str] | None) -> None:
        """Chunk ``index`` is written as its part, or had no rows (``empty``: its columns)."""
        if empty is not None:
            self.columns = self.columns or empty
            return
        self.parts.append(self.part(index))

    def close(self) -> None:
        """Join the parts into the table (atomically), and remove them."""
        try:
            if self.parts:
                self._join()
            else:
                self._write_empty()
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the parts (the table itself, if written, stays)."""
        for part in self.parts:
            part.unlink(missing_ok=True)
        self.parts = []

    def _join(self) -> None:
        schema = pa.unify_schemas(
            [pq.read_schema(part) for part in self.parts], promote_options="permissive"
        )
        with (
            atomic_file(self.path) as handle,
            pq.ParquetWriter(handle, schema, use_dictionary=text_columns(schema)) as writer,
        ):
            for part in self.parts:
                writer.write_table(conformed(pq.read_table(part), schema))

    def _write_empty(self) -> None:
        with atomic_file(self.path) as handle:
            pd.DataFrame(columns=self.columns).to_parquet(handle, index=False)


def part_path(out_dir: Path, name: str, index: int) -> Path:
    """Where chunk ``index`` of the table ``name`` is written (a hidden file beside it)."""
    return out_dir / f".{name}.parquet.part{index:05d}"


def stray_parts(out_dir: Path) -> list[Path]:
    """Parts left in ``out_dir`` (by a tables phase stopped before it joined them)."""
    return sorted(out_dir.glob(".*.parquet.part[0-9]*"))


def write_part(path: Path, frame: pd.DataFrame | pa.Table) -> list[str] | None:
    """Write one chunk's rows (a data frame, or the Arrow table it converts to) as the part
    ``path``; None, or, for a chunk without rows, its columns (nothing written)."""
    if isinstance(frame, pd.DataFrame):
        if frame.empty:
            return [str(c) for c in frame.columns]
        frame = pa.Table.from_pandas(frame, preserve_index=False)
    table = frame.replace_schema_metadata(None)
    try:
        pq.write_table(table, path, use_dictionary=text_columns(table.schema))
    except OSError as exc:
        raise problem(path, exc) from None
    return None


def text_columns(schema: pa.Schema) -> list[str]:
    """The columns worth dictionary-encoding: the text ones (run ids, variants, regions...),
    a few distinct values repeated over many rows. Parquet's default tries a dictionary for
    every column, the measured quantities too, whose values hardly repeat: a chunk of the
    robustness experiment's daily table was written 4x slower for a 7 % larger file."""
    return [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]


def conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns of ``schema``, in its order and types (a missing one null)."""
    columns = [
        table[field.name].cast(field.type)
        if field.name in table.column_names
        else pa.nulls(table.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
