"""Issue 20: NHS Oversight Framework segments and league-table ranks (segments.csv), on the
project's own oversight set (corpus/oversight, goldens in corpus/oversight/golden).

The set is constructed test material written for this project: real trust and ICB names, but
every segment, rank, score, date and quotation in it is invented.  Three documents are
near-misses that must give no row: an explainer of the segments, a briefing of hypotheticals
and a CQC rating with a staff-survey rank."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor import Extraction
from extractor.check import compare
from extractor.cli import cli
from extractor.rules.segments import quarter_periods
from extractor.schema import KEYS, TABLES

from .conftest import ROOT

OVERSIGHT = ROOT / "corpus" / "oversight"
NEAR_MISSES = ("nhs-oversight-framework-segments-explained.html", "hypothetical-segment-briefing-2025.txt",
               "cqc-rating-trust-news-2025.html")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("oversight") / "out"
    result = CliRunner().invoke(cli, ["extract", str(OVERSIGHT), "--out", str(folder), "--jobs", "1", "--no-cache", "-q"])
    assert result.exit_code == 0, result.output
    return folder


def test_segments_table_is_in_the_schema():
    assert TABLES["segments"][:5] == ("doc_id", "organisation", "org_code", "framework", "period")
    assert KEYS["segments"] == ("doc_id", "organisation", "framework", "period")
    schema = (ROOT / "docs" / "OUTPUT-SCHEMA.md").read_text(encoding="utf-8")
    section = schema.split("## segments.csv", 1)[1].split("\n## ", 1)[0]
    assert all(column in section for column in TABLES["segments"])
    assert "| segments | doc_id, organisation, framework, period |" in schema
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`segments.csv`" in readme and "segment_statement" in readme


def test_oversight_set_scores(out):
    reports = {r.table: r for r in compare(out, OVERSIGHT / "golden")}
    segments = reports["segments"]
    assert segments.f1 >= 0.95, (segments.missed, segments.extra)
    assert segments.field_accuracy >= 0.95, segments.wrong
    assert reports["ratings"].extracted == 0 and reports["rating_counts"].extracted == 0


def test_near_misses_give_no_rows(out):
    for table in ("segments", "ratings", "rating_counts"):
        with (out / f"{table}.csv").open(encoding="utf-8") as fh:
            assert [r for r in csv.DictReader(fh) if r["doc_id"] in NEAR_MISSES] == []


def test_check_command_on_the_oversight_set(out):
    result = CliRunner().invoke(cli, ["check", str(out), str(OVERSIGHT / "golden"), "--min-f1", "0.95"])
    assert result.exit_code == 0, result.output
    assert "segments" in result.output


def test_datapackage_and_typed_frames(out):
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == "segments")
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert resource["schema"]["primaryKey"] == ["doc_id", "organisation", "framework", "period"]
    assert fields["segment"]["type"] == "integer" and fields["average_metric_score"]["type"] == "number"
    assert fields["framework"]["constraints"]["enum"][:2] == ["NHS OF", "SOF"]
    assert fields["period"]["constraints"]["pattern"] == r"^\d{4}/\d{2}( Q[1-4])?$"
    indicators = next(r for r in package["resources"] if r["name"] == "indicators")
    assert "constraints" not in {f["name"]: f for f in indicators["schema"]["fields"]}["framework"]
    frame = Extraction.read(out)["segments"]
    assert str(frame["segment"].dtype) == "Int64" and str(frame["average_metric_score"].dtype) == "Float64"
    assert str(frame["framework"].dtype) == "category" and str(frame["peer_group"].dtype) == "category"
    barts = frame[frame["organisation"] == "Barts Health NHS Trust"].iloc[0]
    assert (barts["segment"], barts["previous_segment"], barts["rank"], barts["rank_of"]) == (2, 3, 41, 134)


@pytest.mark.parametrize("text,period", [
    ("Q2 2025/26", "2025/26 Q2"),
    ("2025/26 Q2", "2025/26 Q2"),
    ("quarter 2 of 2025/26", "2025/26 Q2"),
    ("the second quarter of 2025/26", "2025/26 Q2"),
    ("July to September 2025", "2025/26 Q2"),
    ("January–March 2026", "2025/26 Q4"),
    ("2021/22", "2021/22"),
    ("quarter 3", "Q3"),
])
def test_quarters_as_printed(text, period):
    assert [p[2] for p in quarter_periods(text)] == [period]
