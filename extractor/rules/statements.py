"""Rating statements and counts read by their parts, not by sentence templates.

Each sentence is scanned for its parts: organisations (named CCGs, coordinated lists of
places sharing one 'CCGs', words that refer back such as 'the CCG', 'we', 'it', and
bodies that are not CCGs), ratings (with the role 'previous' when a movement word such
as 'from' or 'last year's rating of' stands before them), periods and clinical areas.
Then each rating is linked: to the nearest subject before it, the areas that follow it
('good for cancer and diabetes'), the period that follows it (or the nearest before),
and the previous rating or the 'unchanged' words of its clause.  The rule's data (cues,
guards, movement words, references) lives in the rule library; only the linking is code.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import normalise
from ..model import Line, Table
from ..orgs import split_names, trim_name
from ..patterns import CountStatement, RatingStatement
from .context import Context, sentences, unquoted
from .ratings import add_rating

log = logging.getLogger(__name__)


@dataclass
class Part:
    kind: str  # org, ref, other, rating, previous
    start: int
    end: int
    value: Any = None


@dataclass
class Reader:
    """One document's reading state: what the rule's data compiles to, and the subject so far."""

    ctx: Context
    rule: RatingStatement
    doc_org: str = ""
    last_org: list[str] = field(default_factory=list)
    last_rows: list[dict[str, Any]] = field(default_factory=list)
    first_period: str = ""
    previous_text: str = ""

    def __post_init__(self) -> None:
        compile_ = self.ctx.patterns.compile
        data = self.rule
        self.cues = [compile_(p) for p in data.cues]
        self.guards = [compile_(p) for p in data.guards]
        self.previous_before = [compile_(p + r"\s*$") for p in data.movement.get("previous", [])]
        self.unchanged = [compile_(p) for p in data.movement.get("unchanged", [])]
        self.refs = [compile_(p) for p in data.subjects]
        self.others = [compile_(p) for p in data.rating_only]
        self.lead_in = [compile_(p) for p in data.lead_in]
        self.history = [compile_(p) for p in data.history]
        self.not_ratings = [compile_(p) for p in data.not_ratings]
        self.not_areas = [compile_(p) for p in data.not_areas]
        self.period_breaks = [compile_(p) for p in data.period_breaks]
        self.engagement = compile_(data.engagement) if data.engagement else None
        self.org = compile_(r"{ORGS}|{ORG}")
        self.known = _known_names(self.ctx)
        # a quick test for a line that can hold a statement, an organisation or a lead-in
        self.worth_reading = re.compile(rf"\b(?:{normalise.RATING})\b|CCG|[Cc]ommissioning|NHS\s|[:;]\s*$")
        self.rating = re.compile(rf"\b(?:{normalise.RATING})\b")
        self.period = compile_("{PERIOD}")
        self.area_res = self.ctx.patterns.assessment_res


# ---------------------------------------------------------------- entry points

def rating_statement(ctx: Context, rule: RatingStatement) -> None:
    reader = Reader(ctx, rule)
    reader.doc_org = _document_org(ctx, reader)
    reader.last_org = [reader.doc_org] if reader.doc_org else []
    lines = ctx.doc.lines
    lead: tuple[list[str], str] | None = None
    tables = sorted(ctx.doc.tables, key=lambda t: t.anchor)
    next_table = 0
    for index, line in enumerate(lines):
        line = Line(unquoted(line.text), line.page, line.kind)
        while next_table < len(tables) and tables[next_table].anchor <= index:
            _subject_table(reader, tables[next_table])
            next_table += 1
        if line.kind == "item" and lead is not None:
            if (_named_item if not lead[0] else _area_item)(reader, index, line, lead):
                continue
        elif line.kind == "item" and reader.last_org and _area_item(
                reader, index, line, (reader.last_org, reader.ctx.period_before(index) or _document_period(reader.ctx)
                                      or reader.first_period), bare=True):
            continue  # 'Cancer – Good' items with no lead-in: the areas of the CCG the document is about
        elif line.kind != "item":
            lead = None
        if any(h.search(line.text) for h in reader.history):
            _history_line(reader, index, line)
            continue
        if not reader.worth_reading.search(line.text):
            continue  # no rating, no organisation, no lead-in: nothing to read or to carry
        for start, sentence in sentences(line.text):
            found = _read_sentence(reader, index, line, start, sentence)
            if found is not None:
                lead = found
    while next_table < len(tables):
        _subject_table(reader, tables[next_table])
        next_table += 1


def count_statement(ctx: Context, rule: CountStatement) -> None:
    compile_ = ctx.patterns.compile
    cues = [compile_(p) for p in rule.cues]
    guards = [compile_(p) for p in rule.guards]
    transitions = [compile_(p) for p in rule.transitions]
    pair = compile_(r"(?<![\w£.,/-])(?P<count>{NUMBER})(?![\d%.,]|\s*%|\s*per\s*cent)"
                    r"(?P<between>(?:\s*\([^)]{0,30}\))?"
                    r"(?:\s+of\s+(?:the\s+)?(?:[A-Z][\w-]*\s+)*?(?:[\w-]+['’]s\s+)?(?:{NUMBER}\s+)?(?:[A-Z][\w'’-]*\s+)*)?"
                    r"(?:\s*{GROUPS})?(?:\s+or\s+\d+%)?"
                    r"(?:\s+(?:in|across)\s+(?:the\s+)?(?P<scope>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*))?"
                    r"(?:\s*\([^)]{0,30}\))?,?(?:\s+(?:were|was|are|have\s+been|had\s+been|been|also|all|rated|"
                    r"as|now|again|received|require|requires|declared|judged|found|deemed|assessed|labelled|graded|"
                    r"given|to|be)){0,4})\s+{Q}(?P<rating>{RATING}){Q}")
    about_ccgs = compile_(r"(?i)\bCCGs\b|clinical\s+commissioning\s+groups")
    flattened = compile_(r"{RATING}\s+\d[\d,]*\s+\d[\d,]*\s+{RATING}")
    # '(20 CCGs, 10%) were rated outstanding', '(51%, or 99 CCGs) were rated good'
    paren = compile_(r"\((?:\d+%\s*,?\s*(?:or\s+)?)?(?P<count>{NUMBER})\s+{GROUPS}(?:\s*,\s*\d+%)?\)\s*,?\s*"
                     r"(?:(?:were|are|was|have\s+been|been|rated|as)\s+){0,3}{Q}(?P<rating>{RATING}){Q}")
    lines = ctx.doc.lines
    for index, line in enumerate(lines):
        text = unquoted(line.text)
        previous_text = lines[index - 1].text if index else ""
        for start, sentence in sentences(text):
            context = previous_text + " " + text[:start]
            if any(g.search(sentence) for g in guards) or not any(c.search(sentence) for c in cues):
                continue
            if not about_ccgs.search(sentence) and not about_ccgs.search(context):
                continue
            if flattened.search(sentence):
                continue  # a table's cells run together ('Outstanding 64 47 Good 53 42'): not read as prose
            taken: list[tuple[int, int]] = []
            scope_here = ""
            for m in paren.finditer(sentence):
                number = normalise.count(m.group("count"))
                if number is not None:
                    taken.append((m.start(), m.end()))
                    _emit_count(ctx, rule, index, line, sentence, start + m.start(), number,
                                normalise.rating(m.group("rating")), "", _count_scope(sentence, m, paren=True))
            for regex in transitions:
                for m in regex.finditer(sentence):
                    number = normalise.count(m.group("count"))
                    if number is None:
                        continue
                    taken.append((m.start(), m.end()))
                    _emit_count(ctx, rule, index, line, sentence, start + m.start(), number,
                                normalise.rating(m.group("rating")), normalise.rating(m.group("previous")), "")
            for m in pair.finditer(sentence):
                if any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
                    continue
                if re.search(r"(?i)\bone\s+of\s+(?:only\s+)?(?:the\s+)?$|\bone\s+in\s+$|\bout\s+of\s+$|\bamong\s+"
                             r"(?:only\s+|just\s+)?(?:the\s+)?$", sentence[max(0, m.start() - 40): m.start()]) or \
                        re.match(r"(?i)one\s+of\b", m.group(0)):
                    continue  # 'one of only 24 CCGs rated outstanding' is that CCG's rating; 'one in ten' a share
                if re.search(rf"(?i)\bfrom\s+\W?$|\bfrom\s+\W?(?:{normalise.RATING})\W?\s+(?:to|into)\s+\W?$",
                             sentence[max(0, m.start("rating") - 50): m.start("rating")]):
                    continue  # the two ends of a move, read as a transition
                number = normalise.count(m.group("count"))
                if number is None or (m.group("count").isdigit() and len(m.group("count")) == 4):
                    continue
                scope = scope_here = _count_scope(sentence, m) or scope_here
                _emit_count(ctx, rule, index, line, sentence, start + m.start(), number,
                            normalise.rating(m.group("rating")), "", scope)


# ---------------------------------------------------------------- sentences

def _parts(reader: Reader, text: str) -> list[Part]:
    ctx = reader.ctx
    parts: list[Part] = []
    for m in reader.org.finditer(text):
        printed = m.group(0)
        trimmed = trim_name(ctx.orgs, printed)
        offset = m.start() + len(printed) - len(trimmed)
        if re.search(r"(?i)\b(?:of|the|and|in|for)\s+(?:CCGs?|Clinical\s+Commissioning\s+Groups?)$", trimmed) or \
                normalise.rating(trimmed.replace("CCG", "")):
            parts.append(Part("other", offset, m.end(), None))  # 'assessment of CCGs', 'Outstanding CCGs'
            continue
        counted = re.search(r"(?i)(?:^|\s)(?:" + normalise.NUMBER + r"|all|both|the)\s+$", text[max(0, offset - 40): offset])
        plural = bool(re.search(r"(?i)(?:CCGs|Groups)$", trimmed))
        if plural and counted and all(ctx.orgs.code(n, "", ("ccg",)) for n in split_names(
                re.sub(r"(?i)\s*clinical\s+commissioning\s+groups$", " CCGs", trimmed), ctx.orgs)):
            counted = None  # 'both Greater Huddersfield and North Kirklees CCGs' names them
        if (plural and (counted or re.match(normalise.NUMBER + r"\s", trimmed))) or re.match(
                r"^(?:CCGs|Clinical\s+Commissioning\s+Groups)$", trimmed) or re.search(r"['’]s\s+\w*\s*CCGs", trimmed):
            parts.append(Part("other", offset, m.end(), None))  # a group of CCGs: counts, not one CCG's rating
            continue
        if re.match(r"^(?:CCG|Clinical\s+Commissioning\s+Group)$", trimmed) or re.search(r"['’]s\s+CCG", trimmed):
            parts.append(Part("ref", offset, m.end(), None))
            continue
        if re.search(r"(?i)(?:CCGs|Groups)$", trimmed):
            names = split_names(re.sub(r"(?i)\s*clinical\s+commissioning\s+groups$", " CCGs", trimmed), ctx.orgs)
        else:
            names = [trimmed.rstrip(",")]
        if len(names) == 1 and reader.doc_org and not ctx.orgs.code(names[0], "", ("ccg",)) \
                and _short_form(names[0], reader.doc_org):
            names = [reader.doc_org]  # 'York CCG' in a headline about NHS Vale of York CCG
        parts.append(Part("org", offset, m.end(), names))
    for m in reader.known.finditer(text) if reader.known is not None and "NHS " in text else ():
        if not any(p.start <= m.start() < p.end for p in parts):
            parts.append(Part("org", m.start(), m.end(), [m.group(0)]))  # 'NHS Kernow', a known name without 'CCG'
    for regex, kind in [(r, "ref") for r in reader.refs] + [(r, "other") for r in reader.others]:
        for m in regex.finditer(text):
            if not any(p.start <= m.start() < p.end for p in parts):
                parts.append(Part(kind, m.start(), m.end(), None))
    for m in reader.rating.finditer(text):
        before = text[max(0, m.start() - 120): m.start()]  # the words just before it: 'up from', 'had previously been'
        if before.endswith("/") or any(n.match(text, m.start()) for n in reader.not_ratings) or re.search(
                rf"\b(?:{normalise.RATING})\W*\s+(?:and\s*/\s*)?or\s+\W?$", before):
            continue  # 'Green Star/Outstanding' is one rating; 'good quality care' is none
        role = "previous" if any(r.search(before) for r in reader.previous_before) else "rating"
        parts.append(Part(role, m.start(), m.end(), normalise.rating(m.group(0))))
    return sorted(parts, key=lambda p: p.start)


_KNOWN: dict[int, re.Pattern[str] | None] = {}


def _known_names(ctx: Context) -> re.Pattern[str] | None:
    """CCG names the reference list holds in the 'NHS Place' form, printed without 'CCG'."""
    key = id(ctx.orgs)
    if key not in _KNOWN:
        names = sorted({name for name in ctx.orgs.names(("ccg",)) if name.startswith("NHS ")
                        and not re.search(r"(?i)\b(?:CCG|group)$", name) and not name.isupper()}, key=len, reverse=True)
        _KNOWN[key] = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b(?![\w'’-]|\s+(?:[A-Z&]|and\s|CCG))") \
            if names else None
    return _KNOWN[key]


def _read_sentence(reader: Reader, index: int, line: Line, start: int, sentence: str
                   ) -> tuple[list[str], str] | None:
    """Emit the sentence's ratings; return a lead-in (subject, period) when it introduces a list."""
    ctx = reader.ctx
    text = sentence  # quoted speech was blanked line by line
    parts = _parts(reader, text)
    subjects = [p for p in parts if p.kind in ("org", "ref", "other")]
    ratings = [p for p in parts if p.kind == "rating"]
    guarded = any(g.search(text) for g in reader.guards)
    cued = any(c.search(text) for c in reader.cues)
    lead = None
    if not guarded and text.rstrip().endswith((":", ";")) and any(r.search(text) for r in reader.lead_in):
        period = normalise.period(text) or ctx.period_before(index, start) or reader.first_period
        if ratings and re.search(r"(?i)\b(?:CCGs|clinical\s+commissioning\s+groups)\b", text):
            return ([], f"{period}|{ratings[0].value}")  # 'The CCGs rated inadequate are:' then their names
        who = _resolve(reader, subjects[-1], subjects) if subjects else list(reader.last_org)
        if who:
            lead = (who, period or _document_period(ctx))
    emitted: list[dict[str, Any]] = []
    if ratings and not guarded and cued:
        currents = [p for p in parts if p.kind == "rating"]
        for n, r in enumerate(currents):
            nxt = currents[n + 1].start if n + 1 < len(currents) else len(text)
            who = _subject_for(reader, text, parts, r)
            if not who:
                log.debug("rating without a subject on line %d: %s", index, text[:80])
                continue
            window = text[r.end: nxt]
            clause = text[currents[n - 1].end if n else 0: r.start]
            if _PARTIAL.match(window) or _UNNAMED.search(clause) or _UNNAMED.match(window) or any(
                    n.search(window) for n in reader.not_areas):
                continue  # 'good on the other two', 'good in three of them': areas the sentence does not name
            areas = (_areas_after(reader, window) or _areas_before(reader, text, parts, r)
                     or _areas_leading(reader, clause) or ["overall"])
            period = _period_for(reader, index, start, text, r, nxt)
            previous = _previous_for(parts, r, text, nxt)
            clause = text if len(currents) == 1 else window
            if not previous and any(u.search(clause) for u in reader.unchanged):
                previous = r.value
            if r.value in normalise.RAG and reader.engagement is not None and not (
                    reader.engagement.search(text) or reader.engagement.search(reader.previous_text)):
                continue  # a colour for something else: a financial plan, leadership
            for name in who:
                for area in areas:
                    if (r.value in normalise.RAG) != (area == "patient_and_community_engagement"):
                        if r.value in normalise.RAG:
                            area = "patient_and_community_engagement"
                        else:
                            continue
                    before = len(ctx.records["ratings"])
                    add_rating(ctx, reader.rule, name, period, area, line.page, sentence.strip(),
                               rating=r.value, previous=previous if area == areas[0] else "",
                               at=ctx.at_line(index, start + r.start))
                    emitted += ctx.records["ratings"][before:]
    elif not guarded and not ratings and parts and reader.last_rows:
        # 'This is an improvement on last year's rating of Good', 'It had been rated inadequate since
        # 2015/16': the previous rating of the last statement, and a row of its own when its year is printed
        earlier = [p for p in parts if p.kind == "previous"]
        if earlier and not [p for p in subjects if p.kind == "org"]:
            for row in reader.last_rows:
                if not row["previous_rating"] and row["assessment"] == "overall":
                    row["previous_rating"] = earlier[0].value
                    row["direction"] = normalise.direction(row["previous_rating"], row["rating"])
            year = reader.period.search(text, earlier[0].end)
            if year and len(earlier) == 1 and reader.last_rows[0]["assessment"] == "overall":
                add_rating(ctx, reader.rule, reader.last_rows[0]["organisation"], normalise.period(year.group(0)),
                           "overall", line.page, sentence.strip(), rating=str(earlier[0].value),
                           at=ctx.at_line(index, start + earlier[0].start))
    if emitted:
        reader.last_rows = emitted
        reader.first_period = reader.first_period or next((row["period"] for row in emitted if row["period"]), "")
    named = [p for p in subjects if p.kind == "org"]
    if named:
        reader.last_org = named[-1].value
    reader.previous_text = text
    return lead


def _resolve(reader: Reader, part: Part, parts: list[Part]) -> list[str]:
    """The organisations a subject part stands for; [] for a body that is not a CCG."""
    if part.kind == "org":
        return list(part.value)
    if part.kind == "other":
        return []
    earlier = [p for p in parts if p.kind == "org" and p.end <= part.start]
    if earlier:
        return list(earlier[-1].value)
    return list(reader.last_org)


_ASIDE = re.compile(r",\s*(?:which|who|whose|where|including|created|formed|covering|serving)\b[^,;]*,|\([^()]*\)")


@lru_cache(maxsize=64)
def _asides(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((m.start(), m.end()) for m in _ASIDE.finditer(text))


def _subject_for(reader: Reader, text: str, parts: list[Part], r: Part) -> list[str]:
    asides = [span for span in _asides(text) if span[0] < r.start]
    before = [p for p in parts if p.kind in ("org", "ref", "other") and p.end <= r.start
              and not (p.kind != "org" and any(a <= p.start < b for a, b in asides))]
    if before:
        subject = before[-1]
        gap = text[subject.end: r.start]
        if re.search(r"(?<![\w£.,/-])(?:\d[\d,]*|" + normalise.NUMBER + r")\s+(?:\([^)]*\)\s+)?"
                     r"(?:(?:were|was|have\s+been|rated|as)\s+)*{Q}?$".replace("{Q}", "['‘’\"]"), gap):
            return []  # 'one outstanding and two requires improvement': a count, not this subject's rating
        if re.search(r"(?i)\bone\s+of\s+(?:only\s+)?(?:the\s+)?", gap) and subject.kind == "org":
            return list(subject.value)
        if re.search(r"(?i)\b(?:all|both|each|none|some|two|three|four|five|six)\s+of\s+(?:which|whom|them)\b", gap):
            return []  # 'X CCG, formed from three groups, all of which were rated good': not X's rating
        names = _resolve(reader, subject, parts)
        if subject.kind == "org":  # 'X CCG, Y CCG and Z CCG, which were all rated good'
            at = before.index(subject)
            while at > 0 and before[at - 1].kind == "org" and re.fullmatch(
                    r"\s*,?\s*(?:and\s+)?", text[before[at - 1].end: before[at].start]):
                at -= 1
                names = list(before[at].value) + names
        return names
    opening = text[: r.start]
    if _areas_after(reader, text[r.end:]) and (len(opening.strip()) <= 12 or parts[0].kind == "rating") and not re.search(
            r"(?i)\b(?:CCGs|all|each|every|both)\b", text):
        return list(reader.last_org)  # 'Good for cancer, requires improvement for mental health' under a lead-in
    return []


def _areas_after(reader: Reader, window: str) -> list[str]:
    m = re.match(r"^\W*(?:overall\b|(?:for|on|against|in)\s+(?:the\s+)?(?:areas?\s+of\s+)?)", window, re.I)
    if not m:
        return []
    if m.group(0).strip().lower().startswith("overall"):
        return ["overall"]
    rest = window[m.end():]
    stop = re.search(r"(?i)\b(?:by|has|have|was|were|is|are|which|while|but|after|because|since|from|with|"
                     r"in\s+(?:NHS|its|the|their|our))\b|[;:]", rest)
    rest = rest[: stop.start()] if stop else rest
    return _areas_in(reader, rest)


def _areas_before(reader: Reader, text: str, parts: list[Part], r: Part) -> list[str]:
    before = [p for p in parts if p.kind in ("org", "ref", "other", "rating", "previous") and p.end <= r.start]
    start = before[-1].end if before else 0
    gap = text[start: r.start]
    if re.search(r"(?i)\b(?:all|both|each)\s+(?:(?:were|are)\s+(?:rated\s+)?)?\W?$", gap):
        return _areas_in(reader, gap)  # 'dementia, maternity and mental health all require improvement'
    if not re.search(r"(?i)\b(?:was|were|is|are|has\s+been|have\s+been)\s+(?:also\s+)?"
                     r"(?:rated|judged|assessed|labelled|graded|deemed|found|marked|scored)\s+(?:as\s+|to\s+be\s+)?\W?$",
                     gap):
        return []
    return _areas_in(reader, gap)[:1]


# A rating of areas the sentence leaves unnamed, or of a part of the assessment.
_UNNAMED = re.compile(r"(?i)\W*(?:for|on|in|against)\s+(?:the\s+other|the\s+remaining|both|all|each)\b")
_PARTIAL = re.compile(r"(?i)\W*(?:in|for)\s+(?:\w+\s+){0,2}(?:of\s+(?:them|these|the\s+\w+)|areas|domains|categories)\b"
                      r"|\W*in\s+(?:" + normalise.NUMBER + r")\s+of\b")


def _areas_leading(reader: Reader, clause: str) -> list[str]:
    """'For cancer, the CCG was rated good': the areas a clause opens with."""
    m = re.match(r"(?i)\W*(?:but\s+)?(?:for|on|in)\s+(?:its\s+|the\s+)?([^,]{3,80}),", clause)
    return _areas_in(reader, m.group(1)) if m else []


def _areas_in(reader: Reader, text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for regex, name in reader.area_res:
        if name == "overall":
            continue
        for m in regex.finditer(text):
            found.append((m.start(), name))
    seen: list[str] = []
    for _, name in sorted(found):
        if name not in seen:
            seen.append(name)
    return seen


def _period_for(reader: Reader, index: int, start: int, text: str, r: Part, nxt: int) -> str:
    after = reader.period.search(text, r.end, nxt)
    if after and not re.search(r"(?i)\b(?:since|from|until|by)\s+$", text[max(0, after.start() - 7): after.start()]) \
            and not any(b.search(text, r.end, after.start()) for b in reader.period_breaks):
        return normalise.period(after.group(0))
    before = [m for m in reader.period.finditer(text, 0, r.start)]
    if before:
        return normalise.period(before[-1].group(0))
    return (reader.ctx.period_before(index, start, anywhere=False) or _document_period(reader.ctx)
            or reader.first_period or reader.ctx.period_before(index, start))


def _previous_for(parts: list[Part], r: Part, text: str, nxt: int) -> str:
    """'from X to Y' before the rating, else 'up from X' after it (not another's 'from X to Z')."""
    earlier = [p for p in parts if p.kind == "previous" and p.end <= r.start]
    if earlier and re.fullmatch(r"[^.;]{0,50}?\b(?:to|into)\W*", text[earlier[-1].end: r.start]):
        return str(earlier[-1].value)  # 'from X to Y', 'from its X rating of the previous year to Y'
    for p in parts:
        if p.kind == "previous" and r.end <= p.start < nxt and not re.match(r"\W*(?:to|into)\b", text[p.end:]):
            return str(p.value)
    return ""


# ---------------------------------------------------------------- lists, history lines, subject tables

def _area_item(reader: Reader, index: int, line: Line, lead: tuple[list[str], str], bare: bool = False) -> bool:
    """'Cancer – Requires improvement' under a lead-in that names the CCG and the year (or, ``bare``,
    an item that is no more than an area and a rating)."""
    m = re.match(r"^\s*(?P<area>[A-Za-z][\w ,&'’-]{2,60}?)\s*[–—:|-]\s*['‘\"]?(?P<rating>" + normalise.RATING
                 + r")['’\"]?\.?\s*$", line.text)
    if not m or (bare and len(m.group("area").split()) > 4):
        return False
    areas = _areas_in(reader, m.group("area"))
    rating = normalise.rating(m.group("rating"))
    if len(areas) != 1:
        return False
    who, period = lead
    for name in who:
        add_rating(reader.ctx, reader.rule, name, period, areas[0], line.page, line.text, rating=rating,
                   at=reader.ctx.at_line(index))
    return True


def _named_item(reader: Reader, index: int, line: Line, lead: tuple[list[str], str]) -> bool:
    """A name under 'The CCGs rated inadequate are:'."""
    period, rating = lead[1].split("|")
    parts = _parts(reader, line.text)
    orgs = [p for p in parts if p.kind == "org"]
    if len(orgs) != 1 or orgs[0].start > 2 or [p for p in parts if p.kind in ("rating", "previous")]:
        return False
    for name in orgs[0].value:
        add_rating(reader.ctx, reader.rule, name, period or _document_period(reader.ctx), "overall", line.page,
                   line.text, rating=rating, at=reader.ctx.at_line(index))
    return True


def _history_line(reader: Reader, index: int, line: Line) -> None:
    """'Year Headline rating 2016/17 Requires improvement 2017/18 Good': one row a year."""
    pairs = re.findall(r"(" + normalise.PERIOD + r")\s+['‘\"]?(" + normalise.RATING + ")", line.text)
    if len(pairs) < 2 or not reader.last_org:
        return
    for printed, rating in pairs:
        for name in reader.last_org:
            add_rating(reader.ctx, reader.rule, name, normalise.period(printed), "overall", line.page, line.text,
                       rating=normalise.rating(rating), at=reader.ctx.at_line(index))


def _subject_table(reader: Reader, table: Table) -> None:
    """A table about one organisation: 'Year | Headline rating' rows, or 'Area | 2017/18 | 2016/17'."""
    if len(table.rows) < 2 or not table.rows[0]:
        return
    ctx = reader.ctx
    header = [normalise.clean(c) for c in table.rows[0]]
    caption_orgs = [p for p in _parts(reader, table.caption) if p.kind == "org"]
    who = list(caption_orgs[0].value) if caption_orgs else list(reader.last_org)
    if not who or re.search(r"(?i)clinical commissioning group|\bCCG\b|organisation|\bname\b", header[0]):
        return
    body = table.rows[1:]
    if re.search(r"(?i)\byear\b|\bperiod\b", header[0]) and len(header) >= 2 and re.search(r"(?i)rating", header[1]):
        for i, row in enumerate(body, start=1):
            period, rating = normalise.period(row[0]), normalise.rating(row[1] if len(row) > 1 else "")
            if period and rating:
                for name in who:
                    add_rating(ctx, reader.rule, name, period, "overall", table.row_page(i), " | ".join(row),
                               rating=rating, at=ctx.at_row(table, i))
        return
    years = sorted(((normalise.period(c), i) for i, c in enumerate(header) if i and normalise.period(c)), reverse=True)
    if not years or not re.search(r"(?i)\barea\b|priority|indicator|assessment", header[0]):
        return
    (period, col), previous_col = years[0], (years[1][1] if len(years) > 1 else None)
    for i, row in enumerate(body, start=1):
        areas = _areas_in(reader, row[0]) if row else []
        rating = normalise.rating(row[col]) if col < len(row) else ""
        if len(areas) != 1 or not rating:
            continue
        previous = normalise.rating(row[previous_col]) if previous_col is not None and previous_col < len(row) else ""
        for name in who:
            add_rating(ctx, reader.rule, name, period, areas[0], table.row_page(i), " | ".join(row),
                       rating=rating, previous=previous, at=ctx.at_row(table, i))


# ---------------------------------------------------------------- document-level context

def _document_org(ctx: Context, reader: Reader) -> str:
    """The organisation the document is by or about: named in its title, its masthead, or first."""
    sources = [ctx.doc.title, ctx.doc.masthead, *(line.text for line in ctx.doc.lines[:6])]
    named = [str(part.value[0]) for text in sources for part in _parts(reader, text or "")
             if part.kind == "org" and len(part.value) == 1]
    known = [name for name in named if ctx.orgs.code(name, "", ("ccg",))]
    if known or named:
        return (known or named)[0]  # a name the reference list knows before a headline's short form
    for line in ctx.doc.lines:
        for part in _parts(reader, line.text):
            if part.kind == "org" and len(part.value) == 1:
                return str(part.value[0])
    return ""


def _short_form(name: str, full: str) -> bool:
    """Whether ``name`` is a shortened form of ``full``: its place words are all in it."""
    words = [w for w in re.findall(r"[A-Za-z'’-]+", name) if w not in ("NHS", "CCG", "Clinical", "Commissioning",
                                                                         "Group")]
    return bool(words) and all(re.search(rf"\b{re.escape(w)}\b", full, re.I) for w in words)


def _document_period(ctx: Context) -> str:
    """The title's year, else the financial year that ended before publication; else '' (once a document)."""
    if "document_period" not in ctx.memo:
        ctx.memo["document_period"] = _work_out_document_period(ctx)
    return str(ctx.memo["document_period"])


def _work_out_document_period(ctx: Context) -> str:
    found = normalise.period(ctx.doc.title)
    if found:
        return found
    published = ctx.published()
    if not published:
        return ""
    start = normalise.financial_year(published)[0]  # the year before the one it was published in
    return f"{start - 1}/{start % 100:02d}"


def _count_scope(sentence: str, m: re.Match[str], paren: bool = False) -> str:
    if not paren and m.group("scope"):
        return normalise.clean(m.group("scope"))
    before = sentence[max(0, m.start() - 80): m.start()]
    place = re.search(r"\b(?:[Ii]n|[Aa]cross)\s+(?:the\s+)?(?P<p>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*),?\s*$", before)
    if place:
        return place.group("p")
    if re.search(r"(?i)\bnationally\b|\bin england\b|\bacross england\b", sentence):
        return "England"
    of = re.search(r"\bof\s+(?P<p>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)['’]s\s+\w+\s+CCGs", sentence[m.start():])
    if of:
        return of.group("p")
    own = re.search(r"\bthe\s+\w+\s+(?P<p>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)\s+CCGs\b", sentence[m.start():])
    if own:
        return own.group("p")
    return ""


def _emit_count(ctx: Context, rule: CountStatement, index: int, line: Line, sentence: str, pos: int, number: int,
                rating: str, previous: str, scope: str) -> None:
    if not rating:
        return
    evidence = sentence.strip()
    assessment = ctx.patterns.assessment(evidence, "overall")
    if rating in normalise.RAG:
        assessment = "patient_and_community_engagement"
    elif assessment == "patient_and_community_engagement":
        assessment = "overall"
    ctx.emit("rating_counts", rule, line.page, evidence, ctx.at_line(index, pos),
             scope=scope or ctx.scope() or "England",
             period=normalise.period(sentence) or ctx.period_before(index, pos) or _document_period(ctx)
             or next((r["period"] for r in ctx.records["ratings"] if r["period"]), ""),
             assessment=assessment, previous_rating=previous, rating=rating, count=number)
