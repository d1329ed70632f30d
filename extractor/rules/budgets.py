"""Budget lines from tables (found by their headers) and from sentences, in whole pounds.

A table whose rows are organisations gives a row per organisation.  A table whose
rows are budget lines belongs to the body whose report it is: the rule's ``owners``
find it in the title and first lines, and a report of no NHS body (a parish council's
or a charity's accounts) gives no rows.  A finance report with a year-to-date group
and a forecast group is read from the forecast group (the rule's ``year_to_date``
columns are used only when nothing else matches).
"""

from __future__ import annotations

import re
from typing import Any, cast

from .. import normalise
from ..model import Table
from ..patterns import BudgetSentence, BudgetTable
from .context import Context

_MONEY_COLUMNS = ("budget", "expenditure", "variance")
_HEAD_LINES = 6
_BACK_REFERENCE = re.compile(r"(?i)^(?:the|this|our|its)\s+(?:CCG|clinical commissioning group|trust)$")  # the title and the first lines: where a report names its body and period


def _amount_columns(table: Table, depth: int) -> list[int]:
    """Columns whose body cells hold amounts (beyond the first column)."""
    width = max(len(r) for r in table.rows)
    found = []
    for i in range(1, width):
        cells = [r[i] for r in table.rows[depth:] if i < len(r) and r[i].strip()]
        if cells and sum(_amount(c) is not None for c in cells) >= max(1, len(cells) // 2):
            found.append(i)
    return found


def _amount(cell: str, multiplier: int = 1) -> tuple[int, int] | None:
    return normalise.money(cell, multiplier)


def _columns(ctx: Context, rule: BudgetTable, labels: list[str], amounts: list[int]) -> dict[str, int]:
    """Map budget/expenditure/variance to amount columns and organisation/line to a label column."""
    found: dict[str, int] = {}
    ytd = ctx.patterns.compile(rule.headers.year_to_date) if rule.headers.year_to_date else None
    regexes = {name: ctx.patterns.compile(getattr(rule.headers, name)) for name in _MONEY_COLUMNS}
    for name in ("variance", "expenditure", "budget"):
        hits = [i for i in amounts if i < len(labels) and i not in found.values() and regexes[name].search(labels[i])]
        # the forecast group before the year-to-date one; a label naming only this column's kind first
        rank = {i: (bool(ytd and ytd.search(labels[i])),
                    any(r.search(labels[i]) for other, r in regexes.items() if other != name)) for i in hits}
        if hits:
            found[name] = min(hits, key=lambda i: rank[i])
    label_cols = [i for i in range(len(labels)) if i not in amounts]
    for name in ("line", "organisation"):
        pattern = getattr(rule.headers, name)
        if not pattern:
            continue
        regex = ctx.patterns.compile(pattern)
        for i in label_cols:
            if i not in found.values() and regex.search(labels[i]):
                found[name] = i
                break
    return found


def _caption_labels(ctx: Context, rule: BudgetTable, caption: str, amounts: list[int], width: int) -> list[str]:
    """Column labels from a header printed as a line above the table (a text table whose
    header was read as text): the column words in order, one per amount column."""
    text = caption
    line_re = ctx.patterns.compile(rule.headers.line) if rule.headers.line else None
    label = ""
    if line_re:
        m = line_re.search(text)
        if m:
            label, text = m.group(0), text[: m.start()] + " " * len(m.group(0)) + text[m.end():]
    spans: list[tuple[int, int, str]] = []
    for name in ("variance", "expenditure", "budget"):
        for m in ctx.patterns.compile(getattr(rule.headers, name)).finditer(text):
            if not any(a <= m.start() < b for a, b, _ in spans):
                spans.append((m.start(), m.end(), m.group(0)))
    spans.sort()
    if len(spans) != len(amounts):
        return []
    labels = [""] * width
    labels[0] = label
    for column, (start, _, _) in zip(amounts, spans):
        end = next((a for a, _, _ in spans if a > start), len(text))
        labels[column] = text[start:end].strip()
    return labels


def _header_depth(table: Table) -> int:
    """Rows at the top that hold no amounts (the header and any unit row)."""
    depth = 0
    for row in table.rows:
        if any(normalise.money(c) and not normalise.period(c) and re.search(r"\d{2}", c) for c in row[1:]):
            break
        depth += 1
    return depth


def _head_text(ctx: Context) -> list[str]:
    """The title and the first lines of the document (and a web page's masthead)."""
    lines = [ctx.doc.title, ctx.doc.masthead] + [line.text for line in ctx.doc.lines[:_HEAD_LINES]]
    return [normalise.clean(t) for t in lines if t]


def owner(ctx: Context, patterns: list[str]) -> str:
    """The NHS body whose report this is, as printed, or '' when the report names none.
    A CCG named in full at the top and as '... CCG' in the text goes by the shorter form."""
    for regex in (ctx.patterns.compile(p) for p in patterns):
        for text in _head_text(ctx):
            m = regex.search(text)
            if m:
                name = normalise.clean(m.groupdict().get("org") or m.group(0))
                short = re.sub(r"\s+Clinical\s+Commissioning\s+Group$", " CCG", name)
                if short != name and short in ctx.doc.classify_text:
                    return short
                return name
    return ""


def report_period(ctx: Context, patterns: list[str]) -> str:
    for regex in (ctx.patterns.compile(p) for p in patterns):
        for text in _head_text(ctx):
            m = regex.search(text)
            found = normalise.period(m.groupdict().get("period") or m.group(0)) if m else ""
            if found:
                return found
    return ""


def _is_organisation(ctx: Context, labels: list[str], period: str) -> bool:
    """Rows that name organisations (most labels are known bodies or end as one does)."""
    named = [label for label in labels if re.search(r"\b(?:CCG|Clinical Commissioning Group|Trust|ICB)\s*$", label)
             or ctx.orgs.code(label, period)]
    return len(named) * 2 > len(labels)


_NUMBER_TOKEN = re.compile(r"^(?:[-\u2212]?£?\d[\d,]*(?:\.\d+)?|\(£?\d[\d,]*(?:\.\d+)?\))$")
_UNIT_TOKEN = re.compile(r"^\(?£\s*'?(?:000s?|k|m|bn)\)?$", re.I)


def _inline_tables(ctx: Context, rule: BudgetTable) -> list[Table]:
    """Tables flattened into a line of text (a web page or a PDF copied as text): a header
    naming the budget columns, then rows of a label and as many figures as the header has
    columns.  The header is the words before the first row, from its first column word on;
    a row with fewer figures is kept with blank cells (and so reported as not all read)."""
    found = []
    names = [ctx.patterns.compile(getattr(rule.headers, n)) for n in _MONEY_COLUMNS]
    for index, line in enumerate(ctx.doc.lines):
        tokens = line.text.split()
        if len(tokens) < 12 or sum(bool(_NUMBER_TOKEN.match(t)) for t in tokens) < 6:
            continue
        runs, k = [], 0  # (label start, figures start, end)
        while k < len(tokens):
            if _NUMBER_TOKEN.match(tokens[k]) and not normalise.period(tokens[k]):
                start = k
                while k < len(tokens) and _NUMBER_TOKEN.match(tokens[k]):
                    k += 1
                runs.append([start, k])
            else:
                k += 1
        runs = [r for r in runs if r[1] - r[0] >= 2]
        if len(runs) < 3:
            continue
        width = max(set(r[1] - r[0] for r in runs), key=lambda n: (sum(r[1] - r[0] == n for r in runs), n))
        skipped = max((i + 1 for i, t in enumerate(tokens[: runs[0][0]]) if t.endswith((".", ":", ";"))), default=0)
        tokens, runs = tokens[skipped:], [[a - skipped, b - skipped] for a, b in runs]  # the header's sentence
        head = " ".join(tokens[: runs[0][0]])
        spans: list[Any] = sorted({m.start(): m for regex in names for m in regex.finditer(head)}.items())
        spans = [m for i, (at, m) in enumerate(spans) if not any(a < at < o.end() for a, o in spans[:i])]
        if len(spans) != width:
            continue
        unit_end = max([head.index(t) + len(t) for t in tokens[: runs[0][0]] if _UNIT_TOKEN.match(t)]
                       + [spans[-1].end()])
        labels = [""] + [head[m.start(): (spans[i + 1].start() if i + 1 < len(spans) else unit_end)].strip()
                         for i, m in enumerate(spans)]
        rows, previous, lost = [labels], len(head[:unit_end].split()), []
        for start, end in runs:
            label = " ".join(tokens[previous:start])
            if end - start == width:
                rows.append([label] + tokens[start:end])
            else:
                lost.append(f"row '{label}' has {end - start} figures for {width} columns, not read")
            previous = end
        found.append(Table(rows=rows, page=line.page, anchor=index + 1, pages=[line.page] * len(rows),
                           caption=head[:unit_end], source="inline", lost=lost))
    return found


def budget_table(ctx: Context, rule: BudgetTable) -> None:
    total_re = ctx.patterns.compile(rule.headers.total)
    subtotal_re = ctx.patterns.compile(rule.headers.subtotal) if rule.headers.subtotal else None
    for table in ctx.doc.tables + _inline_tables(ctx, rule):
        depth = _header_depth(table)
        if depth >= len(table.rows):
            continue
        amounts = _amount_columns(table, depth)
        width = max(len(r) for r in table.rows)
        header = table.rows[:depth]
        labels = [" ".join(r[i] for r in header if i < len(r)) for i in range(width)]
        cols = _columns(ctx, rule, labels, amounts) if depth else {}
        if not _paired(cols) and table.caption:
            caption_labels = _caption_labels(ctx, rule, table.caption, amounts, width)
            if caption_labels:
                labels = caption_labels
                cols = _columns(ctx, rule, labels, amounts)
        if not _paired(cols):
            continue
        label_col = cols.get("organisation", cols.get("line", 0))
        header_text = " ".join(labels + [" ".join(r) for r in header])
        multiplier = normalise.unit_multiplier(header_text) or normalise.unit_multiplier(table.caption) or 1
        mapped = " ".join(labels[c] for c in cols.values() if c < len(labels))
        period = (normalise.period(mapped) or normalise.period(table.caption if table.source != "inline" else "")
                  or report_period(ctx, rule.periods) or ctx.table_period(table))
        body_labels = [normalise.clean(r[label_col]) for r in table.rows[depth:] if label_col < len(r) and r[label_col]]
        body_labels = [x for x in body_labels if not total_re.search(x)]
        if not body_labels:
            continue
        by_organisation = "line" not in cols and ("organisation" in cols or _is_organisation(ctx, body_labels, period))
        body_owner = "" if by_organisation else owner(ctx, rule.owners)
        if not by_organisation and not body_owner:
            ctx.trace.append(f"{ctx.rule_id(rule)}: a table of budget lines, but the report names no NHS body: no rows")
            continue
        lost: str | list[str]
        for lost in table.lost:
            ctx.note(f"budget table on page {table.page or '-'}: {lost}")
        body: list[dict[str, Any]] = []
        for i in range(depth, len(table.rows)):
            row = table.rows[i]
            if depth and [c.lower() for c in row] == [c.lower() for c in table.rows[0]]:
                continue  # header repeated on a new page
            label = normalise.clean(row[label_col]) if label_col < len(row) else ""
            values = {k: _amount(row[cols[k]], multiplier) if cols.get(k) is not None and cols[k] < len(row) else None
                      for k in _MONEY_COLUMNS}
            if not any(values.values()):
                continue
            if not label:
                ctx.note(f"budget table row on page {table.row_page(i) or '-'} has amounts but no label"
                         f" ({' | '.join(row)}): not read")
                continue
            lost = [k for k in _MONEY_COLUMNS if k in cols and values[k] is None]
            if lost:
                ctx.note(f"budget table row '{label}' (page {table.row_page(i) or '-'}): "
                         f"could not read its {', '.join(lost)}")
            step = max((a[1] for a in values.values() if a), default=1)
            is_subtotal = bool(subtotal_re and subtotal_re.search(label))
            is_total = bool(total_re.search(label)) and not is_subtotal
            if by_organisation:
                organisation, line = ("", "total") if is_total else (label, "")
            else:
                organisation, line = body_owner, ("" if is_total else label)
            record = dict(
                organisation=organisation, budget_line=line, period=period,
                **{f"{k}_gbp": (cast("tuple[int, int]", values[k])[0] if values[k] else None) for k in _MONEY_COLUMNS},
                page=table.row_page(i), evidence=" | ".join(row), step=step,
                at=ctx.at_row(table, i), total=is_total, subtotal=is_subtotal,
            )
            if is_total:
                _check_total(ctx, record, body)
            body.append(record)
        _orient_variance(body)
        for record in body:
            record.pop("total")
            record.pop("subtotal")
            _emit_budget(ctx, rule, record)


def _paired(cols: dict[str, int]) -> bool:
    return {"budget", "expenditure"} <= cols.keys() or {"budget", "variance"} <= cols.keys()


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
        parts = [r[column] for r in body if r[column] is not None and not r["total"] and not r["subtotal"]]
        if total[column] is None or not parts:
            continue
        tolerance = total["step"] / 2 * (len(parts) + 1)
        if abs(sum(parts) - total[column]) > tolerance:
            ctx.note(f"budget total differs from its rows: {column} printed {total[column]}, rows sum to {sum(parts)} (page {total['page'] or '-'})")


def _emit_budget(ctx: Context, rule: BudgetTable | BudgetSentence, record: dict[str, Any]) -> None:
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
        if _BACK_REFERENCE.match(name):
            name = ""  # 'The CCG': the body the report is about
        budget_line = normalise.clean(groups.get("line") or "").lower()
        if not name and not budget_line and rule.owners:
            name = owner(ctx, rule.owners)
            if not name:
                continue  # not the budget of an NHS body the report names
        elif name and rule.owners:
            body = owner(ctx, rule.owners)  # the report's body named another way: its one printed form
            if body and normalise.fold(body) != normalise.fold(name) and ctx.orgs.code(body) == ctx.orgs.code(name) != "":
                name = body
        values = {f"{k}_gbp": (cast("tuple[int, int]", amounts[k])[0] if amounts[k] else None) for k in _MONEY_COLUMNS}
        if values["expenditure_gbp"] is None and None not in (values["budget_gbp"], values["variance_gbp"]):
            values["expenditure_gbp"] = cast(int, values["budget_gbp"]) - cast(int, values["variance_gbp"])
        record = dict(
            organisation=name,
            budget_line=budget_line,
            period=(normalise.period(groups.get("period")) or normalise.period(ctx.sentence(line.text, m.start()))
                    or report_period(ctx, rule.periods)
                    or ctx.period_before(index, m.start())),
            **values,
            page=line.page, evidence=ctx.sentence(line.text, m.start(), m.end()), step=step,
            at=ctx.at_line(index, m.start()),
        )
        _emit_budget(ctx, rule, record)
