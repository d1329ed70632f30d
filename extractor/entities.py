"""Organisation names in free text: a spaCy EntityRuler on a blank English pipeline.

The ruler holds the reference list of NHS organisations (with and without
'NHS', 'NHS Trust' and 'NHS Foundation Trust', matched case-insensitively) and
the token patterns of ``_vocabulary.yml`` for names the list lacks.  It is built
once per process.  Abbreviations are expanded with the document's own
definitions: 'University Hospitals of North Midlands (UHNM)' defines UHNM.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from .orgs import Organisations
from .patterns import Patterns

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import EntityRuler

_SUFFIXES = re.compile(r"\s+(nhs\s+foundation\s+trust|nhs\s+trust|ccg)$", re.I)
_PRINTED_SUFFIX = re.compile(r"^\s+(?:NHS\s+)?(?:Foundation\s+)?Trust\b|^\s+CCG\b")
_HYPHENATED = re.compile(r"\s+(on|upon|under|le)\s+", re.I)
_DEFINITION = re.compile(
    r"((?:[A-Z][\w'’.-]*\s+(?:(?:of|and|for|the|&)\s+)*){1,10})\(\s*([A-Z][A-Za-z&]{1,9}?)s?\s*\)"
)


@lru_cache(maxsize=4)
def _pipeline(entity_patterns: tuple[Any, ...]) -> Language:
    import spacy

    nlp = spacy.blank("en")
    # Names from the reference list come first; the vocabulary's token patterns then add only
    # names that overlap none of them, so a known name is never swallowed by a looser pattern.
    known = cast("EntityRuler", nlp.add_pipe("entity_ruler", name="reference_names",
                                             config={"phrase_matcher_attr": "LOWER"}))
    names: set[str] = set()
    for name in Organisations.load().names(("ccg", "trust", "nhs_england", "region")):
        for variant in _variants(name):
            if len(variant.split()) >= 2:
                names.add(variant.lower())
    known.add_patterns([{"label": "ORG", "pattern": n, "id": "reference"} for n in sorted(names)])
    shapes = cast("EntityRuler", nlp.add_pipe("entity_ruler", name="name_shapes",
                                              config={"validate": True, "overwrite_ents": False}))
    shapes.add_patterns([dict(p) for p in _thaw(entity_patterns)])
    return nlp


def _skips(abbr: str, initials: str) -> bool:
    """An abbreviation that leaves out some words' initials ('IHT' for Ipswich Hospital NHS Trust,
    'NEAS' for North East Ambulance Service NHS Foundation Trust): same first letter, the rest in order."""
    if len(abbr) < 3 or not initials or abbr[0] != initials[0]:
        return False
    rest = iter(initials[1:])
    return all(letter in rest for letter in abbr[1:])


def _variants(name: str) -> set[str]:
    base = re.sub(r"^(nhs|the)\s+", "", name, flags=re.I)
    bare = _SUFFIXES.sub("", base)
    found = {name, base, bare, re.sub(r"^the\s+", "", bare, flags=re.I)}
    # 'Stoke on Trent' is printed 'Stoke-on-Trent' as often as not
    return found | {_HYPHENATED.sub(r"-\1-", v) for v in found}


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("__list__",) + tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and value[:1] == ("__list__",):
        return [_thaw(v) for v in value[1:]]
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {k: _thaw(v) for k, v in value}
    return value


def warm(patterns: Patterns) -> None:
    """Build the pipeline now (before worker processes are forked, so they share it)."""
    _pipeline(_freeze(patterns.vocabulary.entity_patterns))


class EntityFinder:
    def __init__(self, patterns: Patterns, abbreviations: dict[str, str]):
        self.nlp = _pipeline(_freeze(patterns.vocabulary.entity_patterns))
        self.abbreviations = abbreviations

    @classmethod
    def for_document(cls, patterns: Patterns, text: str) -> EntityFinder:
        finder = cls(patterns, {})
        finder.abbreviations = finder.definitions(text)
        return finder

    def definitions(self, text: str) -> dict[str, str]:
        """Abbreviations the text defines for organisations: {'UHNM': 'University Hospitals of North Midlands'}."""
        found: dict[str, str] = {}
        for m in _DEFINITION.finditer(re.sub(r"\s+", " ", text)):
            words, abbr = m.group(1).split(), m.group(2)
            for start in range(len(words)):
                full = " ".join(words[start:])
                initials = "".join(w[0] for w in words[start:] if w[0].isupper())
                if words[start][0].islower():
                    continue  # 'and the North East ...': the name starts at a capital
                if initials.upper() in (abbr.upper().rstrip("S"), abbr.upper()) or _skips(abbr.upper(), initials):
                    names = self._names(full)
                    if names and names[0][2] == full:
                        found.setdefault(abbr, full)
                    break
        return found

    def _names(self, text: str) -> list[tuple[int, int, str]]:
        doc = self.nlp(text)
        out = []
        for ent in doc.ents:
            end = ent.end_char
            suffix = _PRINTED_SUFFIX.match(text[end:])  # a known short form printed with its suffix
            if suffix:
                end += suffix.end()
            name = re.sub(r"^(the|The)\s+", "", text[ent.start_char:end])
            out.append((end - len(name), end, name))
        return out

    def find(self, text: str) -> list[str]:
        """Organisation names in order of first mention, abbreviations expanded, no repeats."""
        mentions = [(start, name) for start, _, name in self._names(text)]
        for abbr, full in self.abbreviations.items():
            for m in re.finditer(rf"\b{re.escape(abbr)}s?\b", text):
                mentions.append((m.start(), full))
        names: list[str] = []
        for _, name in sorted(mentions):
            name = self.abbreviations.get(name, name)
            if name not in names:
                names.append(name)
        return names
