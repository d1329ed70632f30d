"""Budget lines from tables (found by their headers) and from sentences, in whole pounds."""

from __future__ import annotations

import re
from typing import Any

from .. import normalise
from ..model import Table
from ..patterns import AnyRule as Rule
from ..patterns import BudgetSentence, BudgetTable
from .context import Context

_MONEY_COLUMNS = ("budget", "expenditure", "variance")


def _columns(ctx: Context, rule: BudgetTable, header_rows: list[list[str]]) -> dict[str, int]:
    """Map budget/expenditure/variance/organisation to column indexes from the header text."""
    width = max(len(r) for r in header_rows)
    labels = [" ".join(r[i] for r in header_rows if i < len(r)) for i in range(width)]
    found: dict[str, int] = {}
    for name in ("variance", "expenditure", "budget", "organisation", "line"):
        pattern = getattr(rule.headers, name)
        if not pattern:
            continue
        regex = ctx.patterns.compile(pattern)
        for i, label in enumerate(labels):
            if i not in found.values() and regex.search(label):
                found[name] = i
                break
    return found


def _header_depth(table: Table) -> int:
    """Rows at the top that hold no amounts (the header and any unit row)."""
    depth = 0
    for row in table.rows:
        if any(normalise.money(c) and not normalise.period(c) and re.search(r"\d{2}", c) for c in row[1:]):
            break
        depth += 1
    return depth


def budget_table(ctx: Context, rule: BudgetTable) -> None:
    total_re = ctx.patterns.compile(rule.headers.total)
    for table in ctx.doc.tables:
        depth = _header_depth(table)
        if depth == 0 or depth >= len(table.rows):
            continue
        header = table.rows[:depth]
        cols = _columns(ctx, rule, header)
        if not {"budget", "expenditure"} <= cols.keys() and not {"budget", "variance"} <= cols.keys():
            continue
        label_col = cols.get("organisation", cols.get("line", 0))
        header_text = " ".join(" ".join(r) for r in header)
        multiplier = normalise.unit_multiplier(header_text) or normalise.unit_multiplier(table.caption) or 1
        period = ctx.table_period(table)
        body: list[dict[str, Any]] = []
        for i in range(depth, len(table.rows)):
            row = table.rows[i]
            if [c.lower() for c in row] == [c.lower() for c in table.rows[0]]:
                continue  # header repeated on a new page
            label = normalise.clean(row[label_col]) if label_col < len(row) else ""
            amounts = {k: normalise.money(row[cols[k]], multiplier) if cols.get(k) is not None and cols[k] < len(row) else None
                       for k in _MONEY_COLUMNS}
            if not label or not any(amounts.values()):
                continue
            step = max((a[1] for a in amounts.values() if a), default=1)
            values = {f"{k}_gbp": (a[0] if (a := amounts[k]) else None) for k in _MONEY_COLUMNS}
            is_total = bool(total_re.search(label))
            record: dict[str, Any] = dict(
                organisation="" if is_total else (label if "organisation" in cols or "line" not in cols else ""),
                budget_line="total" if is_total else (label if "line" in cols and "organisation" not in cols else ""),
                period=period, **values, page=table.row_page(i), evidence=" | ".join(row), step=step,
                at=ctx.at_row(table, i),
            )
            if is_total:
                _check_total(ctx, record, body)
            body.append(record)
        _orient_variance(body)
        for record in body:
            _emit_budget(ctx, rule, record)


def _orient_variance(body: list[dict[str, Any]]) -> None:
    """Tables print the variance either way round (underspend or overspend positive), and
    the header words do not say which reliably.  Read it as a person checks it: when the
    rows only add up with the variance's sign turned, turn it (variance = budget - expenditure)."""
    agree = disagree = 0
    for r in body:
        b, e, v = r["budget_gbp"], r["expenditure_gbp"], r["variance_gbp"]
        if b is None or e is None or not v:
            continue
        agree += normalise.arithmetic(b, e, v, r["step"]) == "ok"
        disagree += normalise.arithmetic(b, e, -v, r["step"]) == "ok"
    if disagree > agree:
        for r in body:
            if r["variance_gbp"]:
                r["variance_gbp"] = -r["variance_gbp"]


def _check_total(ctx: Context, total: dict[str, Any], body: list[dict[str, Any]]) -> None:
    for column in ("budget_gbp", "expenditure_gbp", "variance_gbp"):
        parts = [r[column] for r in body if r[column] is not None and r["budget_line"] != "total"]
        if total[column] is None or not parts:
            continue
        tolerance = total["step"] / 2 * (len(parts) + 1)
        if abs(sum(parts) - total[column]) > tolerance:
            ctx.note(f"budget total differs from its rows: {column} printed {total[column]}, rows sum to {sum(parts)} (page {total['page'] or '-'})")


def _emit_budget(ctx: Context, rule: Rule, record: dict[str, Any]) -> None:
    step = record.pop("step")
    evidence = record.pop("evidence")
    page = record.pop("page")
    at = record.pop("at")
    check = normalise.arithmetic(record["budget_gbp"], record["expenditure_gbp"], record["variance_gbp"], step)
    name = record["organisation"]
    if check == "mismatch":
        ctx.note(f"budget arithmetic mismatch for {name or record['budget_line'] or 'a row'}"
                 f" (page {page or '-'}): budget - expenditure != variance", partial=False)
    ctx.emit("budgets", rule, page, evidence, at, arithmetic=check,
             org_code=ctx.orgs.code(name, record["period"]) if name else "", **record)


def budget_sentence(ctx: Context, rule: BudgetSentence) -> None:
    for index, line, m in ctx.matches(rule):
        groups = m.groupdict()
        amounts = {k: normalise.money(groups.get(k)) for k in _MONEY_COLUMNS}
        if not any(amounts.values()):
            continue
        step = max(a[1] for a in amounts.values() if a)
        name = normalise.clean(groups.get("org") or "")
        record: dict[str, Any] = dict(
            organisation=name,
            budget_line=normalise.clean(groups.get("line") or "").lower(),
            period=normalise.period(groups.get("period")) or ctx.period_before(index, m.start()),
            **{f"{k}_gbp": (a[0] if (a := amounts[k]) else None) for k in _MONEY_COLUMNS},
            page=line.page, evidence=ctx.sentence(line.text, m.start(), m.end()), step=step,
            at=ctx.at_line(index, m.start()),
        )
        _emit_budget(ctx, rule, record)
