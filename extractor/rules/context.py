"""What every rule needs: the document, its pattern file, the organisation list,
the nearest stated period and scope, sentence evidence, and one ``emit``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import normalise
from ..model import Document, Line, Table
from ..needles import candidates
from ..orgs import Organisations
from ..patterns import AnyRule, Patterns, SentenceRule
from ..schema import TABLES

# 'from 2016-17', 'until 2019/20': a year the statement points to, not the year it reports
_NOT_THE_YEAR = re.compile(r"(?i)\b(?:from|since|until|till|by|before|after|into|ahead\s+of)\s+$")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[A-Z0-9‘“'\"(•])")
# Quoted speech (thirty characters or more, or running to the end of the line): a person's words, not a statement.
QUOTED = re.compile(r"[“\"][^”\"]{30,}(?:[”\"]|$)")
LONGEST_SENTENCE = 1500  # longer: a flattened table or a run of text without stops, cut at spaces


def unquoted(text: str) -> str:
    """``text`` with quoted speech blanked out (offsets kept)."""
    return QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; an overlong sentence cut at spaces into pieces of at most LONGEST_SENTENCE."""
    bounds = [0] + [m.end() for m in SENTENCE_END.finditer(text)] + [len(text)]
    pieces = []
    for a, b in zip(bounds, bounds[1:]):
        while b - a > LONGEST_SENTENCE:
            cut = text.rfind(" ", a + LONGEST_SENTENCE // 2, a + LONGEST_SENTENCE)
            cut = cut + 1 if cut > a else a + LONGEST_SENTENCE
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
    return [(a, text[a:b]) for a, b in pieces if text[a:b].strip()]


@dataclass
class Context:
    doc: Document
    patterns: Patterns
    doc_type: str
    orgs: Organisations
    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {t: [] for t in TABLES if t != "documents"})
    fired: Counter[str] = field(default_factory=Counter)
    trace: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    partial: bool = False
    memo: dict[str, Any] = field(default_factory=dict)  # per-document values the rules work out once

    def __post_init__(self) -> None:
        self.rules: list[AnyRule] = self.patterns.rules_for(self.doc_type)
        self.context = self.patterns.context_for(self.doc_type)
        self._folded = [line.text.casefold() for line in self.doc.lines]
        self._periods: list[list[tuple[int, str]]] = [[] for _ in self.doc.lines]
        for pattern in self.context.period:
            regex = self.patterns.compile(pattern)
            for index in candidates(regex, self._folded):
                text = self.doc.lines[index].text
                self._periods[index] += [
                    (m.start("period"), normalise.period(m.group("period"))) for m in regex.finditer(text)
                    if not _NOT_THE_YEAR.search(text[: m.start("period")])
                ]
        self._periods = [sorted((pos, p) for pos, p in found if p) for found in self._periods]

    # ------------------------------------------------------------ context

    def rule_id(self, rule: AnyRule) -> str:
        return f"{self.doc_type}/{rule.id}"

    def period_before(self, index: int, pos: int | None = None, anywhere: bool = True) -> str:
        """The last period stated before line ``index`` (and before ``pos`` within it); else,
        when ``anywhere``, the first the document states."""
        for i in range(min(index, len(self._periods) - 1), -1, -1):
            candidates = [p for at, p in self._periods[i] if i < index or pos is None or at <= pos]
            if candidates:
                return candidates[-1]
        return self.document_period() if anywhere else ""

    def document_period(self) -> str:
        for found in self._periods:
            if found:
                return found[0][1]
        return ""

    def table_period(self, table: Table) -> str:
        """A period in the table's header or caption, else the last one stated before it."""
        header = " ".join(" ".join(r) for r in table.rows[:2])
        return normalise.period(header) or normalise.period(table.caption) or self.period_before(table.anchor)

    def published(self) -> str:
        """The publication date: the loader's, else a date in a web page's masthead or a dateline
        among the first lines (worked out once)."""
        if "published" not in self.memo:
            self.memo["published"] = self.doc.published or self._dateline()
        return str(self.memo["published"])

    def _dateline(self) -> str:
        if self.doc.masthead and normalise.date(self.doc.masthead):
            return normalise.date(self.doc.masthead)
        for line in self.doc.lines[:8]:
            if re.search(r"(?i)\b(?:posted|published|updated)\b|^\s*\w*\s*\d{1,2}\s+\w+\s+\d{4}\s*$|\|\s*\d{1,2}\s+\w+\s+\d{4}",
                         line.text) or line.kind == "heading" or len(line.text) < 40:
                found = normalise.date(line.text)
                if found:
                    return found
        return ""

    def scope(self) -> str:
        """The population the document is about (its first scope statement), found once."""
        if not hasattr(self, "_scope"):
            self._scope = self._find_scope()
        return self._scope

    def _find_scope(self) -> str:
        for pattern in self.context.scope:
            regex = self.patterns.compile(pattern)
            for line in self.doc.lines:
                m = regex.search(line.text)
                if m:
                    return normalise.clean(m.group("scope"))
        return self.context.default_scope

    # ------------------------------------------------------------ text

    @staticmethod
    def sentence(text: str, start: int, end: int | None = None) -> str:
        """The sentence(s) of ``text`` holding the span ``start``..``end``."""
        end = start if end is None else end
        bounds = [0] + [m.end() for m in SENTENCE_END.finditer(text)] + [len(text)]
        first = max(b for b in bounds if b <= start)
        last = min((b for b in bounds if b > max(end - 1, start)), default=len(text))
        return text[first:last].strip()

    def matches(self, rule: SentenceRule) -> Iterator[tuple[int, Line, re.Match[str]]]:
        """Every match of the rule's patterns over the running text: (line index, line, match).

        A later pattern's match may not start inside an earlier one's; when it would, the
        search goes on from the end of the earlier match (so a statement that follows one
        already read is still found)."""
        regexes = [self.patterns.compile(p) for p in rule.patterns]
        where = [candidates(regex, self._folded) for regex in regexes]
        for index in sorted(set().union(*where)) if where else []:
            line = self.doc.lines[index]
            seen: list[tuple[int, int]] = []
            for regex, lines in zip(regexes, where):
                if index not in lines:
                    continue
                pos = 0
                while pos <= len(line.text):
                    m = regex.search(line.text, pos)
                    if m is None:
                        break
                    inside = [b for a, b in seen if a <= m.start() < b]
                    if inside:
                        pos = max(inside)
                        continue
                    seen.append((m.start(), m.end()))
                    yield index, line, m
                    pos = max(m.end(), m.start() + 1)

    # ------------------------------------------------------------ output

    @staticmethod
    def at_line(index: int, offset: int = 0) -> float:
        """A record's place in the document, for ordering rows within a page."""
        return index + min(offset, 9999) / 10000

    @staticmethod
    def at_row(table: Table, row: int) -> float:
        """A table row's place: the table sits just before the line ``table.anchor``."""
        return table.anchor - 0.5 + min(row, 4999) / 10000

    def emit(self, table: str, rule: AnyRule, page: int | None, evidence: str, at: float = 0.0, **values: Any) -> None:
        row: dict[str, Any] = {column: "" for column in TABLES[table]}
        row.update({k: ("" if v is None else v) for k, v in values.items()})
        row["doc_id"] = self.doc.doc_id
        row["page"] = page if page is not None else ""
        if "evidence" in row:
            row["evidence"] = normalise.clean(evidence)[:500]
        row["rule"] = self.rule_id(rule)
        row["_at"] = at
        self.records[table].append(row)
        self.fired[self.rule_id(rule)] += 1
        self.trace.append(f"page {row['page'] or '-'}: {row['rule']} -> {table}: {_summary(row)}")

    def note(self, message: str, partial: bool = True) -> None:
        if message not in self.messages:
            self.messages.append(message)
        self.partial = self.partial or partial


def _summary(row: dict[str, Any]) -> str:
    keys = ("organisation", "scope", "budget_line", "indicator", "achievement", "rating", "count", "budget_gbp",
            "segment", "rank")
    return ", ".join(f"{k}={str(row[k])[:40]}" for k in keys if row.get(k) not in ("", None))
