"""Rule mechanisms: one function per rule ``kind`` of the rule library.

Each function takes the run's :class:`~extractor.rules.context.Context` and one
rule, and emits records through ``ctx.emit``.  The rule library decides what to
look for; these functions only know how to read tables, sentences and lists.
Every rule runs on every document: the document's type only adds context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .achievements import achievement_list
from .budgets import budget_sentence, budget_table
from .context import Context
from .indicators import indicator_list, indicator_table
from .ratings import group_rating, rating_count, rating_list, rating_sentence, rating_table, stated_total
from .segments import segment_statement, segment_table
from .statements import count_statement, rating_statement

KINDS: dict[str, Callable[[Context, Any], None]] = {
    "rating_table": rating_table,
    "rating_sentence": rating_sentence,
    "rating_statement": rating_statement,
    "rating_list": rating_list,
    "group_rating": group_rating,
    "count_statement": count_statement,  # before rating_count: its rows win where both read a count
    "rating_count": rating_count,
    "budget_table": budget_table,
    "budget_sentence": budget_sentence,
    "indicator_table": indicator_table,
    "indicator_list": indicator_list,
    "achievement_list": achievement_list,
    "segment_statement": segment_statement,  # NHS Oversight Framework segments and ranks (issue 20)
    "segment_table": segment_table,
    "stated_total": stated_total,  # runs last: it compares what the others found
}


def apply(ctx: Context, only: str | None = None) -> None:
    """Run the document's rules (or only the rule with id ``only``), in the order of KINDS."""
    rules = [r for r in ctx.rules if only is None or r.id == only]
    for kind, function in KINDS.items():
        for rule in rules:
            if rule.kind == kind:
                function(ctx, rule)
