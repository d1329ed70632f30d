"""End to end through the CLI: corpora against goldens, schema, determinism, atomic writes, bad input."""

import shutil

import pytest
from click.testing import CliRunner

from extractor import output
from extractor.cli import cli
from extractor.schema import TABLES

from .conftest import ROOT


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_own_corpus_matches_its_goldens(tmp_path):
    result = run("extract", ROOT / "corpus", "--out", tmp_path / "out", "--jobs", "1", "--check", ROOT / "corpus" / "golden")
    assert result.exit_code == 0, result.output
    assert "1.000" in result.output


def test_check_reports_changed_rating_and_missing_budget(shared_corpus, tmp_path):
    golden = tmp_path / "golden"
    shutil.copytree(shared_corpus / "golden", golden)
    ratings = (golden / "ratings.csv").read_text(encoding="utf-8").splitlines()
    ratings[1] = ratings[1].replace(",inadequate,", ",good,", 1)
    (golden / "ratings.csv").write_text("\n".join(ratings) + "\n", encoding="utf-8")
    budgets = (golden / "budgets.csv").read_text(encoding="utf-8").splitlines()
    (golden / "budgets.csv").write_text("\n".join(budgets[:-1]) + "\n", encoding="utf-8")
    golden_self = run("check", shared_corpus / "golden", shared_corpus / "golden")
    assert golden_self.exit_code == 0 and golden_self.output.count("1.000") >= 6
    out = tmp_path / "out"
    run("extract", shared_corpus / "documents", "--out", out, "--jobs", "1")
    result = run("check", out, golden)
    assert result.exit_code == 1
    assert "wrong   staffordshire-ccg-annual-assessments-2019.pdf: org_code=04Y" in result.output
    assert "rating golden='good' extracted='inadequate'" in result.output
    assert "extra   library-bulletin-commissioning-2016-11.pdf" in result.output


def test_check_unusable_input(tmp_path):
    result = run("check", tmp_path / "nope", tmp_path)
    assert result.exit_code == 2 and "folder not found" in result.output


def test_six_csvs_with_headers_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert run("extract", ROOT / "corpus", "--out", out, "-q").exit_code in (0, 1)
    for table, columns in TABLES.items():
        text = (a / f"{table}.csv").read_bytes()
        assert text.splitlines()[0].decode() == ",".join(columns)
        assert text == (b / f"{table}.csv").read_bytes()
    assert "205200000" in (a / "budgets.csv").read_text() and ".0," not in (a / "budgets.csv").read_text()


def test_interrupted_write_leaves_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run("extract", ROOT / "corpus" / "news_article", "--out", out, "-q").exit_code == 0
    before = (out / "ratings.csv").read_bytes()

    def boom(table, rows):
        if table == "budgets":
            raise KeyboardInterrupt
        return original(table, rows)

    original = output.to_csv
    monkeypatch.setattr(output, "to_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        output.write_tables({"ratings": []}, out)
    assert (out / "ratings.csv").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_new_document_type_from_a_pattern_folder(tmp_path):
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "minutes.yml").write_text(
        "doc_type: minutes\nlabel: Meeting minutes\nclassify:\n  threshold: 2\n  cues:\n"
        "    - {pattern: '(?i)^minutes of the', weight: 3}\n"
        "rules:\n  - id: rated\n    kind: rating_sentence\n    patterns:\n"
        "      - '(?P<org>{ORG}) was judged (?P<rating>{RATING}) for (?P<period>{PERIOD})'\n",
        encoding="utf-8")
    doc = tmp_path / "in" / "minutes.txt"
    doc.parent.mkdir()
    doc.write_text("Minutes of the quality committee\n\nThanet CCG was judged good for 2019/20.\n", encoding="utf-8")
    types = run("types", "--patterns", patterns)
    assert "minutes" in types.output and "board_paper" in types.output
    out = tmp_path / "out"
    assert run("extract", doc.parent, "--out", out, "--patterns", patterns, "-q").exit_code == 0
    text = (out / "ratings.csv").read_text(encoding="utf-8")
    assert "Thanet CCG,10E,2019/20,overall,good" in text and "minutes/rated" in text


def test_bad_pattern_file_is_named(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("doc_type: broken\nclassify: {cues: [{pattern: x, wieght: 1}]}\n")
    result = run("types", "--patterns", broken)
    assert result.exit_code == 2 and "broken.yml:2 classify.cues.0.wieght" in result.output


def test_explain_shows_scores_and_rules():
    result = run("explain", ROOT / "corpus" / "framework" / "iaf-annex-2018-19.pdf")
    assert result.exit_code == 0
    assert "* framework" in result.output and "page 1: framework/indicator_annex" in result.output


def test_out_never_replaces_the_input_or_someone_elses_folder(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(ROOT / "corpus" / "news_article", folder)
    same = run("extract", folder, "--out", folder)
    assert same.exit_code == 2 and "would replace the folder being read" in same.output
    parent = run("extract", folder, "--out", tmp_path)
    assert parent.exit_code == 2 and (folder / "ccg-ratings-roundup-2019.txt").exists()
    theirs = tmp_path / "notes"
    theirs.mkdir()
    (theirs / "mine.txt").write_text("keep me", encoding="utf-8")
    refused = run("extract", folder, "--out", theirs)
    assert refused.exit_code == 2 and "did not write" in refused.output
    assert (theirs / "mine.txt").read_text(encoding="utf-8") == "keep me"
    ours = tmp_path / "out"
    assert run("extract", folder, "--out", ours, "-q").exit_code == 0
    assert run("extract", folder, "--out", ours, "-q", "--format", "jsonl").exit_code == 0  # our own: replaced
    assert (ours / "ratings.jsonl").exists() and not (ours / "ratings.csv").exists()
