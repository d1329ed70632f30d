"""The rule library: every example of every rule, strict rule files, no pattern written
twice, additive --patterns and --type."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.examples import failures
from extractor.patterns import PatternFileError, Patterns

from .conftest import ROOT

PATTERNS = Patterns()
ALL_RULES = PATTERNS.all_rules()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("where,rule", ALL_RULES, ids=[f"{w}/{r.id}" for w, r in ALL_RULES])
def test_rule_examples(where, rule):
    """Each rule's examples give exactly their rows; its counter-examples give none."""
    assert rule.examples, f"{where}/{rule.id} has no examples: add at least one"
    assert failures(PATTERNS, rule) == []


def test_a_failing_example_is_reported():
    rule = PATTERNS.library["rating_parts"].model_copy(deep=True)
    rule.examples[0].rows["ratings"][0]["rating"] = "inadequate"
    assert any("rating" in problem for problem in failures(PATTERNS, rule))


def test_no_pattern_is_written_twice():
    seen: dict[str, str] = {}
    twice = []
    sources = [(f"{w}/{r.id}/{place}", p) for w, r in ALL_RULES for place, p in r.regexes()]
    for name, type_file in PATTERNS.types.items():
        sources += [(f"{name}/classify", c.pattern) for c in type_file.classify.cues]
        sources += [(f"{name}/classify", p) for p in type_file.classify.require_any + type_file.classify.exclude]
        sources += [(f"{name}/context", p) for p in type_file.context.period + type_file.context.scope]
    vocabulary = PATTERNS.vocabulary
    sources += [("vocabulary/context", p) for p in vocabulary.context.period + vocabulary.context.scope]
    sources += [(f"vocabulary/{k}", v) for k, v in vocabulary.placeholders.items()]
    for where, pattern in sources:
        if pattern in seen and seen[pattern] != where:
            twice.append((seen[pattern], where, pattern))
        seen.setdefault(pattern, where)
    assert twice == []


def test_type_files_hold_no_copies_of_library_rules():
    for type_file in PATTERNS.types.values():
        assert not [r.id for r in type_file.rules if r.id in PATTERNS.library]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_error_of_a_rule_file_is_listed(tmp_path):
    bad = write(tmp_path / "bad.yml", """\
rules:
  - id: one
    kind: rating_sentence
    patterns: ["(?P<org>{ORG}) is (?P<rating>{RATING})"]
    set: {previous_ratng: "=rating"}
  - id: two
    kind: rating_table
    headers: {organisation: CCG, rateing: Rating}
  - id: three
    kind: no_such_kind
  - id: four
    kind: budget_sentence
    patterns: "not a list"
    path: somewhere
""")
    with pytest.raises(PatternFileError) as caught:
        Patterns(extra=[bad])
    message = str(caught.value)
    assert "bad.yml:5 one: set.previous_ratng" in message
    assert "bad.yml:8 two: headers.rateing: Extra inputs are not permitted" in message
    assert "bad.yml:8 two: headers.rating: Field required" in message
    assert "bad.yml:10 three: kind: not a rule kind" in message
    assert "bad.yml:13 four: patterns: Input should be a valid list" in message
    assert "bad.yml:14 four: path: Extra inputs are not permitted" in message
    result = CliRunner().invoke(cli, ["types", "--patterns", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output and "bad.yml:8 two" in result.output


def test_bad_regular_expression_and_placeholder(tmp_path):
    bad = write(tmp_path / "bad.yml", "rules:\n  - id: one\n    kind: rating_sentence\n"
                                      "    patterns: ['(unclosed', '{NOPE} rated']\n")
    with pytest.raises(PatternFileError) as caught:
        Patterns(extra=[bad])
    assert "bad regular expression" in str(caught.value) and "unknown placeholder {NOPE}" in str(caught.value)


MY_RULE = """\
rules:
  - id: rag_verdict
    kind: rating_sentence
    description: our board's own phrasing
    patterns: ["(?P<org>{ORG}) earned a verdict of (?P<rating>{RATING})"]
    examples:
      - text: "In the 2019/20 assessment Thanet CCG earned a verdict of good."
        rows: {ratings: [{organisation: Thanet CCG, rating: good}]}
"""


def test_patterns_add_to_the_built_in_rules(tmp_path):
    mine = write(tmp_path / "mine.yml", MY_RULE)
    doc = write(tmp_path / "in.txt", "In the 2019/20 assessment Thanet CCG earned a verdict of good.\n"
                                     "Swale CCG was rated inadequate in 2019/20.\n")
    out = tmp_path / "out"
    assert run("extract", doc, "--out", out, "--patterns", mine, "-q", "--no-cache").exit_code in (0, 1)
    ratings = (out / "ratings.csv").read_text(encoding="utf-8")
    assert "Thanet CCG,10E,2019/20,overall,good" in ratings  # the user's rule
    assert "Swale CCG" in ratings  # and the built-in ones still run
    only = tmp_path / "only"
    only.mkdir()
    write(only / "mine.yml", MY_RULE)
    write(only / "notes.yml", "doc_type: notes\nclassify: {cues: [{pattern: '(?i)assessment'}]}\n")
    out2 = tmp_path / "out2"
    assert run("extract", doc, "--out", out2, "--patterns-only", only, "-q", "--no-cache").exit_code in (0, 1)
    ratings = [line.split(",")[1] for line in (out2 / "ratings.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert ratings == ["Thanet CCG"]


def test_a_user_rule_overrides_a_built_in_one_by_id(tmp_path):
    mine = write(tmp_path / "mine.yml", MY_RULE.replace("rag_verdict", "rating_pairs"))
    patterns = Patterns(extra=[mine])
    assert patterns.library["rating_pairs"].description == "our board's own phrasing"
    assert len(patterns.library) == len(PATTERNS.library)


def test_type_override_from_cli_and_api(tmp_path):
    from extractor import extract

    doc = write(tmp_path / "note.txt", "Thanet CCG was rated good in the 2019/20 annual assessment.\n")
    assert extract(doc)["documents"]["doc_type"].iloc[0] == "unknown"
    forced = extract(doc, doc_type="board_paper")
    assert forced["documents"]["doc_type"].iloc[0] == "board_paper"
    assert forced["ratings"]["rule"].iloc[0].startswith("board_paper/")
    out = tmp_path / "out"
    assert run("extract", doc, "--out", out, "--type", "news_article", "-q", "--no-cache").exit_code == 0
    assert ",news_article," in (out / "documents.csv").read_text(encoding="utf-8")
    bad = CliRunner().invoke(cli, ["extract", str(doc), "--out", str(out), "--type", "minutes"])
    assert bad.exit_code == 2 and "no such document type" in bad.output


def test_unknown_documents_run_every_rule(tmp_path):
    from extractor import extract

    doc = write(tmp_path / "page.txt", "Thanet CCG was rated good in the 2019/20 annual assessment.\n")
    result = extract(doc)
    assert result["documents"]["doc_type"].iloc[0] == "unknown"
    assert list(result["ratings"]["organisation"]) == ["Thanet CCG"]


def test_a_document_with_nothing_says_so(tmp_path):
    from extractor import extract

    doc = write(tmp_path / "minutes.txt", "The meeting opened at ten. Apologies were received.\n")
    row = extract(doc)["documents"].iloc[0]
    assert row["status"] == "ok" and "no ratings, budgets, indicators or achievements found" in row["message"]


def test_builtin_patterns_are_packaged():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"library/*.yml"' in text
    assert sorted(p.name for p in (ROOT / "patterns" / "library").glob("*.yml"))


def test_readme_rule_example_loads_runs_and_reports_a_misspelling(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    mine = write(tmp_path / "my-rules.yml", block)
    patterns = Patterns(extra=[mine])
    assert failures(patterns, patterns.library["verdict"]) == []
    write(mine, block.replace("    patterns:", "    pattern:"))
    with pytest.raises(PatternFileError) as caught:
        Patterns(extra=[mine])
    quoted = readme.split("every error listed, as\n`", 1)[1].split("`", 1)[0]
    assert quoted in str(caught.value)
