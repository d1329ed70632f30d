"""Rule mechanisms: one function per rule ``kind`` of the pattern files.

Each function takes the run's :class:`~extractor.rules.context.Context` and one
rule, and emits records through ``ctx.emit``.  The pattern file decides what to
look for; these functions only know how to read tables, sentences and lists.
"""

from __future__ import annotations

from collections.abc import Callable

from ..patterns import Rule
from .achievements import achievement_list
from .budgets import budget_sentence, budget_table
from .context import Context
from .indicators import indicator_list, indicator_table
from .ratings import group_rating, rating_count, rating_list, rating_sentence, rating_table, stated_total

KINDS: dict[str, Callable[[Context, Rule], None]] = {
    "rating_table": rating_table,
    "rating_sentence": rating_sentence,
    "rating_list": rating_list,
    "group_rating": group_rating,
    "rating_count": rating_count,
    "budget_table": budget_table,
    "budget_sentence": budget_sentence,
    "indicator_table": indicator_table,
    "indicator_list": indicator_list,
    "achievement_list": achievement_list,
    "stated_total": stated_total,  # runs last: it compares what the others found
}


def apply(ctx: Context) -> None:
    """Run every rule of the document's type, in the order of KINDS."""
    rules = ctx.pattern_file.rules if ctx.pattern_file else []
    for kind, function in KINDS.items():
        for rule in rules:
            if rule.kind == kind:
                function(ctx, rule)
