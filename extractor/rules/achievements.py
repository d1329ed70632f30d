"""Named achievements: list items after an achievements cue, with the organisations they name."""

from __future__ import annotations

from ..entities import EntityFinder
from ..patterns import AchievementList
from .context import Context


def achievement_list(ctx: Context, rule: AchievementList) -> None:
    cues = [ctx.patterns.compile(h.pattern) for h in rule.headings]
    lines = ctx.doc.lines
    finder: EntityFinder | None = None
    taken: set[int] = set()
    for index, line in enumerate(lines):
        if line.kind == "item" or not any(c.search(line.text) for c in cues):
            continue
        j = index + 1
        while j < len(lines) and lines[j].kind == "item":
            if j not in taken:
                finder = finder or EntityFinder.for_document(ctx.patterns, ctx.doc.text)
                taken.add(j)
                text = lines[j].text
                ctx.emit("achievements", rule, lines[j].page, text, ctx.at_line(j),
                         achievement=text, entities="|".join(finder.find(text)))
            j += 1
