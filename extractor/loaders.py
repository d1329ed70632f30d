"""One loader per format, all giving a :class:`Document` (lines and tables in reading order).

The format is decided by the bytes, not the file name: ``sniff`` looks at the
content, and a name that disagrees is noted in the document's message.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .model import Document, Line, LoadError, Table
from .normalise import clean, date, strip_bullet

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag
    from docx.table import Table as DocxTable

MAX_UNZIPPED = 256 * 2**20  # bytes a DOCX's members may unpack to

EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text"}


def sniff(data: bytes) -> str:
    """The format of ``data``: pdf, docx, html, text, or a LoadError saying why not."""
    if not data.strip():
        raise LoadError("empty file: nothing to extract")
    head = data[:2048]
    if is_pdf(data):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            members = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise LoadError("corrupt zip container: re-save the file as .docx") from None
        names = [m.filename for m in members]
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNZIPPED:  # the sizes python's zipfile will stop at, checked before anything is read
            raise LoadError(f"zip container unpacks to {unpacked // 2**20} MB, over the {MAX_UNZIPPED // 2**20} MB "
                            "limit (a zip bomb?): not read", status="skipped")
        if "word/document.xml" in names:
            return "docx"
        kind = "spreadsheet" if any(n.startswith("xl/") for n in names) else "zip archive"
        raise LoadError(f"unsupported file type ({kind}): convert it to PDF, DOCX, HTML or text")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoadError("unsupported legacy Office file (.doc/.xls): save it as .docx or PDF")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError("unsupported binary file: convert it to PDF, DOCX, HTML or text")
    lowered = head.lower()
    if re.search(rb"<!doctype html|<html[\s>]|<body[\s>]|<(article|p|div|h1)[\s>]", lowered):
        return "html"
    return "text"


def is_pdf(data: bytes) -> bool:
    """The PDF signature ``%PDF-`` at the start (after a BOM or whitespace).  A file that prints
    something else first (a tool's banner) counts only when ``%PDF-`` starts a line of its first
    kilobyte and the file ends with ``%%EOF``: a note that mentions %PDF is text."""
    if data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\f\x00").startswith(b"%PDF-"):
        return True
    return re.search(rb"(?:^|[\r\n])%PDF-\d", data[:1024]) is not None and b"%%EOF" in data[-2048:]


def load(path: Path, doc_id: str, data: bytes, pdf_options: dict[str, Any] | None = None) -> Document:
    """Load ``data`` (the bytes of ``path``) with the loader its content calls for."""
    fmt = sniff(data)
    loader = {"pdf": load_pdf, "docx": load_docx, "html": load_html, "text": load_text}[fmt]
    doc = loader(data, doc_id, **(pdf_options or {})) if fmt == "pdf" else loader(data, doc_id)
    named = EXTENSIONS.get(path.suffix.lower())
    if named and named != fmt:
        doc.notes.append(f"file is named {path.suffix} but holds {fmt.upper()}; read as {fmt.upper()}")
    if not doc.title:
        doc.title = next((line.text for line in doc.lines if len(line.text) > 3), "")[:200]
    return doc


def load_pdf(data: bytes, doc_id: str, ocr: str = "auto", **options: Any) -> Document:
    """A PDF's text layer; a scanned PDF, or scanned pages among pages of text, read by OCR when
    Tesseract is installed (``ocr``: auto, always or never)."""
    from . import ocr as tesseract
    from .pdf import load_pdf as _load_pdf  # pdf libraries load only when a PDF comes

    if ocr == "always" and tesseract.available():
        return _scanned_document(data, doc_id)
    try:
        doc = _load_pdf(data, doc_id, **options)
    except LoadError as exc:
        if exc.status != "needs_ocr" or "no text layer" not in str(exc) or ocr == "never":
            raise
        if not tesseract.available():
            raise LoadError(f"no text layer (scanned or image-only PDF): to read it by OCR, {tesseract.INSTALL_HINT}, "
                            "or run 'ocrmypdf in.pdf out.pdf' and extract again", status="needs_ocr") from None
        return _scanned_document(data, doc_id)
    if doc.image_pages and ocr != "never" and tesseract.available():
        _add_scanned_pages(data, doc)
    return doc


def _scanned_document(data: bytes, doc_id: str) -> Document:
    """An image-only PDF read by OCR, page by page with the plain-text reader."""
    from .ocr import scanned_texts

    texts = scanned_texts(data)
    doc = Document(doc_id=doc_id, format="pdf", pages=len(texts))
    for number, text in sorted(texts.items()):
        doc.fast_text.append(text)
        part = _text_page(text, doc_id, number)
        for table in part.tables:
            table.anchor += len(doc.lines)
        doc.lines += part.lines
        doc.tables += part.tables
    if not any(t.strip() for t in doc.fast_text):
        raise LoadError("no text found by OCR either: check the scan's quality", status="needs_ocr")
    doc.notes.append(f"read by OCR (Tesseract) on all {doc.pages} pages: check figures against the scan")
    return doc


def _add_scanned_pages(data: bytes, doc: Document) -> None:
    """Scanned pages among pages of text: their lines and tables placed where their pages fall."""
    from .ocr import scanned_texts

    for number, text in sorted(scanned_texts(data, sorted(doc.image_pages)).items()):
        if not text.strip():
            continue
        doc.fast_text[number - 1] = text
        part = _text_page(text, doc.doc_id, number)
        at = next((i for i, line in enumerate(doc.lines) if (line.page or 0) > number), len(doc.lines))
        for table in doc.tables:
            if table.anchor >= at and (table.page or 0) > number:
                table.anchor += len(part.lines)
        for table in part.tables:
            table.anchor += at
        doc.lines[at:at] = part.lines
        doc.tables = sorted(doc.tables + part.tables, key=lambda t: t.anchor)
        doc.ocr_pages.append(number)
    if doc.ocr_pages:
        listed = ", ".join(map(str, doc.ocr_pages))
        doc.notes.append(f"scanned page{'s' if len(doc.ocr_pages) > 1 else ''} {listed} read by OCR (Tesseract): "
                         "check their figures against the scan")


def _text_page(text: str, doc_id: str, number: int) -> Document:
    """One page's OCR text read as plain text, its lines and tables on that page."""
    part = load_text(text.encode("utf-8"), doc_id) if text.strip() else Document(doc_id, "text")
    for line in part.lines:
        line.page = number
    for table in part.tables:
        table.page, table.pages = number, [number] * len(table.rows)
    return part


# ---------------------------------------------------------------- plain text

def decode(data: bytes) -> str:
    """UTF-8 first (with or without BOM), then cp1252, then latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def load_text(data: bytes, doc_id: str) -> Document:
    text = decode(data)
    if sum(ch.isprintable() or ch.isspace() for ch in text[:4000]) < 0.9 * min(len(text), 4000):
        raise LoadError("undecodable text: save the file as UTF-8")
    doc = Document(doc_id=doc_id, format="text")
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        _text_block(doc, block)
    return doc


_CELL_GAPS = (re.compile(r"\t+|\s*\|\s*|\s{3,}"), re.compile(r"\t+|\s*\|\s*|\s{2,}"))


def _text_table(rows: list[str]) -> tuple[int, list[list[str]]] | None:
    """The table a block ends with: the longest run of its last lines that split into columns
    (on tabs, pipes or wide gaps) of a steady count; the lines above it are its caption."""
    def steady(cells: list[list[str]]) -> bool:  # body rows alike; the header may lack the corner cell
        body = {len(c) for c in cells[1:]}
        return len(body) == 1 and len(cells[0]) in (min(body), min(body) - 1)

    for gap in _CELL_GAPS:
        cells = [gap.split(r.strip().strip("|")) for r in rows]
        start = len(rows)
        while start > 0 and len(cells[start - 1]) >= 2:
            start -= 1
        while len(rows) - start >= 2 and not steady(cells[start:]):
            start += 1  # a ragged first row is caption, not header
        if len(rows) - start >= 2 and steady(cells[start:]):
            return start, cells[start:]
    return None


def _text_block(doc: Document, block: str) -> None:
    """Append a blank-line separated block: list items, a table (after its caption), or a paragraph."""
    rows = [r for r in block.split("\n") if r.strip()]
    if not rows:
        return
    found = _text_table(rows)
    if found:
        start, cells = found
        if start:
            _text_block(doc, "\n".join(rows[:start]))
        caption = doc.lines[-1].text if doc.lines else ""
        doc.tables.append(Table(rows=[[clean(x) for x in c] for c in cells], anchor=len(doc.lines),
                                caption=caption, source="text"))
        return
    if 2 <= len(rows) <= 3 and all(_looks_like_heading(clean(r)) and not strip_bullet(r)[1] for r in rows):
        doc.lines.extend(Line(clean(r), None, "heading") for r in rows)  # a title block: a line each
        return
    first = clean(rows[0])
    if len(rows) >= 2 and len(first) < 70 and len(first) < 0.6 * len(rows[1].strip()) \
            and _looks_like_heading(re.sub(r"^\d{1,2}(\.\d+)*[.)]?\s+", "", first)) and not strip_bullet(rows[0])[1]:
        doc.lines.append(Line(first, None, "heading"))  # a heading set directly above its text
        rows = rows[1:]
    paragraph: list[str] = []
    for row in rows:
        body, bullet = strip_bullet(row)
        if bullet or (paragraph and re.match(r"\s*\d{1,2}[.)]\s+\S", row)):
            _flush(doc, paragraph)
            paragraph = [body] if bullet else [row.strip()]
            if bullet:
                doc.lines.append(Line(clean(body), None, "item"))
                paragraph = []
            continue
        if doc.lines and doc.lines[-1].kind == "item" and row.startswith((" ", "\t")) and not paragraph:
            doc.lines[-1].text = clean(f"{doc.lines[-1].text} {row}")
            continue
        paragraph.append(row.strip())
    _flush(doc, paragraph)


def _flush(doc: Document, paragraph: list[str]) -> None:
    if not paragraph:
        return
    text = clean(" ".join(paragraph))
    kind = "heading" if len(paragraph) == 1 and _looks_like_heading(text) else "text"
    doc.lines.append(Line(text, None, kind))
    paragraph.clear()


def _looks_like_heading(text: str) -> bool:
    return len(text) < 90 and not text.endswith((".", ",", ";", ":")) and text[:1].isupper()


# ---------------------------------------------------------------- HTML

# Page furniture, matched against whole id and class tokens and their -/_ separated words
# ("cookie-banner", "main_nav"), never inside a word: class="research-summary" is content.
_CHROME = re.compile(
    r"cookies?|consent|banners?|alerts?|nav|navbar|navigation|menus?|breadcrumbs?|related|footer|"
    r"share|sharing|social|sidebar|skip|newsletter|promo|adverts?|advertisement|masthead|search|site-header",
    re.I,
)
_CHROME_ROLES = {"navigation", "banner", "search", "contentinfo", "complementary", "alert"}


def _is_chrome(tag: Tag) -> bool:
    if (cast("str | None", tag.get("role")) or "").strip().lower() in _CHROME_ROLES:
        return True
    tokens = (cast("str | None", tag.get("id")) or "").split() + list(tag.get("class") or [])
    return any(_CHROME.fullmatch(t) or any(_CHROME.fullmatch(w) for w in re.split(r"[-_]", t)) for t in tokens)


def load_html(data: bytes, doc_id: str) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(data), "lxml")
    _cap_depth(soup)
    doc = Document(doc_id=doc_id, format="html")
    title_tag = soup.find("h1") or soup.find("title")
    doc.title = clean(title_tag.get_text(" ")) if title_tag else ""
    doc.published = _html_published(soup)
    page_title = soup.find("title")
    doc.masthead = clean(" ".join([page_title.get_text(" ") if page_title else "",
                                   *(t.get_text(" ") for t in soup.find_all(["header", "footer"]))]))[:1000]
    for tag in soup(["script", "style", "noscript", "template", "svg", "form", "button", "nav", "footer", "aside"]):
        tag.decompose()
    chrome = [tag for tag in soup.find_all(True) if tag.name not in ("html", "body", "main", "article")
              and (tag.name == "header" or _is_chrome(tag))]
    for tag in chrome:
        if not vars(tag).get("_decomposed"):  # not inside chrome removed already (Tag.decomposed searches the subtree)
            doc.masthead = clean(f"{doc.masthead} {tag.get_text(' ')}")[:2000]
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    _html_blocks(doc, root)
    return doc


MAX_HTML_DEPTH = 200


def _cap_depth(soup: BeautifulSoup, limit: int = MAX_HTML_DEPTH) -> None:
    """Flatten whatever is nested deeper than ``limit`` into a paragraph of its text, so that later walks
    up and down the tree stay linear whatever the nesting (20,000 nested divs, say)."""
    from bs4 import Tag

    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        tag, depth = stack.pop()
        if depth >= limit:
            text = soup.new_tag("p")
            text.string = tag.get_text(" ")
            tag.clear()
            tag.append(text)
            continue
        stack.extend((child, depth + 1) for child in tag.contents if isinstance(child, Tag))


def _html_published(soup: BeautifulSoup) -> str:
    for tag in soup.find_all(["time", "meta"]):
        value = tag.get("datetime") or tag.get("content") if tag.name == "meta" else tag.get("datetime")
        if tag.name == "meta" and not re.search(r"publish|date", " ".join(map(str, tag.attrs.values())), re.I):
            continue
        found = date(cast("str | None", value) or "") or date(tag.get_text(" "))
        if found:
            return found
    return ""


_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "table", "blockquote", "pre", "dt", "dd"}


def _html_blocks(doc: Document, root: Tag) -> None:
    for tag in root.find_all(_BLOCK_TAGS):
        if tag.find_parent("table") or (tag.name != "li" and tag.find_parent("li")):
            continue
        if tag.name == "table":
            rows = _html_table(tag)
            if rows:
                caption = tag.find("caption")
                doc.tables.append(
                    Table(rows=rows, anchor=len(doc.lines), source="html",
                          caption=clean(caption.get_text(" ")) if caption else (doc.lines[-1].text if doc.lines else ""))
                )
            continue
        if tag.name in ("p", "blockquote", "dt", "dd", "pre") and tag.find(_BLOCK_TAGS - {"li"}):
            continue
        text = clean(tag.get_text(" "))
        if not text:
            continue
        kind = "heading" if tag.name[0] == "h" else "item" if tag.name == "li" else "text"
        doc.lines.append(Line(text, None, kind))


def _html_table(table: Tag) -> list[list[str]]:
    """Cells of an HTML table with rowspan/colspan repeated into the cells they cover."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.find_all("tr")):
        c = 0
        for cell in cast("list[Any]", tr.find_all(["td", "th"])):
            while (r, c) in grid:
                c += 1
            text = clean(cell.get_text(" "))
            rowspan, colspan = int(cell.get("rowspan", 1) or 1), int(cell.get("colspan", 1) or 1)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text if (dc == 0) else ""
            c += colspan
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


# ---------------------------------------------------------------- DOCX

def load_docx(data: bytes, doc_id: str) -> Document:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        word = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise LoadError(f"corrupt Word file ({type(exc).__name__}): open and re-save it in Word") from None
    doc = Document(doc_id=doc_id, format="docx")
    doc.title = clean(word.core_properties.title or "")
    for element in word.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, word)
            text = clean(re.sub(r"^\d{1,2}\.\t", lambda m: m.group(0).strip() + " ", paragraph.text))
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            listed = element.find(f".//{qn('w:numPr')}") is not None or style.startswith("List")
            kind = "item" if listed else "heading" if style.startswith(("Heading", "Title")) else "text"
            if kind == "text" and _looks_like_heading(text) and not re.match(r"\d", text):
                kind = "heading"
            doc.lines.append(Line(text, None, kind))
        elif element.tag == qn("w:tbl"):
            caption = doc.lines[-1].text if doc.lines else ""
            doc.tables.append(Table(rows=_docx_table(DocxTable(element, word)), anchor=len(doc.lines), source="docx", caption=caption))
    return doc


def _docx_table(table: DocxTable) -> list[list[str]]:
    """Cells row by row; a vertically merged cell is repeated into the rows it spans."""
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            # python-docx repeats a horizontally merged cell: keep its text once.
            cells.append("" if cell._tc is previous else clean(cell.text))
            previous = cell._tc
        rows.append(cells)
    return rows
