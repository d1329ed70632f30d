"""Cheap prefilters for regular expressions: the literal words a match must contain.

Python's ``re`` scans fast only for a pattern that starts with a literal; cues
such as ``(?i)\\bbulletin\\b`` or rules that start with a placeholder try every
position of the text.  ``needles(regex)`` reads the pattern's parse tree for a
set of strings at least one of which every match contains; when none of them
is in the (case-folded) text, the regex need not run.  The answer is only ever
"cannot match" or "try it", so the results are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast

try:  # the parser moved in Python 3.11; both spellings are the standard library's own
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse

_MIN_LENGTH = 3  # shorter needles occur everywhere and save nothing
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT} | (
    {sre_parse.POSSESSIVE_REPEAT} if hasattr(sre_parse, "POSSESSIVE_REPEAT") else set()
)


def _required(items: Iterable[tuple[Any, Any]]) -> list[frozenset[str]]:
    """Each element is a set of strings of which a match holds at least one."""
    found: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append(frozenset(["".join(run)]))
            run.clear()

    for op, arg in items:
        if op is sre_parse.LITERAL:
            run.append(chr(arg))
            continue
        flush()
        if op is sre_parse.SUBPATTERN:
            found.extend(_required(arg[-1]))
        elif op is sre_parse.BRANCH:
            options = [_best(_required(branch)) for branch in arg[1]]
            if all(options):
                found.append(frozenset().union(*cast(list[frozenset[str]], options)))
        elif op in _REPEATS and arg[0] >= 1:
            found.extend(_required(arg[2]))
    flush()
    return found


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    usable = [
        frozenset(s.casefold() for s in c) for c in candidates
        if c and all(s.isascii() and len(s.strip()) >= _MIN_LENGTH for s in c)
    ]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(len(s) for s in c), -len(c)))


@lru_cache(maxsize=4096)
def needles(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Case-folded strings one of which every match of ``regex`` contains; None when unknown."""
    try:
        tree = sre_parse.parse(regex.pattern, regex.flags)
    except Exception:  # an unusual construct: no prefilter, the regex runs as written
        return None
    return _best(_required(list(tree)))


def candidates(regex: re.Pattern[str], folded_lines: list[str]) -> set[int] | range:
    """Indexes of the lines (given case-folded) in which ``regex`` may match."""
    found = needles(regex)
    if found is None:
        return range(len(folded_lines))
    return {i for needle in found for i, line in enumerate(folded_lines) if needle in line}


def may_match(regex: re.Pattern[str], folded_text: str) -> bool:
    """False only when ``regex`` cannot match the text whose ``str.casefold()`` is given."""
    found = needles(regex)
    return found is None or any(n in folded_text for n in found)
