"""Running the pipeline over many files: cached, in parallel or on a Dask cluster,
with a time limit per file.  Results are added in file order whatever finishes first."""

from __future__ import annotations

import itertools
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from . import __version__
from .model import LoadError
from .patterns import Patterns
from .pipeline import FileResult, discover, process_file, read_file, screen, skipped
from .schema import RECORD_TABLES, TABLES

if TYPE_CHECKING:
    from types import FrameType

    from distributed import Future

    from .cache import Cache

_worker_patterns: Patterns | None = None


@dataclass
class Batch:
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    results: list[FileResult] = field(default_factory=list)
    elapsed: float = 0.0
    cached: int = 0

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

    @property
    def pages(self) -> int:
        return sum(r.pages_read for r in self.results)


class _Timeout(BaseException):  # not caught by the per-file "except Exception"
    pass


def _alarm(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Timeout()


def failed(doc_id: str, message: str) -> FileResult:
    row = {c: "" for c in TABLES["documents"]}
    row.update(doc_id=doc_id, doc_type="unknown", status="failed", extractor_version=__version__, message=message)
    return FileResult(document=row, records={t: [] for t in RECORD_TABLES})


def run_one(path: Path, doc_id: str, patterns: Patterns, timeout: float | None, full_scan: bool,
            data: bytes | None = None) -> FileResult:
    """``process_file`` under a time limit (SIGALRM, so only on a process's main thread)."""
    use_alarm = bool(timeout) and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, cast(float, timeout))
    try:
        return process_file(path, doc_id, patterns, full_scan, data)
    except _Timeout:
        return failed(doc_id, f"timed out after {timeout:g} s: raise --timeout or split the file")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so the run stops as it does on Ctrl-C."""


def _terminated(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated()


def _init_worker(patterns: Patterns, parent: int | None = None) -> None:
    """A worker leaves Ctrl-C to the parent (which stops it) and dies with the parent."""
    global _worker_patterns
    _worker_patterns = patterns
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    if parent is not None:
        _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Linux: have the kernel kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the line above ran
        os._exit(1)


@contextmanager
def _workers(patterns: Patterns, jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers are killed at once (not awaited) when the run is stopped:
    Ctrl-C, SIGTERM, or the consumer of the results going away."""
    import os

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(patterns, os.getpid()))
    try:
        yield pool
    except Exception:
        pool.shutdown(wait=True)
        raise
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(1)
        raise
    pool.shutdown(wait=True)


def _work(path: Path, doc_id: str, timeout: float | None, full_scan: bool) -> FileResult:
    return run_one(path, doc_id, cast(Patterns, _worker_patterns), timeout, full_scan)


def _remote(path_name: str, doc_id: str, data: bytes | None, patterns: Patterns,
            timeout: float | None, full_scan: bool) -> FileResult:
    return run_one(Path(path_name), doc_id, patterns, timeout, full_scan, data)


Task = tuple[int, Path, str]


def _local(tasks: list[Task], patterns: Patterns, timeout: float | None,
           full_scan: bool) -> Generator[tuple[int, FileResult], None, None]:
    for index, path, doc_id in tasks:
        yield index, run_one(path, doc_id, patterns, timeout, full_scan)


def _pool(tasks: list[Task], patterns: Patterns, jobs: int, timeout: float | None,
          full_scan: bool) -> Generator[tuple[int, FileResult], None, None]:
    if multiprocessing.get_start_method(allow_none=False) == "fork":
        # Forked workers inherit what the parent has loaded: load the reference list and
        # build the entity pipeline once here instead of once in every worker.
        from .entities import warm
        from .orgs import Organisations

        Organisations.load()
        warm(patterns)
    left = {index: (path, doc_id) for index, path, doc_id in tasks}
    try:
        with _workers(patterns, jobs) as pool:
            futures = {pool.submit(_work, path, doc_id, timeout, full_scan): index for index, path, doc_id in tasks}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    result = future.result()  # a dead worker raises BrokenProcessPool for every file left
                except BrokenProcessPool:
                    raise
                except Exception as exc:  # the result could not come back (it would not pickle, say)
                    result = failed(left[index][1], f"internal error ({type(exc).__name__}): please report it with the file")
                del left[index]
                yield index, result
    except BrokenProcessPool:
        # A worker died (a crash inside a native library, or killed from outside).  Take the
        # files left one at a time, each in a process of its own, so only the culprit fails.
        for index, (path, doc_id) in sorted(left.items()):
            with _workers(patterns, 1) as alone:
                try:
                    result = alone.submit(_work, path, doc_id, timeout, full_scan).result()
                except BrokenProcessPool:
                    result = failed(doc_id, "the process reading this file died (a crash in a PDF or XML library?): "
                                            "check the file, or extract it alone to see the error")
            yield index, result


def _dask(tasks: list[Task], patterns: Patterns, scheduler: Any, timeout: float | None,
          full_scan: bool) -> Generator[tuple[int, FileResult], None, None]:
    """Files travel to the workers as bytes, so they need not share our file system."""
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    def read(path: Path) -> bytes | None:
        try:
            return read_file(path)
        except LoadError:
            return None  # the worker tries the path itself and records why it cannot read it

    with Client(scheduler) as client:
        shared = client.scatter(patterns, broadcast=True)
        waiting = iter(tasks)
        owner = {}

        def submit(task: Task) -> Future[FileResult]:
            index, path, doc_id = task
            future: Future[FileResult]
            future = client.submit(_remote, str(path), doc_id, read(path), shared, timeout, full_scan, pure=False)
            owner[future.key] = (index, doc_id)
            return future

        window = 2 * max(1, sum(client.nthreads().values()))  # bounds the bytes in flight
        running = dask_completed([submit(t) for t in itertools.islice(waiting, window)])
        for future in running:
            index, doc_id = owner.pop(future.key)
            try:
                yield index, future.result()
            except Exception as exc:
                yield index, failed(doc_id, f"Dask worker failed ({type(exc).__name__}: {str(exc)[:80]}): extract this file alone")
            following = next(waiting, None)
            if following is not None:
                running.add(submit(following))


def run(
    target: Path,
    patterns: Patterns,
    jobs: int = 1,
    timeout: float | None = 120.0,
    full_scan: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    files: Iterable[tuple[Path, str]] | None = None,
    cache: Cache | None = None,
    scheduler: Any = None,
) -> Batch:
    """Extract every file under ``target``; results are added in file order whatever ``jobs`` is.

    ``cache`` is an :class:`extractor.cache.Cache` or None; ``scheduler`` a Dask
    scheduler address (or cluster object) to run the files on instead of local processes.
    """
    from .cache import file_sha256

    started = time.monotonic()
    batch = Batch()
    todo = list(files) if files is not None else discover(target)
    done: list[FileResult | None] = [None] * len(todo)
    tasks: list[Task] = []
    root = Path(target) if Path(target).is_dir() else None
    for index, (path, doc_id) in enumerate(todo):
        reason = screen(path, root)
        if reason:  # never opened: a FIFO would block, a link out of the folder is not ours to read
            done[index] = skipped(doc_id, reason)
            if on_result:
                on_result(cast(FileResult, done[index]))
            continue
        hit = None
        if cache is not None:
            try:
                hit = cache.get(file_sha256(path), doc_id)
            except OSError:
                hit = None
        if hit is None:
            tasks.append((index, path, doc_id))
        else:
            done[index] = hit
            batch.cached += 1
            if on_result:
                on_result(hit)
    if scheduler is not None:
        results = _dask(tasks, patterns, scheduler, timeout, full_scan)
    elif jobs <= 1 or len(tasks) <= 1:
        results = _local(tasks, patterns, timeout, full_scan)
    else:
        results = _pool(tasks, patterns, jobs, timeout, full_scan)
    try:
        for index, result in results:
            done[index] = result
            if cache is not None:
                cache.put(result)
            if on_result:
                on_result(result)
    finally:
        results.close()  # on Ctrl-C here, stop the workers now, not when the generator is collected
    for result in cast("list[FileResult]", done):
        batch.add(result)
    batch.elapsed = time.monotonic() - started
    return batch
