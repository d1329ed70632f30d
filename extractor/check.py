"""Compare an output folder with a golden folder, as OUTPUT-SCHEMA.md's last section says.

Only documents listed in the golden documents.csv are scored, and only the
columns the golden files have.  Rows match on their key after normalising
text; achievements match on token similarity >= 0.9.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rapidfuzz import fuzz

from .normalise import direction, fold
from .output import csv_cell, csv_value
from .schema import INTEGER_COLUMNS, KEYS, NUMBER_COLUMNS, OPTIONAL_GOLDEN, TABLES

if TYPE_CHECKING:
    from .patterns import Patterns

ACHIEVEMENT_SIMILARITY = 0.9


class CheckError(Exception):
    """Unusable input: a missing folder, a file that is not CSV, a header without a key column."""


@dataclass
class TableReport:
    table: str
    golden: int = 0
    extracted: int = 0
    matched: int = 0
    fields: int = 0
    fields_right: int = 0
    missed: list[dict[str, Any]] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else (1.0 if not self.golden else 0.0)

    @property
    def recall(self) -> float:
        return self.matched / self.golden if self.golden else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def field_accuracy(self) -> float:
        return self.fields_right / self.fields if self.fields else 1.0

    def as_dict(self) -> dict[str, Any]:
        return dict(table=self.table, golden=self.golden, extracted=self.extracted, matched=self.matched,
                    precision=round(self.precision, 4), recall=round(self.recall, 4), f1=round(self.f1, 4),
                    field_accuracy=round(self.field_accuracy, 4), missed=self.missed, extra=self.extra, wrong=self.wrong)


def read_csv(path: Path, table: str) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = cast("list[str]", reader.fieldnames or [])
            rows: list[dict[str, Any]] = [{k: csv_value(k, v) if isinstance(v, str) else v for k, v in row.items()} for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CheckError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise CheckError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    unknown = [c for c in header if c not in TABLES[table]]
    if unknown:
        raise CheckError(f"{path}: unknown column '{unknown[0]}' (the {table} columns are {', '.join(TABLES[table])})")
    missing = [k for k in KEYS[table] if k not in header and not (k == "org_code" and "organisation" in header)]
    if missing:
        raise CheckError(f"{path}: header lacks key column '{missing[0]}'")
    return header, rows


def org_fold(name: str) -> str:
    """An organisation name in the comparison form: every printed form of a name compares equal
    (``NHS Cannock Chase Clinical Commissioning Group`` is ``Cannock Chase CCG``)."""
    text = re.sub(r"\bclinical\s+commissioning\s+groups?\b", "ccg", fold(name))
    return re.sub(r"^nhs\s+", "", text)


_BY_CODE = ("ratings", "budgets")  # keyed on org_code, or on the name when either side has no code


def _key(row: dict[str, Any], table: str, columns: list[str], by_code: bool) -> tuple[Any, ...]:
    out = []
    for column in KEYS[table]:
        if column == "org_code":
            out.append(row.get("org_code", "") if by_code else org_fold(row.get("organisation", "")))
        elif column in columns:
            out.append(fold(row.get(column, "")))
    return tuple(out)


def _same(column: str, a: str, b: str, abs_tol: float, rel_tol: float) -> bool:
    if column in INTEGER_COLUMNS or column in NUMBER_COLUMNS or column.endswith("_gbp"):
        try:
            x, y = float(a), float(b)
            return math.isclose(x, y, abs_tol=abs_tol, rel_tol=rel_tol)
        except ValueError:
            pass
    if column == "organisation":
        return org_fold(a) == org_fold(b)
    if column == "entities":
        return [org_fold(x) for x in a.split("|")] == [org_fold(x) for x in b.split("|")]
    return fold(a) == fold(b)


def _expected(column: str, g: dict[str, Any]) -> list[str]:
    """The values a golden cell allows: itself, and for an empty direction the one its two ratings give."""
    values = [g.get(column, "")]
    if column == "direction" and not values[0]:
        derived = direction(g.get("previous_rating", ""), g.get("rating", ""))
        if derived:
            values.append(derived)
    return values


def compare_table(table: str, golden: list[dict[str, Any]], output: list[dict[str, Any]], columns: list[str],
                  abs_tol: float = 0.0, rel_tol: float = 0.0) -> TableReport:
    report = TableReport(table, golden=len(golden), extracted=len(output))
    compared = [c for c in columns if c in TABLES[table] and c not in KEYS[table] and c not in ("evidence", "rule")]
    unmatched = list(range(len(output)))
    for g in golden:
        index = _match(table, g, output, unmatched, columns)
        if index is None:
            report.missed.append({c: g.get(c, "") for c in columns})
            continue
        unmatched.remove(index)
        report.matched += 1
        o = output[index]
        for column in compared:
            if column == "org_code" and table in _BY_CODE:
                continue
            report.fields += 1
            if any(_same(column, e, o.get(column, ""), abs_tol, rel_tol) for e in _expected(column, g)):
                report.fields_right += 1
            else:
                report.wrong.append({"doc_id": g["doc_id"], "key": _label(table, g), "column": column,
                                     "golden": g.get(column, ""), "extracted": o.get(column, "")})
        if table in _BY_CODE and "org_code" in columns:
            report.fields += 1
            if g.get("org_code", "") == o.get("org_code", ""):
                report.fields_right += 1
            else:
                report.wrong.append({"doc_id": g["doc_id"], "key": _label(table, g), "column": "org_code",
                                     "golden": g.get("org_code", ""), "extracted": o.get("org_code", "")})
    report.extra = [{c: output[i].get(c, "") for c in columns} for i in unmatched]
    return report


def _match(table: str, g: dict[str, Any], output: list[dict[str, Any]], candidates: list[int], columns: list[str]) -> int | None:
    if table == "achievements":
        best, best_score = None, ACHIEVEMENT_SIMILARITY
        for i in candidates:
            o = output[i]
            if o["doc_id"] != g["doc_id"]:
                continue
            score = fuzz.token_sort_ratio(fold(g["achievement"]), fold(o["achievement"])) / 100
            if score >= best_score:
                best, best_score = i, score
        return best
    for i in candidates:
        o = output[i]
        by_code = table in _BY_CODE and bool(g.get("org_code")) and bool(o.get("org_code"))
        if _key(g, table, columns, by_code) == _key(o, table, columns, by_code):
            return i
    return None


def _label(table: str, row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={row.get(k, '')}" for k in KEYS[table] if k != "doc_id" and row.get(k, "") != "")


def compare(output: Path, golden: Path, abs_tol: float = 0.0, rel_tol: float = 0.0) -> list[TableReport]:
    for folder in (output, golden):
        if not Path(folder).is_dir():
            raise CheckError(f"folder not found: {folder}")
    tables = [t for t in TABLES if t not in OPTIONAL_GOLDEN or (golden / f"{t}.csv").exists()]
    for table in tables:
        if not (golden / f"{table}.csv").exists():
            raise CheckError(f"{golden / f'{table}.csv'}: missing; a golden folder needs every table "
                             "(a header row alone for a table with no rows)")
        if not (output / f"{table}.csv").exists():
            other = sorted(p.name for p in output.glob(f"{table}.*"))
            hint = f" (it holds {other[0]}: extract again with --format csv)" if other else ""
            raise CheckError(f"{output}: not a CSV output folder, {table}.csv is missing{hint}")
    _, gdocs = read_csv(golden / "documents.csv", "documents")
    scored = {row["doc_id"] for row in gdocs}
    reports = []
    for table in tables:
        columns, grows = read_csv(golden / f"{table}.csv", table)
        orows = read_csv(output / f"{table}.csv", table)[1]
        grows = [r for r in grows if r["doc_id"] in scored]
        orows = [r for r in orows if r["doc_id"] in scored]
        reports.append(compare_table(table, grows, orows, columns, abs_tol, rel_tol))
    return reports


def render(reports: list[TableReport], fmt: str, coverage: dict[str, Any] | None = None) -> str:
    if fmt == "json":
        return json.dumps({"tables": [r.as_dict() for r in reports], "coverage": coverage or {}}, indent=2, ensure_ascii=False)
    md = fmt == "markdown"
    head = ["table", "golden", "extracted", "matched", "precision", "recall", "F1", "fields"]
    lines = []
    if md:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    else:
        lines.append(f"{'table':14} {'golden':>6} {'extracted':>9} {'matched':>7} {'precision':>9} {'recall':>6} {'F1':>6} {'fields':>6}")
    for r in reports:
        cells = [r.table, r.golden, r.extracted, r.matched, f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}", f"{r.field_accuracy:.3f}"]
        lines.append("| " + " | ".join(map(str, cells)) + " |" if md else
                     f"{cells[0]:14} {cells[1]:>6} {cells[2]:>9} {cells[3]:>7} {cells[4]:>9} {cells[5]:>6} {cells[6]:>6} {cells[7]:>6}")
    bullet = "- " if md else "  "
    for r in reports:
        if not (r.missed or r.extra or r.wrong):
            continue
        lines.append(f"\n{'### ' if md else ''}{r.table}")
        for row in r.missed:
            lines.append(f"{bullet}missed  {row.get('doc_id')}: {_label(r.table, row)}")
        for row in r.extra:
            lines.append(f"{bullet}extra   {row.get('doc_id')}: {_label(r.table, row)}")
        for w in r.wrong:
            lines.append(f"{bullet}wrong   {w['doc_id']}: {w['key']}: {w['column']} golden={w['golden']!r} extracted={w['extracted']!r}")
    if coverage:
        if coverage.get("unfired"):
            lines.append(f"\n{'### ' if md else ''}rules that never fired: " + ", ".join(coverage["unfired"]))
        if coverage.get("unknown"):
            lines.append("documents no type matched: " + ", ".join(coverage["unknown"]))
    return "\n".join(lines)


def coverage(output: Path, golden: Path, patterns: Patterns | None) -> dict[str, Any]:
    """Rules run on the checked documents that produced no row, and documents of type unknown."""
    if patterns is None:
        return {}
    _, gdocs = read_csv(golden / "documents.csv", "documents")
    scored = {r["doc_id"] for r in gdocs}
    odocs_path = output / "documents.csv"
    odocs = read_csv(odocs_path, "documents")[1] if odocs_path.exists() else []
    types = {r["doc_type"] for r in odocs if r["doc_id"] in scored}
    fired: set[str] = set()
    for table in TABLES:
        path = output / f"{table}.csv"
        if table != "documents" and path.exists():
            fired |= {r.get("rule", "") for r in read_csv(path, table)[1] if r["doc_id"] in scored}
    fired_ids = {rule.split("/", 1)[-1] for rule in fired}
    unfired = sorted({r.id for t in types for r in patterns.rules_for(t)
                      if r.id not in fired_ids and r.kind != "stated_total"})
    unknown = sorted(r["doc_id"] for r in odocs if r["doc_id"] in scored and r["doc_type"] == "unknown")
    return {"unfired": unfired, "unknown": unknown}


def run_check(output: Path, golden: Path, fmt: str = "text", min_f1: float = 1.0, min_fields: float = 1.0,
              abs_tol: float = 0.0, rel_tol: float = 0.0, patterns: Patterns | None = None) -> int:
    """Print the report; 0 when every table meets the thresholds, 1 when not, 2 on unusable input."""
    import click

    try:
        reports = compare(Path(output), Path(golden), abs_tol, rel_tol)
        cover = coverage(Path(output), Path(golden), patterns)
    except CheckError as exc:
        click.echo(f"Error: {exc}", err=True)
        return 2
    click.echo(render(reports, fmt, cover))
    failing = [r for r in reports if r.f1 < min_f1 or r.field_accuracy < min_fields]
    return 1 if failing else 0


def init_golden(output: Path, golden: Path) -> int:
    """Copy the compared columns of a reviewed output folder into a new golden folder."""
    if not (output / "documents.csv").exists():
        raise CheckError(f"{output}: no documents.csv; is this an output folder?")
    golden.mkdir(parents=True, exist_ok=True)
    written = 0
    for table, columns in TABLES.items():
        path = output / f"{table}.csv"
        if not path.exists():
            continue
        keep = [c for c in columns if c not in ("evidence", "rule", "sha256", "extractor_version", "message", "title", "published", "status")]
        if table == "documents":
            keep = ["doc_id", "doc_type"]
        _, rows = read_csv(path, table)
        with (golden / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(keep)
            writer.writerows([[csv_cell(c, r.get(c, "")) for c in keep] for r in rows])  # escaped as output is
        written += 1
    return written
