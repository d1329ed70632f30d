"""The HTML report: highlighting, escaping, the golden comparison, and the page as a browser shows it."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor import report
from extractor.cli import cli
from extractor.output import write_tables
from extractor.schema import TABLES

from .conftest import ROOT

EVIL_TITLE = "<script>window.__pwned = 1</script> Board papers & <b>more</b>"
EVIL_EVIDENCE = "</script><img src=x onerror=\"window.__pwned = 2\"> Thanet CCG was rated good."


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, rows: list[dict], header: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def corpus_output(tmp_path_factory) -> Path:
    """The sample corpus extracted once for the module."""
    out = tmp_path_factory.mktemp("report") / "out"
    result = CliRunner().invoke(cli, ["extract", str(ROOT / "corpus"), "--out", str(out), "--jobs", "1", "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    return out


WRONG_DOC = "board_paper/governing-body-assessment-2019.pdf"


@pytest.fixture
def reviewed(corpus_output, tmp_path) -> tuple[Path, Path]:
    """The corpus output with one document's title made hostile, and a golden folder with one
    deliberate difference: a rating of the PDF board paper changed from inadequate to good."""
    out = tmp_path / "out"
    shutil.copytree(corpus_output, out)
    docs = read(out / "documents.csv")
    for doc in docs:
        if doc["doc_id"] == "news_article/ccg-ratings-roundup-2019.txt":
            doc["title"] = EVIL_TITLE
    write(out / "documents.csv", docs, list(TABLES["documents"]))
    golden = tmp_path / "golden"
    shutil.copytree(ROOT / "corpus" / "golden", golden)
    ratings = read(golden / "ratings.csv")
    header = list(ratings[0])
    target = next(r for r in ratings if r["doc_id"] == WRONG_DOC and r["organisation"] == "Cannock Chase CCG"
                  and r["assessment"] == "overall")
    assert target["rating"] == "inadequate"
    target["rating"] = "good"
    write(golden / "ratings.csv", ratings, header)
    return out, golden


# ---------------------------------------------------------------- units


def marked(table: str, row: dict, text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for start, end, kind in report.highlights(table, row, text):
        found.setdefault(kind, []).append(text[start:end])
    return found


def test_highlights_organisation_rating_period_and_amounts():
    row = {"organisation": "Stoke-on-Trent CCG", "rating": "requires_improvement", "period": "2018/19"}
    assert marked("ratings", row, "In 2018-19 Stoke on Trent CCG was rated RI, up from inadequate.") == {
        "period": ["2018-19"], "org": ["Stoke on Trent CCG"], "rating": ["RI"]}
    budget = {"organisation": "North Staffordshire CCG", "budget_gbp": "326400000", "expenditure_gbp": "348100000",
              "variance_gbp": "-21700000", "period": "2018/19"}
    assert marked("budgets", budget, "North Staffordshire CCG | 326.4 | 348.1 | (21.7)") == {
        "org": ["North Staffordshire CCG"], "amount": ["326.4", "348.1", "21.7"]}
    thousands = {"organisation": "Thanet CCG", "budget_gbp": "215300000", "variance_gbp": "1400000"}
    assert marked("budgets", thousands, "Thanet CCG 215,300 1,400 1.4 11.4")["amount"] == ["215,300", "1,400", "1.4"]


def test_every_value_is_escaped(tmp_path):
    out = tmp_path / "out"
    doc = {c: "" for c in TABLES["documents"]}
    doc.update(doc_id="<b>odd</b>.txt", doc_type="board_paper", title=EVIL_TITLE, status="ok", sha256="0" * 64,
               message="<i>message</i>")
    rating = {c: "" for c in TABLES["ratings"]}
    rating.update(doc_id="<b>odd</b>.txt", organisation="Thanet <CCG>", period="2019/20", assessment="overall",
                  rating="good", evidence=EVIL_EVIDENCE, rule="x/<y>")
    write_tables({"documents": [doc], "ratings": [rating]}, out)
    html = report.write_report(out).read_text(encoding="utf-8")
    assert html.count("<script") == 2  # the data and the page's own script, nothing of the values
    assert "<b>" not in html and "<img src=x" not in html and "<i>" not in html and "<CCG>" not in html
    data = html.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    assert "\\u003cscript\\u003ewindow.__pwned" in data


def test_report_command_summary_and_golden_difference(reviewed, tmp_path):
    out, golden = reviewed
    html_path = tmp_path / "site" / "review.html"
    result = run("report", out, "--golden", golden, "--html", html_path, "--input", ROOT / "corpus")
    assert result.exit_code == 0, result.output
    html = html_path.read_text(encoding="utf-8")
    documents = read(out / "documents.csv")
    assert re.search(r'id="n-documents"><span class="n">%d</span>' % len(documents), html)
    crops = sorted((tmp_path / "site" / "review-files").glob("*.png"))
    assert crops and all(c.stat().st_size < 200_000 for c in crops)
    summary, data = report.build(out, golden)
    wrong = [d for d in data["diffs"] if d[2] == "wrong"]
    assert len(wrong) == 1 and data["diffs"] == wrong
    table, doc_id, kind, key, columns, golden_values, extracted, bad, rule = wrong[0]
    assert (table, doc_id) == ("ratings", WRONG_DOC) and [columns[i] for i in bad] == ["rating"]
    assert golden_values[columns.index("rating")] == "good" and extracted[columns.index("rating")] == "inadequate"
    assert rule == "board_paper/ratings_table"
    assert [s["wrong"] for s in summary["scores"] if s["table"] == "ratings"] == [1]


def test_report_of_a_folder_that_is_not_an_output(tmp_path):
    result = run("report", tmp_path)
    assert result.exit_code == 2 and "no documents.csv" in result.output


def test_extract_report_writes_into_the_output(tmp_path):
    out = tmp_path / "out"
    result = run("extract", ROOT / "corpus" / "news_article", "--out", out, "--jobs", "1", "--report")
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists()
    assert list((out / "report-files").glob("ccg-ratings-printed-2019-*.png"))
    again = run("extract", ROOT / "corpus" / "news_article", "--out", out, "--jobs", "1")
    assert again.exit_code == 0, again.output  # a folder holding its report is still this tool's to replace
