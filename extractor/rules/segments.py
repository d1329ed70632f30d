"""NHS Oversight Framework segments and league-table ranks (issue 20), read by their parts.

Each sentence is scanned for organisations (trusts and ICBs by name, words that refer back
such as 'the trust' or 'we', and bodies that are not one organisation such as 'trusts'),
segment mentions (``segment 3``, the Recovery Support Programme as segment 5), ranks
(``ranked 112 out of 134``), earlier ranks (``up from 116``), average metric scores, quarters
and years.  Each segment or rank is then linked: to the nearest subject before it, to the
period nearest it, to the previous segment of its clause ('from segment 3 to segment 2',
'we remain in segment 4'), and to the peer group and score of its sentence.  League tables
and quarter-by-quarter histories are read from tables.  The words live in the rule library
(``patterns/library/segments.yml``); only the linking is code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import normalise
from ..model import Table
from ..patterns import AnyRule, SegmentStatement, SegmentTable
from .context import Context, sentences, unquoted

_CLAUSE = re.compile(r"[;:]|,\s+(?=(?:and|but|while|whereas|although|though)\b)|\s+but\s+|"
                     r"\s+and\s+(?=(?:would|could|might|may|will|should|is|was|are|were|has|had|have|it|we)\b)")
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_MONTHS = "january february march april may june july august september october november december".split()
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_QUARTER = re.compile(
    r"(?i)\b(?:(?P<y1>(?:19|20)\d\d\s*[/-]\s*\d\d)\s*,?\s*)?"
    r"(?:Q(?P<q>[1-4])|quarter\s+(?P<qw>[1-4]|one|two|three|four)|(?P<qo>first|second|third|fourth)\s+quarter)\b"
    r"(?:\s*(?:of|,|in)?\s*(?:the\s+)?(?:financial\s+year\s+)?(?P<y2>(?:19|20)\d\d\s*[/-]\s*\d\d))?")
_ORDINAL_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_MONTH_RANGE = re.compile(rf"(?i)\b(?P<m1>{_MONTH})\s*(?:to|-|–|—)\s*(?P<m2>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\b")
_YEAR = re.compile(normalise.PERIOD)
_THIS_QUARTER = re.compile(r"(?i)\bthis\s+quarter\b")
_NOT_THE_PERIOD = re.compile(r"(?i)\b(?:from|since|until|by|before|after|end\s+of|than\s+in)\s+(?:the\s+)?$")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")
_COUNTED = re.compile(r"(?i)\bof\s+(?:the\s+)?(?:all\s+)?\d{1,3}\s+(?:[\w-]+\s+){0,2}$")


@dataclass
class Mention:
    kind: str  # org, ref, other, segment, previous, rank, previous_rank, score, period
    start: int
    end: int
    value: Any = None


@dataclass
class SegmentReader:
    """One document's reading state: the rule's compiled words and the subject so far."""

    ctx: Context
    rule: SegmentStatement
    doc_org: str = ""
    last_org: str = ""
    last_period: str = ""
    last_framework: str = ""
    last_peer: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        compile_ = self.ctx.patterns.compile
        data = self.rule
        self.cues = [compile_(p) for p in data.cues]
        self.guards = [compile_(p) for p in data.guards]
        self.clause_guards = [compile_(p) for p in data.clause_guards]
        self.orgs = [compile_(p) for p in data.organisations]
        self.leading = compile_(data.leading) if data.leading else None
        self.refs = [compile_(p) for p in data.subjects]
        self.others = [compile_(p) for p in data.others]
        self.segment = [compile_(p) for p in data.segment]
        self.recovery = [compile_(p) for p in data.recovery]
        self.previous_before = [compile_(p + r"\s*$") for p in data.previous_before]
        self.previous_after = [compile_(p) for p in data.previous_after]  # matched at the start of what follows
        self.unchanged = [compile_(p) for p in data.unchanged]
        self.rank = [compile_(p) for p in data.rank]
        self.previous_rank = [compile_(p) for p in data.previous_rank]
        self.score = [compile_(p) for p in data.score]
        self.rank_context = [compile_(p) for p in data.rank_context]
        self.movement = {k: [compile_(p) for p in v] for k, v in data.movement.items()}
        self.frameworks = {k: [compile_(p) for p in v] for k, v in data.frameworks.items()}
        self.peer_groups = {k: [compile_(p) for p in v] for k, v in data.peer_groups.items()}

    # ------------------------------------------------------------ the parts of a text

    def names(self, text: str) -> list[Mention]:
        """Organisations named in ``text``, with the words that open a sentence dropped."""
        found: list[Mention] = []
        for regex in self.orgs:
            for m in regex.finditer(text):
                start, name = m.start("org"), m.group("org")
                if self.leading is not None:
                    lead = self.leading.match(name)
                    if lead:
                        start, name = start + lead.end(), name[lead.end():]
                name = normalise.clean(name).rstrip(",")
                if name and not any(f.start <= start < f.end or start <= f.start < m.end("org") for f in found):
                    found.append(Mention("org", start, m.end("org"), name))
        return sorted(found, key=lambda p: p.start)

    def framework(self, text: str) -> str:
        hits = [(m.start(), name) for name, regexes in self.frameworks.items() for r in regexes for m in r.finditer(text)]
        return min(hits)[1] if hits else ""

    def peer_group(self, text: str) -> str:
        hits = [(m.start(), name) for name, regexes in self.peer_groups.items() for r in regexes for m in r.finditer(text)]
        return min(hits)[1] if hits else ""


# ---------------------------------------------------------------- periods

def quarter_periods(text: str) -> list[tuple[int, int, str]]:
    """(start, end, period) for every quarter or year stated: ``Q2 2025/26`` and ``July to September
    2025`` are ``2025/26 Q2``; ``2021/22`` alone is ``2021/22``; ``quarter 2`` alone is ``Q2`` (its
    year to be found elsewhere)."""
    found: list[tuple[int, int, str]] = []
    for m in _QUARTER.finditer(text):
        number = m.group("q") or m.group("qw") or ""
        quarter = _WORDS.get(number.lower(), 0) or _ORDINAL_QUARTERS.get((m.group("qo") or "").lower(), 0)
        year = normalise.period(m.group("y1") or m.group("y2") or "")
        found.append((m.start(), m.end(), f"{year} Q{quarter}".strip()))
    for m in _MONTH_RANGE.finditer(text):
        first, last = _month(m.group("m1")), _month(m.group("m2"))
        if not first or not last or (last - first) % 12 != 2 or (first - 1) % 3:
            continue
        calendar = int(m.group("year"))
        start_year = calendar if first >= 4 else calendar - 1
        quarter = ((first - 4) % 12) // 3 + 1
        found.append((m.start(), m.end(), f"{start_year}/{(start_year + 1) % 100:02d} Q{quarter}"))
    for m in _YEAR.finditer(text):
        if not any(a <= m.start() < b for a, b, _ in found):
            found.append((m.start(), m.end(), normalise.period(m.group(0))))
    return sorted(p for p in found if p[2])


def _month(word: str) -> int:
    word = word.lower()[:3]
    return next((i + 1 for i, name in enumerate(_MONTHS) if name.startswith(word)), 0)


def _publication_quarter(ctx: Context) -> str:
    published = ctx.published()
    if not published:
        return ""
    start, quarter = normalise.financial_year(published)
    return f"{start}/{(start + 1) % 100:02d} Q{quarter}"


def _complete(period: str, known: str) -> str:
    """A bare ``Q2`` takes its year from the last full period stated."""
    if period.startswith("Q") and known:
        return f"{known[:7]} {period}"
    return period


# ---------------------------------------------------------------- entry points

def segment_statement(ctx: Context, rule: SegmentStatement) -> None:
    reader = SegmentReader(ctx, rule)
    reader.doc_org = _document_org(reader)
    reader.last_org = reader.doc_org
    reader.last_framework = reader.framework(f"{ctx.doc.title} {ctx.doc.masthead}")
    for period in quarter_periods(ctx.doc.title):
        reader.last_period = period[2] if not period[2].startswith("Q") else reader.last_period
    for index, line in enumerate(ctx.doc.lines):
        for start, sentence in sentences(unquoted(line.text)):
            _read_sentence(reader, index, line.page, start, sentence)


def segment_table(ctx: Context, rule: SegmentTable) -> None:
    statement = ctx.patterns.library.get(rule.statement)
    if not isinstance(statement, SegmentStatement):
        return
    reader = SegmentReader(ctx, statement)
    reader.doc_org = _document_org(reader)
    heads = rule.headers
    regexes = {name: ctx.patterns.compile(p) for name, p in heads.model_dump().items() if p}
    for table in ctx.doc.tables:
        if len(table.rows) < 2:
            continue
        header = [normalise.clean(c) for c in table.rows[0]]
        cols = {name: _column(header, regex) for name, regex in regexes.items()}
        if cols.get("segment") is None and cols.get("rank") is None:
            continue
        before = " ".join(line.text for line in ctx.doc.lines[max(0, table.anchor - 3): table.anchor])
        context = f"{table.caption} {before}"
        if any(g.search(context) for g in reader.guards):
            continue
        if cols.get("period") == 0 and cols.get("organisation") is None:
            _history_table(reader, rule, table, cols)
        elif cols.get("organisation") is not None:
            _league_table(reader, rule, table, cols, context)


# ---------------------------------------------------------------- sentences

def _read_sentence(reader: SegmentReader, index: int, page: int | None, offset: int, sentence: str) -> None:
    ctx = reader.ctx
    framework = reader.framework(sentence)
    periods = quarter_periods(sentence)
    cued = any(c.search(sentence) for c in reader.cues)
    for _, _, period in periods:
        if not period.startswith("Q") and (cued or " Q" in period):  # not '2024/25 financial plan' in passing
            reader.last_period = period
    named = reader.names(sentence)
    if not cued or any(g.search(sentence) for g in reader.guards):
        reader.last_framework = framework or reader.last_framework
        if named:
            reader.last_org = named[-1].value
        return
    parts = list(named)
    for kind, regexes in (("ref", reader.refs), ("other", reader.others)):
        for regex in regexes:
            parts += [Mention(kind, m.start(), m.end()) for m in regex.finditer(sentence)
                      if not any(p.start <= m.start() < p.end for p in parts)]
    # 'ranked 4th of 10 ambulance trusts': the peer group counted, not another subject
    parts = [p for p in parts if not (p.kind == "other" and _COUNTED.search(sentence[max(0, p.start - 40): p.start]))]
    parts.sort(key=lambda p: p.start)
    mentions = _mentions(reader, sentence)
    rows: dict[str, dict[str, Any]] = {}
    last: dict[str, Any] | None = None
    for mention in mentions:
        if mention.kind not in ("segment", "rank", "score"):
            continue
        clause = _clause(sentence, mention.start)
        if any(g.search(sentence[clause[0]: clause[1]]) for g in reader.clause_guards):
            continue
        if mention.kind == "rank" and reader.rank_context and not _about_league_tables(reader, index, sentence):
            continue  # 'ranked 5th nationally for cancer waiting times' is another ranking
        if mention.kind == "score" and last is not None:
            last["score"] = mention.value  # 'ranked 12th of 134 trusts, with an average metric score of 2.1'
            continue
        period = _period_for(reader, sentence, periods, mention, index, mentions)
        for subject in _subjects(reader, sentence, parts, mention):
            row = rows.setdefault(f"{subject}|{period}", {"organisation": subject, "period": period})
            if mention.kind == "segment" and not row.get("segment"):
                row["segment"] = mention.value
                row["previous_segment"] = _previous_segment(reader, mentions, mention, sentence, clause)
            elif mention.kind == "rank" and not row.get("rank"):
                row["rank"] = mention.value
                row["previous_rank"] = next((m.value for m in mentions if m.kind == "previous_rank"
                                             and clause[0] <= m.start < clause[1]), None)
            elif mention.kind == "score":
                row["score"] = mention.value
            row.setdefault("at", offset + mention.start)
            row["clause"] = f"{row.get('clause', '')} {sentence[clause[0]: clause[1]]}"
            last = row
    peer = reader.peer_group(sentence) or reader.last_peer
    reader.last_peer = peer
    for row in rows.values():
        if not row.get("segment") and not row.get("rank"):
            continue
        _emit(reader, reader.rule, page, sentence.strip(), ctx.at_line(index, row["at"]), row,
              framework, peer if row.get("rank") else "")
    reader.last_framework = framework or reader.last_framework
    if named:
        reader.last_org = named[-1].value


def _mentions(reader: SegmentReader, sentence: str) -> list[Mention]:
    found: list[Mention] = []
    for regex in reader.segment:
        for m in regex.finditer(sentence):
            value = _WORDS.get(m.group("segment").lower())
            if value is None or _overlaps(found, m.start(), m.end()):
                continue
            earlier = any(p.search(sentence[: m.start()]) for p in reader.previous_before) or any(
                p.match(sentence[m.end():].lstrip(" ,")) for p in reader.previous_after)
            found.append(Mention("previous" if earlier else "segment", m.start(), m.end(), value))
    for regex in reader.recovery:
        for m in regex.finditer(sentence):
            earlier = any(p.search(sentence[: m.start()]) for p in reader.previous_before)
            found.append(Mention("previous" if earlier else "segment", m.start(), m.end(), 5))
    for regex in reader.previous_rank:
        found += [Mention("previous_rank", m.start(), m.end(), int(m.group("previous_rank")))
                  for m in regex.finditer(sentence)]
    for regex in reader.rank:
        for m in regex.finditer(sentence):
            if not _overlaps(found, m.start(), m.end()):
                groups = m.groupdict()
                found.append(Mention("rank", m.start(), m.end(), (int(groups["rank"]), _int(groups.get("rank_of")))))
    for regex in reader.score:
        for m in regex.finditer(sentence):
            score = float(m.group("score"))
            if 1.0 <= score <= 4.0:
                found.append(Mention("score", m.start(), m.end(), f"{score:g}"))
    return sorted(found, key=lambda p: p.start)


def _about_league_tables(reader: SegmentReader, index: int, sentence: str) -> bool:
    lines = reader.ctx.doc.lines
    nearby = [sentence, reader.ctx.doc.title, *(line.text for line in lines[max(0, index - 3): index])]
    return any(r.search(text) for r in reader.rank_context for text in nearby)


def _overlaps(found: list[Mention], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)


def _int(text: str | None) -> int | None:
    return int(text.replace(",", "")) if text else None


def _clause(sentence: str, pos: int) -> tuple[int, int]:
    bounds = [0] + [m.end() for m in _CLAUSE.finditer(sentence)] + [len(sentence)]
    first = max(b for b in bounds if b <= pos)
    last = min((b for b in bounds if b > pos), default=len(sentence))
    return first, last


def _subjects(reader: SegmentReader, sentence: str, parts: list[Mention], mention: Mention) -> list[str]:
    """The organisations a mention is about: the nearest subject before it, with the names listed
    with it ('A, B and C are all in segment 2'); a reference ('the trust', 'we') stands for the
    last organisation named; another body gives none."""
    before = [p for p in parts if p.end <= mention.start]
    if not before:
        return []
    subject = before[-1]
    if subject.kind == "other":
        return []
    if subject.kind == "ref":
        earlier = [p for p in before if p.kind == "org"]
        return [str(earlier[-1].value) if earlier else reader.last_org] if earlier or reader.last_org else []
    names = [str(subject.value)]
    at = len(before) - 1
    while at > 0 and before[at - 1].kind == "org" and re.fullmatch(
            r"\s*,?\s*(?:and\s+)?", sentence[before[at - 1].end: before[at].start]):
        at -= 1
        names.insert(0, str(before[at].value))
    return names


def _period_for(reader: SegmentReader, sentence: str, periods: list[tuple[int, int, str]], mention: Mention,
                index: int, mentions: list[Mention]) -> str:
    """The period nearest before the mention, else after it; not one that dates an earlier segment or
    rank ('up from 58 in the first quarter'); else 'this quarter' as published; else the last stated."""
    earlier = [m.end for m in mentions if m.kind in ("previous", "previous_rank")]
    usable = [p for p in periods if not _NOT_THE_PERIOD.search(sentence[: p[0]])
              and not any(0 <= p[0] - end <= 24 for end in earlier)]
    before = [p for p in usable if p[1] <= mention.start]
    after = [p for p in usable if p[0] >= mention.end]
    chosen = before[-1][2] if before else after[0][2] if after else ""
    if not chosen and _THIS_QUARTER.search(sentence):
        chosen = _publication_quarter(reader.ctx)
    if not chosen:
        chosen = reader.last_period
    full = next((p[2] for p in usable if not p[2].startswith("Q")), "") or reader.last_period
    return _complete(chosen, full)


def _previous_segment(reader: SegmentReader, mentions: list[Mention], mention: Mention, sentence: str,
                      clause: tuple[int, int]) -> int | None:
    """'from segment 3 to segment 2', 'segment 2, up from segment 3', 'remains in segment 4'."""
    earlier = [m for m in mentions if m.kind == "previous" and clause[0] <= m.start < clause[1]]
    if earlier:
        return int(earlier[0].value)
    before = [m for m in mentions if m.kind in ("previous", "segment") and m.end <= mention.start]
    if before and before[-1].kind == "previous":  # 'left the Recovery Support Programme and is now in segment 3'
        return int(before[-1].value)
    if any(u.search(sentence[clause[0]: clause[1]]) for u in reader.unchanged):
        return int(mention.value)
    return None


def _direction(reader: SegmentReader, row: dict[str, Any]) -> str:
    segment, previous = row.get("segment"), row.get("previous_segment")
    if segment and previous:
        return "improved" if segment < previous else "declined" if segment > previous else "unchanged"
    rank, earlier = (row.get("rank") or (None, None))[0], row.get("previous_rank")
    if rank and earlier:
        return "improved" if rank < earlier else "declined" if rank > earlier else "unchanged"
    clause = row.get("clause", "")
    for name, regexes in reader.movement.items():
        if any(r.search(clause) for r in regexes):
            return name
    return ""


def _emit(reader: SegmentReader, rule: AnyRule, page: int | None, evidence: str, at: float, row: dict[str, Any],
          framework: str, peer: str) -> None:
    period = row.get("period", "")
    if not framework:  # not named with the statement: the year decides, else the framework named last
        framework = ("SOF" if period.startswith("2021/22") else "NHS OF") if period else (reader.last_framework or "NHS OF")
    rank, rank_of = row.get("rank") or (None, None)
    organisation = normalise.clean(row["organisation"]).rstrip(",.;:")
    reader.ctx.emit(
        "segments", rule, page, evidence, at,
        organisation=organisation,
        org_code=reader.ctx.orgs.code(organisation, period[:7], ("trust", "icb")),
        framework=framework, period=period, segment=row.get("segment"),
        previous_segment=row.get("previous_segment"), direction=_direction(reader, row),
        rank=rank, rank_of=rank_of, peer_group=peer if rank else "", average_metric_score=row.get("score"),
    )


# ---------------------------------------------------------------- tables

def _column(header: list[str], regex: re.Pattern[str]) -> int | None:
    return next((i for i, cell in enumerate(header) if cell and regex.search(cell)), None)


def _cell(row: list[str], col: int | None) -> str:
    return normalise.clean(row[col]) if col is not None and col < len(row) else ""


def _number(text: str) -> int | None:
    m = re.search(r"\d+", _ORDINAL.sub("", text))
    return int(m.group(0)) if m else None


def _league_table(reader: SegmentReader, rule: SegmentTable, table: Table, cols: dict[str, int | None],
                  context: str) -> None:
    ctx = reader.ctx
    periods = quarter_periods(f"{' '.join(table.rows[0])} {context}")
    period = next((p[2] for p in periods if not p[2].startswith("Q")), "")
    period = _complete(next((p[2] for p in periods), ""), period or _title_period(ctx)) or _title_period(ctx)
    framework = reader.framework(f"{context} {ctx.doc.title}")
    peer_here = reader.peer_group(context)
    size = re.search(r"(?i)\bof\s+(?:the\s+)?(?:all\s+)?(\d{2,3})\b", context)
    for i, row in enumerate(table.rows[1:], start=1):
        name = _cell(row, cols["organisation"])
        segment = _number(_cell(row, cols.get("segment")))
        rank_text = _cell(row, cols.get("rank"))
        rank = _number(rank_text)
        if not name or (segment is None and rank is None) or (segment is not None and not 1 <= segment <= 5):
            continue
        of = re.search(r"(?:/|\bof\b)\s*(\d+)", rank_text)
        score = re.search(r"\b[1-4]\.\d{1,2}\b", _cell(row, cols.get("score")))
        values: dict[str, Any] = {
            "organisation": name, "period": period, "segment": segment,
            "previous_segment": _number(_cell(row, cols.get("previous"))),
            "rank": (rank, int(of.group(1)) if of else int(size.group(1)) if size else None) if rank else None,
            "score": f"{float(score.group(0)):g}" if score else None,
        }
        peer = reader.peer_group(_cell(row, cols.get("peer_group"))) or peer_here
        _emit(reader, rule, table.row_page(i), " | ".join(row), ctx.at_row(table, i), values, framework, peer)


def _history_table(reader: SegmentReader, rule: SegmentTable, table: Table, cols: dict[str, int | None]) -> None:
    """'Quarter | Segment | Rank' rows about the document's own organisation."""
    ctx = reader.ctx
    names = reader.names(table.caption)
    who = str(names[0].value) if names else reader.doc_org
    if not who:
        return
    framework = reader.framework(f"{table.caption} {ctx.doc.title}")
    peer = reader.peer_group(" ".join(table.rows[0]) + " " + table.caption)
    known = _title_period(ctx)
    previous: tuple[str, int | None] = ("", None)
    for i, row in enumerate(table.rows[1:], start=1):
        found = quarter_periods(row[0] if row else "")
        if not found:
            continue
        period = _complete(found[0][2], known)
        known = period if not period.startswith("Q") else known
        segment = _number(_cell(row, cols.get("segment")))
        rank_text = _cell(row, cols.get("rank"))
        rank = _number(rank_text)
        of = re.search(r"(?:/|\bof\b)\s*(\d+)", rank_text)
        score = re.search(r"\b[1-4]\.\d{1,2}\b", _cell(row, cols.get("score")))
        if segment is None and rank is None:
            continue
        values: dict[str, Any] = {
            "organisation": who, "period": period, "segment": segment,
            "previous_segment": previous[1] if previous[0] and previous[0] < period else None,
            "rank": (rank, int(of.group(1)) if of else None) if rank else None,
            "score": f"{float(score.group(0)):g}" if score else None,
        }
        _emit(reader, rule, table.row_page(i), " | ".join(row), ctx.at_row(table, i), values, framework, peer)
        previous = (period, segment)


def _title_period(ctx: Context) -> str:
    found = quarter_periods(ctx.doc.title)
    return found[0][2] if found and not found[0][2].startswith("Q") else ""


# ---------------------------------------------------------------- merging and the document's organisation

def _document_org(reader: SegmentReader) -> str:
    ctx = reader.ctx
    for text in [ctx.doc.title, ctx.doc.masthead, *(line.text for line in ctx.doc.lines[:6])]:
        names = reader.names(text or "")
        if names:
            return str(names[0].value)
    return ""


def merge_segments(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per organisation, framework and period; later statements fill gaps; a segment
    stated for the quarter (or year) before is the previous segment of a row that states none."""
    merged = _merge(rows)
    by_period = {(normalise.fold(r["organisation"]), r["period"]): r for r in merged if r["segment"] not in ("", None)}
    for row in merged:
        if row["segment"] in ("", None) or row["previous_segment"] not in ("", None):
            continue
        earlier = _period_before(row["period"])
        before = by_period.get((normalise.fold(row["organisation"]), earlier)) if earlier else None
        if before is not None:
            row["previous_segment"] = before["segment"]
            segment, previous = int(row["segment"]), int(before["segment"])
            row["direction"] = "improved" if segment < previous else "declined" if segment > previous else "unchanged"
    return merged


def _period_before(period: str) -> str:
    """``2025/26 Q2`` -> ``2025/26 Q1``, ``2025/26 Q1`` -> ``2024/25 Q4``, ``2022/23`` -> ``2021/22``."""
    m = re.fullmatch(r"(\d{4})/\d{2}(?: Q([1-4]))?", period)
    if not m:
        return ""
    year, quarter = int(m.group(1)), int(m.group(2) or 0)
    if quarter > 1:
        return f"{year}/{(year + 1) % 100:02d} Q{quarter - 1}"
    suffix = " Q4" if quarter else ""
    return f"{year - 1}/{year % 100:02d}{suffix}"


def _merge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        key = (normalise.fold(row["organisation"]), row["framework"], row["period"])
        kept = merged.get(key)
        if kept is None:
            merged[key] = dict(row)
            continue
        for column in ("org_code", "segment", "previous_segment", "direction", "rank", "rank_of", "peer_group",
                       "average_metric_score"):
            if kept[column] in ("", None) and row[column] not in ("", None):
                kept[column] = row[column]
    return list(merged.values())
