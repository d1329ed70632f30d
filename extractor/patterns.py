"""Pattern files: one YAML file per document type, validated against a strict schema.

A pattern file says how to recognise its document type (weighted cues) and which
rules extract records from it.  ``_vocabulary.yml`` holds what all types share:
the placeholders (``{ORG}``, ``{RATING}``...) that rule patterns may use, the
assessment names, and the spaCy patterns for organisation names.

Rules are regular expressions with named groups after the placeholders are
expanded; the rule ``kind`` says which mechanism in :mod:`extractor.rules` reads
the groups.  A mistake in a file is reported with its file name and dotted path.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import normalise

RULE_KINDS = (
    "rating_table", "rating_sentence", "rating_list", "group_rating", "rating_count",
    "stated_total", "budget_table", "budget_sentence", "indicator_table", "indicator_list", "achievement_list",
)


class PatternFileError(Exception):
    """A pattern file that cannot be used; the message names the file and the place."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class Heading(Strict):
    pattern: str
    set: dict[str, str] = Field(default_factory=dict)


class Rule(Strict):
    id: str
    kind: Literal[RULE_KINDS]  # type: ignore[valid-type]
    description: str = ""
    page_cues: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    headings: list[Heading] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    set: dict[str, str] = Field(default_factory=dict)
    compare: str = ""
    domains: list[str] = Field(default_factory=list)
    framework: dict[str, str] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError("rule id must be lower_snake_case")
        return value


class PatternFile(Strict):
    doc_type: str
    label: str = ""
    classify: Classify
    context: Context = Field(default_factory=Context)
    rules: list[Rule] = Field(default_factory=list)
    path: str = ""

    model_config = ConfigDict(extra="forbid", ignored_types=(cached_property,))


class Vocabulary(Strict):
    placeholders: dict[str, str]
    assessments: dict[str, str]
    entity_patterns: list[dict[str, Any]] = Field(default_factory=list)


class Patterns:
    """All pattern files of a folder, compiled once."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder else builtin_folder()
        if not self.folder.is_dir():
            raise PatternFileError(f"pattern folder not found: {self.folder}")
        vocab_path = self.folder / "_vocabulary.yml"
        if not vocab_path.exists():
            vocab_path = builtin_folder() / "_vocabulary.yml"
        self.vocabulary = Vocabulary(**_read(vocab_path))
        self.placeholders = dict(self.vocabulary.placeholders)
        self.placeholders.update(PERIOD=normalise.PERIOD, RATING=normalise.RATING, NUMBER=normalise.NUMBER)
        self.types: dict[str, PatternFile] = {}
        for path in sorted(self.folder.glob("*.yml")):
            if path.name.startswith("_"):
                continue
            data = _read(path)
            try:
                pattern_file = PatternFile(**data, path=str(path))
            except ValidationError as exc:
                raise PatternFileError(_explain(path, exc)) from None
            if pattern_file.doc_type in self.types:
                raise PatternFileError(f"{path.name}: doc_type '{pattern_file.doc_type}' is defined twice")
            self.types[pattern_file.doc_type] = pattern_file
            self._check(path, pattern_file)
        if not self.types:
            raise PatternFileError(f"no pattern files (*.yml) in {self.folder}")
        self._cache: dict[str, re.Pattern] = {}
        self.assessment_res = [(self.compile(k, re.I), v) for k, v in self.vocabulary.assessments.items()]

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern:
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

    def _check(self, path: Path, pattern_file: PatternFile) -> None:
        """Every regular expression must compile and name only known placeholders."""
        self._cache = getattr(self, "_cache", {})
        places = [("classify.require_any", p) for p in pattern_file.classify.require_any]
        places += [("classify.exclude", p) for p in pattern_file.classify.exclude]
        places += [(f"classify.cues.{i}", c.pattern) for i, c in enumerate(pattern_file.classify.cues)]
        places += [("context.period", p) for p in pattern_file.context.period]
        places += [("context.scope", p) for p in pattern_file.context.scope]
        ids = set()
        for i, rule in enumerate(pattern_file.rules):
            if rule.id in ids:
                raise PatternFileError(f"{path.name}: rules.{i}.id '{rule.id}' is used twice")
            ids.add(rule.id)
            where = f"rules.{i} ({rule.id})"
            places += [(f"{where}.patterns", p) for p in rule.patterns + rule.page_cues]
            places += [(f"{where}.headings", h.pattern) for h in rule.headings]
            places += [(f"{where}.headers.{k}", v) for k, v in rule.headers.items()]
            places += [(f"{where}.framework.{k}", v) for k, v in rule.framework.items() if k == "pattern"]
        for where, pattern in places:
            unknown = set(re.findall(r"\{([A-Z_]+)\}", pattern)) - set(self.placeholders)
            if unknown:
                raise PatternFileError(f"{path.name}: {where}: unknown placeholder {{{sorted(unknown)[0]}}}")
            try:
                self.compile(pattern)
            except re.error as exc:
                raise PatternFileError(f"{path.name}: {where}: bad regular expression: {exc}") from None

    def assessment(self, text: str, default: str = "overall") -> str:
        """The assessment a phrase names (``Patient and Community Engagement`` -> ...)."""
        for regex, name in self.assessment_res:
            if regex.search(text):
                return name
        return default

    @property
    def fingerprint(self) -> str:
        import hashlib

        digest = hashlib.sha256()
        for path in sorted(self.folder.glob("*.yml")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()


def builtin_folder() -> Path:
    """The shipped pattern files: inside the installed package, or ``patterns/`` of a source checkout."""
    try:
        return Path(str(resources.files("extractor.builtin_patterns")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "patterns"


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PatternFileError(f"{path.name}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise PatternFileError(f"{path.name}: expected a mapping at the top level")
    return data


def _explain(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{path.name}: {where}: {first['msg']}"
