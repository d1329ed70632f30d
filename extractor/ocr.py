"""Scanned papers: pages without a text layer read with Tesseract.

Each page is rendered with pypdfium2 at 300 dpi, turned upright when Tesseract's
orientation detection says it lies on its side, and read as words with their boxes
(Tesseract's TSV output).  The words are set out again as plain text, a line per
printed line, with a wide gap wherever the printed words stand far apart, so that the
plain-text reader finds the tables (columns on gaps) and the paragraphs, page by page.
Tesseract is optional: without it a scanned PDF stays ``needs_ocr`` with a hint.  The loaders
(:mod:`extractor.loaders`) turn the text into a document.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from typing import Any

from .model import LoadError

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


def scanned_texts(data: bytes, numbers: list[int] | None = None) -> dict[int, str]:
    """The text of a PDF's pages (``numbers``, 1-based; every page when None) read by OCR."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    texts: dict[int, str] = {}
    try:
        for number in numbers if numbers is not None else range(1, len(pdf) + 1):
            page = pdf[number - 1]
            image = page.render(scale=DPI / 72).to_pil().convert("L")
            page.close()
            texts[number] = page_text(image)
    finally:
        pdf.close()
    return texts


def page_text(image: Any) -> str:
    """The page's text, upright, with wide gaps kept between words that stand apart."""
    turn = _rotation(image)
    if turn:
        image = image.rotate(-turn, expand=True, fillcolor=255)
    return layout(_words(_without_rules(image)))


def _without_rules(image: Any) -> Any:
    """The page with a table's ruling lines whitened: long straight runs of ink confuse Tesseract's
    layout analysis, which then drops the cells between them."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image)
    ink = pixels < 140
    ruled = _runs(ink, DPI // 2) | _runs(ink.T, DPI // 3).T  # across half an inch, down a third of one
    return Image.fromarray(np.where(ruled, 255, pixels).astype(np.uint8))


def _runs(ink: Any, length: int) -> Any:
    """The pixels that lie in a run of at least ``length`` ink pixels along each row."""
    import numpy as np

    height, width = ink.shape
    if width < length:
        return np.zeros_like(ink)
    total = np.concatenate([np.zeros((height, 1), np.int32), np.cumsum(ink, axis=1, dtype=np.int32)], axis=1)
    full = (total[:, length:] - total[:, :-length]) == length  # the window starting here is all ink
    starts = np.concatenate([np.zeros((height, 1), np.int32), np.cumsum(full, axis=1, dtype=np.int32)], axis=1)
    x = np.arange(width)
    last = full.shape[1]
    low, high = np.clip(x - length + 1, 0, last), np.clip(x + 1, 0, last)
    return (starts[:, high] - starts[:, low]) > 0


def _tesseract(image: Any, *args: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core a page: --jobs runs pages' files side by side
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", *args], input=buffer.getvalue(),
                              capture_output=True, env=env, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LoadError(f"OCR failed ({exc}): check the Tesseract installation", status="needs_ocr") from None
    return done.stdout.decode("utf-8", "replace")


def _rotation(image: Any) -> int:
    """Degrees to turn the page clockwise to make it upright (Tesseract's orientation detection)."""
    found = _tesseract(image, "--psm", "0")
    m = re.search(r"Rotate:\s*(\d+)", found)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", found)
    if not m or int(m.group(1)) % 360 == 0 or (confidence and float(confidence.group(1)) < 1.0):
        return 0
    return int(m.group(1))


def _words(image: Any) -> list[Word]:
    words = []
    for row in _tesseract(image, "--psm", "3", "tsv").splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            conf = float(cells[10])
        except ValueError:
            continue
        word = cells[11].strip()
        if not re.search(r"[A-Za-z0-9£]", word) or (len(word) < 3 and (conf < 60 or not re.search(r"[A-Za-z0-9]{2}|\d", word))):
            continue  # specks read as letters, and what is left of a table's rules: '|', '__', 'l'
        if re.fullmatch(r"[_|lLI.,]{2,}", word):
            continue
        left, top, width, height = (int(c) for c in cells[6:10])
        words.append(Word(cells[11].strip(), left, top, width, height, (int(cells[2]), int(cells[3]), int(cells[4]))))
    return words


def layout(words: list[Word]) -> str:
    """Words set out as lines: words of a printed line joined by a space, cells that stand apart
    as a table's cells (' | '), a table's wrapped cells joined to their row, and a blank line
    between blocks of text and around tables."""
    if not words:
        return ""
    letter = statistics.median(w.width / max(len(w.text), 1) for w in words)
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    rows = sorted(lines.values(), key=lambda ws: (min(w.top for w in ws), min(w.left for w in ws)))
    rows = _merge_rows(rows)
    cells = [_cells(sorted(row, key=lambda w: w.left), letter) for row in rows]
    out: list[str] = []
    last_bottom = None
    i = 0
    while i < len(rows):
        end = _table_end(cells, rows, i)
        top = min(w.top for w in rows[i])
        height = statistics.median(w.height for w in rows[i])
        if last_bottom is not None and top - last_bottom > 1.2 * height:
            out.append("")
        if end > i:
            out += ["", *_table_lines(cells[i:end], rows[i:end], letter), ""]
            last_bottom = max(w.top + w.height for w in rows[end - 1])
            i = end
            continue
        out.append("   ".join(text for _, _, text in cells[i]))
        last_bottom = max(w.top + w.height for w in rows[i])
        i += 1
    return "\n".join(out) + "\n"


Cell = tuple[int, int, str]  # left, right, text


def _cells(row: list[Word], letter: float) -> list[Cell]:
    """A printed line cut where its words stand further apart than two or three letters."""
    found: list[Cell] = []
    for word in row:
        if found and word.left - found[-1][1] <= 2.5 * letter:
            left, _, text = found[-1]
            found[-1] = (left, word.left + word.width, f"{text} {word.text}")
        else:
            found.append((word.left, word.left + word.width, word.text))
    return found


def _table_end(cells: list[list[Cell]], rows: list[list[Word]], start: int) -> int:
    """The end of a table starting at ``start``: at least three lines of two or more cells, and
    lines of one cell set close under a row (its wrapped cells); ``start`` itself when there is none."""
    if len(cells[start]) < 2:
        return start
    end, multi = start, 0
    for i in range(start, len(cells)):
        if len(cells[i]) >= 2 and max(len(c[2]) for c in cells[i]) > 60:
            break  # a paragraph whose number stands apart ('8.   NHS England did note ...')
        if len(cells[i]) >= 2:
            multi += 1
            end = i + 1
        elif len(cells[i]) == 1 and i > start and _close(rows[i - 1], rows[i]) and len(cells[i][0][2]) < 60:
            end = i + 1  # a wrapped cell
        else:
            break
    return end if multi >= 3 else start


def _close(above: list[Word], below: list[Word]) -> bool:
    """Whether a line sits closer under the one above than a table's rows stand apart."""
    height = statistics.median(w.height for w in below)
    return min(w.top for w in below) - max(w.top + w.height for w in above) < 0.6 * height


def _table_lines(rows: list[list[Cell]], lines: list[list[Word]], letter: float) -> list[str]:
    """Rows of cells placed in columns (cells whose left edges most rows share, within a few letters,
    since figures are set right); a line of one cell set close under a row continues it."""
    multi = [row for row in rows if len(row) >= 2]
    groups: list[list[Cell]] = []
    for cell in sorted(c for row in multi for c in row):
        if groups and cell[0] - groups[-1][-1][0] <= 3 * letter:
            groups[-1].append(cell)
        else:
            groups.append([cell])
    centres = [statistics.median((c[0] + c[1]) / 2 for c in group) for group in groups
               if len(group) * 5 >= len(multi) * 2] or [0.0]
    table: list[list[str]] = []
    for i, row in enumerate(rows):
        placed = [""] * len(centres)
        for left, right, text in row:  # the column whose cells' middles are nearest (headers sit over figures)
            column = min(range(len(centres)), key=lambda k: abs(centres[k] - (left + right) / 2))
            placed[column] = f"{placed[column]} {text}".strip()
        if len(row) == 1 and table and i and _close(lines[i - 1], lines[i]):
            table[-1] = [f"{a} {b}".strip() for a, b in zip(table[-1], placed)]
        else:
            table.append(placed)
    return [" | ".join(cells) for cells in table]


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
