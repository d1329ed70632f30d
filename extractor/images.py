"""Page pictures for ``explain --images``: what was read, drawn over the page.

Each PDF page that produced a record becomes a PNG: every table found is
outlined in blue, and the printed source of each record (a table row's cells,
a sentence) is boxed in orange.  A blue table with nothing orange in it was
found but gave no record; a number with no box was not read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

from .pipeline import FileResult

if TYPE_CHECKING:
    from pdfplumber.page import Page
    from PIL.Image import Image

Box = tuple[float, float, float, float]


class _Style(TypedDict):
    stroke: tuple[int, int, int]
    fill: tuple[int, int, int, int]
    stroke_width: int


TABLE: _Style = {"stroke": (31, 119, 180), "fill": (31, 119, 180, 25), "stroke_width": 3}
SOURCE: _Style = {"stroke": (255, 127, 14), "fill": (255, 127, 14, 45), "stroke_width": 2}
_WORDS = 10  # a sentence is found by its first words; enough to be unique on a page


def _find(page: Page, text: str) -> Box | None:
    """The box of ``text`` on ``page``, found by its first words (fewer when a line break
    or a wrapped table cell interrupts them)."""
    tokens = text.split()
    for words in (_WORDS, 4, 2):
        if not tokens[:words]:
            return None
        hits = page.search(r"\s+".join(re.escape(t) for t in tokens[:words]), regex=True, case=False, return_chars=False)
        if hits:
            return (hits[0]["x0"], hits[0]["top"], hits[0]["x1"], hits[0]["bottom"])
    return None


def _source_boxes(page: Page, row: dict[str, Any]) -> list[Box]:
    """Where a record's evidence is printed: a sentence, or a table row's cells, the later
    cells looked for only on the band of the page where the row's first cell is."""
    evidence = row.get("evidence") or row.get("achievement") or row.get("indicator") or ""
    first, *others = [p for p in evidence.split(" | ") if p.strip()] or [""]
    box = _find(page, first)
    if box is None:
        return []
    boxes = [box]
    band = page.crop((0, max(0, box[1] - 1), page.width, min(page.height, box[3] + 1)))
    for cell in others:
        found = _find(band, cell)
        if found:
            boxes.append(found)
    return boxes


def write_images(pdf_bytes: bytes, result: FileResult, folder: Path, stem: str, resolution: int = 110) -> list[Path]:
    """One PNG per page that produced a record; returns the files written."""
    import io

    import pdfplumber

    by_page: dict[int, list[dict[str, Any]]] = {}
    for rows in result.records.values():
        for row in rows:
            if str(row.get("page", "")).isdigit():
                by_page.setdefault(int(row["page"]), []).append(row)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for number in sorted(by_page):
            page = pdf.pages[number - 1]
            try:
                picture = page.to_image(resolution=resolution)
                for region_page, bbox, _source in result.regions:
                    if region_page == number:
                        picture.draw_rect(cast(Box, tuple(bbox)), **TABLE)
                for row in by_page[number]:
                    for box in _source_boxes(page, row):
                        picture.draw_rect(box, **SOURCE)
                path = folder / f"{stem}-page-{number:03d}.png"
                picture.save(path)
                written.append(path)
            finally:
                page.close()
    return written


Crop = tuple[int, float, float, float, float]  # page number and the box cropped, in PDF points
CROP_MARGIN = 36.0  # points of page shown around a record's source
CROP_WIDTH = 320.0  # points: the narrowest crop


def source_crops(pdf_bytes: bytes, rows: list[dict[str, Any]], resolution: int = 100) -> list[tuple[int, Image] | None]:
    """For each row (with ``page`` and ``evidence``, as in the output tables), a picture of the band
    of its page where its printed source is, the source boxed in orange as ``write_images`` boxes it;
    ``None`` for a row without a page or whose source is not found on it; each picture with its page number."""
    import io

    import pdfplumber

    by_page: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        page_number = str(row.get("page", ""))
        if page_number.isdigit():
            by_page.setdefault(int(page_number), []).append(index)
    crops: list[tuple[int, Image] | None] = [None] * len(rows)
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for number in sorted(by_page):
            if not 1 <= number <= len(pdf.pages):
                continue
            page = pdf.pages[number - 1]
            try:
                picture = page.to_image(resolution=resolution)
                scale = resolution / 72
                for index in by_page[number]:
                    boxes = _source_boxes(page, rows[index])
                    if not boxes:
                        continue
                    picture.reset()
                    for box in boxes:
                        picture.draw_rect(box, **SOURCE)
                    top = max(0.0, min(b[1] for b in boxes) - CROP_MARGIN)
                    bottom = min(float(page.height), max(b[3] for b in boxes) + CROP_MARGIN)
                    left, right = min(b[0] for b in boxes) - CROP_MARGIN, max(b[2] for b in boxes) + CROP_MARGIN
                    if right - left < CROP_WIDTH:  # a short source is shown with some of its line around it
                        left, right = left - (CROP_WIDTH - (right - left)) / 2, right + (CROP_WIDTH - (right - left)) / 2
                    left, right = max(0.0, left), min(float(page.width), right)
                    pixels = (int(left * scale), int(top * scale), int(right * scale) + 1, int(bottom * scale) + 1)
                    crops[index] = (number, picture.annotated.crop(pixels))
            finally:
                page.close()
    return crops
