"""Sections of a paginated document: the papers of a board pack.

A pack is one PDF of many papers.  Its sections come from its own structure: the
PDF outline when there is one; otherwise a page where a paper plainly starts: its
printed page number starts again, its cover names an agenda item or a report to a
board, or the running header or footer that the pages before it shared changes.
Each section is classified and read with its own context, so a parish council's
accounts bound into a pack are not read as the CCG's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import normalise
from .model import Document, Line

# A printed page number alone on the first or last line of a page: '3', 'Page 3', 'Page | 3', '3 of 12', '- 3 -'.
_PAGE_NUMBER = re.compile(r"^\W{0,3}(?:page\s*\|?\s*)?(\d{1,3})(?:\s*(?:of|/)\s*\d{1,3})?\W{0,3}$", re.I)
# A cover: the opening lines of a paper for a board or committee.
_COVER = re.compile(
    r"(?i)^\s*(?:agenda\s+item\b|item\s+\d+(?:\.\d+)?\s*$|enclosure\s+[A-Z0-9]{1,3}\b|paper\s+(?:no\.?\s*)?\d|"
    r"report\s+(?:to|of)\s+the\b|meeting\s+of\s+the\b.*\b(?:board|body|committee)\b)")


@dataclass
class Section:
    title: str
    first_page: int
    last_page: int
    paged: bool = True

    @property
    def label(self) -> str:
        """How rows name their section: its title and, in a paginated document, its first page."""
        if not self.paged:
            return self.title
        return f"{self.title} (p. {self.first_page})" if self.title else f"p. {self.first_page}"


def find_sections(doc: Document) -> list[Section]:
    """The sections of a paginated document (one section for anything else); a PDF's outline,
    read with its text, names them when it has one."""
    pages = doc.pages or 0
    title = normalise.clean(doc.title)[:120]
    if pages < 2 or not doc.fast_text:
        return [Section(title, 1, max(pages, 1), paged=doc.pages is not None)]
    starts: dict[int, str] = {1: title}
    top_level = sorted({(page, name) for name, page in doc.outline if 1 <= page <= pages})
    if len(top_level) > 1:
        for page, name in top_level:
            starts[page] = normalise.clean(name)[:120] or starts.get(page, "")  # the outline names its papers
    else:
        for page in _page_starts(doc.fast_text):
            starts.setdefault(page, "")
    ordered = sorted(starts)
    sections = []
    for i, first in enumerate(ordered):
        last = (ordered[i + 1] - 1) if i + 1 < len(ordered) else pages
        sections.append(Section(starts[first] or _first_heading(doc, first), first, last))
    return sections


def _page_starts(fast_text: list[str]) -> list[int]:
    """Pages (1-based) where a new paper starts, from printed page numbers, covers and furniture."""
    lines = [[normalise.clean(x) for x in text.splitlines() if x.strip()] for text in fast_text]
    numbers = [_printed_number(page) for page in lines]
    furniture = [_furniture(page) for page in lines]
    starts = []
    last_seen: int | None = numbers[0]
    for i in range(1, len(lines)):
        number = numbers[i]
        # the printed numbering starts again (a title page without a number just before belongs to the paper)
        reset = number is not None and last_seen is not None and number < last_seen
        # the numbering stops: a numbered page, then two without
        stopped = numbers[i - 1] is not None and number is None and (i + 1 >= len(lines) or numbers[i + 1] is None)
        cover = any(_COVER.search(x) and x not in lines[i - 1] for x in lines[i][:4])
        established = i >= 2 and bool(furniture[i - 1] & furniture[i - 2])
        follows = i + 1 < len(lines) and bool(furniture[i] & furniture[i + 1])
        changed = established and follows and not (furniture[i - 1] & furniture[i])
        if reset or stopped or cover or changed:
            page = i + 1
            if reset and i >= 2 and numbers[i - 1] is None and numbers[i - 2] is not None:
                page = i
            starts.append(page)
        last_seen = number if number is not None else last_seen
    return starts


def _printed_number(page: list[str]) -> int | None:
    for line in page[:2] + page[-2:]:
        m = _PAGE_NUMBER.match(line)
        if m:
            return int(m.group(1))
    return None


def _furniture(page: list[str]) -> set[str]:
    """The first and last lines of a page with digits blanked: what a running header or footer repeats."""
    edge = [x for x in page[:1] + page[-1:] if len(x) > 6 and not _PAGE_NUMBER.match(x)]
    return {re.sub(r"\d+", "#", x.casefold()) for x in edge}


def _first_heading(doc: Document, page: int) -> str:
    """The first line printed on the page that is not a page number."""
    for text in doc.fast_text[page - 1].splitlines():
        text = normalise.clean(text)
        if len(text) > 3 and not _PAGE_NUMBER.match(text):
            return text[:120]
    return ""


def section_document(doc: Document, section: Section) -> Document:
    """The part of ``doc`` on the section's pages, as a document of its own (tables re-anchored)."""
    index = [i for i, line in enumerate(doc.lines) if line.page is not None
             and section.first_page <= line.page <= section.last_page]
    offset = index[0] if index else 0
    lines: list[Line] = [doc.lines[i] for i in index]
    part = Document(doc_id=doc.doc_id, format=doc.format, lines=lines, pages=doc.pages, title=section.title,
                    published=doc.published, sha256=doc.sha256, masthead=doc.masthead,
                    fast_text=doc.fast_text[section.first_page - 1: section.last_page])
    for table in doc.tables:
        if table.page is not None and section.first_page <= table.page <= section.last_page:
            table.anchor = max(0, min(table.anchor - offset, len(lines)))
            part.tables.append(table)
    return part
