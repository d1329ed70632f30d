"""Run a rule's own examples: each builds a tiny document, runs that one rule on it and
compares the rows it gives with the rows the example lists.  The test suite runs every
example of every rule; ``nhs-extract rules --check`` does the same for a user's files."""

from __future__ import annotations

from typing import Any

from .model import Document, Line, Table
from .orgs import Organisations
from .patterns import AnyRule, Example, Patterns
from .pipeline import dedupe, merge_ratings
from .rules import apply
from .rules.context import Context
from .rules.segments import merge_segments
from .schema import RECORD_TABLES


def example_document(example: Example) -> Document:
    """``# `` starts a heading, ``- `` a list item; a table, when given, follows the text."""
    lines = []
    for raw in example.text.splitlines():
        text = raw.strip()
        if not text:
            continue
        if text.startswith("# "):
            lines.append(Line(text[2:].strip(), None, "heading"))
        elif text.startswith("- "):
            lines.append(Line(text[2:].strip(), None, "item"))
        else:
            lines.append(Line(text, None, "text"))
    doc = Document(doc_id="example", format="text", lines=lines, title=example.title or (lines[0].text if lines else ""),
                   published=example.published)
    if example.table:
        doc.tables.append(Table(rows=[list(r) for r in example.table], anchor=len(lines), caption=example.caption))
        if example.caption:
            doc.lines.append(Line(example.caption, None, "text"))
    return doc


def run_rule(patterns: Patterns, rule: AnyRule, example: Example) -> dict[str, list[dict[str, Any]]]:
    """The rows one rule gives on an example, merged as the pipeline merges them."""
    doc = example_document(example)
    ctx = Context(doc, patterns, example.doc_type, Organisations.load())
    ctx.rules = [rule]
    apply(ctx)
    records = {t: sorted(ctx.records[t], key=lambda r: r["_at"]) for t in RECORD_TABLES}  # document order
    records["ratings"] = merge_ratings(records["ratings"])
    for table in RECORD_TABLES[1:]:
        records[table] = dedupe(records[table], table)
    records["segments"] = merge_segments(sorted(ctx.records["segments"], key=lambda r: r["_at"]))
    return records


def failures(patterns: Patterns, rule: AnyRule) -> list[str]:
    """What is wrong with a rule's examples and counter-examples (empty when all pass)."""
    problems = []
    for n, example in enumerate(rule.examples, start=1):
        got = run_rule(patterns, rule, example)
        for table, expected in example.rows.items():
            rows = got.get(table, [])
            if len(rows) != len(expected):
                problems.append(f"{rule.id} example {n}: {len(rows)} {table} rows, expected {len(expected)}: "
                                f"{[_short(r) for r in rows]}")
                continue
            for i, (row, want) in enumerate(zip(rows, expected)):
                wrong = {k: row.get(k) for k, v in want.items() if str(row.get(k, "")) != str(v)}
                if wrong:
                    problems.append(f"{rule.id} example {n} row {i + 1}: got {wrong}, expected "
                                    f"{ {k: want[k] for k in wrong} }")
    for n, example in enumerate(rule.counter_examples, start=1):
        got = run_rule(patterns, rule, example)
        extra = [f"{t}: {_short(r)}" for t, rows in got.items() for r in rows]
        if extra:
            problems.append(f"{rule.id} counter-example {n} gave rows: {extra}")
    return problems


def _short(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v not in ("", None) and k not in ("doc_id", "evidence", "rule", "_at")}
