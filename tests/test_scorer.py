"""`check` against an independent scorer written from OUTPUT-SCHEMA.md with pandas merges.

The two share no code; on a perturbed golden folder they must give the same precision,
recall, F1 and field accuracy for every table keyed exactly (achievements, matched by
similarity, are left to the check's own tests)."""

import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from extractor.check import compare
from extractor.cli import cli

from .conftest import ROOT

EXACT_KEYS = {
    "documents": ["doc_id"],
    "rating_counts": ["doc_id", "period", "assessment", "previous_rating", "rating"],
    "budgets": ["doc_id", "org", "period", "budget_line"],  # org: org_code, or the name where there is none
    "indicators": ["doc_id", "indicator"],
}


def norm(value: str) -> str:
    text = str(value).replace("\u00a0", " ").replace("–", " ").replace("-", " ")
    text = text.translate(str.maketrans("‘’“”", "''\"\"")).replace("&", "and")
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text[:-1] if text.endswith(".") else text


def score(output: str, golden: str, table: str) -> tuple[float, float, float, float]:
    gold = pd.read_csv(f"{golden}/{table}.csv", dtype=str, keep_default_na=False)
    out = pd.read_csv(f"{output}/{table}.csv", dtype=str, keep_default_na=False)
    out = out[out["doc_id"].isin(set(pd.read_csv(f"{golden}/documents.csv", dtype=str)["doc_id"]))]
    columns = [c for c in gold.columns if c in out.columns]
    keys = EXACT_KEYS[table]
    for frame in (gold, out):
        for column in columns:
            frame[column] = frame[column].map(norm)
        if "org_code" in columns:
            frame["org"] = frame["org_code"].where(frame["org_code"] != "", "name: " + frame["organisation"])
    if "org_code" in columns:
        columns = columns + ["org"]
    merged = gold[columns].merge(out[columns], on=keys, how="inner", suffixes=("_g", "_o"))
    matched = len(merged)
    precision = matched / len(out) if len(out) else 1.0
    recall = matched / len(gold) if len(gold) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    others = [c for c in columns if c not in keys and c != "org"]
    fields = sum((merged[f"{c}_g"] == merged[f"{c}_o"]).sum() for c in others)
    total = matched * len(others)
    return precision, recall, f1, (fields / total if total else 1.0)


@pytest.fixture(scope="module")
def perturbed(tmp_path_factory):
    """The corpus output, and a golden folder with a row dropped, a value changed and a row added."""
    base = tmp_path_factory.mktemp("scorer")
    out = base / "out"
    CliRunner().invoke(cli, ["extract", str(ROOT / "corpus"), "--out", str(out), "-q", "--no-cache"])
    golden = base / "golden"
    shutil.copytree(ROOT / "corpus" / "golden", golden)
    budgets = (golden / "budgets.csv").read_text(encoding="utf-8").splitlines()
    budgets[2] = re.sub(r",(\d+),", lambda m: f",{int(m.group(1)) + 1000},", budgets[2], count=1)
    del budgets[3]
    budgets.append(budgets[1].replace("2018/19", "2017/18"))
    (golden / "budgets.csv").write_text("\n".join(budgets) + "\n", encoding="utf-8")
    counts = (golden / "rating_counts.csv").read_text(encoding="utf-8").splitlines()
    (golden / "rating_counts.csv").write_text("\n".join(counts[:-1]) + "\n", encoding="utf-8")
    return out, golden


@pytest.mark.parametrize("table", sorted(EXACT_KEYS))
def test_check_agrees_with_an_independent_scorer(perturbed, table):
    out, golden = perturbed
    ours = {r.table: r for r in compare(out, golden)}[table]
    theirs = score(str(out), str(golden), table)
    assert (ours.precision, ours.recall, ours.f1, ours.field_accuracy) == pytest.approx(theirs)
    if table in ("budgets", "rating_counts"):
        assert theirs[2] < 1.0  # the perturbation shows
