"""The reference list of NHS organisations (``data/organisations.csv``, see its SOURCES.md).

Names are matched after normalising (case, '&', 'NHS', 'CCG', punctuation), with
the period deciding between a CCG and its successor; a fuzzy fallback takes a
name only at or above ``FUZZY_THRESHOLD`` and only when one organisation is
that close.  Loaded once per process.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

FUZZY_THRESHOLD = 92.0
_DROP = re.compile(
    r"\b(nhs|ccg|ccgs|clinical commissioning groups?|the|foundation|trust)\b", re.I
)


def norm(name: str) -> str:
    """``'NHS Stoke-on-Trent CCG'`` and ``'Stoke on Trent CCG'`` -> ``'stokeontrent'``."""
    text = name.lower().replace("&", " and ").replace("’", "'")
    text = _DROP.sub(" ", text)
    return re.sub(r"[^a-z0-9]", "", text)


class Organisations:
    def __init__(self, rows: list[dict[str, str]]):
        self.rows = rows
        self._by_name: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            self._by_name.setdefault(norm(row["name"]), []).append(row)
        self._names = sorted(self._by_name)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> Organisations:
        path = resources.files("extractor.data") / "organisations.csv"
        # the Traversable stub has no newline argument; pathlib.Path and zipfile.Path take it
        with path.open(encoding="utf-8", newline="") as fh:  # type: ignore[call-overload]
            return cls(list(csv.DictReader(fh)))

    def code(self, name: str, period: str = "", kinds: tuple[str, ...] = ("ccg", "trust", "nhs_england", "region")) -> str:
        """The ODS code of ``name`` in ``period``; '' when the list does not know it."""
        key = norm(name)
        if not key:
            return ""
        candidates = [r for r in self._by_name.get(key, []) if r["kind"] in kinds]
        if not candidates:
            best = process.extract(key, self._names, scorer=fuzz.ratio, limit=2, score_cutoff=FUZZY_THRESHOLD)
            if len(best) != 1:
                return ""
            candidates = [r for r in self._by_name[best[0][0]] if r["kind"] in kinds]
        return _pick(candidates, period)

    def is_known(self, name: str) -> bool:
        return norm(name) in self._by_name

    def names(self, kinds: tuple[str, ...]) -> list[str]:
        return sorted({r["name"] for r in self.rows if r["kind"] in kinds})


def _pick(candidates: list[dict[str, str]], period: str) -> str:
    codes = {r["code"] for r in candidates}
    if len(codes) == 1:
        return codes.pop()
    if period:
        in_period = {r["code"] for r in candidates if period in r["periods"].split()}
        if len(in_period) == 1:
            return in_period.pop()
        year = period[:4]
        open_then = {
            r["code"] for r in candidates
            if (r["open_date"] or "0") <= f"{year}0401" and (not r["close_date"] or r["close_date"] >= f"{year}0401")
        }
        if len(open_then) == 1:
            return open_then.pop()
    return ""


def split_names(text: str, orgs: Organisations, suffix: str = "CCG") -> list[str]:
    """Split a printed list of organisations into names.

    ``'Leeds West CCG, Leeds North CCG, and Leeds South and East CCG'`` splits
    after each 'CCG'; ``'North Staffordshire and Stoke on Trent CCGs'`` shares
    one plural suffix, so each place gets its own 'CCG'.  Pieces are rejoined
    where only the joined name is a known organisation
    (``'Leeds South' + 'East'`` -> ``'Leeds South and East CCG'``).
    """
    text = re.sub(r"\s+", " ", text).strip().rstrip(",")
    plural = re.search(rf"\b{suffix}s\b\s*$", text)
    if not plural:
        parts = [p for p in re.split(rf"(?<=\b{suffix})(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+)", text) if p]
        return [p.strip() for p in parts]
    body = text[: plural.start()].strip()
    pieces = [p for p in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", body) if p]
    names: list[str] = []
    i = 0
    while i < len(pieces):
        if i + 1 < len(pieces):
            joined = f"{pieces[i]} and {pieces[i + 1]} {suffix}"
            if orgs.is_known(joined) and not orgs.is_known(f"{pieces[i]} {suffix}"):
                names.append(joined)
                i += 2
                continue
        names.append(f"{pieces[i]} {suffix}")
        i += 1
    return names


# Sentence openers and determiners a name shape sweeps up: 'Meanwhile Medway CCG', 'The three CCGs'.
_LEADING = re.compile(r"^(?:(?:The|This|That|These|Those|A|An|Our|Your|Its|Their|Each|Every|All|Both|Other|Local|"
                      r"Neighbouring|Neighboring|Further|Among|Separately|Next|Nationally|Meanwhile|However|But|And|"
                      r"In|For|At|Of|By|Across|Around|Four|Five|Six|Seven|Three|Two|Ten|Only)\s+)+")


def trim_name(orgs: Organisations, name: str) -> str:
    """Drop what a name shape swept up before the name itself: a person and a comma
    ('Jane Smith, Hull CCG'), a sentence adverb ('Elsewhere Darlington CCG'), words before 'NHS'.
    The reference list decides where a known name starts; otherwise the last comma-free part
    is kept unless the whole is a known name."""
    name = _LEADING.sub("", name.strip("‘’'\"“” "))
    if re.search(r"(?i)(?:CCGs|Groups)$", name):
        return name  # places sharing one plural: split later
    if orgs.code(name, "", ("ccg",)):
        return name
    words = name.split()
    for i in range(1, len(words) - 1):
        tail = " ".join(words[i:])
        if orgs.code(tail, "", ("ccg",)):
            return tail
    if "NHS " in name[1:] and not name.startswith("NHS"):
        name = name[name.index("NHS "):]
    if "," in name and not re.search(r"(?:CCGs|Groups)$", name):
        name = name.rsplit(",", 1)[1].strip()
    return name
