"""Running the pipeline over many files: in parallel, with a time limit per file."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .patterns import Patterns
from .pipeline import FileResult, discover, process_file
from .schema import RECORD_TABLES, TABLES

_worker_patterns: Patterns | None = None


@dataclass
class Batch:
    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in TABLES})
    results: list[FileResult] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, result: FileResult) -> None:
        self.results.append(result)
        self.tables["documents"].append(result.document)
        for table in RECORD_TABLES:
            self.tables[table].extend(result.records.get(table, []))

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.tables["documents"]:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return counts


class _Timeout(BaseException):  # not caught by the per-file "except Exception"
    pass


def _alarm(signum, frame):
    raise _Timeout()


def run_one(path: Path, doc_id: str, patterns: Patterns, timeout: float | None, full_scan: bool) -> FileResult:
    """``process_file`` under a time limit (SIGALRM, where the platform has it)."""
    use_alarm = bool(timeout) and hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return process_file(path, doc_id, patterns, full_scan)
    except _Timeout:
        row = {c: "" for c in TABLES["documents"]}
        row.update(doc_id=doc_id, doc_type="unknown", status="failed", extractor_version=__version__,
                   message=f"timed out after {timeout:g} s: raise --timeout or split the file")
        return FileResult(document=row, records={t: [] for t in RECORD_TABLES})
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _init_worker(folder: str | None) -> None:
    global _worker_patterns
    _worker_patterns = Patterns(Path(folder) if folder else None)


def _work(args) -> FileResult:
    path, doc_id, timeout, full_scan = args
    return run_one(path, doc_id, _worker_patterns, timeout, full_scan)


def run(
    target: Path,
    patterns: Patterns,
    jobs: int = 1,
    timeout: float | None = 120.0,
    full_scan: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    files: Iterable[tuple[Path, str]] | None = None,
) -> Batch:
    """Extract every file under ``target``; results come back in file order whatever ``jobs`` is."""
    started = time.monotonic()
    batch = Batch()
    todo = list(files) if files is not None else discover(target)
    if jobs <= 1 or len(todo) <= 1:
        for path, doc_id in todo:
            result = run_one(path, doc_id, patterns, timeout, full_scan)
            batch.add(result)
            if on_result:
                on_result(result)
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(patterns.folder),)) as pool:
            for result in pool.map(_work, [(p, d, timeout, full_scan) for p, d in todo], chunksize=1):
                batch.add(result)
                if on_result:
                    on_result(result)
    batch.elapsed = time.monotonic() - started
    return batch
