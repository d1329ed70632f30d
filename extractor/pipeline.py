"""The pipeline: find files, load, classify, apply rules, merge, and collect rows.

``process_file`` never raises: whatever happens to one file becomes its
documents.csv row (status and a one-line message), and the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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
from .sections import find_sections, section_document

if TYPE_CHECKING:
    from .patterns import BudgetTable, IndicatorTable, RatingTable, SegmentTable

log = logging.getLogger(__name__)
MAX_BYTES = 512 * 1024 * 1024
NOTHING_FOUND = "no ratings, budgets, indicators or achievements found"


@dataclass
class FileResult:
    """One input file's outcome: its documents.csv row and its records."""

    document: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)
    pages_read: int = 0
    regions: list[tuple[int | None, tuple[float, ...], str]] = field(default_factory=list)  # tables found on PDF pages: (page, bbox, source)


def discover(target: Path) -> list[tuple[Path, str]]:
    """Files under ``target`` (or ``target`` itself) with their doc_ids, sorted; no link loops.
    Links that leave ``target`` are listed (``screen`` skips them) but never walked into."""
    if not target.is_dir():
        return [(target, printable(target.name))]
    found = []
    root = target.resolve()
    seen_dirs: set[tuple[int, int]] = set()
    for top, dirs, files in os.walk(target, followlinks=True):
        stat_ = os.stat(top)
        if (stat_.st_dev, stat_.st_ino) in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add((stat_.st_dev, stat_.st_ino))
        if top != str(target) and is_results_folder(Path(top)):
            log.info("skipping %s: it holds extraction results or goldens, not documents", top)
            dirs[:] = []
            continue
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            path = Path(top) / name
            if path.is_symlink() and not _inside(path, root):
                files.append(name)  # listed as a file: its row says the link was not followed
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(top) / name
            found.append((path, printable(path.relative_to(target).as_posix())))
    return sorted(found, key=lambda item: item[1])


def printable(name: str) -> str:
    """A file name as a CSV cell: bytes that are not UTF-8 (surrogate escapes), control characters
    (CR, LF, tab...) and a backslash that would read as an escape written as ``\\xNN``, so nothing
    is lost, no two names meet and no row is broken."""
    out = []
    for at, ch in enumerate(name):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F or (ch == "\\" and re.match(r"x[0-9a-fA-F]{2}", name[at + 1:at + 4])):
            out.append(f"\\x{code:02x}")  # a backslash too where it would read as an escape
        else:
            out.append(ch)
    return "".join(out)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # a broken link or a loop: reading it reports why
        return True


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))


def screen(path: Path, root: Path | None = None) -> str | None:
    """Why ``path`` is skipped without being opened, or None: a link out of ``root``, anything
    but a regular file (a FIFO would block the reader), a file over the size limit."""
    if root is not None and path.is_symlink() and not _inside(path, root.resolve()):
        return f"link to {printable(str(path.resolve()))}, outside the input folder: not followed"
    try:
        info = os.stat(path)
    except OSError:
        return None  # reading it reports why
    return _kind(info)


def _kind(info: os.stat_result) -> str | None:
    for test, kind in _KINDS:
        if test(info.st_mode):
            return f"{kind}, not a regular file: not read"
    if info.st_size > MAX_BYTES:
        limit = f"{MAX_BYTES // 2**20} MB" if MAX_BYTES >= 2**20 else f"{MAX_BYTES} bytes"
        return f"file is over the size limit of {limit}: split it before extracting"
    return None


def skipped(doc_id: str, message: str) -> FileResult:
    row = {column: "" for column in TABLES["documents"]}
    row.update(doc_id=doc_id, doc_type="unknown", status="skipped", message=message, extractor_version=__version__)
    return FileResult(document=row, records={t: [] for t in RECORD_TABLES})


def process_file(path: Path, doc_id: str, patterns: Patterns, full_scan: bool = False,
                 data: bytes | None = None) -> FileResult:
    """Extract one file (``data``, when given, holds its bytes); never raises."""
    row = {column: "" for column in TABLES["documents"]}
    row.update(doc_id=doc_id, doc_type="unknown", extractor_version=__version__)
    stage = ["reading the file"]
    try:
        return _process(path, doc_id, patterns, row, full_scan, data, stage)
    except LoadError as exc:
        row.update(status=exc.status, message=str(exc))
    except MemoryError:
        row.update(status="failed", message="out of memory while reading the file: split it and extract the parts")
    except Exception as exc:  # the batch must go on; the message says what broke
        log.warning("%s: internal error while %s (%s: %s)", doc_id, stage[0], type(exc).__name__, exc,
                    exc_info=log.isEnabledFor(logging.DEBUG))
        row.update(status="failed", message=f"internal error while {stage[0]} ({type(exc).__name__}: "
                                            f"{printable(str(exc))[:120]}): please report it with the file")
    return FileResult(document=row, records={t: [] for t in RECORD_TABLES})


def _process(path: Path, doc_id: str, patterns: Patterns, row: dict[str, Any], full_scan: bool, data: bytes | None,
             stage: list[str]) -> FileResult:
    if data is None:
        data = read_file(path)
    row["sha256"] = hashlib.sha256(data).hexdigest()
    stage[0] = "loading the document"

    def table_pages(fast_text: list[str]) -> set[int]:
        return set(range(1, len(fast_text) + 1)) if full_scan else flagged_pages(patterns, fast_text)

    doc = load(path, doc_id, data, {"table_pages": table_pages, "ocr": patterns.ocr})
    stage[0] = "classifying the document"
    doc_type, scores = document_type(patterns, doc)
    sections = find_sections(doc)
    orgs = Organisations.load()
    records: dict[str, list[dict[str, Any]]] = {t: [] for t in RECORD_TABLES}
    messages = list(doc.notes)
    fired: Counter[str] = Counter()
    trace: list[str] = []
    for section in sections:
        part, part_type = doc, doc_type
        if len(sections) > 1:  # a pack: each paper is classified and read with its own context
            part = section_document(doc, section)
            part_type = document_type(patterns, part)[0]
            trace.append(f"section {section.label}: pages {section.first_page}-{section.last_page}, {part_type}")
        stage[0] = f"applying the {part_type} rules" + (f" to {section.label}" if len(sections) > 1 else "")
        ctx = Context(part, patterns, part_type, orgs)
        apply(ctx)
        for table in RECORD_TABLES:
            for record in ctx.records[table]:
                record["section"] = section.label
            records[table] += ctx.records[table]
        messages += [m for m in ctx.messages if m not in messages]
        fired.update(ctx.fired)
        trace += ctx.trace
        records["sections"].append({"doc_id": doc_id, "section": section.label, "doc_type": part_type,
                                    "first_page": section.first_page if doc.pages else "",
                                    "last_page": section.last_page if doc.pages else ""})
    stage[0] = "merging the records"
    records["ratings"] = previous_years(merge_ratings(records["ratings"]))
    for table in ("rating_counts", "budgets", "indicators", "achievements"):
        records[table] = dedupe(records[table], table)
    records["segments"] = merge_segments(records["segments"])
    if not any(rows for table, rows in records.items() if table != "sections"):
        messages.append(NOTHING_FOUND)
    row.update(
        doc_type=doc_type,
        title=normalise.clean(doc.title)[:200],
        published=doc.published or _published(doc),
        pages=doc.pages if doc.pages is not None else "",
        # stated totals the rows contradict and arithmetic that does not add up are warnings in the
        # message (ctx.partial); only a part of the document that could not be read makes it partial
        status="partial" if doc.partial else "ok",
        message="; ".join(messages),
    )
    return FileResult(row, records, scores, trace, dict(fired), doc.pages or 0, doc.regions)


def document_type(patterns: Patterns, doc: Document) -> tuple[str, list[Score]]:
    """The type ``--type`` forces, else the one classification gives; and every type's score."""
    items = sum(line.kind == "item" for line in doc.lines)
    doc_type, scores = classify(patterns, doc.classify_text, doc.format, items, len(doc.tables))
    return patterns.forced_type or doc_type, scores


def read_file(path: Path) -> bytes:
    """The file's bytes; opened without blocking and checked again once open, so a file swapped
    for a pipe or grown past the limit after ``screen`` is still skipped."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            reason = _kind(os.fstat(fh.fileno()))
            if reason:
                raise LoadError(reason, status="skipped")
            return fh.read()
    except OSError as exc:
        raise LoadError(f"cannot read file ({exc.strerror or exc}): check that it exists and is readable") from None


# What a table body's lines hold, by the kind of table: amounts, ratings, or any text.
_BODY = {
    "budget_table": re.compile(r"\d[\d,]*(?:\.\d+)?\)?\s.*?\d[\d,]*(?:\.\d+)?\)?(?:\s|$)"),
    "rating_table": re.compile(rf"\b(?:{normalise.RATING})\b"),
}


def flagged_pages(patterns: Patterns, fast_text: list[str]) -> set[int]:
    """Pages that can hold a table some rule reads, and the page after each (a table may run on);
    only these get pdfplumber's table analysis.  A page qualifies when it meets every page cue of a
    table rule and shows that rule's table: lines where two of its header words stand together,
    followed by at least two lines of the body it reads (amounts for budgets, ratings for ratings);
    or when it meets the cues and follows a page that qualified (a table running on)."""
    rules = []
    for rule in cast("list[RatingTable | BudgetTable | IndicatorTable | SegmentTable]", patterns.table_rules()):
        headers = [patterns.compile(v) for v in rule.headers.model_dump().values() if isinstance(v, str) and v]
        rules.append(([patterns.compile(c) for c in rule.page_cues], headers, _BODY.get(rule.kind)))
    pages: set[int] = set()
    for number, text in enumerate(fast_text, start=1):
        folded = text.casefold()
        for cues, headers, body in rules:
            if not all(may_match(c, folded) and c.search(text) for c in cues):
                continue
            if number - 1 in pages or _shows_table(text, headers, body):  # a table, or one running on
                pages.update({number, number + 1})
                break
    return {p for p in pages if p <= len(fast_text)}


def _shows_table(text: str, headers: list[re.Pattern[str]], body: re.Pattern[str] | None) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    for i in range(len(lines)):
        head = " ".join(lines[i: i + 3])  # header cells wrap over lines
        if sum(1 for h in headers if h.search(head)) < 2:
            continue
        rows = lines[i + 1: i + 25]
        if body is None or sum(1 for line in rows if body.search(line)) >= 2:
            return True
    return False


_PUBLISHED = re.compile(r"(?i)\b(?:published|publication\s+date|date\s+of\s+publication)\b\s*:?\s*(?:online\s*:?\s*)?")


def _published(doc: Document) -> str:
    text = doc.classify_text[:6000]
    for m in _PUBLISHED.finditer(text):
        found = normalise.date(text[m.end() : m.end() + 40])
        if found:
            return found
    return ""


def _fold_key(row: dict[str, Any], table: str) -> tuple[Any, ...]:
    key = []
    for column in KEYS[table]:
        if column == "org_code":
            key.append(row["org_code"] or normalise.fold(row["organisation"]))
        else:
            key.append(normalise.fold(str(row[column])))
    return tuple(key)


def merge_ratings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per organisation, period and assessment; later statements fill gaps."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
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


def previous_years(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def dedupe(rows: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(_fold_key(row, table), row)
    return list(seen.values())
