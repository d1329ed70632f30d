"""Turn printed values into canonical ones: whitespace, periods, ratings, counts, money.

Every function here is pure and small so the rules and the tests can share them.
The regular-expression fragments (``PERIOD``, ``RATING``, ``NUMBER``...) are the
placeholders that pattern files use as ``{PERIOD}``, ``{RATING}`` and so on.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from text_to_num import text2num

# ---------------------------------------------------------------- whitespace

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_BULLETS = "\u2022\u25cf\u25aa\u25e6\u2023\u2043\u00b7\uf0b7\uf0a7\uf076\uf0d8\u2013\u2014-*o"


def clean(text: str | None) -> str:
    """Collapse whitespace (non-breaking spaces included) and strip."""
    if not text:
        return ""
    return _SPACES.sub(" ", text).strip()


def strip_bullet(text: str) -> tuple[str, bool]:
    """Remove a leading bullet glyph; return the text and whether one was there."""
    stripped = text.lstrip()
    if stripped[:1] and stripped[0] in _BULLETS[:-3] and stripped[1:2] in (" ", "\t", ""):
        return stripped[1:].strip(), True
    if re.match(r"[\-\*o]\s", stripped):
        return stripped[2:].strip(), True
    return text.strip(), False


# Words printed with a hyphen that stays when a line breaks after it.
_KEEP_HYPHEN_PREFIXES = {
    "post", "pre", "non", "anti", "co", "self", "multi", "cross", "well", "long",
    "short", "high", "low", "year", "day", "month", "one", "two", "three", "four",
    "five", "six", "seven", "first", "second", "third", "e", "sub", "inter", "over",
    "under", "out", "in", "on", "end", "top", "semi", "mid", "ex", "x", "re",
}


def join_broken_lines(lines: list[str], vocabulary: set[str] | None = None) -> str:
    """Join wrapped lines into one, undoing hyphenation only where a word was broken.

    ``post-`` + ``diagnostic`` keeps its hyphen (a printed compound);
    ``mainte-`` + ``nance`` becomes ``maintenance``.  ``vocabulary`` holds the
    lower-case words of the whole document: when the joined word occurs there,
    the break was a line-end hyphenation; when the hyphenated form occurs, the
    hyphen is printed.
    """
    out = ""
    for raw in lines:
        part = clean(raw)
        if not part:
            continue
        if not out:
            out = part
            continue
        if out.endswith("-") and not out.endswith(" -"):
            out = out[:-1] + _hyphen_join(out[:-1], part, vocabulary or set())
        else:
            out = f"{out} {part}"
    return out


def _hyphen_join(left: str, right: str, vocabulary: set[str]) -> str:
    head = re.search(r"([A-Za-z]+)$", left)
    tail = re.match(r"([A-Za-z]+)", right)
    if not head or not tail:
        return "-" + right
    first, second = head.group(1), tail.group(1)
    joined = (first + second).lower()
    if joined in vocabulary and f"{first}-{second}".lower() not in vocabulary:
        return right
    if second[0].isupper() or left.rstrip()[-len(first) - 1 : -len(first)] == "-":
        return "-" + right
    if first.lower() in _KEEP_HYPHEN_PREFIXES or f"{first}-{second}".lower() in vocabulary:
        return "-" + right
    return right


# ---------------------------------------------------------------- periods

PERIOD = r"(?:20\d\d|19\d\d)\s*(?:/|-|–|—|to)\s*(?:(?:20|19)\d\d|\d\d)(?!\d)"
_PERIOD_PARTS = re.compile(r"((?:20|19)\d\d)\s*(?:/|-|–|—|to)\s*((?:20|19)?\d\d)(?!\d)")


def period(text: str | None) -> str:
    """``2018-19``, ``2018/2019`` or ``2018/19`` -> ``2018/19``; anything else -> ''."""
    if not text:
        return ""
    m = _PERIOD_PARTS.search(text)
    if not m:
        return ""
    start, end = int(m.group(1)), m.group(2)
    end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    if end_year != start + 1:
        return ""
    return f"{start}/{end_year % 100:02d}"


# ---------------------------------------------------------------- ratings

RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")
RAG = ("green_star", "green", "amber", "red")
RATING = (r"(?i:outstanding|good|requires?\s+improvement|requir(?:ing|ed)\s+improvement|inadequate"
          r"|green\s+star|green|amber|red)|\bRI\b")
_RATING_RE = re.compile(rf"\b({RATING})\b")
_ORDER = {name: i for i, name in enumerate(reversed(RATINGS))} | {
    name: i for i, name in enumerate(reversed(RAG))
}


def rating(text: str | None) -> str:
    """The canonical rating named in ``text`` (``'Requires  Improvement'`` -> ``requires_improvement``,
    ``RI`` and 'required improvement' too, ``'Green Star'`` -> ``green_star``)."""
    if not text:
        return ""
    m = _RATING_RE.search(text)
    if not m:
        return ""
    word = re.sub(r"\s+", "_", m.group(1).lower())
    if word == "ri" or word.endswith("_improvement"):
        return "requires_improvement"
    return word


def direction(previous: str, current: str) -> str:
    """``improved``/``declined``/``unchanged`` from two ratings on the same scale."""
    if not previous or not current:
        return ""
    if (previous in RAG) != (current in RAG):
        return ""
    a, b = _ORDER[previous], _ORDER[current]
    return "improved" if b > a else "declined" if b < a else "unchanged"


# ---------------------------------------------------------------- counts

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
NUMBER = (
    r"(?i:\d[\d,]*|(?:%s)(?:[-\s](?:%s))?|%s|a\s+hundred)"
    % ("|".join(_TENS), "|".join(_UNITS[1:10]), "|".join(reversed(_UNITS)))
)


def count(text: str | None) -> int | None:
    """``'Sixty-three'`` -> 63, ``'24'`` -> 24; ``None`` when not a number."""
    if not text:
        return None
    words = clean(text).lower().replace(",", "")
    if words.isdigit():
        return int(words)
    try:
        return int(text2num(words.replace("-", " "), "en"))
    except (ValueError, TypeError):
        return None


# ---------------------------------------------------------------- money

_UNIT_WORDS = {
    "bn": 10**9, "billion": 10**9, "b": 10**9,
    "m": 10**6, "mn": 10**6, "million": 10**6, "millions": 10**6,
    "k": 10**3, "000": 10**3, "'000": 10**3, "000s": 10**3, "'000s": 10**3,
    "thousand": 10**3, "thousands": 10**3,
}
UNIT = re.compile(
    r"£\s*(?:'|’)?\s*(000s?|k|m|mn|bn|millions?|billions?|thousands?)\b|"
    r"\b(?:in\s+)?(millions|thousands|billions)\s+of\s+pounds|"
    r"\(\s*£\s*(?:'|’)?(000s?|k|m|mn|bn)\s*\)",
    re.I,
)
MINUS = "-\u2010\u2011\u2012\u2013\u2014\u2212"
AMOUNT = re.compile(
    rf"(?P<neg>[{MINUS}]\s*)?(?P<open>\()?\s*(?P<neg2>[{MINUS}]\s*)?£?\s*(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)"
    r"\s*(?P<unit>bn|billion|m\b|mn\b|million|k\b|thousand)?\s*(?P<close>\))?"
    r"(?:\s*(?P<word>over-?\s?spend|over-?\s?spent|deficit|under-?\s?spend|under-?\s?spent|surplus|dr|cr)\b)?",
    re.I,
)
NEGATIVE_WORDS = {"overspend", "overspent", "deficit", "dr"}
_NEGATIVE_BEFORE = re.compile(r"(?i)\b(?:over-?\s?spend|over-?\s?spent\s+by|deficit)(?:\s+of)?\s*$")


def unit_multiplier(text: str | None) -> int | None:
    """The multiplier a unit statement declares (``£'000`` -> 1000, ``(£m)`` -> 10**6)."""
    if not text:
        return None
    m = UNIT.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g).lower().replace("’", "'")
    return _UNIT_WORDS.get(word, _UNIT_WORDS.get(word.rstrip("s")))


_NIL = re.compile(r"(?i)nil|£?\s*nil")
_UNIT_MARK = re.compile(r"\(?£\s*'?\s*(?:000s?|k|m|mn|bn)\)?(?![\w.,])", re.I)


def money(text: str | None, multiplier: int = 1) -> tuple[int, int] | None:
    """Parse one printed amount into whole pounds and the value of its last printed digit.

    ``'-£21,686'`` with multiplier 1000 -> (-21686000, 1000); ``'(21.7)'`` with
    10**6 -> (-21700000, 100000); ``'£16.4 billion'`` -> (16400000000, 10**8).
    Returns ``None`` when the text holds no amount (``'-'``, ``'######'``, words).
    """
    cell = _UNIT_MARK.sub(" ", clean(text).replace("’", "'")).strip()  # 'Budget £000s' is a header, not £0
    if not cell or "#" in cell or "%" in cell:
        return None  # a percentage is not an amount
    if _NIL.fullmatch(cell):
        return 0, multiplier
    m = AMOUNT.search(cell)
    if not m or re.search(r"\d", cell[: m.start()] + cell[m.end() :]):
        return None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    unit = m.group("unit")
    scale = _UNIT_WORDS[unit.lower()] if unit else multiplier
    decimals = len(m.group("num").split(".")[1]) if "." in m.group("num") else 0
    negative = bool(m.group("neg") or m.group("neg2") or (m.group("open") and m.group("close")))
    if re.sub(r"[-\s]", "", m.group("word") or "").lower() in NEGATIVE_WORDS or _NEGATIVE_BEFORE.search(cell[: m.start()]):
        negative = True
    pounds = int((value * scale).to_integral_value())
    step = max(1, int(Decimal(scale) / (Decimal(10) ** decimals)))
    return (-pounds if negative else pounds), step


def arithmetic(budget: int | None, expenditure: int | None, variance: int | None, step: int) -> str:
    """``ok`` when budget - expenditure = variance within half a unit of the last printed digit."""
    if budget is None or expenditure is None or variance is None:
        return ""
    return "ok" if abs(budget - expenditure - variance) <= step / 2 else "mismatch"


# ---------------------------------------------------------------- dates

_MONTHS = "january february march april may june july august september october november december".split()
DATE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(%s)\s+((?:19|20)\d\d)\b" % "|".join(_MONTHS), re.I
)


def date(text: str | None) -> str:
    """``'19 July 2019'`` -> ``2019-07-19``; ISO dates pass through; else ''."""
    if not text:
        return ""
    iso = re.search(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b", text)
    if iso:
        return iso.group(0)
    m = DATE.search(text)
    if not m:
        return ""
    return f"{m.group(3)}-{_MONTHS.index(m.group(2).lower()) + 1:02d}-{int(m.group(1)):02d}"


def financial_year(iso_date: str) -> tuple[int, int]:
    """The financial year a date falls in, as its first calendar year, and the quarter (1-4):
    ``2019-07-12`` -> (2019, 2); ``2020-02-01`` -> (2019, 4)."""
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    return (year if month >= 4 else year - 1), ((month - 4) % 12) // 3 + 1


def fold(text: str) -> str:
    """The comparison form of the schema: case-folded, dashes and quotes plain, '&' as 'and'."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"[-\u2010-\u2015\u2212]", " ", text)
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("&", " and ")
    text = clean(text).casefold()
    return text[:-1].rstrip() if text.endswith(".") else text
