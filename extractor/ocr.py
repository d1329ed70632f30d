"""Scanned papers: pages without a text layer read with Tesseract.

Each page is rendered with pypdfium2 at 300 dpi, turned upright when Tesseract's
orientation detection says it lies on its side, and read as words with their boxes
(Tesseract's TSV output).  The words are set out again as plain text, a line per
printed line, with a wide gap wherever the printed words stand far apart, so that the
plain-text reader finds the tables (columns on gaps) and the paragraphs, page by page.
Tesseract is optional: without it a scanned PDF stays ``needs_ocr`` with a hint.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass

from .model import Document, LoadError

DPI = 300
INSTALL_HINT = "install Tesseract to read it (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-eng)"
MODES = ("auto", "always", "never")


def available() -> bool:
    return shutil.which("tesseract") is not None


@dataclass
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]


def ocr_pdf(data: bytes, doc_id: str) -> Document:
    """Read an image-only PDF: a document whose lines and tables carry their page numbers."""
    import pypdfium2 as pdfium

    from .loaders import load_text  # the plain-text reader sets out paragraphs and tables

    pdf = pdfium.PdfDocument(data)
    doc = Document(doc_id=doc_id, format="pdf", pages=len(pdf))
    try:
        for number, page in enumerate(pdf, start=1):
            image = page.render(scale=DPI / 72).to_pil().convert("L")
            page.close()
            text = page_text(image)
            doc.fast_text.append(text)
            part = load_text(text.encode("utf-8"), doc_id) if text.strip() else Document(doc_id, "text")
            offset = len(doc.lines)
            for line in part.lines:
                line.page = number
            for table in part.tables:
                table.page = number
                table.pages = [number] * len(table.rows)
                table.anchor += offset
            doc.lines += part.lines
            doc.tables += part.tables
    finally:
        pdf.close()
    if not any(t.strip() for t in doc.fast_text):
        raise LoadError("no text found by OCR either: check the scan's quality", status="needs_ocr")
    doc.notes.append(f"read by OCR (Tesseract) on all {doc.pages} pages: check figures against the scan")
    return doc


def page_text(image) -> str:  # type: ignore[no-untyped-def]
    """The page's text, upright, with wide gaps kept between words that stand apart."""
    turn = _rotation(image)
    if turn:
        image = image.rotate(-turn, expand=True, fillcolor=255)
    return layout(_words(image))


def _tesseract(image, *args: str) -> str:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core a page: --jobs runs pages' files side by side
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", *args], input=buffer.getvalue(),
                              capture_output=True, env=env, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LoadError(f"OCR failed ({exc}): check the Tesseract installation", status="needs_ocr") from None
    return done.stdout.decode("utf-8", "replace")


def _rotation(image) -> int:  # type: ignore[no-untyped-def]
    """Degrees to turn the page clockwise to make it upright (Tesseract's orientation detection)."""
    found = _tesseract(image, "--psm", "0")
    m = re.search(r"Rotate:\s*(\d+)", found)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", found)
    if not m or int(m.group(1)) % 360 == 0 or (confidence and float(confidence.group(1)) < 1.0):
        return 0
    return int(m.group(1))


def _words(image) -> list[Word]:  # type: ignore[no-untyped-def]
    words = []
    for row in _tesseract(image, "--psm", "3", "tsv").splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            conf = float(cells[10])
        except ValueError:
            continue
        if conf < 10 and len(cells[11].strip()) < 3:
            continue  # specks read as letters
        left, top, width, height = (int(c) for c in cells[6:10])
        words.append(Word(cells[11].strip(), left, top, width, height, (int(cells[2]), int(cells[3]), int(cells[4]))))
    return words


def layout(words: list[Word]) -> str:
    """Words set out as lines: words of a printed line joined by a space, or by a wide gap where
    they stand further apart than two letters; a blank line between blocks of text."""
    if not words:
        return ""
    letter = statistics.median(w.width / max(len(w.text), 1) for w in words)
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    rows = sorted(lines.values(), key=lambda ws: (min(w.top for w in ws), min(w.left for w in ws)))
    rows = _merge_rows(rows)
    out: list[str] = []
    last_bottom = None
    for row in rows:
        row.sort(key=lambda w: w.left)
        top = min(w.top for w in row)
        height = statistics.median(w.height for w in row)
        if last_bottom is not None and top - last_bottom > 1.2 * height:
            out.append("")
        text = row[0].text
        for before, word in zip(row, row[1:]):
            gap = word.left - (before.left + before.width)
            text += ("   " if gap > 2.5 * letter else " ") + word.text
        out.append(text)
        last_bottom = max(w.top + w.height for w in row)
    return "\n".join(out) + "\n"


def _merge_rows(rows: list[list[Word]]) -> list[list[Word]]:
    """Tesseract reads a table's cells as lines of their own: cells that share a baseline are one row."""
    merged: list[list[Word]] = []
    for row in rows:
        middle = statistics.median(w.top + w.height / 2 for w in row)
        height = statistics.median(w.height for w in row)
        if merged:
            last = merged[-1]
            last_middle = statistics.median(w.top + w.height / 2 for w in last)
            overlaps = not any(w.left < max(v.left + v.width for v in last) and w.left + w.width > min(
                v.left for v in last) for w in row)
            if abs(middle - last_middle) < 0.5 * height and overlaps:
                last.extend(row)
                continue
        merged.append(list(row))
    return merged
