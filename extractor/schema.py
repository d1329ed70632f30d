"""The output tables of ``OUTPUT-SCHEMA.md``: their columns, keys and vocabularies."""

from __future__ import annotations

TABLES: dict[str, tuple[str, ...]] = {
    "documents": (
        "doc_id", "doc_type", "title", "published", "pages", "sha256", "status",
        "message", "extractor_version",
    ),
    "ratings": (
        "doc_id", "organisation", "org_code", "period", "assessment", "rating",
        "previous_rating", "direction", "page", "evidence", "rule",
    ),
    "rating_counts": (
        "doc_id", "scope", "period", "assessment", "previous_rating", "rating", "count",
        "page", "evidence", "rule",
    ),
    "budgets": (
        "doc_id", "organisation", "org_code", "period", "budget_line", "budget_gbp",
        "expenditure_gbp", "variance_gbp", "arithmetic", "page", "evidence", "rule",
    ),
    "indicators": ("doc_id", "framework", "period", "domain", "area", "indicator", "page", "rule"),
    "achievements": ("doc_id", "achievement", "entities", "page", "rule"),
    # NHS Oversight Framework segments and league-table ranks (issue 20)
    "segments": (
        "doc_id", "organisation", "org_code", "framework", "period", "segment", "previous_segment",
        "direction", "rank", "rank_of", "peer_group", "average_metric_score", "page", "evidence", "rule",
    ),
}

# The columns that identify a row (OUTPUT-SCHEMA.md, "Comparing with a golden folder").
KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id",),
    "ratings": ("doc_id", "org_code", "period", "assessment"),
    "rating_counts": ("doc_id", "period", "assessment", "previous_rating", "rating"),
    "budgets": ("doc_id", "organisation", "period", "budget_line"),
    "indicators": ("doc_id", "indicator"),
    "achievements": ("doc_id", "achievement"),
    "segments": ("doc_id", "organisation", "framework", "period"),
}

RECORD_TABLES = tuple(name for name in TABLES if name != "documents")

DOC_TYPES = ("board_paper", "press_release", "news_article", "bulletin", "framework", "unknown")
STATUSES = ("ok", "partial", "needs_ocr", "failed")
ASSESSMENTS = (
    "overall", "patient_and_community_engagement", "cancer", "dementia", "diabetes",
    "learning_disabilities", "maternity", "mental_health",
)
RATING_VALUES = ("outstanding", "good", "requires_improvement", "inadequate", "green", "amber", "red")
DIRECTIONS = ("improved", "declined", "unchanged")
DOMAINS = ("Better Health", "Better Care", "Sustainability", "Leadership")
INTEGER_COLUMNS = {"pages", "page", "count", "budget_gbp", "expenditure_gbp", "variance_gbp",
                   "segment", "previous_segment", "rank", "rank_of"}
ARITHMETIC = ("ok", "mismatch")

# segments.csv (issue 20): the oversight frameworks, the league tables' peer groups, and
# the columns that hold decimal numbers (the average metric score, 1.00 to 4.00).
FRAMEWORKS = ("NHS OF", "SOF")
PEER_GROUPS = ("acute", "non-acute", "ambulance")
NUMBER_COLUMNS = {"average_metric_score"}

# Columns whose values come from a fixed vocabulary (categoricals in the API, enums in datapackage.json).
# doc_type also takes the names of user-added pattern files, so its list is extended by the values present.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "doc_type": DOC_TYPES,
    "status": STATUSES,
    "assessment": ASSESSMENTS,
    "rating": RATING_VALUES,
    "previous_rating": RATING_VALUES,
    "direction": DIRECTIONS,
    "domain": DOMAINS,
    "arithmetic": ARITHMETIC,
}

# Value patterns that datapackage.json states as constraints.
FORMATS: dict[str, str] = {
    "period": r"^\d{4}/\d{2}$",
    "sha256": r"^[0-9a-f]{64}$",
}

# Patterns for one table's column that differ from FORMATS: a segment's period may name its quarter.
TABLE_FORMATS: dict[tuple[str, str], str] = {
    ("segments", "period"): r"^\d{4}/\d{2}( Q[1-4])?$",
}

# Vocabularies of one table's column (indicators.framework stays free text).
TABLE_VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("segments", "framework"): FRAMEWORKS,
    ("segments", "peer_group"): PEER_GROUPS,
}


def vocabulary(table: str, column: str) -> tuple[str, ...] | None:
    """The fixed values of a table's column, or None for free text."""
    return TABLE_VOCABULARIES.get((table, column), VOCABULARIES.get(column))


def value_format(table: str, column: str) -> str | None:
    """The pattern a table's column must match in datapackage.json, or None."""
    return TABLE_FORMATS.get((table, column), FORMATS.get(column))
