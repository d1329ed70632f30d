"""``nhs-extract report``: one self-contained HTML page for reviewing an output folder.

The page holds a summary (documents by status and type, rows per table, two
inline SVG charts), then every document with its status, message and rows, each
row's evidence with the matched parts highlighted and, for PDFs, a crop of the
page with the printed source boxed (drawn by the code of ``explain --images``).
With a golden folder it also shows the check's missed, extra and wrong rows
beside the golden values.  Filters and search are inline JavaScript, so the
file works opened from disk with no network.

Every value reaches the page escaped: the summary through Jinja2's
autoescaping, the documents as JSON (with ``<``, ``>`` and ``&`` written as
``\\u`` escapes) that the script turns into DOM text nodes, never HTML.  Page
crops are PNG files in a folder beside the page, loaded lazily, so a run of
thousands of documents stays a page of a few megabytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from . import __version__
from .schema import KEYS, RATING_VALUES, RECORD_TABLES, STATUSES, TABLES

Row = dict[str, str]
Span = tuple[int, int, str]  # start, end, kind (org, rating, period, amount)

# Columns shown for each table's rows (evidence, rule and page are shown apart).
SHOWN: dict[str, tuple[str, ...]] = {
    table: tuple(c for c in columns if c not in ("doc_id", "evidence", "rule", "page"))
    for table, columns in TABLES.items() if table != "documents"
}
CROPS_SUFFIX = "-files"
CHART_BARS = 25  # organisations shown in the variance chart


class ReportError(Exception):
    """Unusable input: a folder that is not an output folder, an unreadable golden folder."""


# ---------------------------------------------------------------- reading


def output_format(folder: Path) -> str:
    for fmt in ("csv", "jsonl", "parquet"):
        if (folder / f"documents.{fmt}").exists():
            return fmt
    raise ReportError(f"{folder}: no documents.csv (or .jsonl, .parquet); is this an output folder?")


def read_output(folder: Path) -> dict[str, list[Row]]:
    """Every table of an output folder as rows of strings ('' for an unknown value)."""
    from .output import read_tables, rows_of

    fmt = output_format(folder)
    try:
        frames = read_tables(folder, fmt)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder}: cannot read the tables ({exc})") from None
    tables: dict[str, list[Row]] = {}
    for table, df in frames.items():
        tables[table] = [{c: "" if v is None else str(v) for c, v in row.items()} for row in rows_of(table, df)]
    return tables


# ---------------------------------------------------------------- highlighting

_RATING_WORDS: dict[str, str] = {
    "requires_improvement": r"requir\w*\s+improvement|\bRI\b",
    "green": r"green(?:\s+star)?",
}


def _loose(text: str) -> str:
    """A regex for ``text`` with any run of spaces or dashes matching any other."""
    parts = [re.escape(p) for p in re.split(r"[\s\-\u2010-\u2015]+", text.strip()) if p]
    return r"[\s\-\u2010-\u2015]+".join(parts)


def _period(period: str) -> str | None:
    found = re.fullmatch(r"(\d{4})/(\d{2})", period)
    if not found:
        return None
    start, end = found.groups()
    return rf"{start}\s*[/\-\u2013]\s*(?:{start[:2]})?{end}(?!\d)"


def _amount(value: str) -> str | None:
    """The ways a whole-pound amount is printed: in pounds, £000s, £m or £bn, negatives in brackets."""
    try:
        pounds = abs(int(value))
    except ValueError:
        return None
    forms = {f"{pounds:,}", str(pounds)}
    if pounds and pounds % 1000 == 0:
        forms |= {f"{pounds // 1000:,}", str(pounds // 1000)}
    for unit in (10**6, 10**9):
        if pounds >= unit // 100:
            forms.add(f"{pounds / unit:.3f}".rstrip("0").rstrip("."))
    forms.discard("0")
    if not forms:
        return r"(?<![\d.,])0(?![\d])"
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return rf"(?<![\d.,])(?:{alternatives})(?![\d]|[.,]\d)"


@lru_cache(maxsize=1 << 16)
def _pattern(what: str, value: str) -> re.Pattern[str] | None:
    """The compiled pattern for one value of a column kind (cached: a run repeats its names and periods)."""
    if what == "org":
        source: str | None = _loose(value)
    elif what == "rating":
        source = _RATING_WORDS.get(value, _loose(value.replace("_", " ")))
    elif what == "period":
        source = _period(value)
    elif what == "count":
        source = rf"(?<![\d.,]){int(value)}(?![\d])"
    else:
        source = _amount(value)
    return re.compile(source, re.IGNORECASE) if source else None


def highlights(table: str, row: Row, text: str) -> list[Span]:
    """Where the row's organisation, rating, period and amounts are in ``text`` (its evidence)."""
    wanted: list[tuple[str, re.Pattern[str] | None]] = []
    for column in ("organisation", "scope"):
        if row.get(column):
            wanted.append(("org", _pattern("org", row[column])))
    for entity in filter(None, row.get("entities", "").split("|")):
        wanted.append(("org", _pattern("org", entity)))
    for column in ("rating", "previous_rating"):
        if row.get(column):
            wanted.append(("rating", _pattern("rating", row[column])))
    if row.get("period"):
        wanted.append(("period", _pattern("period", row["period"])))
    for column in ("budget_gbp", "expenditure_gbp", "variance_gbp"):
        if row.get(column):
            wanted.append(("amount", _pattern("amount", row[column])))
    if row.get("count", "").isdigit():
        wanted.append(("amount", _pattern("count", row["count"])))
    spans: list[Span] = []
    for kind, pattern in wanted:
        if pattern is None:
            continue
        for found in pattern.finditer(text):
            if found.end() > found.start():
                spans.append((found.start(), found.end(), kind))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[Span] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def evidence_of(table: str, row: Row) -> str:
    return row.get("evidence") or row.get("achievement") or row.get("indicator") or ""


# ---------------------------------------------------------------- golden


@dataclass
class Diff:
    table: str
    doc_id: str
    kind: str  # missed, extra, wrong
    key: str
    columns: list[str]
    golden: list[str]
    extracted: list[str]
    wrong: list[int] = field(default_factory=list)
    rule: str = ""
    row: int = 0  # id() of the extracted row (extra and wrong), to mark it among the document's rows


def golden_diffs(output: Path, golden: Path, tables: dict[str, list[Row]]) -> tuple[list[Diff], list[dict[str, Any]]]:
    """The check's missed, extra and wrong rows, each with its golden and extracted values, and
    the per-table scores."""
    from .check import CheckError, _label, _match, compare, read_csv

    if output_format(output) != "csv":
        raise ReportError(f"{output}: --golden compares CSV output; this folder holds {output_format(output)}")
    try:
        reports = compare(output, golden)
    except CheckError as exc:
        raise ReportError(str(exc)) from None
    diffs: list[Diff] = []
    scores: list[dict[str, Any]] = []
    for report in reports:
        table = report.table
        scores.append({"table": table, "golden": report.golden, "extracted": report.extracted, "matched": report.matched,
                       "precision": report.precision, "recall": report.recall, "f1": report.f1,
                       "fields": report.field_accuracy})
        if table == "documents":
            columns, grows = read_csv(golden / "documents.csv", table)
        else:
            columns, grows = read_csv(golden / f"{table}.csv", table)
        columns = [c for c in columns if c != "doc_id"]
        orows: dict[str, list[Row]] = {}  # by document: a large run's differences are looked up per document
        for extracted_row in tables.get(table, []):
            orows.setdefault(extracted_row["doc_id"], []).append(extracted_row)
        gby: dict[tuple[str, str], Row] = {}
        for golden_row in grows:
            gby.setdefault((golden_row["doc_id"], _label(table, golden_row)), golden_row)
        for row in report.missed:
            diffs.append(Diff(table, row.get("doc_id", ""), "missed", _label(table, row), columns,
                              [row.get(c, "") for c in columns], ["" for _ in columns]))
        for row in report.extra:
            source = next((o for o in orows.get(row.get("doc_id", ""), []) if all(o.get(c, "") == row.get(c, "") for c in row)),
                          {})
            diffs.append(Diff(table, row.get("doc_id", ""), "extra", _label(table, row), columns,
                              ["" for _ in columns], [row.get(c, "") for c in columns], rule=source.get("rule", ""),
                              row=id(source) if source else 0))
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for wrong in report.wrong:
            groups.setdefault((wrong["doc_id"], wrong["key"]), []).append(wrong)
        for (doc_id, key), wrongs in groups.items():
            g = gby.get((doc_id, key))
            o: Row = {}
            if g is not None:
                same_doc = orows.get(doc_id, [])
                index = _match(table, g, same_doc, list(range(len(same_doc))), ["doc_id", *columns])
                o = same_doc[index] if index is not None else {}
            gvalues = {c: (g or {}).get(c, "") for c in columns}
            xvalues = {c: o.get(c, "") for c in columns}
            for wrong in wrongs:
                gvalues[wrong["column"]], xvalues[wrong["column"]] = wrong["golden"], wrong["extracted"]
            bad = {w["column"] for w in wrongs}
            diffs.append(Diff(table, doc_id, "wrong", key, columns, [gvalues[c] for c in columns],
                              [xvalues[c] for c in columns], [i for i, c in enumerate(columns) if c in bad],
                              rule=o.get("rule", ""), row=id(o) if o else 0))
    return diffs, scores


# ---------------------------------------------------------------- page crops


def _source_file(input_path: Path, doc_id: str) -> Path | None:
    if input_path.is_file():
        return input_path if input_path.name == doc_id else None
    candidate = input_path / doc_id
    return candidate if candidate.is_file() else None


_CROP_NAME = re.compile(r"[A-Za-z0-9_.-]*-[0-9a-f]{8}-p\d{3}-\d{4}\.png")


def _crop_document(task: tuple[str, str, str, list[Row], str]) -> tuple[list[str], str]:
    """Write one PDF's crops (in a worker process when the report runs several); returns each
    row's file name ('' for none) and a note when the document got none."""
    from .images import source_crops

    doc_id, path, sha256, rows, folder = task
    data = Path(path).read_bytes()
    if not data.startswith(b"%PDF"):
        return [""] * len(rows), ""
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        return [""] * len(rows), "no page crops: the file has changed since it was extracted"
    try:
        pictures = source_crops(data, rows)
    except Exception as exc:  # a PDF that no longer opens must not stop the report
        return [""] * len(rows), f"no page crops: {type(exc).__name__}: {exc}"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(doc_id).stem)[:60]
    names = []
    for number, picture in enumerate(pictures):
        if picture is None:
            names.append("")
            continue
        page, image = picture
        name = f"{stem}-{(sha256 or '0' * 8)[:8]}-p{page:03d}-{number:04d}.png"
        Path(folder).mkdir(parents=True, exist_ok=True)
        image.save(Path(folder) / name, optimize=True)
        names.append(name)
    return names, ""


def write_crops(tables: dict[str, list[Row]], input_path: Path, folder: Path, link: str,
                jobs: int = 1) -> tuple[dict[int, str], dict[str, str]]:
    """PNG crops of each PDF row's source into ``folder`` (its earlier crops removed, nothing
    else); returns, by id() of the row, the crop's address relative to the page, and by
    doc_id a note for documents not cropped."""
    from urllib.parse import quote

    rows_by_doc: dict[str, list[Row]] = {}
    for table in RECORD_TABLES:
        for row in tables.get(table, []):
            if row.get("page", "").isdigit():
                rows_by_doc.setdefault(row["doc_id"], []).append(row)
    if folder.is_dir():
        for old in folder.iterdir():
            if old.is_file() and _CROP_NAME.fullmatch(old.name):
                old.unlink()
    notes: dict[str, str] = {}
    tasks: list[tuple[str, str, str, list[Row], str]] = []
    for doc in tables["documents"]:
        doc_id = doc["doc_id"]
        if doc_id not in rows_by_doc:
            continue
        path = _source_file(input_path, doc_id)
        if path is None:
            notes[doc_id] = f"no page crops: {doc_id} is not under {input_path}"
            continue
        tasks.append((doc_id, str(path), doc.get("sha256", ""), rows_by_doc[doc_id], str(folder)))
    if jobs > 1 and len(tasks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            results = list(pool.map(_crop_document, tasks, chunksize=max(1, len(tasks) // (jobs * 4))))
    else:
        results = [_crop_document(task) for task in tasks]
    crops: dict[int, str] = {}
    for task, (names, note) in zip(tasks, results):
        if note:
            notes[task[0]] = note
        for row, name in zip(task[3], names):
            if name:
                crops[id(row)] = quote(f"{link}/{name}")
    return crops, notes


# ---------------------------------------------------------------- charts

RATING_COLOURS: dict[str, str] = {
    "outstanding": "#1b7837", "good": "#5aae61", "requires_improvement": "#f1a340", "inadequate": "#d73027",
    "green": "#4dac26", "amber": "#fdb863", "red": "#b2182b",
}


def ratings_chart(ratings: list[Row]) -> str:
    """Stacked bars: ratings rows by period, coloured by rating."""
    counts: Counter[tuple[str, str]] = Counter((r["period"] or "no period", r["rating"] or "none") for r in ratings)
    if not counts:
        return '<p class="empty">No ratings.</p>'
    periods = sorted({p for p, _ in counts})
    ratings_seen = [r for r in (*RATING_VALUES, "none") if any(k[1] == r for k in counts)]
    ratings_seen += sorted({r for _, r in counts} - set(ratings_seen))
    totals = {p: sum(n for (q, _), n in counts.items() if q == p) for p in periods}
    top = max(totals.values())
    bar, gap, height, left, base = 46, 22, 180, 36, 200
    width = left + len(periods) * (bar + gap) + 170
    parts = [f'<svg class="chart" role="img" aria-labelledby="chart-ratings-title" viewBox="0 0 {width} {base + 40}" '
             f'width="{width}" height="{base + 40}" xmlns="http://www.w3.org/2000/svg">',
             '<title id="chart-ratings-title">Ratings rows by period and rating</title>',
             f'<line x1="{left}" y1="{base}" x2="{left + len(periods) * (bar + gap)}" y2="{base}" stroke="#888"/>',
             f'<text x="{left - 6}" y="{base - height + 4}" text-anchor="end" class="axis">{top}</text>',
             f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" class="axis">0</text>']
    for i, period in enumerate(periods):
        x, y = left + gap / 2 + i * (bar + gap), float(base)
        for rating in ratings_seen:
            n = counts.get((period, rating), 0)
            if not n:
                continue
            h = n / top * height
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                         f'fill="{RATING_COLOURS.get(rating, "#999")}"><title>{escape(period)}: '
                         f'{n} {escape(rating)}</title></rect>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="value">{totals[period]}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle" class="axis">{escape(period)}</text>')
    lx = left + len(periods) * (bar + gap) + 16
    for j, rating in enumerate(ratings_seen):
        ly = 20 + j * 18
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{RATING_COLOURS.get(rating, "#999")}"/>')
        parts.append(f'<text x="{lx + 18}" y="{ly}" class="axis">{escape(rating.replace("_", " "))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _money(pounds: int) -> str:
    sign = "-" if pounds < 0 else ""
    pounds = abs(pounds)
    if pounds >= 10**9:
        return f"{sign}£{pounds / 10**9:.2f}bn"
    if pounds >= 10**6:
        return f"{sign}£{pounds / 10**6:.1f}m"
    if pounds >= 10**3:
        return f"{sign}£{pounds / 10**3:.0f}k"
    return f"{sign}£{pounds}"


def variance_chart(budgets: list[Row]) -> str:
    """Horizontal bars: each organisation's variance for its latest period (a line printed in
    several documents counts once), overspends to the left in red."""
    latest: dict[str, tuple[str, int]] = {}
    for row in budgets:
        org, printed = row.get("organisation", ""), row.get("variance_gbp", "")
        if not org or row.get("budget_line") or not re.fullmatch(r"-?\d+", printed):
            continue
        period = row.get("period", "")
        if org not in latest or period > latest[org][0]:
            latest[org] = (period, int(printed))
    if not latest:
        return '<p class="empty">No budget variances by organisation.</p>'
    shown = sorted(latest.items(), key=lambda item: (-abs(item[1][1]), item[0]))[:CHART_BARS]
    top = max(abs(v) for _, (_, v) in shown) or 1
    label, half, row_h = 300, 170, 20
    width, height = label + 2 * half + 140, len(shown) * row_h + 30
    mid = label + half + 70
    parts = [f'<svg class="chart" role="img" aria-labelledby="chart-variance-title" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             '<title id="chart-variance-title">Budget variance by organisation (latest period)</title>',
             f'<line x1="{mid}" y1="4" x2="{mid}" y2="{height - 20}" stroke="#888"/>']
    for i, (org, (period, value)) in enumerate(shown):
        y = 8 + i * row_h
        w = abs(value) / top * half
        x = mid if value >= 0 else mid - w
        colour = "#2b8cbe" if value >= 0 else "#d73027"
        name = org if len(org) <= 44 else org[:42] + "…"
        parts.append(f'<text x="{label}" y="{y + 12}" text-anchor="end" class="axis">{escape(name)}'
                     f'{" " + escape(period) if period else ""}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{row_h - 6}" fill="{colour}">'
                     f'<title>{escape(org)} {escape(period)}: {escape(_money(value))}</title></rect>')
        tx = mid + w + 4 if value >= 0 else mid - w - 4
        parts.append(f'<text x="{tx:.1f}" y="{y + 12}" text-anchor="{"start" if value >= 0 else "end"}" '
                     f'class="value">{escape(_money(value))}</text>')
    parts.append(f'<text x="{mid}" y="{height - 6}" text-anchor="middle" class="axis">'
                 f'← overspend · underspend →{" · top " + str(CHART_BARS) + " of " + str(len(latest)) if len(latest) > CHART_BARS else ""}'
                 '</text></svg>')
    return "".join(parts)


# ---------------------------------------------------------------- the page


def _json_for_script(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end it or start a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def build(output: Path, golden: Path | None = None, input_path: Path | None = None,
          crops_folder: Path | None = None, crops_link: str = "", jobs: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's summary (for the template) and its data (for the script)."""
    tables = read_output(output)
    documents = tables["documents"]
    crops: dict[int, str] = {}
    notes: dict[str, str] = {}
    if input_path is not None and crops_folder is not None:
        crops, notes = write_crops(tables, input_path, crops_folder, crops_link, jobs)
    diffs: list[Diff] = []
    scores: list[dict[str, Any]] = []
    if golden is not None:
        diffs, scores = golden_diffs(output, golden, tables)

    doc_index = {d["doc_id"]: i for i, d in enumerate(documents)}
    rows_per_doc: list[Counter[str]] = [Counter() for _ in documents]
    rows_out: list[list[Any]] = []
    row_number: dict[int, int] = {}
    rules: set[str] = set()
    for table in RECORD_TABLES:
        for row in tables.get(table, []):
            d = doc_index.get(row["doc_id"], -1)
            if d < 0:
                continue
            rows_per_doc[d][table] += 1
            text = evidence_of(table, row)
            rule = row.get("rule", "")
            rules.add(rule)
            row_number[id(row)] = len(rows_out)
            rows_out.append([table, d, [row.get(c, "") for c in SHOWN[table]], text,
                             [list(s) for s in highlights(table, row, text)], rule, row.get("page", ""),
                             crops.get(id(row), "")])
    docs_out = [[d["doc_id"], d["doc_type"], d["title"], d["status"], d["message"], d["pages"],
                 notes.get(d["doc_id"], "")] for d in documents]
    diffs_out = [[x.table, x.doc_id, x.kind, x.key, x.columns, x.golden, x.extracted, x.wrong, x.rule,
                  row_number.get(x.row, -1)] for x in diffs]

    statuses = Counter(d["status"] for d in documents)
    types = sorted({d["doc_type"] for d in documents})
    by_type = {t: Counter(d["status"] for d in documents if d["doc_type"] == t) for t in types}
    status_names = [s for s in STATUSES if statuses[s]] + sorted(set(statuses) - set(STATUSES))
    diff_counts = Counter((x.table, x.kind) for x in diffs)
    summary: dict[str, Any] = {
        "output": str(output), "golden": str(golden) if golden else "", "version": __version__,
        "documents": len(documents), "statuses": status_names, "status_counts": statuses,
        "types": types, "by_type": by_type,
        "rows": [(t, len(tables.get(t, []))) for t in RECORD_TABLES],
        "ratings_chart": ratings_chart(tables.get("ratings", [])),
        "variance_chart": variance_chart(tables.get("budgets", [])),
        "scores": [dict(s, missed=diff_counts[(s["table"], "missed")], extra=diff_counts[(s["table"], "extra")],
                        wrong=diff_counts[(s["table"], "wrong")]) for s in scores],
        "crops": len(crops), "crop_notes": len(notes), "input": str(input_path) if input_path else "",
    }
    data: dict[str, Any] = {
        "tables": list(RECORD_TABLES), "columns": {t: list(SHOWN[t]) for t in RECORD_TABLES},
        "keys": {t: [k for k in KEYS[t] if k != "doc_id"] for t in RECORD_TABLES},
        "statuses": status_names, "rules": sorted(r for r in rules if r),
        "docs": docs_out, "rows": rows_out, "diffs": diffs_out, "golden": golden is not None,
    }
    return summary, data


def render(summary: dict[str, Any], data: dict[str, Any]) -> str:
    from jinja2 import Environment
    from markupsafe import Markup

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    template = env.from_string(TEMPLATE)
    return template.render(
        s=summary, css=Markup(CSS), script=Markup(SCRIPT), data=Markup(_json_for_script(data)),
        ratings_chart=Markup(summary["ratings_chart"]), variance_chart=Markup(summary["variance_chart"]),
    )


def write_report(output: Path, html: Path | None = None, golden: Path | None = None,
                 input_path: Path | None = None, jobs: int = 1) -> Path:
    """Write the report of ``output`` (default ``output/report.html``); page crops, when
    ``input_path`` is the folder that was extracted, go to a folder beside it (drawn by
    ``jobs`` processes)."""
    output = Path(output)
    html = Path(html) if html is not None else output / "report.html"
    crops_folder = html.with_name(html.stem + CROPS_SUFFIX)
    summary, data = build(output, golden, input_path, crops_folder, crops_folder.name, jobs)
    html.parent.mkdir(parents=True, exist_ok=True)
    temporary = html.with_name(f".{html.name}.tmp")
    temporary.write_text(render(summary, data), encoding="utf-8")
    temporary.replace(html)
    return html


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>nhs-extract report: {{ s.output }}</title>
<style>{{ css }}</style>
</head>
<body>
<header class="top">
<h1>Extraction report</h1>
<p class="meta">Output <code>{{ s.output }}</code>{% if s.golden %}, compared with <code>{{ s.golden }}</code>{% endif %}{% if s.input %}, page crops from <code>{{ s.input }}</code>{% endif %}; nhs-extract {{ s.version }}</p>
</header>
<section id="summary" aria-label="Summary">
<div class="cards">
<div class="card" id="n-documents"><span class="n">{{ s.documents }}</span> documents</div>
{% for status in s.statuses %}
<div class="card status-{{ status }}" id="n-status-{{ status }}"><span class="n">{{ s.status_counts[status] }}</span> {{ status }}</div>
{% endfor %}
{% for table, n in s.rows %}
<div class="card rows" id="n-rows-{{ table }}"><span class="n">{{ n }}</span> {{ table }}</div>
{% endfor %}
</div>
<div class="grid">
<figure>
<figcaption>Documents by type and status</figcaption>
<table id="by-type" class="summary">
<thead><tr><th>type</th>{% for status in s.statuses %}<th>{{ status }}</th>{% endfor %}<th>all</th></tr></thead>
<tbody>
{% for t in s.types %}
<tr><th>{{ t }}</th>{% for status in s.statuses %}<td>{{ s.by_type[t][status] }}</td>{% endfor %}<td>{{ s.by_type[t].total() }}</td></tr>
{% endfor %}
</tbody>
</table>
</figure>
<figure id="chart-ratings"><figcaption>Ratings by period and rating (rows)</figcaption>{{ ratings_chart }}</figure>
<figure id="chart-variance"><figcaption>Budget variance by organisation</figcaption>{{ variance_chart }}</figure>
</div>
{% if s.golden %}
<figure>
<figcaption>Compared with the golden folder</figcaption>
<table id="scores" class="summary">
<thead><tr><th>table</th><th>golden</th><th>extracted</th><th>matched</th><th>precision</th><th>recall</th><th>F1</th><th>fields</th><th>missed</th><th>extra</th><th>wrong</th></tr></thead>
<tbody>
{% for r in s.scores %}
<tr class="{{ 'bad' if r.missed or r.extra or r.wrong else 'good' }}"><th>{{ r.table }}</th><td>{{ r.golden }}</td><td>{{ r.extracted }}</td><td>{{ r.matched }}</td><td>{{ '%.3f' % r.precision }}</td><td>{{ '%.3f' % r.recall }}</td><td>{{ '%.3f' % r.f1 }}</td><td>{{ '%.3f' % r.fields }}</td><td>{{ r.missed }}</td><td>{{ r.extra }}</td><td>{{ r.wrong }}</td></tr>
{% endfor %}
</tbody>
</table>
</figure>
{% endif %}
</section>
<nav id="filters" aria-label="Filters">
<label>Table <select id="f-table"><option value="">all</option></select></label>
<label>Status <select id="f-status"><option value="">all</option></select></label>
<label>Document <select id="f-doc"><option value="">all</option></select></label>
<label>Rule <select id="f-rule"><option value="">all</option></select></label>
<label class="grow">Search <input id="f-search" type="search" placeholder="organisation, rating, words of the evidence…"></label>
<span id="shown" aria-live="polite"></span>
</nav>
<noscript><p class="empty">The documents are listed by the page's script: allow JavaScript for this file.</p></noscript>
{% if s.golden %}
<section id="differences" aria-label="Differences from the golden folder"><h2>Differences from the golden folder</h2><div id="diff-list"></div></section>
{% endif %}
<section id="documents" aria-label="Documents"><h2>Documents</h2>
<p class="legend">In the evidence: <mark class="org">organisation</mark><mark class="rating">rating</mark><mark class="period">period</mark><mark class="amount">amount</mark>{% if s.golden %} · rows that differ from the golden folder are marked in red{% endif %}{% if s.crops %} · page crops box the source in orange{% endif %}</p><div id="doc-list"></div><button id="more" type="button" hidden>Show more documents</button></section>
<script type="application/json" id="report-data">{{ data }}</script>
<script>{{ script }}</script>
</body>
</html>
"""

CSS = """
:root { --fg: #1d2329; --muted: #5b6670; --line: #d8dde2; --bg: #f6f7f9; --org: #cfe3ff; --rating: #ffe0b2;
  --period: #dcedc8; --amount: #f8d7f3; --bad: #fde2e1; --badfg: #a4000f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.top, section, nav { padding: 0 20px; }
h1 { margin: 0; padding-top: 14px; font-size: 22px; } h2 { font-size: 18px; margin: 18px 0 8px; }
.meta { color: var(--muted); margin: 4px 0 12px; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, monospace; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; color: var(--muted); }
.card .n { display: block; font-size: 20px; font-weight: 600; color: var(--fg); }
.grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 12px 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #333; } svg.chart .value { fill: #000; font-weight: 600; }
table { border-collapse: collapse; }
table.summary td, table.summary th { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: right; }
table.summary th:first-child { text-align: left; }
tr.bad th { color: var(--badfg); }
nav#filters { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 10px; align-items: center;
  background: #fff; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: 8px 20px; }
nav label { color: var(--muted); } nav select, nav input { font: inherit; max-width: 280px; }
nav .grow { flex: 1 1 260px; } nav .grow input { width: 100%; max-width: none; }
#shown { color: var(--muted); }
article.doc { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; padding: 8px 12px; }
article.doc h3 { margin: 0; font-size: 15px; }
.docmeta { color: var(--muted); margin: 2px 0; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; margin-left: 6px; }
.status-ok .badge, .badge.status-ok { background: #dcf5e3; color: #11602c; }
.badge.status-partial { background: #fff0c2; color: #7a5400; } .badge.status-needs_ocr { background: #e4e1ff; color: #3b2f99; }
.badge.status-failed { background: var(--bad); color: var(--badfg); }
.message { margin: 4px 0; padding: 4px 8px; background: #fffaf0; border-left: 3px solid #e0a800; }
table.rows { width: 100%; margin: 6px 0 10px; }
table.rows th, table.rows td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
table.rows td:not(.source) { min-width: 4em; max-width: 22em; }
table.rows th { font-weight: 600; color: var(--muted); font-size: 12px; }
th.source-head { width: 44%; min-width: 340px; } td.source img { display: block; max-width: 100%; margin-top: 4px; border: 1px solid var(--line); }
.rule { color: var(--muted); font-size: 12px; }
mark { border-radius: 3px; padding: 0 1px; color: inherit; }
mark.org { background: var(--org); } mark.rating { background: var(--rating); }
mark.period { background: var(--period); } mark.amount { background: var(--amount); }
.legend mark { margin-right: 6px; }
table.diff { margin: 4px 0 10px; } table.diff th, table.diff td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; }
table.diff td.wrong, tr.row td.wrong { background: var(--bad); color: var(--badfg); font-weight: 600; }
tr.flag-extra > td:first-child, tr.flag-wrong > td:first-child { box-shadow: inset 3px 0 var(--badfg); }
.diffhead { margin-top: 8px; } .kind { font-weight: 600; text-transform: uppercase; font-size: 11px; margin-right: 6px; }
.kind.missed { color: #a15c00; } .kind.extra { color: #3b2f99; } .kind.wrong { color: var(--badfg); }
.empty { color: var(--muted); }
button#more { margin: 10px 0 30px; font: inherit; padding: 6px 14px; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var PAGE = 50;
  var limit = PAGE;
  var docs = DATA.docs.map(function (d, i) {
    return {i: i, id: d[0], type: d[1], title: d[2], status: d[3], message: d[4], pages: d[5], note: d[6],
            rows: [], diffs: [], name: (d[0] + " " + d[2]).toLowerCase(), text: (d[0] + " " + d[2] + " " + d[4]).toLowerCase()};
  });
  var byId = {};
  docs.forEach(function (d) { byId[d.id] = d; });
  var rows = DATA.rows.map(function (r) {
    var row = {table: r[0], doc: docs[r[1]], cells: r[2], evidence: r[3], marks: r[4], rule: r[5], page: r[6], crop: r[7]};
    row.text = (r[2].join(" ") + " " + r[3] + " " + r[5]).toLowerCase();
    row.doc.rows.push(row);
    return row;
  });
  var orphans = [];
  var diffs = DATA.diffs.map(function (x) {
    var diff = {table: x[0], docId: x[1], kind: x[2], key: x[3], columns: x[4], golden: x[5], extracted: x[6],
                wrong: x[7], rule: x[8]};
    diff.text = (x[1] + " " + x[3] + " " + x[5].join(" ") + " " + x[6].join(" ")).toLowerCase();
    diff.doc = byId[x[1]] || null;
    if (x[9] >= 0) {  // the extracted row this difference is about: marked among its document's rows
      var target = rows[x[9]];
      target.flag = x[2];
      x[7].forEach(function (i) { target.wrongCols = (target.wrongCols || []).concat([x[4][i]]); });
    }
    (diff.doc ? diff.doc.diffs : orphans).push(diff);
    return diff;
  });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); }); }
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function fill(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", {value: v}, [v])); });
  }
  var f = {table: document.getElementById("f-table"), status: document.getElementById("f-status"),
           doc: document.getElementById("f-doc"), rule: document.getElementById("f-rule"),
           search: document.getElementById("f-search")};
  fill(f.table, DATA.tables);
  fill(f.status, DATA.statuses);
  fill(f.doc, docs.map(function (d) { return d.id; }));
  fill(f.rule, DATA.rules);

  function evidence(row) {
    var out = el("div", {"class": "evidence"}), at = 0, text = row.evidence;
    row.marks.forEach(function (m) {
      if (m[0] > at) { out.appendChild(document.createTextNode(text.slice(at, m[0]))); }
      out.appendChild(el("mark", {"class": m[2], title: m[2]}, [text.slice(m[0], m[1])]));
      at = m[1];
    });
    if (at < text.length) { out.appendChild(document.createTextNode(text.slice(at))); }
    return out;
  }
  function rowsTable(table, list) {
    var cols = DATA.columns[table];
    var head = el("tr", null, cols.map(function (c) { return el("th", null, [c.replace(/_/g, " ")]); })
      .concat([el("th", {"class": "source-head"}, ["source (page, rule)"])]));
    var body = list.map(function (row) {
      var source = el("td", {"class": "source"}, [evidence(row),
        el("div", {"class": "rule"}, [(row.page ? "page " + row.page + " · " : "") + row.rule])]);
      if (row.crop) {
        source.appendChild(el("img", {src: row.crop, loading: "lazy", alt: "page " + row.page + " with the source boxed",
                                      "class": "crop"}));
      }
      var attrs = {"class": "row" + (row.flag ? " flag-" + row.flag : ""), "data-table": table};
      if (row.flag) { attrs.title = row.flag === "extra" ? "not in the golden folder" : "differs from the golden folder"; }
      return el("tr", attrs, row.cells.map(function (c, i) {
        var wrong = row.wrongCols && row.wrongCols.indexOf(cols[i]) >= 0;
        return el("td", wrong ? {"class": "wrong", "data-column": cols[i]} : null, [c]);
      }).concat([source]));
    });
    return el("table", {"class": "rows", "data-table": table}, [el("thead", null, [head]), el("tbody", null, body)]);
  }
  function diffTable(diff) {
    var head = el("tr", null, [el("th")].concat(diff.columns.map(function (c) { return el("th", null, [c]); })));
    function line(label, values, side) {
      return el("tr", {"class": side}, [el("th", null, [label])].concat(values.map(function (v, i) {
        var wrong = diff.wrong.indexOf(i) >= 0;
        var missing = (side === "extracted" && diff.kind === "missed") || (side === "golden" && diff.kind === "extra");
        return el("td", wrong ? {"class": "wrong", "data-column": diff.columns[i]} : null, [missing ? "—" : v]);
      })));
    }
    return el("div", {"class": "diff-item diff-" + diff.kind, "data-table": diff.table}, [
      el("div", {"class": "diffhead"}, [el("span", {"class": "kind " + diff.kind}, [diff.kind]), diff.table + ": ",
        el("code", null, [diff.docId]), " " + diff.key]),
      el("table", {"class": "diff"}, [el("thead", null, [head]), el("tbody", null, [
        line("golden", diff.golden, "golden"), line("extracted", diff.extracted, "extracted")])])]);
  }
  function docCard(doc, shownRows, shownDiffs) {
    var counts = DATA.tables.filter(function (t) { return doc.rows.some(function (r) { return r.table === t; }); })
      .map(function (t) { return t + " " + doc.rows.filter(function (r) { return r.table === t; }).length; });
    var card = el("article", {"class": "doc status-" + doc.status, "data-doc": doc.id}, [
      el("h3", null, [doc.title || doc.id, el("span", {"class": "badge status-" + doc.status}, [doc.status])]),
      el("div", {"class": "docmeta"}, [el("code", null, [doc.id]), " · " + doc.type +
        (doc.pages ? " · " + doc.pages + " pages" : "") + " · rows: " + (counts.join(", ") || "none")])]);
    if (doc.message) { card.appendChild(el("p", {"class": "message"}, [doc.message])); }
    if (doc.note) { card.appendChild(el("p", {"class": "empty"}, [doc.note])); }
    DATA.tables.forEach(function (t) {
      var list = shownRows.filter(function (r) { return r.table === t; });
      if (list.length) {
        card.appendChild(el("h4", null, [t + " (" + list.length + ")"]));
        card.appendChild(rowsTable(t, list));
      }
    });
    if (shownDiffs.length) {
      card.appendChild(el("h4", null, ["differences from the golden folder (" + shownDiffs.length + ")"]));
      shownDiffs.forEach(function (x) { card.appendChild(diffTable(x)); });
    }
    return card;
  }

  function matches() {
    var table = f.table.value, status = f.status.value, docId = f.doc.value, rule = f.rule.value;
    var q = f.search.value.trim().toLowerCase();
    function rowOk(r) { return (!table || r.table === table) && (!rule || r.rule === rule); }
    function diffOk(x) { return (!table || x.table === table) && (!rule || x.rule === rule); }
    function found(item) { return !q || item.text.indexOf(q) >= 0; }
    var out = [], nrows = 0, ndiffs = 0;
    docs.forEach(function (d) {
      if ((status && d.status !== status) || (docId && d.id !== docId)) { return; }
      var r = d.rows.filter(rowOk), x = d.diffs.filter(diffOk);
      if (q && d.name.indexOf(q) < 0) { r = r.filter(found); x = x.filter(found); }  // a document found by its name shows all its rows
      if (r.length || x.length || (!table && !rule && (!q || d.text.indexOf(q) >= 0))) {
        out.push({doc: d, rows: r, diffs: x});
        nrows += r.length;
        ndiffs += x.length;
      }
    });
    var loose = (status || docId) ? [] : orphans.filter(diffOk).filter(found);
    return {docs: out, rows: nrows, diffs: ndiffs + loose.length, orphans: loose};
  }

  function draw() {
    var m = matches();
    var list = document.getElementById("doc-list");
    list.textContent = "";
    m.docs.slice(0, limit).forEach(function (x) { list.appendChild(docCard(x.doc, x.rows, x.diffs)); });
    if (!m.docs.length) { list.appendChild(el("p", {"class": "empty"}, ["No document matches the filters."])); }
    var more = document.getElementById("more");
    more.hidden = m.docs.length <= limit;
    more.textContent = "Show more documents (" + Math.min(limit, m.docs.length) + " of " + m.docs.length + " shown)";
    var diffList = document.getElementById("diff-list");
    if (diffList) {
      diffList.textContent = "";
      var all = [];
      m.docs.forEach(function (x) { all = all.concat(x.diffs); });
      all = all.concat(m.orphans);
      if (!all.length) { diffList.appendChild(el("p", {"class": "empty"}, ["No difference matches the filters."])); }
      all.slice(0, 200).forEach(function (x) { diffList.appendChild(diffTable(x)); });
      if (all.length > 200) { diffList.appendChild(el("p", {"class": "empty"}, [(all.length - 200) + " more: narrow the filters."])); }
    }
    document.getElementById("shown").textContent = m.docs.length + " of " + docs.length + " documents, " +
      m.rows + " of " + rows.length + " rows" + (DATA.golden ? ", " + m.diffs + " of " + diffs.length + " differences" : "");
    document.body.setAttribute("data-ready", "1");
  }
  function reset() { limit = PAGE; draw(); }
  [f.table, f.status, f.doc, f.rule].forEach(function (s) { s.addEventListener("change", reset); });
  var timer = null;
  f.search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(reset, 150); });
  document.getElementById("more").addEventListener("click", function () { limit += PAGE; draw(); });
  draw();
})();
"""
