"""The HTML report: highlighting, escaping, the golden comparison, and the page as a browser shows it."""

from __future__ import annotations

import csv
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor import report
from extractor.cli import cli
from extractor.output import write_tables
from extractor.schema import TABLES

from .browser import Chromium, find_chromium
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
    budget = {c: "" for c in TABLES["budgets"]}
    budget.update(doc_id="<b>odd</b>.txt", organisation="<svg onload=alert(1)> CCG", period="2019/20",
                  variance_gbp="-1000000", evidence="<b>x</b>", rule="r")
    write_tables({"documents": [doc], "ratings": [rating], "budgets": [budget]}, out)
    html = report.write_report(out).read_text(encoding="utf-8")
    assert "&lt;svg onload=alert(1)&gt; CCG 2019/20" in html  # the chart's label
    assert html.count("<script") == 2  # the data and the page's own script, nothing of the values
    assert "<b>" not in html and "<img src=x" not in html and "<i>" not in html and "<CCG>" not in html
    assert "<svg onload" not in html
    data = html.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    assert "\\u003cscript\\u003ewindow.__pwned" in data


def test_report_command_summary_and_golden_difference(reviewed, tmp_path):
    out, golden = reviewed
    html_path = tmp_path / "site" / "review.html"
    (tmp_path / "site" / "review-files").mkdir(parents=True)
    (tmp_path / "site" / "review-files" / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("report", out, "--golden", golden, "--html", html_path, "--input", ROOT / "corpus")
    assert result.exit_code == 0, result.output
    html = html_path.read_text(encoding="utf-8")
    documents = read(out / "documents.csv")
    assert re.search(r'id="n-documents"><span class="n">%d</span>' % len(documents), html)
    crops = sorted((tmp_path / "site" / "review-files").glob("*.png"))
    assert crops and all(c.stat().st_size < 200_000 for c in crops)
    assert (tmp_path / "site" / "review-files" / "notes.txt").exists()  # only earlier crops are removed
    assert run("report", out, "--html", html_path, "--input", ROOT / "corpus", "--jobs", "2").exit_code == 0
    assert sorted((tmp_path / "site" / "review-files").glob("*.png")) == crops
    summary, data = report.build(out, golden)
    wrong = [d for d in data["diffs"] if d[2] == "wrong"]
    assert len(wrong) == 1 and data["diffs"] == wrong
    table, doc_id, kind, key, columns, golden_values, extracted, bad, rule, row = wrong[0]
    assert data["rows"][row][0:2] == ["ratings", [d[0] for d in data["docs"]].index(WRONG_DOC)]
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


# ---------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing under CI=true (.ci/run installs it with apt-get)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return binary


def scroll_to_and_load(selector: str) -> str:
    return """(async () => {
      const img = document.querySelector(%r);
      if (!img) return null;
      img.scrollIntoView();
      const t0 = Date.now();
      while (!(img.complete && img.naturalWidth > 0) && Date.now() - t0 < 5000) {
        await new Promise(r => setTimeout(r, 50));
      }
      return [img.complete, img.naturalWidth, img.getAttribute("src")];
    })()""" % selector


def test_report_in_headless_chromium(reviewed, tmp_path, chromium_binary):
    out, golden = reviewed
    html_path = tmp_path / "report.html"
    assert run("report", out, "--golden", golden, "--html", html_path, "--input", ROOT / "corpus").exit_code == 0
    documents, ratings, budgets = (read(out / f"{t}.csv") for t in ("documents", "ratings", "budgets"))
    with Chromium(chromium_binary) as browser:
        browser.open(html_path.as_uri())
        js = browser.evaluate
        assert js("document.body.dataset.ready") == "1"
        # the summary
        assert js("document.querySelector('#n-documents .n').textContent") == str(len(documents))
        ok = sum(d["status"] == "ok" for d in documents)
        assert js("document.querySelector('#n-status-ok .n').textContent") == str(ok)
        assert js("document.querySelector('#n-rows-ratings .n').textContent") == str(len(ratings))
        assert js("document.querySelector('#n-rows-budgets .n').textContent") == str(len(budgets))
        assert js("document.querySelectorAll('#chart-ratings svg rect').length") > 0
        assert js("document.querySelectorAll('#chart-variance svg rect').length") > 0
        assert js("[...document.querySelectorAll('#scores tr')].find(r => r.cells[0].textContent === 'ratings')"
                  ".cells[10].textContent") == "1"
        # the wrong field, highlighted beside the golden value
        wrong = js("""[...document.querySelectorAll('#diff-list tr.extracted td.wrong')].map(td => [td.dataset.column,
                      td.textContent, getComputedStyle(td).backgroundColor,
                      td.closest('table').querySelector('tr.golden').cells[td.cellIndex].textContent])""")
        assert wrong == [["rating", "inadequate", "rgb(253, 226, 225)", "good"]]
        assert WRONG_DOC in js("document.querySelector('#diff-list .diff-wrong').textContent")
        flagged = js("""[...document.querySelectorAll('article.doc tr.flag-wrong td.wrong')].map(td =>
                        [td.closest('article').dataset.doc, td.dataset.column, td.textContent])""")
        assert flagged == [[WRONG_DOC, "rating", "inadequate"]]  # and among the document's rows
        # evidence with its matched parts highlighted
        marks = js("[...document.querySelectorAll('article.doc mark')].map(m => m.className)")
        assert {"org", "rating", "period", "amount"} <= set(marks)
        # the boxed crop of a PDF page, loaded from the folder beside the page
        loaded = js(scroll_to_and_load("img.crop"))
        assert loaded[0] is True and loaded[1] > 100
        from PIL import Image

        with Image.open(html_path.parent / loaded[2]) as crop:
            colours = crop.convert("RGB").getcolors(1 << 24) or []
        orange = sum(n for n, (r, g, b) in colours if r > 240 and 100 < g < 150 and b < 40)
        assert orange > 50  # the source's outline, drawn as explain --images draws it
        # a hostile title is shown as text and never run
        assert js("window.__pwned === undefined") is True
        assert js("document.scripts.length") == 2
        titles = js("[...document.querySelectorAll('article.doc h3')].map(h => h.firstChild.textContent)")
        assert EVIL_TITLE in titles
        # filters hide rows: by table, then by search
        total = js("document.querySelectorAll('tr.row').length")
        assert total == sum(len(read(out / f"{t}.csv")) for t in report.RECORD_TABLES)
        js("(() => { const s = document.getElementById('f-table'); s.value = 'budgets';"
           " s.dispatchEvent(new Event('change')); })()")
        shown = js("[...document.querySelectorAll('tr.row')].map(r => r.dataset.table)")
        assert shown and set(shown) == {"budgets"} and len(shown) == len(budgets) < total
        assert js("document.querySelectorAll('#diff-list .diff-item').length") == 0  # the wrong rating is hidden
        js("""(async () => { const s = document.getElementById('f-search'); s.value = 'Stoke';
              s.dispatchEvent(new Event('input')); await new Promise(r => setTimeout(r, 400)); })()""")
        texts = js("[...document.querySelectorAll('tr.row')].map(r => r.textContent)")
        assert 0 < len(texts) < len(shown) and all("Stoke" in t for t in texts)
        js("(() => { const s = document.getElementById('f-status'); s.value = 'ok';"
           " s.dispatchEvent(new Event('change')); })()")
        statuses = js("[...document.querySelectorAll('article.doc')].map(a => a.querySelector('.badge').textContent)")
        assert statuses and set(statuses) == {"ok"} and len(statuses) <= ok  # with the filters above still set
        assert browser.errors() == []


def synthetic_run(documents: int) -> dict[str, list[dict]]:
    """An output of ``documents`` documents, each with ratings and budget rows, for timing."""
    tables: dict[str, list[dict]] = {t: [] for t in TABLES}
    ratings_cycle = ("outstanding", "good", "requires_improvement", "inadequate")
    for n in range(documents):
        doc_id = f"papers/board-paper-{n:04d}.pdf"
        doc = {c: "" for c in TABLES["documents"]}
        doc.update(doc_id=doc_id, doc_type="board_paper", title=f"Governing body paper {n}", pages=str(30 + n % 40),
                   sha256=f"{n:064x}", status="partial" if n % 7 == 0 else "ok",
                   message="stated total differs: the document says 9 indicators, 8 were extracted" if n % 7 == 0 else "")
        tables["documents"].append(doc)
        for k in range(12):
            org = f"NHS Example Number {n % 180} Area {k} CCG"
            row = {c: "" for c in TABLES["ratings"]}
            row.update(doc_id=doc_id, organisation=org, period=f"20{15 + k % 5}/{16 + k % 5}", assessment="overall",
                       rating=ratings_cycle[(n + k) % 4], page=str(k + 1), rule="board_paper/ratings_table",
                       evidence=f"{org} was rated {ratings_cycle[(n + k) % 4].replace('_', ' ')} in the "
                                f"20{15 + k % 5}/{16 + k % 5} assessment, as the committee heard in some detail.")
            tables["ratings"].append(row)
        for k in range(8):
            org = f"NHS Example Number {n % 180} Area {k} CCG"
            row = {c: "" for c in TABLES["budgets"]}
            row.update(doc_id=doc_id, organisation=org, period="2018/19", budget_gbp=str(200_000_000 + k * 1_100_000),
                       expenditure_gbp=str(201_000_000 + n * 10_000), page=str(k + 2), rule="board_paper/budget_table",
                       evidence=f"{org} | {200 + k * 1.1:.1f} | {201 + n * 0.01:.2f} | x")
            row["variance_gbp"] = str(int(row["budget_gbp"]) - int(row["expenditure_gbp"]))
            tables["budgets"].append(row)
    return tables


def test_report_of_a_thousand_documents_opens_quickly(tmp_path, chromium_binary):
    out = tmp_path / "out"
    write_tables(synthetic_run(1000), out)
    start = time.monotonic()
    html_path = report.write_report(out)
    written = time.monotonic() - start
    size = html_path.stat().st_size
    assert size < 15_000_000, size
    with Chromium(chromium_binary) as browser:
        (tmp_path / "warm.html").write_text("<p>warm</p>", encoding="utf-8")
        browser.open((tmp_path / "warm.html").as_uri())  # the browser's own start-up is not the report's time
        seconds = browser.open(html_path.as_uri())
        assert browser.evaluate("document.body.dataset.ready") == "1"
        assert browser.evaluate("document.querySelectorAll('article.doc').length") == 50
        assert browser.evaluate("document.getElementById('shown').textContent").startswith("1000 of 1000 documents, 20000")
        assert browser.errors() == []
    print(f"1,000 documents: written in {written:.1f} s, {size / 1e6:.1f} MB, opened in {seconds:.2f} s")
    assert seconds < 3.0
