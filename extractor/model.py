"""The plain data that flows between the stages: a loaded document and its parts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    """One line of running text as the reader sees it.

    ``kind`` is ``text``, ``heading`` or ``item`` (the first line of a bulleted or
    numbered list item).  ``page`` is 1-based, ``None`` for unpaged formats.
    """

    text: str
    page: int | None = None
    kind: str = "text"


@dataclass
class Table:
    """A table as a grid of cell strings, anchored in the line stream.

    ``anchor`` is the index of the first line that follows the table, so rules can
    tell what was said before and after it.  ``pages`` holds each row's page.
    ``caption`` is the text just above the table (units and periods live there).
    """

    rows: list[list[str]]
    page: int | None = None
    anchor: int = 0
    pages: list[int | None] = field(default_factory=list)
    caption: str = ""
    bbox: tuple[float, float, float, float] | None = None
    source: str = ""
    lost: list[str] = field(default_factory=list)  # what the reader could not place: made the document partial

    def row_page(self, index: int) -> int | None:
        return self.pages[index] if index < len(self.pages) else self.page


@dataclass
class Document:
    """A loaded document: its lines and tables in reading order, and what we know of it."""

    doc_id: str
    format: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    pages: int | None = None
    title: str = ""
    published: str = ""
    sha256: str = ""
    fast_text: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outline: list[tuple[str, int]] = field(default_factory=list)  # a PDF's top-level bookmarks: (title, page)
    image_pages: list[int] = field(default_factory=list)  # pages with images and no text layer (scans)
    ocr_pages: list[int] = field(default_factory=list)  # those read by OCR
    # (page, bbox, source) of each table found
    regions: list[tuple[int | None, tuple[float, ...], str]] = field(default_factory=list)
    masthead: str = ""  # a web page's <title>, header and footer: who published it, when the body does not say
    partial: bool = False  # a part could not be read (the reason is in notes)


    @property
    def text(self) -> str:
        """All running text, one line per line (tables excluded)."""
        return "\n".join(line.text for line in self.lines)

    @property
    def classify_text(self) -> str:
        """The text the classifier reads: the fast per-page text when there is one."""
        if self.fast_text:
            return "\n".join(self.fast_text)
        cells = "\n".join(" ".join(row) for t in self.tables for row in t.rows)
        return f"{self.text}\n{cells}"


class LoadError(Exception):
    """A file that cannot be read; ``status`` goes to documents.csv with the message."""

    def __init__(self, message: str, status: str = "failed"):
        super().__init__(message)
        self.status = status
