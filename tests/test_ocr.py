"""Scanned papers read by OCR (Tesseract): a scan of the acceptance corpus's board paper, made
here with a little noise, a slight skew and one page on its side, reads as the original does."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.check import compare
from extractor.cli import cli

from .conftest import SHARED

PAPER = "staffordshire-ccg-annual-assessments-2019.pdf"


@pytest.fixture(scope="module")
def tesseract() -> None:
    if shutil.which("tesseract") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is missing under CI=true: .ci/run installs tesseract-ocr")
        pytest.skip("tesseract not installed")


def scan(source: Path, target: Path, turn_page: int | None = 1) -> Path:
    """An image-only PDF of ``source`` at 200 dpi: specks, a skew under a degree, one page turned."""
    import pypdfium2 as pdfium

    rnd = random.Random(7)
    images = []
    pdf = pdfium.PdfDocument(source.read_bytes())
    for number, page in enumerate(pdf):
        image = page.render(scale=200 / 72).to_pil().convert("L")
        image = image.rotate(rnd.uniform(-0.5, 0.5), expand=True, fillcolor=255)
        pixels = image.load()
        for _ in range(image.size[0] * image.size[1] // 5000):
            pixels[rnd.randrange(image.size[0]), rnd.randrange(image.size[1])] = rnd.choice((0, 255))
        if number == turn_page:
            image = image.rotate(90, expand=True, fillcolor=255)
        images.append(image)
    pdf.close()
    images[0].save(target, save_all=True, append_images=images[1:], resolution=200)
    return target


def golden_for(doc_id: str, folder: Path) -> Path:
    """The acceptance goldens of the paper, renamed to the scan."""
    import csv

    folder.mkdir()
    for path in (SHARED / "corpus" / "golden").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = [dict(r, doc_id=doc_id) for r in reader if r["doc_id"] == PAPER]
            fields = reader.fieldnames or []
        with (folder / path.name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def test_scanned_board_paper_reads_like_the_original(shared_corpus, tesseract, tmp_path):
    scanned = scan(shared_corpus / "documents" / PAPER, tmp_path / "in" / "scan.pdf") if (
        tmp_path / "in").mkdir() is None else None
    assert scanned is not None
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(scanned.parent), "--out", str(out), "--no-cache", "-q"])
    assert result.exit_code == 0, result.output
    reports = {r.table: r for r in compare(out, golden_for("scan.pdf", tmp_path / "golden"))}
    for table in ("ratings", "rating_counts", "budgets"):
        assert reports[table].f1 >= 0.95, (table, reports[table].missed, reports[table].extra)
    documents = (out / "documents.csv").read_text(encoding="utf-8")
    assert ",ok," in documents and "read by OCR" in documents


def test_a_page_on_its_side_reads_as_upright(tesseract):
    from PIL import Image, ImageDraw

    from extractor.ocr import page_text

    image = Image.new("L", (2400, 1200), 255)
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(["Thanet CCG was rated good", "Swale CCG was rated inadequate"]):
        draw.text((200, 300 + row * 200), text, fill=0, font_size=80)
    upright = page_text(image)
    turned = page_text(image.rotate(90, expand=True, fillcolor=255))
    assert "Thanet CCG was rated good" in upright and "Thanet CCG was rated good" in turned
    assert "Swale CCG was rated inadequate" in turned


def test_without_tesseract_a_scan_needs_ocr_with_the_install_hint(shared_corpus, tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    scan(shared_corpus / "documents" / PAPER, tmp_path / "in" / "scan.pdf", turn_page=None)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "in"), "--out", str(out), "--no-cache", "-q"])
    assert result.exit_code == 1
    row = (out / "documents.csv").read_text(encoding="utf-8").splitlines()[1]
    assert ",needs_ocr," in row and "apt-get install tesseract-ocr" in row


def test_a_scanned_page_among_pages_of_text(shared_corpus, tesseract, tmp_path):
    """A paper whose budget page was scanned and bound back among its text pages."""
    from pypdf import PdfReader, PdfWriter

    source = shared_corpus / "documents" / PAPER
    scanned = scan(source, tmp_path / "scanned.pdf", turn_page=None)
    writer = PdfWriter()
    text, image = PdfReader(source), PdfReader(scanned)
    for number, page in enumerate(text.pages):
        writer.add_page(image.pages[number] if number == 1 else page)
    (tmp_path / "in").mkdir()
    with (tmp_path / "in" / "mixed.pdf").open("wb") as fh:
        writer.write(fh)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "in"), "--out", str(out), "--no-cache", "-q"])
    assert result.exit_code == 0, result.output
    reports = {r.table: r for r in compare(out, golden_for("mixed.pdf", tmp_path / "golden"))}
    for table in ("ratings", "rating_counts", "budgets"):
        assert reports[table].f1 >= 0.95, (table, reports[table].missed, reports[table].extra)
    assert "scanned page 2 read by OCR" in (out / "documents.csv").read_text(encoding="utf-8")
