"""Cell accuracy of table reading: nhs-extract against camelot (stream) and pdfplumber's
text strategy, on the PDF tables of ../shared/corpus and ../shared/phrasings, in one run
(run by hand, not by the tests).

    .venv/bin/pip install ".[bench]"          # camelot-py (stream needs no Ghostscript)
    .venv/bin/python benchmarks/tables.py     # prints one table of scores

Ground truth is the goldens' values.  Only the tables are read here (no rules, no units
from captions), so each tool is scored on the same cells:

* a budget row (PDF documents with two or more golden budget rows: the rest are prose)
  is four cells: its label (the budget line or organisation as printed; 'Total' for the
  whole budget) and its budget, expenditure and variance.  The label is right when a row
  of one of the tool's tables starts with it; each amount is right when that row holds it
  in the table's printed unit (£, £000 or £m, whichever makes the budget agree; a
  variance in either sign, as tables print it either way round).
* an indicator row of an annex table (rows with an area) is two cells: the indicator
  name, right when a cell of the tool's tables holds exactly it (wrapped lines joined,
  hyphenation undone); and its area, right when that row's first cell is the area or
  is blank under it.

A tool that cannot run (camelot not installed) is reported as such, not scored.
"""

from __future__ import annotations

import csv
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from extractor.normalise import fold, money  # noqa: E402

Grid = list[list[str]]


# ---------------------------------------------------------------- the tools

def nhs_extract(path: Path) -> list[Grid]:
    from extractor.pdf import load_pdf

    doc = load_pdf(path.read_bytes(), path.name)  # every page analysed, as --full-scan
    return [t.rows for t in doc.tables]


def camelot_stream(path: Path) -> list[Grid]:
    import camelot

    tables = camelot.read_pdf(str(path), pages="all", flavor="stream")
    return [[[str(c) for c in row] for row in t.df.values.tolist()] for t in tables]


def pdfplumber_text(path: Path) -> list[Grid]:
    import pdfplumber

    settings = {"vertical_strategy": "text", "horizontal_strategy": "text"}
    grids: list[Grid] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            grids += [[[c or "" for c in row] for row in t] for t in page.extract_tables(settings)]
            page.close()
    return grids


TOOLS: dict[str, Callable[[Path], list[Grid]]] = {
    "nhs-extract": nhs_extract,
    "camelot stream": camelot_stream,
    "pdfplumber text": pdfplumber_text,
}


# ---------------------------------------------------------------- ground truth

def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def truth() -> dict[Path, dict[str, list[dict]]]:
    """PDF documents with golden table rows: {path: {"budgets": rows, "indicators": rows}}."""
    found: dict[Path, dict[str, list[dict]]] = {}
    for folder in (SHARED / "corpus", SHARED / "phrasings"):
        if not folder.is_dir():
            continue
        for table in ("budgets", "indicators"):
            rows = [r for r in read(folder / "golden" / f"{table}.csv") if r["doc_id"].lower().endswith(".pdf")]
            by_doc: dict[str, list[dict]] = {}
            for row in rows:
                by_doc.setdefault(row["doc_id"], []).append(row)
            for doc_id, doc_rows in by_doc.items():
                if table == "budgets" and len(doc_rows) < 2:
                    continue  # a budget stated in prose, not a table
                if table == "indicators":
                    doc_rows = [r for r in doc_rows if r["area"]]  # a contents list is not a table
                if doc_rows:
                    found.setdefault(folder / "documents" / doc_id, {}).setdefault(table, []).extend(doc_rows)
    return found


# ---------------------------------------------------------------- scoring

def _text(cell: str) -> str:
    return fold(re.sub(r"\s+", " ", cell or ""))


def _label(row: list[str]) -> str:
    return next((_text(c) for c in row if c and c.strip()), "")


def budget_cells(grids: list[Grid], golden: list[dict]) -> tuple[int, int]:
    right = total = 0
    rows = [row for grid in grids for row in grid]
    for g in golden:
        label = _text(g["budget_line"] or g["organisation"])
        if not g["budget_line"] and any(r["budget_line"] for r in golden):
            label = "total"  # a report's whole budget is its total row
        values = [int(g[k]) for k in ("budget_gbp", "expenditure_gbp", "variance_gbp") if g[k] not in ("", None)]
        total += 1 + len(values)
        row = next((r for r in rows if (_label(r) == label or (label == "total" and _label(r).startswith("total")))
                    and any(money(c) for c in r[1:])), None)  # the row of figures, not a ratings row
        if row is None:
            continue
        right += 1
        amounts = [m[0] for m in (money(c) for c in row[1:]) if m is not None]
        unit = next((u for u in (1, 1000, 10**6) if values and any(abs(a * u - values[0]) < u / 2 for a in amounts)), None)
        if unit is None:
            continue
        right += sum(any(abs(abs(a * u) - abs(v)) < u / 2 for a in amounts) for v, u in ((v, unit) for v in values))
    return right, total


def indicator_cells(grids: list[Grid], golden: list[dict]) -> tuple[int, int]:
    right = total = 0
    for g in golden:
        total += 2
        name, area = _text(g["indicator"]), _text(g["area"])
        for grid in grids:
            row = next((r for r in grid if any(_text(c) == name for c in r)), None)
            if row is not None:
                right += 1
                first = _text(row[0])
                right += first in (area, "") or first == name and area == ""
                break
    return right, total


def main() -> int:
    warnings.filterwarnings("ignore")  # camelot warns on every page without a table
    documents = truth()
    if not documents:
        print("../shared/corpus and ../shared/phrasings not found: nothing to measure")
        return 2
    print(f"{len(documents)} PDF documents with golden table rows: "
          + ", ".join(sorted(p.name for p in documents)))
    print()
    print(f"{'tool':<18} {'budget cells':>14} {'indicator cells':>16} {'all cells':>12} {'accuracy':>9} {'seconds':>8}")
    for name, tool in TOOLS.items():
        scores = {"budgets": [0, 0], "indicators": [0, 0]}
        started = time.perf_counter()
        try:
            for path, tables in sorted(documents.items()):
                grids = tool(path)
                for table, rows in tables.items():
                    right, total = (budget_cells if table == "budgets" else indicator_cells)(grids, rows)
                    scores[table][0] += right
                    scores[table][1] += total
        except ImportError as exc:
            print(f"{name:<18} not run: {exc}")
            continue
        seconds = time.perf_counter() - started
        right = scores["budgets"][0] + scores["indicators"][0]
        total = scores["budgets"][1] + scores["indicators"][1]
        b, i = scores["budgets"], scores["indicators"]
        print(f"{name:<18} {b[0]:>6}/{b[1]:<7} {i[0]:>7}/{i[1]:<8} {right:>5}/{total:<6} {right / total:>9.3f} {seconds:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
