"""The output tables of ``OUTPUT-SCHEMA.md``: their columns, keys and vocabularies."""

from __future__ import annotations

TABLES: dict[str, tuple[str, ...]] = {
    "documents": (
        "doc_id", "doc_type", "title", "published", "pages", "sha256", "status",
        "message", "extractor_version",
    ),
    "ratings": (
        "doc_id", "organisation", "org_code", "period", "assessment", "rating",
        "previous_rating", "direction", "page", "evidence", "rule", "section",
    ),
    "rating_counts": (
        "doc_id", "scope", "period", "assessment", "previous_rating", "rating", "count",
        "page", "evidence", "rule", "section",
    ),
    "budgets": (
        "doc_id", "organisation", "org_code", "period", "budget_line", "budget_gbp",
        "expenditure_gbp", "variance_gbp", "arithmetic", "page", "evidence", "rule", "section",
    ),
    "indicators": ("doc_id", "framework", "period", "domain", "area", "indicator", "page", "rule", "section"),
    "achievements": ("doc_id", "achievement", "entities", "page", "rule", "section"),
    # the papers of a pack (one row for a document that is one paper)
    "sections": ("doc_id", "section", "first_page", "last_page", "doc_type"),
    # NHS Oversight Framework segments and league-table ranks (issue 20)
    "segments": (
        "doc_id", "organisation", "org_code", "framework", "period", "segment", "previous_segment",
        "direction", "rank", "rank_of", "peer_group", "average_metric_score", "page", "evidence", "rule", "section",
    ),
}

# The columns that identify a row (OUTPUT-SCHEMA.md, "Comparing with a golden folder").
KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id",),
    "ratings": ("doc_id", "org_code", "period", "assessment"),
    "rating_counts": ("doc_id", "period", "assessment", "previous_rating", "rating"),
    "budgets": ("doc_id", "org_code", "period", "budget_line"),
    "indicators": ("doc_id", "indicator"),
    "achievements": ("doc_id", "achievement"),
    "sections": ("doc_id", "section"),
    "segments": ("doc_id", "organisation", "framework", "period"),
}

RECORD_TABLES = tuple(name for name in TABLES if name != "documents")
# Tables added after the first six: a golden folder may leave them out, and then they are not compared.
OPTIONAL_GOLDEN = ("sections", "segments")

DOC_TYPES = ("board_paper", "press_release", "news_article", "bulletin", "framework", "unknown")
STATUSES = ("ok", "partial", "needs_ocr", "failed", "skipped")
ASSESSMENTS = (
    "overall", "patient_and_community_engagement", "cancer", "dementia", "diabetes",
    "learning_disabilities", "maternity", "mental_health",
)
RATING_VALUES = ("outstanding", "good", "requires_improvement", "inadequate", "green_star", "green", "amber", "red")
DIRECTIONS = ("improved", "declined", "unchanged")
DOMAINS = ("Better Health", "Better Care", "Sustainability", "Leadership")
INTEGER_COLUMNS = {"pages", "page", "count", "budget_gbp", "expenditure_gbp", "variance_gbp", "first_page", "last_page",
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


# Each column's meaning, for datapackage.json (condensed from OUTPUT-SCHEMA.md's tables).
DESCRIPTIONS: dict[str, str] = {
    "doc_id": "The input file's path relative to the folder given on the command line, with / separators "
              "(the file name alone when one file was given).",
    "doc_type": "The document type: board_paper, press_release, news_article, bulletin, framework, a user-added "
                "pattern file's type, or unknown.",
    "title": "The document's own title.",
    "published": "The publication date the document states, as YYYY-MM-DD.",
    "pages": "Page count of a paginated format (PDF); empty otherwise.",
    "sha256": "SHA-256 of the input file's bytes.",
    "status": "ok; partial (some part could not be read); needs_ocr (no text layer); failed; skipped (not read "
              "on purpose: a link out of the input folder, a pipe, socket or device, over a size limit).",
    "message": "For anything but ok, why, in one line a person can act on; also warnings such as stated totals "
               "the extracted rows contradict.",
    "extractor_version": "The version of the tool that wrote the row.",
    "organisation": "The organisation's name as printed, whitespace collapsed.",
    "org_code": "The organisation's ODS code when the reference list knows it (period-aware); empty otherwise.",
    "period": "Financial year as YYYY/YY.",
    "assessment": "overall, patient_and_community_engagement, or a clinical priority (cancer, dementia, diabetes, "
                  "learning_disabilities, maternity, mental_health).",
    "rating": "outstanding, good, requires_improvement or inadequate; green_star, green, amber or red for the "
              "engagement indicator; empty when only a change is given.",
    "previous_rating": "The earlier period's rating, when the document states it.",
    "direction": "improved, declined or unchanged, as stated or as follows from previous_rating and rating.",
    "page": "1-based page of the evidence; empty for unpaged formats (HTML, text, Word).",
    "evidence": "The sentence or table row the record came from.",
    "rule": "The pattern rule that produced the row, as <doc_type>/<rule id>.",
    "scope": "The population counted, as the document names it; England for national figures.",
    "count": "How many organisations, as an integer (numbers in words become digits).",
    "budget_line": "What the line is when it is not the organisation's whole budget; empty for the whole budget.",
    "budget_gbp": "Budget in whole pounds, after the unit the document states.",
    "expenditure_gbp": "Expenditure (or forecast outturn) in whole pounds.",
    "variance_gbp": "Budget minus expenditure in whole pounds: negative is an overspend.",
    "arithmetic": "ok when budget - expenditure = variance within the printed rounding, mismatch when not, "
                  "empty when a value is missing.",
    "framework": "The assessment framework, e.g. CCG IAF.",
    "domain": "Better Health, Better Care, Sustainability or Leadership.",
    "area": "The indicator's area; a blank or merged area cell belongs to the area above.",
    "indicator": "The indicator's name on one line, whitespace collapsed, hyphenation across lines undone.",
    "achievement": "The achievement's full text on one line, whitespace collapsed.",
    "entities": "Organisations named in the achievement, full names, |-separated in order of first mention; "
                "abbreviations expanded with the document's own definitions.",
    "section": "The paper of a pack the row comes from: its title and, in a paginated document, its first page.",
    "first_page": "The section's first page; empty for unpaged formats.",
    "last_page": "The section's last page; empty for unpaged formats.",
    "segment": "The NHS Oversight Framework segment, 1 to 4, or 5 for the Recovery Support Programme.",
    "previous_segment": "The earlier segment, when the document states it (or states the quarter before's).",
    "rank": "The position in the quarterly league table of the peer group (1 is best).",
    "rank_of": "The number of organisations ranked in the peer group, as printed.",
    "peer_group": "The league table's peer group: acute, non-acute or ambulance.",
    "average_metric_score": "The average metric score, 1.00 to 4.00 (lower is better).",
}
TABLE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "rating_counts": {"previous_rating": "For a change, the earlier rating; empty for a count of current ratings."},
    "sections": {"doc_type": "The section's own document type (its classification as a paper of its own)."},
    "segments": {
        "organisation": "The trust or integrated care board as printed, whitespace collapsed.",
        "org_code": "The organisation's ODS code when the reference list knows it (trusts); empty otherwise.",
        "framework": "NHS OF (NHS Oversight Framework) or SOF (System Oversight Framework of 2021/22).",
        "period": "The quarter as YYYY/YY Qn, or the financial year YYYY/YY when no quarter is given.",
        "direction": "improved, declined or unchanged: from previous_segment and segment (lower is better), else "
                     "from an earlier rank or a stated move.",
    },
}
