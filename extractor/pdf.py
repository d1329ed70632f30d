"""PDF loading in two passes, as MEASUREMENTS.md advises.

1. pypdfium2 reads every page's text with line positions (about 2 ms a page).
   Lines are grouped into paragraphs, list items and headings; running headers
   and footers are dropped.
2. pdfplumber opens only the pages the caller asks for (``table_pages``, decided
   from the pattern files' cues on the fast text) and finds their tables: ruled
   tables with its line strategy, whitespace tables from header words and the
   gaps between columns.  Each page is closed as soon as it is read.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from .model import Document, Line, LoadError, Table
from .normalise import clean, join_broken_lines, strip_bullet

if TYPE_CHECKING:
    from pdfplumber.page import Page

log = logging.getLogger(__name__)

TablePages = Callable[[list[str]], set[int]]
_NUMBERED = re.compile(r"^\(?\d{1,2}[.)]\s+\S")
_AMOUNT_CELL = re.compile(r"^(?:[\-\u2010-\u2014\u2212]?£?-?\d[\d,]*(?:\.\d+)?|\(£?\d[\d,]*(?:\.\d+)?\))$")


@dataclass
class _Raw:
    """A physical line: text and its box in top-left coordinates."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float


def load_pdf(data: bytes, doc_id: str, table_pages: TablePages | None = None) -> Document:
    """A PDF's text layer and tables (pages with an image and no text are listed in ``image_pages``)."""
    doc = Document(doc_id=doc_id, format="pdf")
    raws = _fast_pass(data, doc)
    if not any(text.strip() for text in doc.fast_text):
        if doc.pages == 0:
            raise LoadError("PDF has no pages")
        raise LoadError(
            "no text layer (scanned or image-only PDF): run OCR, e.g. 'ocrmypdf in.pdf out.pdf', and extract again",
            status="needs_ocr",
        )
    wanted = table_pages(doc.fast_text) if table_pages else set(range(1, (doc.pages or 0) + 1))
    tables = _find_tables(data, sorted(wanted), doc) if wanted else []
    doc.regions = [(t.page, tuple(round(v, 1) for v in t.bbox), t.source) for t in tables if t.bbox]
    _assemble(doc, raws, tables)
    return doc


# ---------------------------------------------------------------- pass 1: pypdfium2

def _outline(pdf: pdfium.PdfDocument) -> list[tuple[str, int]]:
    """The top level of the outline (bookmarks): (title, 1-based page); [] when there is none."""
    found: list[tuple[str, int]] = []
    try:
        for item in pdf.get_toc():
            if getattr(item, "level", 0) != 0:
                continue  # a paper's own headings, not the pack's papers
            if hasattr(item, "get_title"):  # pypdfium2 5
                dest = item.get_dest()
                title, index = item.get_title(), dest.get_index() if dest is not None else None
            else:  # pypdfium2 4
                title, index = item.title, item.page_index
            if index is not None:
                found.append((str(title), int(index) + 1))
    except Exception:  # an outline that cannot be read is no outline
        return []
    return found


def _fast_pass(data: bytes, doc: Document) -> list[_Raw]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise LoadError("PDF is password-protected: it needs a password; save an unprotected copy") from None
        raise LoadError(f"corrupt or truncated PDF ({reason.split('(')[-1].rstrip(').')}): re-download or re-export it") from None
    raws: list[_Raw] = []
    try:
        doc.pages = len(pdf)
        doc.outline = _outline(pdf)
        meta = _metadata(pdf)
        doc.title = _useful_title(meta.get("Title", ""))
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                text_page = page.get_textpage()
                text = text_page.get_text_range()
                height = page.get_height()
                doc.fast_text.append(text.replace("\ufffe", "-").replace("\r\n", "\n"))
                raws.extend(_page_lines(text_page, text, index + 1, height))
                if not text.strip() and any(obj.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects()):
                    doc.image_pages.append(index + 1)
                text_page.close()
            finally:
                page.close()
    finally:
        pdf.close()
    return raws


_PLACEHOLDER_TITLE = re.compile(r"(?i)^\(?(anonymous|untitled|no title|title)\)?$")
_TOOL_WRAPPING = re.compile(r"(?i)^microsoft (?:word|powerpoint|excel) - |\.(?:docx?|pdf|pptx?|odt)$")


def _useful_title(title: str) -> str:
    """The metadata title without a tool's wrapping ('Microsoft Word - x.docx'), unless it
    is a placeholder such as '(anonymous)'."""
    title = _TOOL_WRAPPING.sub("", title.strip()).strip()
    return "" if _PLACEHOLDER_TITLE.match(title) else title


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    try:
        return {k: clean(v) for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
    except Exception:  # broken info dictionaries are common and never fatal
        return {}


def _page_lines(text_page: pdfium.PdfTextPage, text: str, page: int, height: float) -> list[_Raw]:
    """Physical lines with positions; pdfium's soft-hyphen mark starts a new line."""
    out, offset = [], 0
    for chunk in text.split("\r\n"):
        start = offset
        for piece in chunk.split("\ufffe"):
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                first = text_page.get_charbox(start + lead)
                last = text_page.get_charbox(start + lead + len(stripped) - 1)
                broken = start + len(piece) < offset + len(chunk)
                out.append(_Raw(stripped + ("-" if broken else ""), page, first[0], last[2],
                                height - max(first[3], last[3]), height - min(first[1], last[1])))
            start += len(piece) + 1
        offset += len(chunk) + 2
    return out


# ---------------------------------------------------------------- pass 2: pdfplumber tables

def _find_tables(data: bytes, pages: list[int], doc: Document | None = None) -> list[Table]:
    """The tables of ``pages``.  A page whose analysis crashes loses its tables, never the
    document: the document becomes partial and its message names the page."""
    import pdfplumber

    found: list[Table] = []
    # only the pages asked for: pdfplumber would otherwise set up every page of a long pack
    with pdfplumber.open(io.BytesIO(data), pages=pages) as pdf:
        by_number = {page.page_number: page for page in pdf.pages}
        for number in pages:
            if number not in by_number:
                continue
            page = by_number[number]
            try:
                ruled = [t for t in page.find_tables() if len(t.rows) >= 2 and len(t.rows[0].cells) >= 2]
                for t in ruled:
                    rows = [[join_broken_lines(c.split("\n")) if c else "" for c in row] for row in t.extract()]
                    found.append(Table(rows=rows, page=number, pages=[number] * len(rows), bbox=t.bbox, source="ruled"))
                spaced = _whitespace_tables(page, number, [t.bbox for t in ruled])
                found.extend(spaced)
                found.extend(_text_column_tables(page, number, [t.bbox for t in ruled + spaced]))
            except MemoryError:
                raise  # the run's limit, not the file's fault: the file fails and is not cached
            except Exception as exc:  # a malformed page loses its tables, never the document
                name = doc.doc_id if doc else "PDF"
                log.warning("%s: reading the tables of page %s failed (%s: %s)", name, number, type(exc).__name__, exc)
                if doc is not None:
                    doc.partial = True
                    doc.notes.append(f"the tables of page {number} could not be read ({type(exc).__name__}): "
                                     "rows from them are missing; check the page")
            finally:
                page.close()
    return found


def _whitespace_tables(page: Page, number: int, taken: list[tuple[float, float, float, float]]) -> list[Table]:
    """Tables without ruling lines, read the way a person does.

    The body is a run of rows holding two or more amounts, with wrapped label
    rows between them; amount columns are the clusters of right edges that line
    up over two or more rows; the label column is everything to their left.
    Header rows are the rows just above whose words all sit in one column.
    """
    words = [w for w in page.extract_words() if not any(_inside(w, box) for box in taken)]
    rows = _group_rows(words)
    tables, i = [], 0
    while i < len(rows):
        if _numeric_cells(rows[i]) < 2:
            i += 1
            continue
        body, j, last_numeric = [rows[i]], i + 1, i
        while j < len(rows) and j - last_numeric <= 3 and rows[j][0]["top"] - body[-1][0]["bottom"] < 25:
            if _numeric_cells(rows[j]) >= 2:
                last_numeric = j
            elif not _label_only(rows[j], body):
                break
            body.append(rows[j])
            j += 1
        body = body[: last_numeric - i + 1] + [r for r in rows[last_numeric + 1 : j] if _label_only(r, body)][:1]
        columns = _amount_columns(body)
        if len(columns) >= 2:
            head = _header_rows(rows, i, columns)
            table = _grid(head, body, columns, number)
            if table:
                tables.append(table)
        i = max(j, i + 1)
    return tables


_HEADER_WORD = re.compile(r"^[A-Z][a-z]+$|^[a-z]+$")


def _text_column_tables(page: Page, number: int,
                        taken: list[tuple[float, float, float, float] | None]) -> list[Table]:
    """Tables of words without ruling lines or amounts (Area | Indicator), read the way a
    person does: a header row of two or three short title-case labels set apart; each
    label's left edge starts a column; the rows below keep to those columns; a row's cells
    may wrap over several lines, and a wider gap than a wrap's starts the next row."""
    words = [w for w in page.extract_words() if not any(_inside(w, box) for box in taken)]
    rows = _group_rows(words)
    tables = []
    i = 0
    while i < len(rows):
        starts = _header_starts(rows[i])
        if not starts:
            i += 1
            continue
        body: list[list[dict[str, Any]]] = []
        j = i + 1
        while j < len(rows):
            row = _within(rows[j], starts)
            j += 1
            if not row:
                continue  # a line of the page's other column, level with the table
            previous = body[-1] if body else rows[i]
            if row[0]["top"] - previous[0]["bottom"] > 30 or row[0]["x0"] < starts[0] - 4:
                j -= 1
                break
            if any(w["x0"] < b - 3 < w["x1"] for w in row for b in starts[1:]) or not _aligned(row, starts):
                j -= 1
                break  # a word runs across a column edge, or a line starts off the columns: prose
            body.append(row)
        firsts = sum(any(w["x0"] < starts[1] - 3 for w in r) for r in body)
        if len(body) >= 3 and firsts >= 2 and all(any(w["x0"] >= starts[-1] - 3 for w in r) or len(r) <= 4 for r in body):
            table = _text_grid(rows[i], body, starts, number, [w["text"] for w in words])
            if table:
                tables.append(table)
            i = j
        else:
            i += 1
    return tables


def _within(row: list[dict[str, Any]], starts: list[float]) -> list[dict[str, Any]]:
    """The row's words up to a wide gap right of the last column's start (past it lies the
    page's other column)."""
    kept: list[dict[str, Any]] = []
    for w in row:
        if kept and w["x0"] > starts[-1] + 4 and w["x0"] - kept[-1]["x1"] > 40:
            break
        if not kept and w["x0"] > starts[-1] + 40:
            return []
        kept.append(w)
    return kept


def _aligned(row: list[dict[str, Any]], starts: list[float]) -> bool:
    """Each column's first word starts at the column's left edge (cells are left-aligned)."""
    for k, start in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else float("inf")
        cell = [w for w in row if start - 4 <= w["x0"] < end]
        if cell and abs(cell[0]["x0"] - start) > 4:
            return False
    return True


def _header_starts(row: list[dict[str, Any]]) -> list[float]:
    """The left edges of a header row's labels: two or three short labels far apart."""
    phrases = _phrases(row)
    if not 2 <= len(phrases) <= 3 or len(row) > 5:
        return []
    if not all(_HEADER_WORD.match(w["text"]) for w in row) or not row[0]["text"][0].isupper():
        return []
    gaps = [b[0]["x0"] - a[-1]["x1"] for a, b in zip(phrases, phrases[1:])]
    if min(gaps) < 30:
        return []
    return [p[0]["x0"] for p in phrases]


def _join_cell(lines: list[str], vocabulary: set[str]) -> str:
    """A cell's wrapped lines as one; a hyphen after an abbreviation or a number at a line's
    end is the word's own ('NICE-recommended', '10-11'), other line-end hyphens as the
    document's words decide."""
    out: list[str] = []
    for line in lines:
        if out and re.search(r"(?:\b[A-Z]{2,}|\d)-$", out[-1]) and line:
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return join_broken_lines(out, vocabulary)


def _text_grid(header: list[dict[str, Any]], body: list[list[dict[str, Any]]], starts: list[float], number: int,
               page_words: Sequence[str] = ()) -> Table | None:
    steps = [b[0]["top"] - a[0]["top"] for a, b in zip(body, body[1:])]
    height = statistics.median(w["bottom"] - w["top"] for r in body for w in r)
    groups: list[list[list[dict[str, Any]]]] = []
    for k, row in enumerate(body):
        if k and steps[k - 1] <= 1.45 * height:  # a wrapped line; a row's gap is wider
            groups[-1].append(row)
        else:
            groups.append([row])

    def column(word: dict[str, Any]) -> int:
        return max(k for k, b in enumerate(starts) if word["x0"] >= b - 3 or k == 0)

    vocabulary = {w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", " ".join(page_words))}
    vocabulary |= {part for w in vocabulary for part in w.split("-")}
    grid = [[" ".join(w["text"] for w in _phrases(header)[k]) for k in range(len(starts))]]
    for group in groups:
        lines = [[" ".join(w["text"] for w in row if column(w) == k) for row in group] for k in range(len(starts))]
        grid.append([_join_cell(cell, vocabulary) for cell in lines])
    rows = [header] + body
    x0 = min(w["x0"] for r in rows for w in r)
    x1 = max(w["x1"] for r in rows for w in r)
    return Table(rows=grid, page=number, pages=[number] * len(grid),
                 bbox=(x0, header[0]["top"], x1, max(w["bottom"] for w in body[-1])), source="columns")


def _inside(word: dict[str, Any], box: tuple[float, float, float, float] | None) -> bool:
    x0, top, x1, bottom = cast("tuple[float, float, float, float]", box)
    return bool(word["x0"] >= x0 - 1 and word["x1"] <= x1 + 1
                and word["top"] >= top - 1 and word["bottom"] <= bottom + 1)


def _group_rows(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) < 3:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(r, key=lambda w: w["x0"]) for r in rows]


def _numeric_cells(row: list[dict[str, Any]]) -> int:
    return sum(bool(_AMOUNT_CELL.match(w["text"])) for w in row)


def _amount_columns(body: list[list[dict[str, Any]]]) -> list[list[float]]:
    """[x0, x1] of each column of amounts whose right edges line up over two or more rows."""
    clusters: list[list[float]] = []  # [x0, x1, hits]
    for row in body:
        for w in row:
            if not _AMOUNT_CELL.match(w["text"]):
                continue
            for c in clusters:
                if abs(c[1] - w["x1"]) < 4 or abs(c[0] - w["x0"]) < 4:
                    c[0], c[1], c[2] = min(c[0], w["x0"]), max(c[1], w["x1"]), c[2] + 1
                    break
            else:
                clusters.append([w["x0"], w["x1"], 1])
    return sorted([c[:2] for c in clusters if c[2] >= 2])


def _label_only(row: list[dict[str, Any]], body: list[list[dict[str, Any]]]) -> bool:
    """A row that only continues the label column (a wrapped organisation name)."""
    first_amount = min((w["x0"] for r in body for w in r if _AMOUNT_CELL.match(w["text"])), default=0)
    return _numeric_cells(row) == 0 and row[-1]["x1"] < first_amount


def _column_of(word: dict[str, Any], columns: list[list[float]]) -> int:
    """0 for the label column, k for the k-th amount column, -1 when the word crosses a gap."""
    for k, (x0, x1) in enumerate(columns, start=1):
        if word["x1"] > x0 - 25 and word["x0"] < x1 + 15:
            return k
    return 0 if word["x1"] < columns[0][0] - 5 else -1


def _header_rows(rows: list[list[dict[str, Any]]], start: int,
                 columns: list[list[float]]) -> list[list[dict[str, Any]]]:
    """Up to four rows directly above the body whose words each sit in one column."""
    head: list[list[dict[str, Any]]] = []
    k = start - 1
    while k >= 0 and len(head) < 4:
        row = rows[k]
        below = head[0] if head else rows[start]
        if below[0]["top"] - row[0]["bottom"] > 20 or _numeric_cells(row) >= 2:
            break
        text = " ".join(w["text"] for w in row)
        if any(_column_of(w, columns) < 0 for w in row) or len(row) > 12 or text.endswith((".", ":")) or _NUMBERED.match(text):
            break  # a sentence or a line of prose, not a header
        head.insert(0, row)
        k -= 1
    return head


def _phrases(row: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words of a header row grouped into phrases: words closer than a wide space."""
    phrases: list[list[dict[str, Any]]] = []
    for w in row:
        if phrases and w["x0"] - phrases[-1][-1]["x1"] < 6:
            phrases[-1].append(w)
        else:
            phrases.append([w])
    return phrases


def _group_columns(phrase: list[dict[str, Any]], phrases: list[list[dict[str, Any]]],
                   columns: list[list[float]]) -> list[int]:
    """The amount columns a group label above the header heads ('Year to date', 'Forecast'):
    those whose centre is nearer this label's centre than any other label's."""
    def centre(p: list[dict[str, Any]]) -> float:
        return cast(float, (p[0]["x0"] + p[-1]["x1"]) / 2)

    return [k + 1 for k, (c0, c1) in enumerate(columns)
            if min(phrases, key=lambda p: abs(centre(p) - (c0 + c1) / 2)) is phrase]


def _header_column(phrase: list[dict[str, Any]], columns: list[list[float]]) -> int:
    """The column a header phrase heads: the amount column it overlaps most (headers are
    often right-aligned over their figures and wider than them), else the label column."""
    x0, x1 = phrase[0]["x0"], phrase[-1]["x1"]
    if x1 < columns[0][0] - 5:
        return 0
    overlaps = [min(x1, c1) - max(x0, c0 - 10) for c0, c1 in columns]
    best = max(range(len(columns)), key=lambda k: overlaps[k])
    if overlaps[best] > 0:
        return best + 1
    return min(range(len(columns)), key=lambda k: abs(columns[k][1] - x1)) + 1


def _grid(head: list[list[dict[str, Any]]], body: list[list[dict[str, Any]]], columns: list[list[float]],
          number: int) -> Table | None:
    grid: list[list[str]] = []
    lost = [f"'{w['text']}' straddles two columns, its row may be wrong" for row in body for w in row
            if _column_of(w, columns) < 0]
    for index, row in enumerate(head + body):
        cells = [""] * (len(columns) + 1)
        if index < len(head):
            phrases = _phrases(row)
            groups = index < len(head) - 1 and len(phrases) < len(columns) and all(
                p[0]["x0"] > columns[0][0] - 25 for p in phrases)
            for phrase in phrases:
                text = " ".join(w["text"] for w in phrase)
                for k in (_group_columns(phrase, phrases, columns) if groups else [_header_column(phrase, columns)]):
                    cells[k] = f"{cells[k]} {text}".strip()
            grid.append(cells)
            continue
        for w in row:
            k = max(_column_of(w, columns), 0)
            cells[k] = f"{cells[k]} {w['text']}".strip()
        wrapped = index >= len(head) and _numeric_cells(row) == 0 and grid and len(grid) > len(head)
        if wrapped:
            grid[-1][0] = f"{grid[-1][0]} {cells[0]}".strip()
        else:
            grid.append(cells)
    if len(head) > 1:  # a multi-row header becomes one row, cell by cell
        merged = [" ".join(filter(None, parts)) for parts in zip(*grid[: len(head)])]
        grid = [merged] + grid[len(head) :]
    rows = head + body
    x0 = min(w["x0"] for r in rows for w in r)
    x1 = max(w["x1"] for r in rows for w in r)
    top, bottom = rows[0][0]["top"], max(w["bottom"] for w in rows[-1])
    return Table(rows=grid, page=number, pages=[number] * len(grid), bbox=(x0, top, x1, bottom), source="whitespace",
                 lost=lost)


# ---------------------------------------------------------------- assembly

def _assemble(doc: Document, raws: list[_Raw], tables: list[Table]) -> None:
    """Drop running headers/footers, place tables, and group lines into paragraphs."""
    raws = _drop_running(raws, doc.pages or 1)
    by_page: dict[int, list[Table]] = {}
    for table in tables:
        by_page.setdefault(table.page or 0, []).append(table)
    vocabulary = {w.lower() for r in raws for w in re.findall(r"[A-Za-z]+", r.text)}
    vocabulary |= {w.lower() for r in raws for w in re.findall(r"[A-Za-z]+-[A-Za-z]+", r.text)}
    widths = [r.x1 - r.x0 for r in raws]
    full = statistics.quantiles(widths, n=10)[-1] if len(widths) >= 10 else max(widths, default=1)
    steps = [b.top - a.top for a, b in zip(raws, raws[1:]) if a.page == b.page and 4 < b.top - a.top < 40]
    pitch = statistics.median(steps) if steps else 14.0
    block: list[_Raw] = []
    kind = "text"

    def flush() -> None:
        nonlocal block, kind
        if block:
            text = join_broken_lines([r.text for r in block], vocabulary)
            if kind == "text" and len(block) == 1 and _heading_like(block[0], full):
                kind = "heading"
            if kind == "item":
                text = strip_bullet(text)[0]
            doc.lines.append(Line(text, block[0].page, kind))
        block, kind = [], "text"

    placed: set[int] = set()
    previous: _Raw | None = None
    def place_rest(page: int) -> None:
        for table in by_page.get(page, []):
            if id(table) not in placed:
                flush()
                _attach_table(doc, table)
                placed.add(id(table))

    for raw in raws:
        if previous is not None and raw.page != previous.page:
            if any(id(t) not in placed for t in by_page.get(previous.page, [])):
                place_rest(previous.page)
                previous = None
        for table in by_page.get(raw.page, []):
            assert table.bbox is not None  # every table found on a PDF page has its box
            if id(table) not in placed and raw.top >= table.bbox[1] - 2:
                flush()
                _attach_table(doc, table)
                placed.add(id(table))
        if any(_in_table(raw, t) for t in by_page.get(raw.page, [])):
            continue
        body, bullet = strip_bullet(raw.text)
        new_block = (
            bullet
            or _NUMBERED.match(raw.text)
            or previous is None
            or _gap(previous, raw, pitch)
            or (block and _heading_like(block[-1], full) and len(block) == 1)
            or (kind == "item" and raw.x0 < block[0].x0 + 4 and not bullet)
            or (block and block[-1].x1 < 0.75 * full + block[-1].x0 and block[-1].text.endswith((".", ":", "?")))
        )
        if new_block:
            flush()
            kind = "item" if bullet else "text"
        block.append(raw)
        previous = raw
    flush()
    for page in sorted(by_page):
        place_rest(page)
    _join_continued_tables(doc)


def _attach_table(doc: Document, table: Table) -> None:
    table.anchor = len(doc.lines)
    if doc.lines:
        table.caption = doc.lines[-1].text
    doc.tables.append(table)


def _in_table(raw: _Raw, table: Table) -> bool:
    assert table.bbox is not None
    x0, top, x1, bottom = table.bbox
    middle = (raw.top + raw.bottom) / 2
    return top - 1 <= middle <= bottom + 1 and raw.x0 >= x0 - 3 and raw.x1 <= x1 + 3


def _gap(a: _Raw, b: _Raw, pitch: float) -> bool:
    """A paragraph break between two consecutive lines (a wider gap, or a new page after a full stop)."""
    if b.page != a.page:
        return a.text.rstrip().endswith((".", ":", "!", "?"))
    return b.top - a.top > 1.45 * pitch or b.top < a.top - 2 and b.x0 < a.x0 - 2


def _heading_like(raw: _Raw, full: float) -> bool:
    text = raw.text
    return (
        len(text) < 70
        and (raw.x1 - raw.x0) < 0.6 * full
        and not text.endswith((".", ",", ";", "-"))
        and text[:1].isupper()
        and not _NUMBERED.match(text)
        and not strip_bullet(text)[1]
    )


# What a printer or a browser puts in the margins: page counters, the address, the date and time.
_FURNITURE = re.compile(
    r"(?i)(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d+)?"
    r"|https?://\S+(?:\s+\d{1,4}\s*/\s*\d+)?"
    r"|\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(?:\s*[ap]m)?\b.*"
)


def _drop_running(raws: list[_Raw], pages: int) -> list[_Raw]:
    """Running headers and footers: the top two and bottom two lines of a page when they
    repeat on half the pages or more (numbers aside), or look like page furniture."""
    def shape(text: str) -> str:
        return re.sub(r"\d+", "#", text.lower())

    per_page: dict[int, list[_Raw]] = {}
    for raw in raws:
        per_page.setdefault(raw.page, []).append(raw)
    edges_of: dict[int, dict[int, _Raw]] = {}
    for page, lines in per_page.items():
        by_top = sorted(lines, key=lambda r: r.top)
        edges_of[page] = {id(x): x for x in by_top[:2] + by_top[-2:]}
    counts: Counter[str] = Counter(shape(raw.text) for edges in edges_of.values() for raw in edges.values())
    repeated = {s for s, n in counts.items() if n >= 2 and n >= 0.5 * pages and len(s) < 80}
    out = []
    for page, lines in per_page.items():
        edges = edges_of[page]
        for raw in lines:
            if id(raw) in edges and (shape(raw.text) in repeated or _FURNITURE.fullmatch(raw.text.strip())):
                continue
            out.append(raw)
    return out


def _join_continued_tables(doc: Document) -> None:
    """A table that runs onto the next page becomes one table.

    Two tables join when the second starts a page right after the first's page,
    has as many columns, and either repeats the first's header row (which is
    dropped) or starts straight away with body rows.  Between them there may be
    no running text.
    """
    joined: list[Table] = []
    for table in doc.tables:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.source == table.source
            and table.page is not None and last.pages and last.pages[-1] is not None
            and table.page == last.pages[-1] + 1
            and len(table.rows[0]) == len(last.rows[0])
            and table.anchor == last.anchor
        ):
            rows = table.rows
            pages = table.pages
            if [c.lower() for c in rows[0]] == [c.lower() for c in last.rows[0]]:
                rows, pages = rows[1:], pages[1:]
            last.rows.extend(rows)
            last.pages.extend(pages)
            last.lost.extend(table.lost)
            continue
        joined.append(table)
    doc.tables = joined
