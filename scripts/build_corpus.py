"""Build the sample documents of corpus/ (PDF with reportlab, DOCX with python-docx).

The HTML and text samples are written by hand and live in corpus/ directly.
Facts and figures follow the published 2018/19 assessments; the wording is ours.
Run by hand:  python scripts/build_corpus.py   (needs the 'test' extra: reportlab)
"""

from __future__ import annotations

from pathlib import Path

import docx
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

RATINGS = [
    ("Cannock Chase CCG", "Inadequate"),
    ("East Staffordshire CCG", "Good"),
    ("South East Staffordshire and Seisdon Peninsula CCG", "Inadequate"),
    ("Stoke-on-Trent CCG", "Inadequate"),
]
# £m, one decimal; variance = budget - expenditure, negatives in brackets.
BUDGET = [
    ("Cannock Chase CCG", "205.2", "203.8", "1.4"),
    ("East Staffordshire CCG", "187.2", "182.1", "5.1"),
    ("North Staffordshire CCG", "326.4", "348.1", "(21.7)"),
    ("South East Staffordshire and Seisdon Peninsula CCG", "294.5", "302.9", "(8.4)"),
    ("Stafford and Surrounds CCG", "240.8", "240.6", "0.2"),
    ("Stoke-on-Trent CCG", "448.6", "478.1", "(19.5)"),  # deliberately wrong: should be (29.5)
    ("Total", "1,702.7", "1,755.6", "(52.9)"),
]
ACHIEVEMENTS = [
    "Waiting times at University Hospitals of North Midlands (UHNM) have fallen for the third quarter running.",
    "The Royal Wolverhampton NHS Trust and UHNM opened a shared frailty unit this spring.",
    "Every practice in the area has joined a Primary Care Network, and the West Midlands Cancer Alliance "
    "has funded two rapid diagnostic centres that will open their doors to patients early next year, "
    "which the governing body welcomed at its last meeting.",
]


def wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line]


class Page:
    """A tiny layout helper: text lines top-down, tables with or without rules."""

    def __init__(self, path: Path, size=A4, title: str = ""):
        self.c = canvas.Canvas(str(path), pagesize=size)
        self.c.setTitle(title)
        self.width, self.height = size
        self.number = 1
        self.y = self.height - 60

    def text(self, line: str, x: float = 60, size: int = 10, gap: float = 14):
        self.c.setFont("Helvetica", size)
        self.c.drawString(x, self.y, line)
        self.y -= gap

    def space(self, gap: float = 10):
        self.y -= gap

    def footer(self, running: str = ""):
        self.c.setFont("Helvetica", 8)
        self.c.drawString(self.width / 2, 30, str(self.number))
        if running:
            self.c.drawString(60, self.height - 30, running)

    def new_page(self, running: str = ""):
        self.footer(running)
        self.c.showPage()
        self.number += 1
        self.y = self.height - 60

    def table(self, rows, xs, ruled=False, right=()):
        """rows: list of cell lists (a cell may hold several lines); xs: column left edges."""
        top = self.y + 11
        for row in rows:
            height = max(len(c.split("\n")) for c in row)
            for col, cell in enumerate(row):
                for k, part in enumerate(cell.split("\n")):
                    self.c.setFont("Helvetica", 9)
                    if col in right:
                        self.c.drawRightString(xs[col + 1] - 8 if col + 1 < len(xs) else xs[col] + 70, self.y - 12 * k, part)
                    else:
                        self.c.drawString(xs[col] + 3, self.y - 12 * k, part)
            self.y -= 12 * height + 4
            if ruled:
                self.c.line(xs[0], self.y + 11, self.width - 40, self.y + 11)
        if ruled:
            self.c.line(xs[0], top, self.width - 40, top)
            for x in xs + [self.width - 40]:
                self.c.line(x, top, x, self.y + 11)
        self.y -= 8

    def save(self, running: str = ""):
        self.footer(running)
        self.c.save()


def board_paper_pdf(path: Path, achievements: bool = True) -> None:
    """The sample board paper; ``achievements=False`` leaves out its list of achievements
    (the benchmark uses both)."""
    p = Page(path, title="Governing Body meeting: annual assessment and finance report")
    p.text("Governing Body meeting: annual assessment and finance report", size=13, gap=22)
    p.text("Report to the Governing Body")
    p.text("Recommendation: the Governing Body is asked to note this report.")
    p.space()
    p.text("1. This paper sets out the outcome of the NHS England annual assessment for 2018/19 under")
    p.text("the Improvement and Assessment Framework (IAF), and the year-end financial position.")
    p.space()
    p.text("2. Three of the four CCGs in South Staffordshire were rated inadequate overall.")
    p.space()
    p.table([["Clinical Commissioning Group", "Overall rating"]]
            + [[n if len(n) < 30 else "South East Staffordshire and\nSeisdon Peninsula CCG", r] for n, r in RATINGS],
            [60, 300], ruled=True)
    p.text("3. The four CCGs were all rated green for patient and community engagement: NHS England")
    p.text("has rated all four CCGs as 'Green' on the engagement indicator.")
    p.space()
    p.text("4. The table below gives the financial position during 2018/19 (£m).")
    p.space()
    header = ["Organisation", "Plan", "Outturn", "Variance"]
    xs = [60, 300, 380, 460]
    first, rest = BUDGET[:4], BUDGET[4:]
    p.table([header] + [[n if len(n) < 30 else "South East Staffordshire and\nSeisdon Peninsula CCG", b, e, v]
                        for n, b, e, v in first], xs, right=(1, 2, 3))
    p.new_page()
    p.table([header] + [list(r) for r in rest], xs, right=(1, 2, 3))
    if not achievements:
        p.text("Contact Officer: Finance Director")
        p.save()
        return
    p.text("5. The Governing Body should note the achievements of the year. Achievements this year include:")
    for item in ACHIEVEMENTS[:2]:
        p.text("\u2022  " + item, x=60)
    first, *rest = wrap(ACHIEVEMENTS[2], 90)
    p.y = 80
    p.text("\u2022  " + first, x=60)
    p.new_page()
    for line in rest:
        p.text(line, x=72)
    p.space()
    p.text("Contact Officer: Finance Director")
    p.save()


def docx_table(d, header: list[str], rows, style: str | None = None) -> None:
    t = d.add_table(rows=1 + len(rows), cols=len(header))
    if style:
        t.style = style
    for row, values in zip(t.rows, [header, *rows]):
        for cell, text in zip(row.cells, values):
            cell.text = text


def board_paper_docx(path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Governing Body meeting: annual assessment and finance report")
    d.add_paragraph("Recommendation: the Governing Body is asked to note this report.")
    d.add_paragraph("1. This paper sets out the outcome of the NHS England annual assessment for 2018/19 under "
                    "the Improvement and Assessment Framework (IAF), and the year-end financial position.")
    d.add_paragraph("2. Three of the four CCGs in South Staffordshire were rated inadequate overall.")
    docx_table(d, ["Clinical Commissioning Group", "Overall rating"], RATINGS)
    d.add_paragraph("3. The four CCGs were all rated green for patient and community engagement: NHS England "
                    "has rated all four CCGs as 'Green' on the engagement indicator.")
    d.add_paragraph("4. The table below gives the financial position during 2018/19 (£m).")
    docx_table(d, ["Organisation", "Plan", "Outturn", "Variance"], BUDGET)
    d.add_paragraph("5. The Governing Body should note the achievements of the year. Achievements this year include:")
    for item in ACHIEVEMENTS:
        d.add_paragraph(item, style="List Bullet")
    d.add_paragraph("Contact Officer: Finance Director")
    d.save(path)


# From NHS England's 2018/19 results as the trade press reported them: two years side by side.
TWO_YEARS = [
    ("North Staffordshire CCG", "Inadequate", "Good"),
    ("Stoke-on-Trent CCG", "Inadequate", "Good"),
    ("Kernow CCG", "Good", "Inadequate"),
    ("Coastal West Sussex CCG", "Good", "Inadequate"),
]


def scrutiny_docx(path: Path) -> None:
    """A scrutiny report whose ratings table has a column per year and no word 'previous'."""
    d = docx.Document()
    d.add_heading("Report to the Health Scrutiny Committee", 0)
    d.add_paragraph("CCG annual assessment 2018/19: movers")
    d.add_paragraph("1. The committee is asked to note how four CCGs named in the national results moved "
                    "between the last two annual assessments.")
    docx_table(d, ["CCG", "2018/19 rating", "2017/18 rating"], TWO_YEARS, style="Table Grid")
    d.add_paragraph("2. Recommendation: that the committee notes the report.")
    d.save(path)


INDICATORS = [
    ("Better Health", "Smoking", "Maternal smoking at delivery"),
    ("Better Health", "Child obesity", "Percentage of children aged 10-11 classified as overweight or obese"),
    ("Better Health", "Diabetes", "People with diabetes diagnosed less than a year who attend a structured education course"),
    ("Better Care", "Dementia", "Dementia care planning and post-diagnostic support"),
    ("Better Care", "Dementia", "Estimated diagnosis rate for people with dementia"),
    ("Better Care", "Cancer", "Cancers diagnosed at early stage"),
    ("Sustainability", "Financial sustainability", "In-year financial performance"),
    ("Leadership", "Quality of leadership", "Quality of CCG leadership"),
]


def framework_pdf(path: Path) -> None:
    """A landscape annex, three columns, header repeated on every page, area merged across a page."""
    size = landscape(A4)
    p = Page(path, size, title="CCG improvement and assessment framework 2018/19")
    p.text("CCG improvement and assessment framework 2018/19", size=14, gap=22)
    p.text("Publications Gateway Reference: 00000")
    p.text("Annex A - Indicator summary")
    p.text("The framework holds 9 indicators across 6 areas, listed below.")
    p.space()
    header = ["Domain", "Area", "Indicator"]
    xs = [60, 200, 380]
    rows = []
    previous_area = None
    for domain, area, indicator in INDICATORS:
        rows.append([domain, "" if area == previous_area else area, indicator])
        previous_area = area
    # Split 'Dementia care planning and post-diagnostic support' as the printer did.
    rows[3][2] = "Dementia care planning and post-\ndiagnostic support"
    p.table([header] + rows[:4], xs, ruled=True)
    p.new_page("OFFICIAL")
    p.table([header] + rows[4:], xs, ruled=True)
    p.save("OFFICIAL")


def printed_news_pdf(path: Path) -> None:
    """The news round-up as a browser prints a web page: date, time and page title at the
    top, the address and a page counter at the foot, drawn before the body in the file."""
    source = (CORPUS / "news_article" / "ccg-ratings-roundup-2019.txt").read_text(encoding="utf-8")
    title = source.splitlines()[0]
    p = Page(path, title="")
    p.c.setFont("Helvetica", 7)
    p.c.drawString(30, p.height - 20, "12/07/2019, 10:31")
    p.c.drawString(250, p.height - 20, f"{title} | Health News")
    p.c.drawString(30, 20, "https://news.example.org/ccg-ratings-who-moved-2018-19")
    p.c.drawString(p.width - 50, 20, "1/1")
    for block in source.split("\n\n"):
        for line in [x for x in block.splitlines() if x.strip()] if block.lstrip().startswith("•") else [" ".join(block.split())]:
            for piece in wrap(line, 95):
                p.text(piece)
        p.space()
    p.c.save()  # no page number of our own: the browser's counter is the only one


def main() -> None:
    (CORPUS / "board_paper").mkdir(parents=True, exist_ok=True)
    (CORPUS / "framework").mkdir(parents=True, exist_ok=True)
    board_paper_pdf(CORPUS / "board_paper" / "governing-body-assessment-2019.pdf")
    board_paper_docx(CORPUS / "board_paper" / "governing-body-assessment-2019.docx")
    framework_pdf(CORPUS / "framework" / "iaf-annex-2018-19.pdf")
    scrutiny_docx(CORPUS / "board_paper" / "scrutiny-ratings-2019.docx")
    printed_news_pdf(CORPUS / "news_article" / "ccg-ratings-printed-2019.pdf")
    print("built corpus PDFs and DOCX")


if __name__ == "__main__":
    main()
