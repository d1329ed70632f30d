"""The public Python API: ``extract(path)`` gives an :class:`Extraction`; the CLI is a layer over it."""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch import Batch, run
from .output import FORMAT_NAMES, frame, output_lock, read_tables, rows_of, sort_rows, write_tables
from .patterns import Patterns
from .pipeline import FileResult, discover
from .schema import TABLES

if TYPE_CHECKING:
    import pandas as pd

    from .cache import Cache

log = logging.getLogger("extractor")


class Extraction:
    """The tables of one run.  ``extraction["ratings"]`` is a typed pandas DataFrame:
    nullable integers for money, counts, pages, segments and ranks, ``Float64`` for the average
    metric score, categoricals for the vocabularies (frameworks and peer groups too),
    strings elsewhere, ``<NA>`` for an unknown value."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]], batch: Batch | None = None):
        self.tables = tables
        self.batch = batch

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in TABLES:
            raise KeyError(f"no table {table!r}: the tables are {', '.join(TABLES)}")
        return frame(table, self.tables[table])

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def write(self, folder: str | Path, format: str = "csv", force: bool = False) -> Path:
        """Write the tables and ``datapackage.json`` to ``folder`` (replaced atomically; a non-empty
        folder this tool did not write is refused with :class:`OutputError` unless ``force``)."""
        with output_lock(Path(folder)):
            write_tables(self.tables, Path(folder), format, force=force)
        return Path(folder)

    @classmethod
    def read(cls, folder: str | Path, format: str = "csv") -> Extraction:
        """Load an output folder written in any of the formats."""
        frames = read_tables(Path(folder), format)
        return cls({table: rows_of(table, df) for table, df in frames.items()})


def run_batch(target: Path, patterns: Patterns, jobs: int = 1, timeout: float | None = 120.0,
              full_scan: bool = False, progress: bool = False, verbose: bool = False,
              cache: Cache | None = None, scheduler: Any = None) -> Batch:
    """Extract a file or folder; rows sorted as OUTPUT-SCHEMA.md asks."""
    files = discover(Path(target))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", desc="extracting", leave=False, dynamic_ncols=True)
    counted = {"pages": 0}
    started = time.monotonic()

    def on_result(result: FileResult) -> None:
        doc = result.document
        counted["pages"] += result.pages_read
        if bar is not None:
            rate = counted["pages"] / max(time.monotonic() - started, 1e-6)
            bar.set_postfix_str(f"{counted['pages']} pages, {rate:.0f} pages/s", refresh=False)
            bar.update(1)
        if verbose:
            fired = ", ".join(f"{k} x{v}" for k, v in sorted(result.fired.items())) or "no rules fired"
            best = result.scores[0] if result.scores else None
            score = f" (score {best.score:g})" if best else ""
            log.warning("%s: %s%s, %s; %s%s", doc["doc_id"], doc["doc_type"], score, doc["status"], fired,
                        f" - {doc['message']}" if doc["message"] else "")

    try:
        batch = run(Path(target), patterns, jobs=jobs, timeout=timeout, full_scan=full_scan,
                    on_result=on_result, files=files, cache=cache, scheduler=scheduler)
    finally:
        if bar is not None:
            bar.close()
    for table, rows in batch.tables.items():
        batch.tables[table] = sort_rows(table, rows) if table != "documents" else sorted(rows, key=lambda r: r["doc_id"])
    return batch


def extract(path: str | Path, patterns: str | Path | None = None, jobs: int = 1,
            timeout: float | None = 120.0, cache: str | Path | None = None, doc_type: str | None = None,
            patterns_only: bool = False) -> Extraction:
    """Extract a file, or a folder walked recursively, into an :class:`Extraction`.

    ``patterns`` is a pattern file or folder whose rules and types are added to the
    built-in ones (a rule with a built-in id replaces it); with ``patterns_only`` they
    replace the built-in ones.  ``doc_type`` overrides classification for every file.
    ``cache`` is a folder for the per-file result cache (default: no cache).
    """
    if not Path(path).exists():
        raise FileNotFoundError(errno.ENOENT, "no such file or folder to extract", str(path))
    if patterns_only and patterns:
        loaded = Patterns(Path(patterns), doc_type=doc_type)
    else:
        loaded = Patterns(extra=[Path(patterns)] if patterns else (), doc_type=doc_type)
    store = None
    if cache is not None:
        from .cache import Cache

        store = Cache(Path(cache), loaded)
    batch = run_batch(Path(path), loaded, jobs=jobs, timeout=timeout, cache=store)
    return Extraction(batch.tables, batch)


__all__ = ["Extraction", "extract", "run_batch", "FORMAT_NAMES"]
