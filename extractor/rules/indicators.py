"""Indicator annexes, one row per indicator: Domain | Area | Indicator tables over several
pages, or the same annex written as domain and area headings over bulleted indicators."""

from __future__ import annotations

from typing import Any

from .. import normalise
from ..model import Table
from ..patterns import IndicatorList, IndicatorTable
from .context import Context


def indicator_table(ctx: Context, rule: IndicatorTable) -> None:
    indicator_re = ctx.patterns.compile(rule.headers.indicator)
    area_re = ctx.patterns.compile(rule.headers.area)
    domain_re = ctx.patterns.compile(rule.headers.domain) if rule.headers.domain else None
    domains = {d.lower(): d for d in rule.domains}
    framework, period = _framework(ctx, rule)
    found: list[dict[str, Any]] = []
    for table in ctx.doc.tables:
        header = [c.lower() for c in table.rows[0]]
        ind_col = next((i for i, c in enumerate(table.rows[0]) if indicator_re.search(c)), None)
        area_col = next((i for i, c in enumerate(table.rows[0]) if i != ind_col and area_re.search(c)), None)
        if ind_col is None or area_col is None:
            continue
        dom_col = next((i for i, c in enumerate(table.rows[0])
                        if domain_re and i not in (ind_col, area_col) and domain_re.search(c)), None)
        for lost in table.lost:
            ctx.note(f"indicator table on page {table.page or '-'}: {lost}")
        domain, area = _domain_above(ctx, table, domains) if dom_col is None else "", ""
        last: dict[str, Any] | None = None
        for i, row in enumerate(table.rows[1:], start=1):
            cells = [normalise.clean(c) for c in row]
            if [c.lower() for c in cells] == header or not any(cells):
                continue
            filled = [c for c in cells if c]
            if len(filled) == 1 and filled[0].lower() in domains:
                domain, area = domains[filled[0].lower()], ""
                continue
            if dom_col is not None and cells[dom_col]:
                domain = domains.get(cells[dom_col].lower(), cells[dom_col])
            text = cells[ind_col] if ind_col < len(cells) else ""
            page = table.row_page(i)
            if not cells[area_col] and last is not None and _continues(text, page, last):
                last["indicator"] = normalise.join_broken_lines([last["indicator"], text])
                continue
            if cells[area_col]:
                area = cells[area_col]
            if not text:
                continue
            last = dict(framework=framework, period=period, domain=domain, area=area,
                        indicator=text, page=page, at=ctx.at_row(table, i))
            found.append(last)
    _emit(ctx, rule, found)


def indicator_list(ctx: Context, rule: IndicatorList) -> None:
    """After a heading the rule names (an annex), a line naming a domain opens it, the
    headings under it name areas, and each list item is an indicator.  Running text
    longer than a heading closes the annex."""
    if rule.entries:
        _emit(ctx, rule, _contents(ctx, rule))
        return
    starts = [ctx.patterns.compile(h.pattern) for h in rule.headings]
    domains = {d.lower(): d for d in rule.domains}
    framework, period = _framework(ctx, rule)
    found: list[dict[str, Any]] = []
    inside, domain, area = False, "", ""
    for index, line in enumerate(ctx.doc.lines):
        text = normalise.clean(line.text)
        if line.kind == "item":
            if inside and domain:
                found.append(dict(framework=framework, period=period, domain=domain, area=area,
                                  indicator=text, page=line.page, at=ctx.at_line(index)))
            continue
        if any(s.search(text) for s in starts):
            inside, domain, area = True, "", ""
        elif inside and text.lower().rstrip(":") in domains:
            domain, area = domains[text.lower().rstrip(":")], ""
        elif inside and domain and len(text) <= 80 and not text.endswith("."):
            area = text.rstrip(":")
        elif inside and domain:
            inside = False
    _emit(ctx, rule, found)


def _domain_above(ctx: Context, table: Table, domains: dict[str, str]) -> str:
    """The domain a heading just above the table names (a table of one domain's indicators)."""
    for line in reversed(ctx.doc.lines[max(0, table.anchor - 3): table.anchor]):
        text = normalise.clean(line.text).rstrip(":").lower()
        if text in domains:
            return domains[text]
    return ""


def _physical_lines(ctx: Context) -> list[tuple[int | None, str]]:
    """(page, text) of each printed line: a PDF's lines as printed on each page (a contents
    list runs over pages without a break), else the document's lines."""
    if ctx.doc.fast_text:
        return [(number, text) for number, page in enumerate(ctx.doc.fast_text, start=1)
                for text in page.splitlines()]
    return [(line.page, line.text) for line in ctx.doc.lines]


def _contents(ctx: Context, rule: IndicatorList) -> list[dict[str, Any]]:
    """A contents list after a heading the rule names: an entry naming a domain opens it,
    each entry with an id under it is an indicator (its name without id, leaders and page),
    any other entry closes the domain; running text after the entries ends the list."""
    starts = [ctx.patterns.compile(h.pattern) for h in rule.headings]
    entry_re = ctx.patterns.compile(rule.entries)
    domains = {d.lower(): d for d in rule.domains}
    framework, period = _framework(ctx, rule)
    found: list[dict[str, Any]] = []
    inside, domain, pending = False, "", ""
    for index, (page, raw) in enumerate(_physical_lines(ctx)):
        text = normalise.clean(raw)
        if not text:
            continue
        if any(s.search(text) for s in starts):
            inside, pending = True, ""
            continue
        if not inside:
            continue
        m = entry_re.search(f"{pending} {text}") if pending else None  # an entry wrapped onto this line
        if not (m and m.groupdict().get("code")):
            m = entry_re.search(text)
        if not m:
            if found and len(text) > 80:
                inside = False
            start = entry_re.search(f"{text} .... 1")  # the first line of an entry that wraps
            pending = text if start and start.groupdict().get("code") and len(text) <= 120 else ""
            continue
        pending = ""
        name = normalise.clean(m.group("name"))
        if name.lower().rstrip(":") in domains:
            domain = domains[name.lower().rstrip(":")]
        elif not m.groupdict().get("code"):
            domain = ""
        elif domain:
            found.append(dict(framework=framework, period=period, domain=domain, area="",
                              indicator=name, page=page, at=float(index)))
    return found


def _emit(ctx: Context, rule: IndicatorTable | IndicatorList, found: list[dict[str, Any]]) -> None:
    for record in found:
        page = record.pop("page")
        ctx.emit("indicators", rule, page, record["indicator"], record.pop("at"), **record)
    _check_totals(ctx, rule, found)


def _continues(text: str, page: int | None, last: dict[str, Any]) -> bool:
    """A row broken by a page break or a wrapped line read as a row of its own (a text
    table): no area, and it reads on (a lower-case start, or the row above breaks off)."""
    return bool(text) and (
        text[:1].islower() or last["indicator"].endswith(("-", ",", " and", " of", " the"))
    )


def _framework(ctx: Context, rule: IndicatorTable | IndicatorList) -> tuple[str, str]:
    name = rule.framework
    pattern = ctx.patterns.vocabulary.frameworks[name].pattern
    text = " ".join(line.text for line in ctx.doc.lines[:80])
    if pattern:
        m = ctx.patterns.compile(pattern).search(text)
        if m:
            return name, normalise.period(m.groupdict().get("period")) or ctx.document_period()
    return name, ctx.document_period()


def _check_totals(ctx: Context, rule: IndicatorTable | IndicatorList, found: list[dict[str, Any]]) -> None:
    pattern = ctx.patterns.vocabulary.frameworks[rule.framework].totals
    if not pattern or not found:
        return
    regex = ctx.patterns.compile(pattern)
    for line in ctx.doc.lines:
        m = regex.search(line.text)
        if not m:
            continue
        groups = m.groupdict()
        stated = normalise.count(groups.get("indicators"))
        if stated is not None and stated != len(found):
            ctx.note(f"stated total differs: the document says {stated} indicators, {len(found)} were extracted")
        areas = normalise.count(groups.get("areas"))
        distinct = len({(r["domain"], r["area"]) for r in found})
        if areas is not None and areas != distinct:
            ctx.note(f"stated total differs: the document says {areas} areas, {distinct} were extracted")
        return
