"""Decide a document's type from the pattern files' weighted cues."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .needles import may_match
from .patterns import Cue, Patterns, Structure

_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+[A-Z]", re.M)
_ITEM = re.compile(r"^\s*[\u2022\u25cf\u25aa\uf0b7\uf0a7\-\*]\s+\S", re.M)


CLASSIFY_CHARS = 60_000  # about twenty pages


@dataclass
class Score:
    doc_type: str
    score: float
    threshold: float
    matched: list[str] = field(default_factory=list)
    blocked: str = ""


def features(text: str, fmt: str, items: int = 0, tables: int = 0) -> dict[str, int | str]:
    return {
        "numbered_paragraphs": len(_NUMBERED.findall(text)),
        "list_items": max(items, len(_ITEM.findall(text))),
        "tables": tables,
        "format": fmt,
    }


def classify(patterns: Patterns, text: str, fmt: str, items: int = 0, tables: int = 0) -> tuple[str, list[Score]]:
    """The best-scoring type at or above its threshold, else ``unknown``; and every type's score.
    A long document is judged by its opening (what a reader sees first says what it is)."""
    text = text[:CLASSIFY_CHARS]
    found: dict[str, Any] = features(text, fmt, items, tables)
    folded = text.casefold()

    def search(pattern: str) -> bool:
        regex = patterns.compile(pattern, re.M)
        return may_match(regex, folded) and regex.search(text) is not None

    scores = []
    cue: Cue | Structure
    for name, pf in patterns.types.items():
        rules = pf.classify
        score = Score(name, 0.0, rules.threshold)
        if rules.require_any and not any(search(p) for p in rules.require_any):
            score.blocked = "none of require_any matched"
        for pattern in rules.exclude:
            if search(pattern):
                score.blocked = f"exclude matched: {pattern}"
        for cue in rules.cues:
            if search(cue.pattern):
                score.score += cue.weight
                score.matched.append(f"{cue.pattern} (+{cue.weight:g})")
        for cue in rules.structure:
            value = found.get(cue.feature)
            hit = value == cue.value if cue.feature == "format" else (value or 0) >= cue.min
            if hit:
                score.score += cue.weight
                score.matched.append(f"{cue.feature}{'=' + cue.value if cue.value else f'>={cue.min}'} (+{cue.weight:g})")
        if score.blocked:
            score.score = 0.0
        scores.append(score)
    scores.sort(key=lambda s: (-s.score, -patterns.types[s.doc_type].classify.priority, s.doc_type))
    best = scores[0] if scores else None
    if best is None or best.score < best.threshold:
        return "unknown", scores
    return best.doc_type, scores
