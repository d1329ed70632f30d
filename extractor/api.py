"""The public Python API: ``extract(path)`` and the batch runner the CLI uses."""

from __future__ import annotations

import logging
from pathlib import Path

from .batch import Batch, run
from .output import sort_rows, write_tables
from .patterns import Patterns
from .pipeline import FileResult, discover
from .schema import TABLES

log = logging.getLogger("extractor")


class Extraction:
    """The tables of one run, as lists of rows and as pandas DataFrames."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.tables = tables

    def __getitem__(self, table: str):
        import pandas as pd

        return pd.DataFrame(self.tables[table], columns=list(TABLES[table]))

    def write(self, folder: str | Path) -> None:
        write_tables(self.tables, Path(folder))


def run_batch(target: Path, patterns: Patterns, jobs: int = 1, timeout: float | None = 120.0,
              full_scan: bool = False, progress: bool = False, verbose: bool = False) -> Batch:
    files = discover(Path(target))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", desc="extracting", leave=False)

    def on_result(result: FileResult) -> None:
        doc = result.document
        if bar is not None:
            bar.update(1)
            bar.set_postfix(pages=sum(r.pages_read for r in batch_results), refresh=False)
        if verbose:
            fired = ", ".join(f"{k} x{v}" for k, v in sorted(result.fired.items())) or "no rules fired"
            best = result.scores[0] if result.scores else None
            score = f" (score {best.score:g})" if best else ""
            log.warning("%s: %s%s, %s; %s%s", doc["doc_id"], doc["doc_type"], score, doc["status"], fired,
                        f" - {doc['message']}" if doc["message"] else "")
        batch_results.append(result)

    batch_results: list[FileResult] = []
    batch = run(Path(target), patterns, jobs=jobs, timeout=timeout, full_scan=full_scan,
                on_result=on_result, files=files)
    if bar is not None:
        bar.close()
    for table, rows in batch.tables.items():
        batch.tables[table] = sort_rows(table, rows) if table != "documents" else sorted(rows, key=lambda r: r["doc_id"])
    return batch


def extract(path: str | Path, patterns: str | Path | None = None, jobs: int = 1) -> Extraction:
    """Extract a file or a folder; returns an :class:`Extraction`."""
    batch = run_batch(Path(path), Patterns(Path(patterns) if patterns else None), jobs=jobs)
    return Extraction(batch.tables)
