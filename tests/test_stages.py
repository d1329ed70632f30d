"""One test module per stage of the pipeline, so that a failure names its stage:
classification, rating statements, counts, table reading and output writing."""

from __future__ import annotations

import pytest

from extractor import normalise
from extractor.classify import classify
from extractor.examples import run_rule
from extractor.loaders import load_text
from extractor.output import render
from extractor.patterns import Example, Patterns
from extractor.schema import TABLES

PATTERNS = Patterns()


def rows(text: str, rule: str = "rating_parts", table: str = "ratings", **extra: str) -> list[dict]:
    return run_rule(PATTERNS, PATTERNS.library[rule], Example(text=text, **extra))[table]


def brief(found: list[dict], *columns: str) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in found]


# ---------------------------------------------------------------- classification

def test_classify_board_paper_and_unknown():
    paper = ("Report to the Governing Body\nAgenda item 7\nRecommendation\n"
             "1. The annual assessment for 2019/20 is set out below.\nThe board is asked to note the report.\n")
    assert classify(PATTERNS, paper, "text")[0] == "board_paper"
    assert classify(PATTERNS, "Minutes of the allotment society, spring meeting.", "text")[0] == "unknown"


def test_type_override_is_part_of_the_cache_key():
    assert Patterns(doc_type="bulletin").fingerprint != PATTERNS.fingerprint


# ---------------------------------------------------------------- rating statements

def test_statement_links_each_rating_to_its_own_areas():
    """Reading the wrong half of a sentence is worse than reading none."""
    found = rows("In the 2019/20 assessment NHS Swale CCG was good for cancer and requires improvement "
                 "against mental health and dementia.")
    assert brief(found, "assessment", "rating") == [
        ("cancer", "good"), ("mental_health", "requires_improvement"), ("dementia", "requires_improvement")]


def test_statement_subject_carried_from_the_title():
    found = rows("The CCG, which serves 200,000 people, has been rated outstanding for 2019/20.",
                 title="NHS Thanet CCG news")
    assert brief(found, "organisation", "period", "rating") == [("NHS Thanet CCG", "2019/20", "outstanding")]


def test_statement_period_from_publication_date():
    found = rows("NHS Thanet CCG was rated good in its latest annual assessment.", published="2020-08-01")
    assert found[0]["period"] == "2019/20"


@pytest.mark.parametrize("text", [
    "Had NHS Thanet CCG been rated inadequate, directions would have followed.",
    "Medway Maritime Hospital was rated good by the Care Quality Commission.",
    "Each CCG is rated as outstanding, good, requires improvement or inadequate: four levels in all.",
    "NHS Thanet CCG said the team did good work for the people of Thanet this year, as rated by staff.",
])
def test_statement_near_misses(text):
    assert rows(text) == []


def test_statement_previous_and_unchanged():
    found = rows("In 2019/20 NHS Thanet CCG moved from requires improvement to good. "
                 "NHS Swale CCG was rated inadequate again in 2019/20.")
    assert brief(found, "organisation", "previous_rating", "direction") == [
        ("NHS Thanet CCG", "requires_improvement", "improved"), ("NHS Swale CCG", "inadequate", "unchanged")]


def test_rating_words_normalised():
    assert [normalise.rating(t) for t in ("RI", "Required Improvement", "requiring improvement", "Green Star")] == [
        "requires_improvement", "requires_improvement", "requires_improvement", "green_star"]
    assert normalise.direction("green", "green_star") == "improved"


# ---------------------------------------------------------------- counts

def test_counts_elliptical_list_and_moves():
    found = rows("In the 2019/20 assessment 12 CCGs were rated outstanding, 80 good and 9 inadequate; "
                 "seven moved from good to outstanding.", rule="count_parts", table="rating_counts")
    assert brief(found, "previous_rating", "rating", "count") == [
        ("", "outstanding", 12), ("", "good", 80), ("", "inadequate", 9), ("good", "outstanding", 7)]


def test_counts_are_not_one_ccgs_rating():
    assert rows("NHS Thanet CCG is one of only 12 CCGs rated outstanding in 2019/20.", rule="count_parts",
                table="rating_counts") == []


# ---------------------------------------------------------------- table reading

def test_text_table_split_on_wide_gaps():
    text = ("Outturn 2019/20 (£m)\n\nCCG            Budget   Spent   Variance\n"
            "Thanet CCG      210.0    212.5   (2.5)\nSwale CCG       100.0    99.0    1.0\n")
    doc = load_text(text.encode("utf-8"), "t.txt")
    assert doc.tables and doc.tables[0].rows[1] == ["Thanet CCG", "210.0", "212.5", "(2.5)"]


# ---------------------------------------------------------------- output writing

def test_output_csv_header_order_and_unknown_values():
    row = {column: "" for column in TABLES["ratings"]}
    row.update(doc_id="a.txt", organisation="Thanet CCG", rating="good", page=None)
    written = render({"ratings": [row]})["ratings.csv"].decode("utf-8").splitlines()
    assert written[0] == ",".join(TABLES["ratings"])
    assert written[1].startswith("a.txt,Thanet CCG,") and "None" not in written[1]


# ---------------------------------------------------------------- achievements' organisations

def test_entities_councils_healthwatch_and_abbreviations_that_skip_nhs():
    from extractor.entities import EntityFinder

    text = ("Opened a unit with Royal Cornwall Hospitals NHS Trust (RCHT) and Cornwall County Council. "
            "Ran listening events with Healthwatch Cornwall and RCHT.")
    finder = EntityFinder.for_document(PATTERNS, text)
    assert finder.abbreviations.get("RCHT") == "Royal Cornwall Hospitals NHS Trust"
    assert finder.find("Ran listening events with Healthwatch Cornwall and RCHT.") == [
        "Healthwatch Cornwall", "Royal Cornwall Hospitals NHS Trust"]
    assert "Cornwall County Council" in finder.find(text)


def test_a_paragraph_without_stops_reads_in_linear_time(tmp_path):
    """A flattened table or a page of text with no full stops: cut into pieces, not read quadratically."""
    import random
    import time

    from extractor import extract

    rnd = random.Random(3)
    words = "Thanet CCG of the and North East rated good 12 CCGs Outstanding were in Kent – , (20 CCGs, 10%) from to".split()
    (tmp_path / "long.txt").write_text(" ".join(rnd.choice(words) for _ in range(30000)), encoding="utf-8")
    started = time.monotonic()
    assert extract(tmp_path / "long.txt")["documents"]["status"].iloc[0] == "ok"
    assert time.monotonic() - started < 15  # about a second here; quadratic reading took minutes
