"""The pipeline: find files, load, classify, apply rules, merge, and collect rows.

``process_file`` never raises: whatever happens to one file becomes its
documents.csv row (status and a one-line message), and the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, normalise
from .classify import Score, classify
from .loaders import load
from .model import Document, LoadError
from .needles import may_match
from .orgs import Organisations
from .output import is_results_folder
from .patterns import Patterns
from .rules import apply
from .rules.context import Context
from .rules.segments import merge_segments
from .schema import KEYS, RECORD_TABLES, TABLES

log = logging.getLogger(__name__)
MAX_BYTES = 512 * 1024 * 1024
NOTHING_FOUND = "no ratings, budgets, indicators or achievements found"


@dataclass
class FileResult:
    """One input file's outcome: its documents.csv row and its records."""

    document: dict
    records: dict[str, list[dict]] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)
    pages_read: int = 0
    regions: list = field(default_factory=list)  # tables found on PDF pages: (page, bbox, source)


def discover(target: Path) -> list[tuple[Path, str]]:
    """Files under ``target`` (or ``target`` itself) with their doc_ids, sorted; no link loops."""
    if target.is_file() or (target.is_symlink() and not target.is_dir()):
        return [(target, target.name)]
    found = []
    seen_dirs: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(target, followlinks=True):
        stat = os.stat(root)
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add((stat.st_dev, stat.st_ino))
        if root != str(target) and is_results_folder(Path(root)):
            log.info("skipping %s: it holds extraction results or goldens, not documents", root)
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            found.append((path, path.relative_to(target).as_posix()))
    return sorted(found, key=lambda item: item[1])


def process_file(path: Path, doc_id: str, patterns: Patterns, full_scan: bool = False,
                 data: bytes | None = None) -> FileResult:
    """Extract one file (``data``, when given, holds its bytes); never raises."""
    row = {column: "" for column in TABLES["documents"]}
    row.update(doc_id=doc_id, doc_type="unknown", extractor_version=__version__)
    try:
        return _process(path, doc_id, patterns, row, full_scan, data)
    except LoadError as exc:
        row.update(status=exc.status, message=str(exc))
    except MemoryError:
        row.update(status="failed", message="out of memory while reading the file: split it and extract the parts")
    except Exception as exc:  # the batch must go on; the message says what broke
        log.debug("failed on %s", doc_id, exc_info=True)
        row.update(status="failed", message=f"internal error ({type(exc).__name__}: {str(exc)[:120]}): please report it with the file")
    return FileResult(document=row, records={t: [] for t in RECORD_TABLES})


def _process(path: Path, doc_id: str, patterns: Patterns, row: dict, full_scan: bool, data: bytes | None) -> FileResult:
    if data is None:
        data = read_file(path)
    row["sha256"] = hashlib.sha256(data).hexdigest()

    def table_pages(fast_text: list[str]) -> set[int]:
        return set(range(1, len(fast_text) + 1)) if full_scan else flagged_pages(patterns, fast_text)

    doc = load(path, doc_id, data, {"table_pages": table_pages})
    items = sum(line.kind == "item" for line in doc.lines)
    doc_type, scores = classify(patterns, doc.classify_text, doc.format, items, len(doc.tables))
    if patterns.forced_type:
        doc_type = patterns.forced_type
    ctx = Context(doc, patterns, doc_type, Organisations.load())
    apply(ctx)
    records = {t: ctx.records[t] for t in RECORD_TABLES}
    records["ratings"] = previous_years(merge_ratings(records["ratings"]))
    records["rating_counts"] = dedupe(records["rating_counts"], "rating_counts")
    records["budgets"] = dedupe(records["budgets"], "budgets")
    records["indicators"] = dedupe(records["indicators"], "indicators")
    records["achievements"] = dedupe(records["achievements"], "achievements")
    records["segments"] = merge_segments(records["segments"])
    messages = doc.notes + ctx.messages
    if not any(records.values()):
        messages.append(NOTHING_FOUND)
    row.update(
        doc_type=doc_type,
        title=normalise.clean(doc.title)[:200],
        published=doc.published or _published(doc),
        pages=doc.pages if doc.pages is not None else "",
        status="partial" if ctx.partial else "ok",
        message="; ".join(messages),
    )
    return FileResult(row, records, scores, ctx.trace, dict(ctx.fired), doc.pages or 0, doc.regions)


def read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise LoadError(f"file is larger than {MAX_BYTES // 2**20} MB: split it before extracting")
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file ({exc.strerror or exc}): check that it exists and is readable") from None


def flagged_pages(patterns: Patterns, fast_text: list[str]) -> set[int]:
    """Pages whose fast text meets every page cue of some table rule, and the page after each
    (a table may run on); only these get pdfplumber's table analysis."""
    cue_sets = [
        [patterns.compile(c) for c in rule.page_cues]
        for rule in patterns.table_rules()
        if rule.page_cues
    ]
    pages: set[int] = set()
    for number, text in enumerate(fast_text, start=1):
        folded = text.casefold()
        if any(all(may_match(c, folded) and c.search(text) for c in cues) for cues in cue_sets):
            pages.update({number, number + 1})
    return {p for p in pages if p <= len(fast_text)}


_PUBLISHED = re.compile(r"(?i)\b(?:published|publication\s+date|date\s+of\s+publication)\b\s*:?\s*(?:online\s*:?\s*)?")


def _published(doc: Document) -> str:
    text = doc.classify_text[:6000]
    for m in _PUBLISHED.finditer(text):
        found = normalise.date(text[m.end() : m.end() + 40])
        if found:
            return found
    return ""


def _fold_key(row: dict, table: str) -> tuple:
    key = []
    for column in KEYS[table]:
        if column == "org_code":
            key.append(row["org_code"] or normalise.fold(row["organisation"]))
        else:
            key.append(normalise.fold(str(row[column])))
    return tuple(key)


def merge_ratings(rows: list[dict]) -> list[dict]:
    """One row per organisation, period and assessment; later statements fill gaps."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = _fold_key(row, "ratings")
        if key not in merged:
            merged[key] = dict(row)
            continue
        kept = merged[key]
        for column in ("rating", "previous_rating", "direction", "org_code"):
            if not kept[column] and row[column]:
                kept[column] = row[column]
        if not kept["direction"]:
            kept["direction"] = normalise.direction(kept["previous_rating"], kept["rating"])
    return list(merged.values())


def previous_years(rows: list[dict]) -> list[dict]:
    """A rating stated for the year before another of the same organisation and assessment is
    that later row's previous rating, when the later row states none."""
    by_key = {(r["org_code"] or normalise.fold(r["organisation"]), r["assessment"], r["period"]): r for r in rows}
    dated = {(r["org_code"] or normalise.fold(r["organisation"]), r["assessment"], r["rating"]) for r in rows if r["period"]}
    rows = [r for r in rows if r["period"] or (r["org_code"] or normalise.fold(r["organisation"]), r["assessment"],
                                               r["rating"]) not in dated]  # an undated restatement of a dated row
    for row in rows:
        if row["previous_rating"] or not row["rating"] or not row["period"]:
            continue
        start = int(row["period"][:4])
        before = by_key.get((row["org_code"] or normalise.fold(row["organisation"]), row["assessment"],
                             f"{start - 1}/{start % 100:02d}"))
        if before and before["rating"]:
            row["previous_rating"] = before["rating"]
            row["direction"] = normalise.direction(row["previous_rating"], row["rating"])
    return rows


def dedupe(rows: list[dict], table: str) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for row in rows:
        seen.setdefault(_fold_key(row, table), row)
    return list(seen.values())
