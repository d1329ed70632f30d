"""Board packs: one PDF of many papers, read section by section."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.pdf import load_pdf
from extractor.sections import find_sections

from .conftest import SHARED


def paper(path: Path, title: str, pages: list[list[str]]) -> Path:
    """A paper whose pages carry a running header and 'Page n of N' at the foot."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    sheet = canvas.Canvas(str(path), pagesize=A4)
    for number, lines in enumerate(pages, start=1):
        sheet.setFont("Helvetica", 9)
        sheet.drawString(60, 800, title)
        sheet.setFont("Helvetica", 11)
        for row, text in enumerate(lines):
            sheet.drawString(60, 740 - row * 18, text)
        sheet.setFont("Helvetica", 9)
        sheet.drawString(280, 40, f"Page {number} of {len(pages)}")
        sheet.showPage()
    sheet.save()
    return path


def pack(folder: Path, outline: bool) -> Path:
    from pypdf import PdfReader, PdfWriter

    minutes = paper(folder / "minutes.pdf", "Minutes of the governing body", [
        ["Minutes of the meeting held on 4 July 2019.", "Apologies were received from two members."],
        ["The chair thanked the members for attending."]])
    report = paper(folder / "report.pdf", "Agenda item 7: annual assessment", [
        ["Report to the Governing Body", "In the 2018/19 annual assessment NHS Thanet CCG was rated good."],
        ["NHS Swale CCG was rated inadequate in the 2018/19 annual assessment."],
        ["Recommendation: the Governing Body is asked to note the report."]])
    accounts = paper(folder / "accounts.pdf", "Hallow Parish Council accounts 2018/19", [
        ["Parish Council budget against spend 2018/19", "Item   Budget   Spent   Variance",
         "Grass cutting   1,200   1,450   (250)", "Dog bins   300   280   20", "Hall hire   500   420   80"]])
    writer = PdfWriter()
    for part in (minutes, report, accounts):
        first = len(writer.pages)
        writer.append(PdfReader(part), import_outline=False)
        if outline:
            writer.add_outline_item(title=part.stem.title(), page_number=first)
    target = folder / ("with-outline.pdf" if outline else "plain.pdf")
    with target.open("wb") as fh:
        writer.write(fh)
    return target


@pytest.mark.parametrize("outline", [True, False])
def test_sections_with_and_without_an_outline(tmp_path, outline):
    built = pack(tmp_path, outline)
    data = built.read_bytes()
    doc = load_pdf(data, built.name)
    sections = find_sections(doc)
    assert [(s.first_page, s.last_page) for s in sections] == [(1, 2), (3, 5), (6, 6)]
    if outline:
        assert [s.title for s in sections] == ["Minutes", "Report", "Accounts"]


def test_rows_take_their_section_and_unrelated_papers_give_none(tmp_path):
    (tmp_path / "in").mkdir()
    pack(tmp_path, outline=False).rename(tmp_path / "in" / "pack.pdf")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["extract", str(tmp_path / "in"), "--out", str(out), "--no-cache", "-q"]).exit_code == 0
    ratings = list(csv.DictReader((out / "ratings.csv").open(encoding="utf-8")))
    assert [(r["organisation"], r["rating"], r["period"], r["page"]) for r in ratings] == [
        ("NHS Thanet CCG", "good", "2018/19", "3"), ("NHS Swale CCG", "inadequate", "2018/19", "4")]
    assert {r["section"] for r in ratings} == {"Agenda item 7: annual assessment (p. 3)"}
    assert list(csv.DictReader((out / "budgets.csv").open(encoding="utf-8"))) == []  # the parish's accounts
    sections = list(csv.DictReader((out / "sections.csv").open(encoding="utf-8")))
    assert [(s["first_page"], s["last_page"]) for s in sections] == [("1", "2"), ("3", "5"), ("6", "6")]


def test_the_shared_pack(shared_corpus, tmp_path):
    """The acceptance pack: the CCG paper on pages 150-154 among 279 pages of other papers."""
    built = tmp_path / "in" / "pack.pdf"
    built.parent.mkdir()
    subprocess.run([sys.executable, str(SHARED / "tools" / "make_pack.py"), str(built)], check=True,
                   capture_output=True)
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["extract", str(built.parent), "--out", str(out), "--no-cache", "-q",
                                    "--jobs", "1"]).exit_code == 0
    counts = {}
    for table in ("ratings", "rating_counts", "budgets", "achievements", "indicators"):
        rows = list(csv.DictReader((out / f"{table}.csv").open(encoding="utf-8")))
        counts[table] = len(rows)
        assert all(150 <= int(r["page"]) <= 154 for r in rows), table
        assert all(r["section"].endswith("(p. 150)") for r in rows), table
        assert all(r.get("period", "2018/19") == "2018/19" for r in rows), table
    assert counts == {"ratings": 12, "rating_counts": 2, "budgets": 6, "achievements": 5, "indicators": 0}
