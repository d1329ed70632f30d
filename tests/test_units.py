"""Normalisation, organisations and loaders on small inputs."""

import pytest

from extractor import normalise
from extractor.loaders import load_html, load_text
from extractor.orgs import Organisations, split_names


@pytest.mark.parametrize("text,multiplier,expected", [
    ("£205,246", 1000, 205246000), ("-£21,686", 1000, -21686000), ("(21.7)", 10**6, -21700000),
    ("£16.4 billion", 1, 16400000000), ("£21,686 overspend", 1000, -21686000), ("\u2010670", 1, -670),
])
def test_money(text, multiplier, expected):
    assert normalise.money(text, multiplier)[0] == expected


def test_money_rejects_non_amounts():
    assert normalise.money("######") is None and normalise.money("£'000") is None
    assert normalise.money("Allocation £000s") is None and normalise.money("Budget (£m)") is None
    assert normalise.money("£16.4m") == (16400000, 100000)
    assert normalise.money("overspend of £21.7m")[0] == -21700000 and normalise.money("a deficit of £3m")[0] == -3000000


@pytest.mark.parametrize("text,expected", [("2018-19", "2018/19"), ("2018/2019", "2018/19"), ("2016-2017", "2016/17"), ("2018-20", "")])
def test_period(text, expected):
    assert normalise.period(text) == expected


def test_units_and_counts():
    assert normalise.unit_multiplier("Financial position 2018/19 (£m)") == 10**6
    assert normalise.unit_multiplier("Budget £000s") == 1000
    assert normalise.count("Sixty-three") == 63 and normalise.count("24") == 24


def test_arithmetic_half_unit():
    assert normalise.arithmetic(205200000, 203800000, 1400000, 100000) == "ok"
    assert normalise.arithmetic(448600000, 478100000, -19500000, 100000) == "mismatch"


def test_hyphenation():
    assert normalise.join_broken_lines(["care planning and post-", "diagnostic support"]) == "care planning and post-diagnostic support"
    assert normalise.join_broken_lines(["the mainte-", "nance of"]) == "the maintenance of"


def test_org_codes_by_period():
    orgs = Organisations.load()
    assert orgs.code("Leeds North CCG", "2017/18") == "02V"
    assert orgs.code("Leeds CCG", "2018/19") == "15F"
    for name in ("Stoke on Trent CCG", "Stoke-on-Trent CCG", "NHS Stoke on Trent CCG"):
        assert orgs.code(name, "2018/19") == "05W"
    assert orgs.code("Borsetshire CCG", "2018/19") == ""


def test_split_names():
    orgs = Organisations.load()
    assert split_names("Leeds West CCG, Leeds North CCG, and Leeds South and East CCG", orgs) == [
        "Leeds West CCG", "Leeds North CCG", "Leeds South and East CCG"]
    assert split_names("North Staffordshire and Stoke on Trent CCGs", orgs) == ["North Staffordshire CCG", "Stoke on Trent CCG"]


def test_html_drops_chrome_and_keeps_lists():
    doc = load_html(b"<html><body><div class='cookie-banner'>cookies</div><nav>Home</nav><article><h1>T</h1>"
                    b"<p>Body text.</p><ul><li>Item one</li></ul></article><footer>foot</footer></body></html>", "x.html")
    assert [(line.kind, line.text) for line in doc.lines] == [("heading", "T"), ("text", "Body text."), ("item", "Item one")]


def test_text_fallback_encoding_and_items():
    doc = load_text("Caf\xe9 heading\n\n\u2022 first\n\u2022 second\n".encode("cp1252"), "x.txt")
    assert doc.lines[0].text == "Caf\xe9 heading"
    assert [line.kind for line in doc.lines[1:]] == ["item", "item"]


def test_rows_follow_the_order_of_the_document(tmp_path):
    """Rules run kind by kind; rows must still come out in the order the document gives them."""
    from extractor import extract

    from .conftest import ROOT

    paragraphs = (ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt").read_text(encoding="utf-8").split("\n\n")
    moved = next(p for p in paragraphs if "rose two ratings" in p)  # a sentence rule's match, moved last
    source = tmp_path / "reordered.txt"
    source.write_text("\n\n".join([p for p in paragraphs if p != moved] + [moved]), encoding="utf-8")
    names = [row["organisation"] for row in extract(source).tables["ratings"]]
    assert names[:2] == ["Thanet CCG", "Borsetshire CCG"] and "Kernow CCG" in names[2:]


@pytest.mark.parametrize("pattern,expected", [
    (r"(?i)\bbulletin\b", {"bulletin"}),
    (r"(?:optional\s+)?required", {"required"}),
    (r"(?:abc)*defg|hi", None),            # a branch with a side too short to help
    (r"(panel|committee) meeting", {" meeting"}),
    (r"(panel|committee)\s+x", {"panel", "committee"}),
    (r"[A-Z]\w+ CCG", {" ccg"}),
])
def test_needles(pattern, expected):
    import re

    from extractor.needles import needles

    found = needles(re.compile(pattern))
    assert (set(found) if found else None) == expected


def test_needles_never_hide_a_match():
    """Every line any rule pattern matches in our corpus also passes the prefilter."""
    import re

    from extractor.loaders import decode, load_html
    from extractor.needles import may_match
    from extractor.patterns import Patterns

    from .conftest import ROOT

    lines = decode((ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt").read_bytes()).splitlines()
    html = load_html((ROOT / "corpus" / "press_release" / "ccg-assessment-news-2019.html").read_bytes(), "p")
    lines += [line.text for line in html.lines]
    patterns = Patterns()
    checked = 0
    sources = [c.pattern for t in patterns.types.values() for c in t.classify.cues]
    sources += [p for _, r in patterns.all_rules() for p in getattr(r, "patterns", [])]
    for source in sources:
        regex = patterns.compile(source, re.M)
        for line in lines:
            if regex.search(line):
                checked += 1
                assert may_match(regex, line.casefold()), (source, line)
    assert checked > 15


@pytest.mark.parametrize("text,expected", [
    # a known name is not swallowed by the looser 'University Hospitals of ... and ...' shape
    ("University Hospitals of North Midlands and Stoke-on-Trent CCG did well",
     ["University Hospitals of North Midlands", "Stoke-on-Trent CCG"]),
    ("University Hospitals of Derby and Burton opened a ward", ["University Hospitals of Derby and Burton"]),
    # a short form from the list keeps the suffix it is printed with
    ("Performance at the Royal Wolverhampton Trust (RWT) is good", ["Royal Wolverhampton Trust"]),
    ("Borsetshire CCG and Thanet CCG", ["Borsetshire CCG", "Thanet CCG"]),
])
def test_organisations_in_text(text, expected):
    from extractor.entities import EntityFinder
    from extractor.patterns import Patterns

    assert EntityFinder(Patterns(), {}).find(text) == expected
