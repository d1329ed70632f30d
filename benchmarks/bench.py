"""Speed and memory of nhs-extract against a plain pdfplumber loop (run by hand, not by the tests).

    .venv/bin/pip install ".[bench]"        # reportlab, to build the inputs
    .venv/bin/python benchmarks/bench.py     # builds into /tmp/nhs-extract-bench, then measures

It builds
  * a 300-page board pack: a 5-page assessment report (ratings table, budget table
    in £m without ruling lines, a cover and a closing page) among 295 pages of other
    papers: minutes and prose (where "good" and "rated" occur in passing) and
    performance reports with ruled numeric tables and a line chart; every page has
    a vector logo, a header rule and a footer, as real packs do;
  * a 200-file folder: 10- to 20-page board papers cut from the same kinds of pages,
    some with the assessment report, and Word, HTML and text copies of the samples.

Each measurement runs in a fresh process, so peak RSS is that run's own (the largest
single process: with --jobs 2, the parent or one worker).  The clock starts after the
imports of the top-level modules (printed apart); everything loaded on first use,
spaCy among it, is inside the measured time.  The tool then runs a second time in the
same process ("warm"), as a long batch would after its first file.  The
plain loop opens each PDF with pdfplumber and calls ``page.extract_text()`` and
``page.extract_tables()`` on every page, closing pages as it goes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

TOPICS = ["urgent care", "primary care", "mental health services", "community nursing", "maternity",
          "continuing healthcare", "estates", "digital records", "safeguarding", "workforce"]
VERBS = ["noted", "discussed", "approved", "asked for an update on", "received a report on", "challenged the plan for"]
MEASURES = ["A&E four-hour standard", "RTT incomplete pathways within 18 weeks", "Cancer two-week wait",
            "Cancer 62-day treatment", "Diagnostics within 6 weeks", "IAPT access rate", "IAPT recovery rate",
            "Dementia diagnosis rate", "Delayed transfers of care", "Ambulance category 1 mean",
            "Healthcare-acquired infections (C. difficile)", "Friends and Family Test"]
MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


# ---------------------------------------------------------------- building the inputs

def _styles():
    """Body text in an embedded TrueType font, as published packs have, at a size that
    gives about 3,000 characters a page."""
    import reportlab
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
    styles = getSampleStyleSheet()
    for name in ("BodyText", "Heading2", "Heading3", "Title"):
        styles[name].fontName = "Vera"
    styles["BodyText"].fontSize, styles["BodyText"].leading = 8.5, 10.5
    return styles


def minutes_story(rng: random.Random, pages: int) -> list:
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    s = _styles()
    story = []
    for _page in range(pages):
        story.append(Paragraph(f"Minutes of the governing body meeting, item {rng.randint(1, 40)}", s["Heading2"]))
        for _ in range(10):
            topic, verb = rng.choice(TOPICS), rng.choice(VERBS)
            story.append(Paragraph(
                f"The members {verb} {topic}. The lead director said that the work on {rng.choice(TOPICS)} "
                f"was on track for quarter {rng.randint(1, 4)} and that {rng.randint(2, 40)} actions were open; "
                f"a lay member asked how {topic} would be reported to the committee next month.", s["BodyText"]))
            if rng.random() < 0.3:
                story.append(Paragraph(
                    f"Members agreed that {rng.choice(TOPICS)} had made good progress and that patients had "
                    f"rated the service highly in the last survey.", s["BodyText"]))
            story.append(Spacer(1, 4))
        story.append(PageBreak())
    return story


def performance_story(rng: random.Random, pages: int) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import PageBreak, Paragraph, Table, TableStyle

    s = _styles()
    story = []
    for _page in range(pages):
        story.append(Paragraph("Integrated performance report: constitutional standards", s["Heading2"]))
        header = ["Measure", "Target"] + MONTHS
        rows = [header] + [
            [m, f"{rng.choice([85, 92, 93, 95, 99])}%"] + [f"{rng.uniform(60, 99):.1f}%" for _ in MONTHS]
            for m in rng.sample(MEASURES, 12)
        ]
        table = Table(rows, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("FONTNAME", (0, 0), (-1, -1), "Vera"),
                                   ("FONTSIZE", (0, 0), (-1, -1), 6)]))
        story += [table, chart(rng)]
        for _ in range(4):
            story.append(Paragraph(
                f"Performance against the {rng.choice(MEASURES)} fell short in {rng.choice(MONTHS)}; a recovery "
                f"plan with the main provider is expected by the end of quarter {rng.randint(1, 4)}, and the "
                f"committee will see the trajectory for {rng.choice(TOPICS)} at its next meeting.", s["BodyText"]))
        story.append(PageBreak())
    return story


def _furniture(canvas, doc) -> None:
    """What every page of a real pack carries: a vector logo, a header rule, a footer."""
    canvas.saveState()
    canvas.setFillColorRGB(0, 0.37, 0.72)
    canvas.roundRect(480, 790, 70, 30, 4, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont("Helvetica-BoldOblique", 18)
    canvas.drawString(490, 798, "NHS")
    canvas.setStrokeColorRGB(0, 0.37, 0.72)
    canvas.line(45, 780, 550, 780)
    canvas.setFont("Helvetica", 7)
    canvas.setFillColorRGB(0.3, 0.3, 0.3)
    canvas.drawString(45, 30, f"Governing body meeting in public  |  page {doc.page}")
    canvas.restoreState()


def chart(rng: random.Random):
    """A small line chart of three measures over twelve months, as performance reports have."""
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing

    drawing = Drawing(460, 120)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 30, 15, 420, 95
    plot.data = [[(m, rng.uniform(60, 99)) for m in range(12)] for _ in range(3)]
    plot.xValueAxis.valueSteps = list(range(12))
    plot.yValueAxis.visibleGrid = True
    drawing.add(plot)
    return drawing


def render(story: list, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    SimpleDocTemplate(str(path), pagesize=A4, title=path.stem).build(story, onFirstPage=_furniture,
                                                                     onLaterPages=_furniture)


def assessment_pages(folder: Path, achievements: bool = True) -> Path:
    """A 5-page assessment report: a cover, the sample board paper, closing pages.  With
    ``achievements=False`` the paper has only its ratings and budget tables (2 pages), so
    no organisation names have to be found in free text and spaCy is never loaded."""
    from reportlab.platypus import PageBreak, Paragraph

    s = _styles()
    cover, closing = folder / "_cover.pdf", folder / "_closing.pdf"
    render([Paragraph("Agenda item 7: annual assessment of the CCGs", s["Title"]),
            Paragraph("The governing body is asked to note the report that follows.", s["BodyText"]), PageBreak()], cover)
    render([Paragraph("Next steps", s["Heading2"]),
            Paragraph("Each CCG will agree an improvement plan with NHS England and report back in the spring.",
                      s["BodyText"])], closing)
    if achievements:
        report = folder / "_assessment.pdf"
        join([cover, CORPUS / "board_paper" / "governing-body-assessment-2019.pdf", closing], report)
        return report
    sys.path.insert(0, str(ROOT / "scripts"))
    from build_corpus import board_paper_pdf

    paper, report = folder / "_paper-tables-only.pdf", folder / "_assessment-tables-only.pdf"
    board_paper_pdf(paper, achievements=False)
    join([cover, paper, closing, closing], report)
    return report


def join(parts: list[Path], path: Path) -> None:
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for part in parts:
        src = pdfium.PdfDocument(part)
        out.import_pages(src)
        src.close()
    out.save(path)
    out.close()


def build(work: Path) -> tuple[Path, Path, Path]:
    rng = random.Random(2019)
    work.mkdir(parents=True, exist_ok=True)
    parts = work / "parts"
    parts.mkdir(exist_ok=True)
    report = assessment_pages(parts)
    pieces = []
    for index, (kind, pages) in enumerate([("minutes", 60), ("performance", 70), ("minutes", 45),
                                           ("performance", 60), ("minutes", 60)]):
        piece = parts / f"{index:02d}-{kind}.pdf"
        render((minutes_story if kind == "minutes" else performance_story)(rng, pages), piece)
        pieces.append(piece)
    pack = work / "board-pack-300.pdf"
    join(pieces[:2] + [report] + pieces[2:], pack)
    tables_only = work / "board-pack-300-tables-only.pdf"
    join(pieces[:2] + [assessment_pages(parts, achievements=False)] + pieces[2:], tables_only)
    for built in (pack, tables_only):
        if pages_of(built) != 300:
            raise SystemExit(f"{built.name} has {pages_of(built)} pages, not 300: adjust the page counts in build()")

    folder = work / "folder-200"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    samples = [p for p in CORPUS.rglob("*") if p.is_file() and "golden" not in p.parts and p.suffix != ".pdf"]
    for number in range(200):
        name = folder / f"paper-{number:03d}"
        if number % 10 == 9:
            sample = samples[number // 10 % len(samples)]
            shutil.copy(sample, name.with_suffix(sample.suffix))
            continue
        story = (minutes_story if number % 2 else performance_story)(rng, rng.randint(10, 20))
        render(story, name.with_suffix(".body.pdf"))
        parts_of = [name.with_suffix(".body.pdf")] + ([report] if number % 4 == 0 else [])
        join(parts_of, name.with_suffix(".pdf"))
        name.with_suffix(".body.pdf").unlink()
    return pack, tables_only, folder


# ---------------------------------------------------------------- measuring (in a child process)

def pages_of(path: Path) -> int:
    import pypdfium2 as pdfium

    files = [path] if path.is_file() else sorted(path.rglob("*.pdf"))
    total = 0
    for f in files:
        doc = pdfium.PdfDocument(f)
        total += len(doc)
        doc.close()
    return total


def child(kind: str, path: Path, jobs: int, full_scan: bool) -> dict:
    begun = time.perf_counter()
    if kind == "plumber":
        import pdfplumber

        started = time.perf_counter()
        files = [path] if path.is_file() else sorted(path.rglob("*.pdf"))
        pages = 0
        for f in files:
            with pdfplumber.open(f) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    page.extract_tables()
                    page.close()
                    pages += 1
        result = {"files": len(files), "pages": pages}
    else:
        from extractor.api import run_batch
        from extractor.output import render as render_tables
        from extractor.patterns import Patterns

        patterns = Patterns()
        started = time.perf_counter()
        batch = run_batch(path, patterns, jobs=jobs, full_scan=full_scan, timeout=None)
        cold = time.perf_counter() - started
        again = time.perf_counter()  # a second run in the same process: start-up costs already paid
        run_batch(path, patterns, jobs=jobs, full_scan=full_scan, timeout=None)
        warm = time.perf_counter() - again
        files = render_tables(batch.tables)
        files.pop("documents.csv")
        digest = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()
        rows = {t: len(r) for t, r in batch.tables.items()}
        result = {"files": len(batch.results), "pages": batch.pages, "digest": digest, "rows": rows,
                  "statuses": batch.statuses(), "seconds": cold, "warm_seconds": warm}
    result.setdefault("seconds", time.perf_counter() - started)
    result["import_seconds"] = started - begun
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["peak_rss_mb"] = round(max(own, workers), 1)
    return result


def measure(kind: str, path: Path, jobs: int = 1, full_scan: bool = False) -> dict:
    args = [sys.executable, __file__, "_child", kind, str(path), "--jobs", str(jobs)] + (["--full-scan"] if full_scan else [])
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def line(label: str, r: dict) -> str:
    return (f"{label:34} {r['pages']:5d} pages {r['files']:4d} files  {r['seconds']:7.2f} s  "
            f"{r['pages'] / r['seconds']:8.1f} pages/s  {r['files'] / r['seconds']:7.2f} files/s  "
            f"peak RSS {r['peak_rss_mb']:6.1f} MB  (+{r['import_seconds']:.2f} s of imports before the clock starts)"
            + (f"\n{'':34} warm (second run in the same process): {r['warm_seconds']:.2f} s, "
               f"{r['pages'] / r['warm_seconds']:.1f} pages/s, {r['files'] / r['warm_seconds']:.2f} files/s"
               if "warm_seconds" in r else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/nhs-extract-bench"))
    parser.add_argument("--no-build", action="store_true", help="reuse the inputs already in --work")
    parser.add_argument("--skip-plumber-folder", action="store_true", help="skip the slow plain loop over the folder")
    parser.add_argument("--shared-pack", action="store_true",
                        help="only the 284-page pack of ../shared/tools/make_pack.py against the plain loop (needs pypdf)")
    parser.add_argument("--ocr", action="store_true",
                        help="only OCR: four scans of the acceptance board paper, --jobs 1 and 2 (needs tesseract)")
    args = parser.parse_args()
    if args.shared_pack:
        return shared_pack(args.work)
    if args.ocr:
        return ocr_speed(args.work)
    if args.no_build:
        pack, tables_only = args.work / "board-pack-300.pdf", args.work / "board-pack-300-tables-only.pdf"
        folder = args.work / "folder-200"
    else:
        print(f"building inputs in {args.work} ...", flush=True)
        pack, tables_only, folder = build(args.work)
    print(f"pack: {pages_of(pack)} pages; folder: {sum(1 for _ in folder.iterdir())} files, {pages_of(folder)} PDF pages\n")

    tool = measure("tool", pack)
    full = measure("tool", pack, full_scan=True)
    plumber = measure("plumber", pack)
    print(line("nhs-extract, 300-page pack", tool))
    print(line("nhs-extract --full-scan, pack", full))
    print(line("plain pdfplumber loop, pack", plumber))
    speedup = (tool["pages"] / tool["seconds"]) / (plumber["pages"] / plumber["seconds"])
    warm = (tool["pages"] / tool["warm_seconds"]) / (plumber["pages"] / plumber["seconds"])
    print(f"  speed-up {speedup:.1f}x ({warm:.1f}x warm); records identical to --full-scan: {tool['digest'] == full['digest']}; "
          f"rows {tool['rows']}")
    lean = measure("tool", tables_only)
    print(line("nhs-extract, pack, report w/o list", lean))
    print(f"  the same pack whose report has only its ratings and budget tables (no achievements list, so\n"
          f"  spaCy is not loaded): speed-up {(lean['pages'] / lean['seconds']) / (plumber['pages'] / plumber['seconds']):.1f}x; "
          f"rows {lean['rows']}\n")

    one = measure("tool", folder, jobs=1)
    two = measure("tool", folder, jobs=2)
    print(line("nhs-extract --jobs 1, 200 files", one))
    print(line("nhs-extract --jobs 2, 200 files", two))
    print(f"  --jobs 2 is {(two['files'] / two['seconds']) / (one['files'] / one['seconds']):.2f}x --jobs 1; "
          f"records identical: {one['digest'] == two['digest']}; statuses {one['statuses']}")
    if not args.skip_plumber_folder:
        loop = measure("plumber", folder)
        print(line("plain pdfplumber loop, folder PDFs", loop))


SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_pack(work: Path) -> None:
    """The acceptance pack: the CCG paper on pages 150-154 among public-health reports and a parish's accounts."""
    work.mkdir(parents=True, exist_ok=True)
    pack = work / "shared-pack.pdf"
    subprocess.run([sys.executable, str(SHARED / "tools" / "make_pack.py"), str(pack)], check=True, capture_output=True)
    tool = measure("tool", pack)
    plumber = measure("plumber", pack)
    print(line("nhs-extract --jobs 1, shared pack", tool))
    print(line("plain pdfplumber loop, shared pack", plumber))
    speedup = (tool["pages"] / tool["seconds"]) / (plumber["pages"] / plumber["seconds"])
    warm = (tool["pages"] / tool["warm_seconds"]) / (plumber["pages"] / plumber["seconds"])
    print(f"  speed-up {speedup:.1f}x cold ({warm:.1f}x warm); rows {tool['rows']}")


def ocr_speed(work: Path) -> None:
    """OCR pages per second: four image-only scans of the acceptance board paper (20 pages)."""
    import pypdfium2 as pdfium

    folder = work / "scans"
    folder.mkdir(parents=True, exist_ok=True)
    source = pdfium.PdfDocument(SHARED / "corpus" / "documents" / "staffordshire-ccg-annual-assessments-2019.pdf")
    images = [page.render(scale=200 / 72).to_pil().convert("L") for page in source]
    for n in range(4):
        images[0].save(folder / f"scan-{n}.pdf", save_all=True, append_images=images[1:], resolution=200)
    for jobs in (1, 2):
        print(line(f"nhs-extract OCR --jobs {jobs}, 4 scans", measure("tool", folder, jobs=jobs)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        sub = argparse.ArgumentParser()
        sub.add_argument("kind")
        sub.add_argument("path", type=Path)
        sub.add_argument("--jobs", type=int, default=1)
        sub.add_argument("--full-scan", action="store_true")
        a = sub.parse_args(sys.argv[2:])
        print(json.dumps(child(a.kind, a.path, a.jobs, a.full_scan)))
    else:
        main()
