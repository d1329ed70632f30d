"""Ratings and rating counts: from tables, sentences, named lists and group statements."""

from __future__ import annotations

import re

from .. import normalise
from ..model import Table
from ..orgs import split_names, trim_name
from ..patterns import AnyRule as Rule
from ..patterns import GroupRating, RatingCount, RatingList, RatingSentence, RatingTable, StatedTotal
from .context import Context

_PLACEHOLDER_VALUES = {"=rating": "rating", "=previous_rating": "previous_rating"}


# ---------------------------------------------------------------- helpers

def add_rating(ctx: Context, rule: Rule, organisation: str, period: str, assessment: str,
               page: int | None, evidence: str, rating: str = "", previous: str = "", direction: str = "",
               at: float = 0.0) -> None:
    organisation = normalise.clean(organisation).rstrip(",.;:")
    if not organisation:
        return
    values = {"rating": rating, "previous_rating": previous, "direction": direction}
    for column, value in getattr(rule, "set", {}).items():
        values[column] = values[_PLACEHOLDER_VALUES[value]] if value in _PLACEHOLDER_VALUES else value
    if not values["direction"]:
        values["direction"] = normalise.direction(values["previous_rating"], values["rating"])
    ctx.emit(
        "ratings", rule, page, evidence, at,
        organisation=organisation, org_code=ctx.orgs.code(organisation, period, ("ccg", "trust", "nhs_england")),
        period=period, assessment=assessment, **values,
    )


def _assessment(ctx: Context, text: str, rating: str) -> str:
    default = "patient_and_community_engagement" if rating in normalise.RAG else "overall"
    found = ctx.patterns.assessment(text, default)
    if rating in normalise.RAG and found not in ("patient_and_community_engagement",):
        return "patient_and_community_engagement"
    return found


def _group(m: re.Match[str], name: str) -> str:
    return (m.groupdict().get(name) or "").strip()


def _header_index(header: list[str], regex: re.Pattern[str],
                  skip: frozenset[int] | set[int] = frozenset()) -> int | None:
    for i, cell in enumerate(header):
        if i not in skip and cell and regex.search(cell):
            return i
    return None


def table_orgs(ctx: Context, table: Table) -> list[tuple[int, str]]:
    """(row index, organisation) for a table whose first column names organisations."""
    out = []
    for i, row in enumerate(table.rows[1:], start=1):
        name = normalise.clean(row[0]) if row else ""
        if re.search(r"\b(CCG|Trust|Clinical Commissioning Group)s?\b", name) or ctx.orgs.is_known(name):
            out.append((i, name))
    return out


# ---------------------------------------------------------------- tables

def rating_table(ctx: Context, rule: RatingTable) -> None:
    org_re = ctx.patterns.compile(rule.headers.organisation)
    rating_re = ctx.patterns.compile(rule.headers.rating)
    previous_re = ctx.patterns.compile(rule.headers.previous) if rule.headers.previous else None
    for table in ctx.doc.tables:
        header = table.rows[0]
        org_col = _header_index(header, org_re)
        if org_col is None:
            continue
        rating_col = _header_index(header, rating_re, {org_col})
        if rating_col is None:
            continue
        prev_col = _header_index(header, previous_re, {org_col, rating_col}) if previous_re else None
        if prev_col is None:
            rating_col, prev_col = _by_period(header, rating_re, org_col, rating_col)
        ratings = [normalise.rating(r[rating_col]) for r in table.rows[1:] if len(r) > rating_col]
        if sum(bool(r) for r in ratings) < max(1, len(ratings) // 2):
            continue  # a column that does not hold ratings
        period = normalise.period(header[rating_col]) or ctx.table_period(table)
        assessment = _assessment(ctx, header[rating_col], ratings[0] if ratings else "")
        for i, row in enumerate(table.rows[1:], start=1):
            if len(row) <= max(org_col, rating_col):
                continue
            value = normalise.rating(row[rating_col])
            if not value or not row[org_col]:
                continue
            previous = normalise.rating(row[prev_col]) if prev_col is not None and len(row) > prev_col else ""
            add_rating(ctx, rule, row[org_col], period, assessment, table.row_page(i), " | ".join(row),
                       rating=value, previous=previous, at=ctx.at_row(table, i))
        for col, other in _area_columns(ctx, table, {org_col, rating_col, prev_col}):
            for i, row in enumerate(table.rows[1:], start=1):
                value = normalise.rating(row[col]) if len(row) > col else ""
                if value and row[org_col]:
                    add_rating(ctx, rule, row[org_col], period, other, table.row_page(i), " | ".join(row),
                               rating=value, at=ctx.at_row(table, i) + 0.00001)


def _area_columns(ctx: Context, table: Table, taken: set[int | None]) -> list[tuple[int, str]]:
    """Further columns headed by an assessment area ('Patient and community engagement') whose
    cells are ratings: each gives that area's rating of the row's organisation."""
    found = []
    for col, cell in enumerate(table.rows[0]):
        area = ctx.patterns.assessment(cell, "")
        if col in taken or not area or area == "overall":
            continue
        values = [normalise.rating(r[col]) for r in table.rows[1:] if len(r) > col and r[col].strip()]
        if values and sum(bool(v) for v in values) * 2 > len(values):
            found.append((col, area))
    return found


def _by_period(header: list[str], rating_re: re.Pattern[str], org_col: int, rating_col: int) -> tuple[int, int | None]:
    """Rating columns headed by years ('2018/19 rating', '2017/18 rating'): the latest year
    is the rating, the one before it the previous rating."""
    dated = sorted(
        (normalise.period(cell), i) for i, cell in enumerate(header)
        if i != org_col and rating_re.search(cell) and normalise.period(cell)
    )
    if len(dated) < 2 or rating_col not in {i for _, i in dated}:
        return rating_col, None
    return dated[-1][1], dated[-2][1]


# ---------------------------------------------------------------- sentences

def rating_sentence(ctx: Context, rule: RatingSentence) -> None:
    for index, line, m in ctx.matches(rule):
        rating = normalise.rating(_group(m, "rating"))
        previous = normalise.rating(_group(m, "previous"))
        period = normalise.period(_group(m, "period")) or ctx.period_before(index, m.start())
        evidence = ctx.sentence(line.text, m.start(), m.end())
        assessment = _assessment(ctx, _group(m, "assessment") or evidence, rating or previous)
        if _group(m, "places"):  # place names printed without 'CCG' ('– Bassetlaw, Salford and Wolverhampton –')
            names = split_names(_group(m, "places") + " CCGs", ctx.orgs)
            if not all(ctx.orgs.code(n, "", ("ccg",)) for n in names):
                continue  # only when every place is a CCG the reference list knows
        else:
            names = [_group(m, "org")] if _group(m, "org") else split_names(_group(m, "orgs"), ctx.orgs)
        for name in names:
            add_rating(ctx, rule, name, period, assessment, line.page, evidence,
                       rating=rating, previous=previous, direction=_group(m, "direction"),
                       at=ctx.at_line(index, m.start()))


def rating_list(ctx: Context, rule: RatingList) -> None:
    """Items under a heading that says what happened to every organisation listed."""
    headings = [(ctx.patterns.compile(h.pattern), h.set) for h in rule.headings]
    lines = ctx.doc.lines
    for index, line in enumerate(lines):
        if line.kind != "heading":
            continue
        for regex, fixed in headings:
            m = regex.search(line.text)
            if not m:
                continue
            values = {
                "rating": normalise.rating(_group(m, "rating")),
                "previous": normalise.rating(_group(m, "previous")),
                "direction": fixed.get("direction", ""),
            }
            period = normalise.period(_group(m, "period")) or ctx.period_before(index)
            assessment = _assessment(ctx, line.text, values["rating"] or values["previous"])
            j = index + 1
            while j < len(lines) and lines[j].kind == "item":
                name = re.split(r"\s*[(\[–—:]|\s+-\s+", lines[j].text, maxsplit=1)[0]
                add_rating(ctx, rule, name, period, assessment, lines[j].page, lines[j].text, **values,
                           at=ctx.at_line(j))
                j += 1
            break


def group_rating(ctx: Context, rule: GroupRating) -> None:
    """'rated all six CCGs as Green': a count, and one row for each organisation of the
    nearest earlier table or list that names exactly that many."""
    for index, line, m in ctx.matches(rule):
        size = normalise.count(_group(m, "count"))
        rating = normalise.rating(_group(m, "rating"))
        if not size or not rating:
            continue
        evidence = ctx.sentence(line.text, m.start(), m.end())
        period = normalise.period(_group(m, "period")) or ctx.period_before(index, m.start())
        assessment = _assessment(ctx, evidence, rating)
        ctx.emit("rating_counts", rule, line.page, evidence, ctx.at_line(index, m.start()),
                 scope=normalise.clean(_group(m, "scope")) or ctx.scope(), period=period, assessment=assessment,
                 previous_rating="", rating=rating, count=size)
        members = _named_group(ctx, index, size)
        if not members:
            ctx.trace.append(f"{ctx.rule_id(rule)}: no table or list of {size} organisations before line {index}")
            continue
        for name in members:
            add_rating(ctx, rule, name, period, assessment, line.page, evidence, rating=rating,
                       at=ctx.at_line(index, m.start()))


def _named_group(ctx: Context, index: int, size: int) -> list[str]:
    candidates: list[tuple[int, list[str]]] = []
    for table in ctx.doc.tables:
        if table.anchor <= index:
            names = [name for _, name in table_orgs(ctx, table)]
            if len(names) == size:
                candidates.append((table.anchor, names))
    lines = ctx.doc.lines
    org = ctx.patterns.compile("{ORGS}|{ORG}")
    for i in range(max(0, index - 5), index):  # a sentence that names them: 'X CCG, Y CCG and Z CCG'
        names = [n for m in org.finditer(lines[i].text) for n in split_names(m.group(0), ctx.orgs)]
        named = [n for n in names if ctx.orgs.code(n, "", ("ccg",))]
        if len(named) == size == len(names):
            candidates.append((i, named))
    if not candidates:  # named over the last few sentences: 'X CCG reported ... Meanwhile, Y CCG ...'
        seen: list[str] = []
        for i in range(max(0, index - 4), index):
            if lines[i].kind == "heading":
                seen = []
                continue
            for m in org.finditer(lines[i].text):
                for name in split_names(trim_name(ctx.orgs, m.group(0)), ctx.orgs):
                    if re.match(r"(?:NHS\s+)?[A-Z]", name) and name not in seen and len(name.split()) > 1:
                        seen.append(name)
        if len(seen) == size:
            candidates.append((index - 1, seen))
    start = None
    for i in range(index + 1):
        if i < len(lines) and lines[i].kind == "item":
            start = i if start is None else start
            continue
        if start is not None:
            names = [lines[k].text for k in range(start, i) if re.search(r"\b(CCG|Trust)\b", lines[k].text)]
            if len(names) == size == i - start:
                candidates.append((i, names))
            start = None
    return max(candidates)[1] if candidates else []


# ---------------------------------------------------------------- counts

def rating_count(ctx: Context, rule: RatingCount) -> None:
    scope = None
    for index, line, m in ctx.matches(rule):
        number = normalise.count(_group(m, "count"))
        rating = normalise.rating(_group(m, "rating"))
        if number is None or not rating:
            continue
        if scope is None:
            scope = ctx.scope()
        evidence = ctx.sentence(line.text, m.start(), m.end())
        ctx.emit(
            "rating_counts", rule, line.page, evidence, ctx.at_line(index, m.start()),
            scope=normalise.clean(_group(m, "scope")) or scope,
            period=normalise.period(_group(m, "period")) or ctx.period_before(index, m.start()),
            assessment=_assessment(ctx, evidence, rating),
            previous_rating=normalise.rating(_group(m, "previous")),
            rating=rating, count=number,
        )


def stated_total(ctx: Context, rule: StatedTotal) -> None:
    """Compare a total the document states with the rows extracted.

    ``compare: transitions`` sums the rating-count rows that have a previous
    rating; ``compare: list`` counts the ratings rows of the named list whose
    rating (or previous rating) the statement names.
    """
    for _, _line, m in ctx.matches(rule):
        stated = normalise.count(_group(m, "count"))
        if stated is None:
            continue
        if rule.compare == "transitions":
            moves = {(r["period"], r["assessment"], r["previous_rating"], r["rating"]): int(r["count"])
                     for r in ctx.records["rating_counts"] if r["previous_rating"]}  # one per move, as in the output
            found = sum(moves.values())
            what = "rating changes"
        else:
            rating = normalise.rating(_group(m, "rating"))
            found = sum(
                1 for r in ctx.records["ratings"]
                if r["rule"].endswith("/" + rule.compare) and r["rating"] == rating
            )
            what = f"organisations listed as {rating or 'changed'}"
        ctx.fired[ctx.rule_id(rule)] += 1
        if found != stated:
            ctx.note(f"stated total differs: the document says {stated} {what}, {found} were extracted "
                     f"('{normalise.clean(m.group(0))[:60]}')")
