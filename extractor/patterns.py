"""The rule library and the document types, read from YAML and validated strictly.

Two kinds of file live in a pattern folder:

* **library files** (``library/*.yml``) hold ``rules``, grouped by what a rule
  reads (rating statements, rating tables, counts, budget tables, budget prose,
  indicators, achievements).  Every rule runs on every document.
* **type files** (``board_paper.yml``...) hold a document type's ``classify`` cues
  and ``context`` (where periods and scopes are stated), and may add rules, or
  override a library rule by its id, for documents of that type only, or
  ``disable`` one.

``_vocabulary.yml`` holds what all share: the placeholders (``{ORG}``,
``{RATING}``...) that patterns may use, the assessment names, the base context
and the spaCy patterns for organisation names.

Each rule ``kind`` has its own schema (a discriminated union): an unknown or
misspelt key is an error.  Loading reports every error of every file at once, as
``file:line rule-id: key: what is wrong``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from . import normalise

RULE_KINDS = (
    "rating_table", "rating_statement", "rating_sentence", "rating_list", "group_rating", "rating_count",
    "count_statement", "stated_total", "budget_table", "budget_sentence", "indicator_table", "indicator_list",
    "achievement_list", "segment_statement", "segment_table",
)
SETTABLE = Literal["rating", "previous_rating", "direction"]


class PatternFileError(Exception):
    """Pattern files that cannot be used; the message lists every error, one a line."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- classification and context

class Cue(Strict):
    pattern: str
    weight: float = 1.0


class Structure(Strict):
    feature: Literal["numbered_paragraphs", "list_items", "tables", "format"]
    min: int = 1
    value: str = ""
    weight: float = 1.0


class Classify(Strict):
    threshold: float = 3.0
    require_any: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list)
    structure: list[Structure] = Field(default_factory=list)
    priority: int = 0


class Context(Strict):
    period: list[str] = Field(default_factory=list)
    scope: list[str] = Field(default_factory=list)
    default_scope: str = ""


# ---------------------------------------------------------------- examples

class Example(Strict):
    """A short text (or table) written for the project and the rows a rule must give from it.

    ``text`` is read line by line: ``# `` starts a heading, ``- `` a list item.
    ``rows`` maps a table name to its expected rows (only the columns given are compared).
    """

    text: str = ""
    table: list[list[str]] = Field(default_factory=list)
    caption: str = ""
    title: str = ""
    published: str = ""
    doc_type: str = "unknown"
    rows: dict[str, list[dict[str, str | int]]] = Field(default_factory=dict)


# ---------------------------------------------------------------- rule kinds

class Heading(Strict):
    pattern: str
    set: dict[SETTABLE, str] = Field(default_factory=dict)


class RuleBase(Strict):
    id: str
    description: str = ""
    examples: list[Example] = Field(default_factory=list)
    counter_examples: list[Example] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError("rule id must be lower_snake_case")
        return value

    @field_validator("counter_examples", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return [{"text": v} if isinstance(v, str) else v for v in value or []]

    def regexes(self) -> Iterator[tuple[str, str]]:
        """(place, pattern) for every regular expression the rule holds."""
        data = self.model_dump(exclude={"examples", "counter_examples", "id", "description", "kind"})
        yield from _strings(data, "")


class SentenceRule(RuleBase):
    patterns: list[str] = Field(min_length=1)


class RatingSentence(SentenceRule):
    kind: Literal["rating_sentence"]
    set: dict[SETTABLE, str] = Field(default_factory=dict)


class RatingStatement(RuleBase):
    """Ratings read by their parts: each rating mention in a sentence that also holds a
    rating cue is linked to its organisation, area, period and movement."""

    kind: Literal["rating_statement"]
    cues: list[str] = Field(min_length=1, description="a rating is stated only where one of these matches")
    guards: list[str] = Field(default_factory=list, description="a sentence matching one of these gives no row")
    rating_only: list[str] = Field(default_factory=list, description="phrases that state a rating of the subject")
    movement: dict[str, list[str]] = Field(default_factory=dict)
    subjects: list[str] = Field(default_factory=list, description="words that refer back to the organisation")
    lead_in: list[str] = Field(default_factory=list, description="lines that introduce 'Area – Rating' items")
    history: list[str] = Field(default_factory=list, description="a 'Year Rating Year Rating' history header")
    not_ratings: list[str] = Field(default_factory=list, description="a rating word used as a plain adjective")
    not_areas: list[str] = Field(default_factory=list, description="after a rating: what it rates is not the CCG")
    period_breaks: list[str] = Field(default_factory=list, description=(
        "between a rating and a later year: the year belongs to something else (a plan, a budget)"))
    engagement: str = Field("", description="a colour rates engagement only where this matches nearby")


class CountStatement(RuleBase):
    """Counts of organisations by rating read by their parts: numbers linked to ratings."""

    kind: Literal["count_statement"]
    cues: list[str] = Field(min_length=1)
    guards: list[str] = Field(default_factory=list)
    transitions: list[str] = Field(default_factory=list)


class GroupRating(SentenceRule):
    kind: Literal["group_rating"]


class RatingCount(SentenceRule):
    kind: Literal["rating_count"]


class StatedTotal(SentenceRule):
    kind: Literal["stated_total"]
    compare: str


def _groups(*names: str) -> Callable[[Any, Any], Any]:
    """A validator: each pattern of the field names these groups."""
    def check(cls: Any, value: Any) -> Any:
        for pattern in [value] if isinstance(value, str) else value:
            missing = [n for n in names if pattern and f"(?P<{n}>" not in pattern]
            if missing:
                raise ValueError(f"pattern needs a group named '{missing[0]}': (?P<{missing[0]}>...)")
        return value
    return check


class Owned(Strict):
    """Budget rules read a report of one NHS body: whose it is, and the period it covers."""

    owners: list[str] = Field(default_factory=list, description=(
        "the NHS body whose report it is, found by these in the title and first lines (group 'org'); "
        "none found (a parish council, a charity), no row"))
    periods: list[str] = Field(default_factory=list, description="the report's period (group 'period')")
    _owners = field_validator("owners")(classmethod(_groups("org")))
    _periods = field_validator("periods")(classmethod(_groups("period")))


class BudgetSentence(SentenceRule, Owned):
    kind: Literal["budget_sentence"]


class HeadedList(RuleBase):
    headings: list[Heading] = Field(min_length=1)


class RatingList(HeadedList):
    kind: Literal["rating_list"]


class AchievementList(HeadedList):
    kind: Literal["achievement_list"]


class RatingHeaders(Strict):
    organisation: str
    rating: str
    previous: str = ""


class BudgetHeaders(Strict):
    organisation: str
    budget: str
    expenditure: str
    variance: str
    line: str = ""
    total: str = r"(?i)^\s*total\b"
    subtotal: str = Field("", description="a sub-total row: its own row, left out of the total's check")
    year_to_date: str = Field("", description="a year-to-date column: used only when no other column matches")


class IndicatorHeaders(Strict):
    indicator: str
    area: str
    domain: str = ""


class Framework(Strict):
    pattern: str = ""
    totals: str = ""


class TableRule(RuleBase):
    page_cues: list[str] = Field(default_factory=list)


class RatingTable(TableRule):
    kind: Literal["rating_table"]
    headers: RatingHeaders


class BudgetTable(TableRule, Owned):
    kind: Literal["budget_table"]
    headers: BudgetHeaders


class IndicatorTable(TableRule):
    kind: Literal["indicator_table"]
    headers: IndicatorHeaders
    domains: list[str] = Field(min_length=1)
    framework: str = Field(description="a framework named in the vocabulary")


class IndicatorList(HeadedList):
    kind: Literal["indicator_list"]
    entries: str = Field("", description=(
        "a contents entry (groups 'code', 'name'): when set, the lines after the heading are read as a "
        "contents list, an entry naming a domain opens it"))
    _entries = field_validator("entries")(classmethod(_groups("name")))
    domains: list[str] = Field(min_length=1)
    framework: str = Field(description="a framework named in the vocabulary")


# ---------------------------------------------------------------- oversight segments (issue 20)

SEGMENT_MOVES = Literal["improved", "declined", "unchanged"]


class SegmentStatement(RuleBase):
    """NHS Oversight Framework segments and league-table ranks read by their parts: each segment
    or rank mention is linked to the organisation before it, its quarter, its previous segment,
    the peer group and the average metric score of its sentence."""

    kind: Literal["segment_statement"]
    cues: list[str] = Field(min_length=1, description="a segment or rank is stated only where one of these matches")
    guards: list[str] = Field(default_factory=list, description="a sentence matching one of these gives no row")
    clause_guards: list[str] = Field(default_factory=list, description="a clause matching one of these gives no row")
    organisations: list[str] = Field(min_length=1, description="names of trusts and ICBs, group 'org'")
    leading: str = Field("", description="words that open a sentence, not a name (dropped from a name's start)")
    subjects: list[str] = Field(default_factory=list, description="words that refer back to the organisation")
    others: list[str] = Field(default_factory=list, description="bodies that are not one named organisation")
    segment: list[str] = Field(min_length=1, description="a segment mention, group 'segment'")
    recovery: list[str] = Field(default_factory=list, description="phrases that place an organisation in segment 5")
    previous_before: list[str] = Field(default_factory=list, description="words before a segment that make it the previous one")
    previous_after: list[str] = Field(default_factory=list, description="words after a segment that make it the previous one")
    unchanged: list[str] = Field(default_factory=list, description="a segment kept: the previous segment is the same")
    rank: list[str] = Field(default_factory=list, description="a rank, groups 'rank' and optional 'rank_of'")
    previous_rank: list[str] = Field(default_factory=list, description="an earlier rank, group 'previous_rank'")
    rank_context: list[str] = Field(default_factory=list,
                                    description="a rank counts only where one of these matches its sentence or the lines before")
    score: list[str] = Field(default_factory=list, description="an average metric score, group 'score'")
    movement: dict[SEGMENT_MOVES, list[str]] = Field(default_factory=dict, description="words that state a move")
    frameworks: dict[str, list[str]] = Field(default_factory=dict, description="framework -> how documents name it")
    peer_groups: dict[str, list[str]] = Field(default_factory=dict, description="peer group -> how documents name it")


class SegmentHeaders(Strict):
    organisation: str
    segment: str = ""
    previous: str = ""
    rank: str = ""
    score: str = ""
    peer_group: str = ""
    period: str = Field("", description="a first column of quarters: a history of the document's organisation")


class SegmentTable(TableRule):
    """League tables (a row per organisation) and segment histories (a row per quarter)."""

    kind: Literal["segment_table"]
    headers: SegmentHeaders
    statement: str = Field("segment_parts", description="the segment_statement rule whose words this table uses")


Rule = Annotated[
    RatingTable | RatingStatement | RatingSentence | RatingList | GroupRating | RatingCount | CountStatement
    | StatedTotal | BudgetTable | BudgetSentence | IndicatorTable | IndicatorList | AchievementList
    | SegmentStatement | SegmentTable,
    Field(discriminator="kind"),
]
AnyRule = (RatingTable | RatingStatement | RatingSentence | RatingList | GroupRating | RatingCount | CountStatement
           | StatedTotal | BudgetTable | BudgetSentence | IndicatorTable | IndicatorList | AchievementList
           | SegmentStatement | SegmentTable)


class LibraryFile(Strict):
    description: str = ""
    rules: list[Rule] = Field(default_factory=list)


class TypeFile(Strict):
    doc_type: str
    label: str = ""
    classify: Classify
    context: Context = Field(default_factory=Context)
    rules: list[Rule] = Field(default_factory=list, description="added, or overriding a library rule by id")
    disable: list[str] = Field(default_factory=list, description="library rule ids not run on this type")
    path: str = ""


class Vocabulary(Strict):
    placeholders: dict[str, str]
    assessments: dict[str, str]
    context: Context = Field(default_factory=Context)
    frameworks: dict[str, Framework] = Field(default_factory=dict)
    entity_patterns: list[dict[str, Any]] = Field(default_factory=list)


_RULE = TypeAdapter(Rule)


# ---------------------------------------------------------------- the loaded set

class Patterns:
    """The built-in rule library and types, plus (or, with ``only=True``, instead of)
    the pattern files or folders given; compiled once."""

    def __init__(self, folder: Path | str | None = None, extra: Iterable[Path | str] = (),
                 doc_type: str | None = None, ocr: str = "auto"):
        self.folder = Path(folder) if folder else builtin_folder()
        self.forced_type = doc_type or ""  # run settings travel with the rules to every worker and the cache key
        self.ocr = ocr
        self.sources = [self.folder, *[Path(p) for p in extra]]
        errors: list[str] = []
        files: list[Path] = []
        for source in self.sources:
            if source.is_dir():
                files += sorted(p for p in source.rglob("*.yml") if not p.name.startswith("_"))
            elif source.is_file():
                files.append(source)
            else:
                errors.append(f"{source}: pattern file or folder not found")
        self.files = files
        self.vocabulary = self._vocabulary(errors)
        self.placeholders = dict(self.vocabulary.placeholders)
        self.placeholders.update(PERIOD=normalise.PERIOD, RATING=normalise.RATING, NUMBER=normalise.NUMBER)
        self._cache: dict[str, re.Pattern[str]] = {}
        self.library: dict[str, AnyRule] = {}
        self.group: dict[str, str] = {}  # rule id -> the library file it comes from
        self.types: dict[str, TypeFile] = {}
        for path in files:
            self._load(path, errors)
        if not self.types and not errors:
            errors.append(f"no document types (*.yml with doc_type) in {', '.join(map(str, self.sources))}")
        if self.forced_type and self.forced_type not in self.types and self.forced_type != "unknown":
            errors.append(f"--type {self.forced_type}: no such document type (known: {', '.join(sorted(self.types))})")
        if errors:
            raise PatternFileError("\n".join(errors))
        self.assessment_res = [(self.compile(k, re.I), v) for k, v in self.vocabulary.assessments.items()]

    # ------------------------------------------------------------ loading

    def _vocabulary(self, errors: list[str]) -> Vocabulary:
        merged: dict[str, Any] = {}
        candidates = [builtin_folder() / "_vocabulary.yml"] + [
            s / "_vocabulary.yml" for s in self.sources if s.is_dir()]
        for path in dict.fromkeys(candidates):
            if not path.exists():
                continue
            data, _ = _read(path, errors)
            for key, value in (data or {}).items():
                if isinstance(value, dict) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
        try:
            return Vocabulary(**merged)
        except ValidationError as exc:
            errors += [f"_vocabulary.yml: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
            return Vocabulary(placeholders={}, assessments={})

    def _load(self, path: Path, errors: list[str]) -> None:
        data, lines = _read(path, errors)
        if data is None:
            return
        before = len(errors)
        raw_rules: list[Any] = data["rules"] if isinstance(data.get("rules"), list) else []
        rules: list[AnyRule] = []
        for i, raw in enumerate(raw_rules):
            rule_id = raw.get("id", f"rules.{i}") if isinstance(raw, dict) else f"rules.{i}"
            try:
                rules.append(_RULE.validate_python(raw))
            except ValidationError as exc:
                for e in exc.errors():
                    loc = [p for p in e["loc"] if p not in RULE_KINDS]
                    message = e["msg"]
                    if e["type"] in ("union_tag_invalid", "union_tag_not_found"):
                        loc, message = ["kind"], f"not a rule kind; the kinds are {', '.join(RULE_KINDS)}"
                    line = lines.get(("rules", i, *loc[:1]), lines.get(("rules", i), 0))
                    errors.append(f"{path.name}:{line} {rule_id}: {_loc(loc) or 'rule'}: {message}")
        head = {k: v for k, v in data.items() if k != "rules"}
        model: type[TypeFile] | type[LibraryFile] = TypeFile if "doc_type" in data else LibraryFile
        try:
            parsed = model(**head, **cast(dict[str, Any], {"path": str(path)} if model is TypeFile else {}))
        except ValidationError as exc:
            for e in exc.errors():
                line = lines.get(tuple(e["loc"][:1]), 0)
                errors.append(f"{path.name}:{line} {_loc(e['loc'])}: {e['msg']}")
            return
        if len(errors) > before:
            return
        for rule in rules:
            for where, pattern in rule.regexes():
                self._check_regex(path, f"{rule.id}: {where}", pattern, errors)
            framework = getattr(rule, "framework", None)
            if framework is not None and framework not in self.vocabulary.frameworks:
                errors.append(f"{path.name}: {rule.id}: framework: '{framework}' is not named in _vocabulary.yml")
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                errors.append(f"{path.name}:{lines.get(('rules', rules.index(rule)), 0)} {rule.id}: id is used twice")
            seen.add(rule.id)
        if isinstance(parsed, TypeFile):
            parsed.rules = rules
            if parsed.doc_type in self.types and Path(self.types[parsed.doc_type].path).parent == path.parent:
                errors.append(f"{path.name}: doc_type '{parsed.doc_type}' is defined twice")
            cues = [c.pattern for c in parsed.classify.cues] + parsed.classify.require_any + parsed.classify.exclude
            for pattern in cues + parsed.context.period + parsed.context.scope:
                self._check_regex(path, "classify/context", pattern, errors)
            self.types[parsed.doc_type] = parsed
            return
        for rule in rules:
            if rule.id not in self.library:
                self.group[rule.id] = path.stem
            self.library[rule.id] = rule  # a later file overrides a built-in rule with the same id

    def _check_regex(self, path: Path, where: str, pattern: str, errors: list[str]) -> None:
        unknown = set(re.findall(r"\{([A-Z_]+)\}", pattern)) - set(self.placeholders)
        if unknown:
            errors.append(f"{path.name}: {where}: unknown placeholder {{{sorted(unknown)[0]}}}")
            return
        try:
            self.compile(pattern)
        except re.error as exc:
            errors.append(f"{path.name}: {where}: bad regular expression: {exc}")

    # ------------------------------------------------------------ use

    def rules_for(self, doc_type: str) -> list[AnyRule]:
        """Every library rule (less the type's disabled ones), with the type's own rules
        overriding by id or added."""
        type_file = self.types.get(doc_type)
        rules = dict(self.library)
        if type_file:
            for rule_id in type_file.disable:
                rules.pop(rule_id, None)
            for rule in type_file.rules:
                rules[rule.id] = rule
        return list(rules.values())

    def context_for(self, doc_type: str) -> Context:
        """The base context of the vocabulary, then the type's own."""
        base = self.vocabulary.context
        own = self.types[doc_type].context if doc_type in self.types else Context()
        return Context(period=own.period + base.period, scope=own.scope + base.scope,
                       default_scope=own.default_scope or base.default_scope)

    def table_rules(self) -> list[AnyRule]:
        """Every rule that reads tables, from the library and from any type."""
        seen = {id(r): r for _, r in self.all_rules() if r.kind.endswith("_table")}
        return list(seen.values())

    def all_rules(self) -> list[tuple[str, AnyRule]]:
        """(where, rule) for every rule of the library and of the types."""
        found: list[tuple[str, AnyRule]] = [(self.group[r.id], r) for r in self.library.values()]
        for name, type_file in self.types.items():
            found += [(name, r) for r in type_file.rules]
        return found

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        """Expand ``{PLACEHOLDER}`` names and compile (cached)."""
        key = f"{flags}:{pattern}"
        if key not in self._cache:
            expanded = re.sub(
                r"\{([A-Z_]+)\}",
                lambda m: f"(?:{self.placeholders[m.group(1)]})" if m.group(1) in self.placeholders else m.group(0),
                pattern,
            )
            self._cache[key] = re.compile(expanded, flags)
        return self._cache[key]

    def assessment(self, text: str, default: str = "overall") -> str:
        """The assessment a phrase names (``Patient and Community Engagement`` -> ...)."""
        for regex, name in self.assessment_res:
            if regex.search(text):
                return name
        return default

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.forced_type}|ocr={self.ocr}".encode())
        for path in [builtin_folder() / "_vocabulary.yml", *self.files]:
            if path.exists():
                digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()


def builtin_folder() -> Path:
    """The shipped pattern files: inside the installed package, or ``patterns/`` of a source checkout."""
    try:
        return Path(str(resources.files("extractor.builtin_patterns")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "patterns"


def _read(path: Path, errors: list[str]) -> tuple[dict[str, Any] | None, dict[tuple[Any, ...], int]]:
    """The file's mapping and the line of each key (as a path of keys and indexes)."""
    try:
        text = path.read_text(encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: 10x faster
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(f"{path.name}: cannot read: {exc}")
        return None, {}
    except yaml.YAMLError as exc:
        errors.append(f"{path.name}: not valid YAML: {str(exc).splitlines()[0]}")
        return None, {}
    if not isinstance(data, dict):
        errors.append(f"{path.name}: expected a mapping at the top level")
        return None, {}
    lines: dict[tuple[Any, ...], int] = {}
    _lines(node, (), lines)
    return data, lines


def _lines(node: Any, at: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*at, key.value)] = key.start_mark.line + 1
            if len(at) < 3:
                _lines(value, (*at, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*at, i)] = item.start_mark.line + 1
            if len(at) < 3:
                _lines(item, (*at, i), out)


def _loc(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _strings(data: Any, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        if data and at.split(".")[-1] not in ("name", "description") and not at.startswith("domains"):
            yield at, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in ("set", "framework"):
                continue
            yield from _strings(value, f"{at}.{key}" if at else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, f"{at}.{i}" if at else str(i))
