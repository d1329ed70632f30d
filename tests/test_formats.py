"""Feeding other tools: typed frames, every format read back, datapackage.json
validated by frictionless, the README's API example, and explain's page images."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from extractor import Extraction, extract
from extractor.cli import cli
from extractor.schema import TABLES

from .conftest import ROOT


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract(ROOT / "corpus")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_every_format_reads_back_to_the_same_frames(extraction, tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    folder = extraction.write(tmp_path / fmt, format=fmt)
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{t}.{fmt}" for t in TABLES] + [".nhs-extract", "datapackage.json"])
    back = Extraction.read(folder, format=fmt)
    for table in TABLES:
        pd.testing.assert_frame_equal(back[table], extraction[table], check_categorical=True)
    assert len(back["budgets"]) > 10 and back["budgets"]["budget_gbp"].sum() > 0


def test_cli_format_matches_csv(tmp_path):
    runner = CliRunner()
    for fmt in ("csv", "jsonl"):
        result = runner.invoke(cli, ["extract", str(ROOT / "corpus" / "board_paper"), "--out", str(tmp_path / fmt),
                                     "--format", fmt, "-q", "--no-cache"])
        assert result.exit_code == 0, result.output  # the board paper's wrong variance is a warning
    csv_rows = Extraction.read(tmp_path / "csv")
    jsonl_rows = Extraction.read(tmp_path / "jsonl", format="jsonl")
    assert csv_rows.tables == jsonl_rows.tables
    first = (tmp_path / "jsonl" / "budgets.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert '"budget_gbp": 205200000' in first and '"page": null' in first


def frictionless(descriptor: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).parent / "frictionless"
    if not command.exists():
        pytest.skip("frictionless is not installed (it comes with the test extra)")
    return subprocess.run([str(command), "validate", str(descriptor)], capture_output=True, text=True)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_datapackage_validates_and_catches_a_bad_value(extraction, tmp_path, fmt):
    folder = extraction.write(tmp_path / "out", format=fmt)
    valid = frictionless(folder / "datapackage.json")
    assert valid.returncode == 0, valid.stdout
    ratings = folder / f"ratings.{fmt}"
    ratings.write_text(ratings.read_text(encoding="utf-8").replace("inadequate", "dreadful", 1), encoding="utf-8")
    broken = frictionless(folder / "datapackage.json")
    assert broken.returncode != 0 and "dreadful" in broken.stdout


def test_datapackage_of_the_acceptance_corpus(shared_corpus, tmp_path):
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["extract", str(shared_corpus / "documents"), "--out", str(out), "-q", "--no-cache"])
    result = frictionless(out / "datapackage.json")
    assert result.returncode == 0, result.stdout


def test_readme_api_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert (tmp_path / "outputs-jsonl" / "ratings.jsonl").exists()
    assert str(namespace["ratings"]["rating"].dtype) == "category"


def _differs_from_bare_page(pdf: Path, image: Path, number: int) -> bool:
    import pdfplumber
    from PIL import Image, ImageChops

    with pdfplumber.open(pdf) as doc:
        bare = doc.pages[number - 1].to_image(resolution=110).original.convert("RGB")
    drawn = Image.open(image).convert("RGB")
    return bare.size == drawn.size and ImageChops.difference(bare, drawn).getbbox() is not None


@pytest.mark.parametrize("source", ["own", "shared"])
def test_explain_images_outline_the_tables(tmp_path, source, request):
    if source == "shared":
        pdf = request.getfixturevalue("shared_corpus") / "documents" / "staffordshire-ccg-annual-assessments-2019.pdf"
    else:
        pdf = ROOT / "corpus" / "board_paper" / "governing-body-assessment-2019.pdf"
    folder = tmp_path / "images"
    result = CliRunner().invoke(cli, ["explain", str(pdf), "--images", str(folder)])
    assert result.exit_code == 0, result.output
    images = sorted(folder.glob("*.png"))
    assert images and f"Wrote {len(images)} page images" in result.output
    for image in images:
        number = int(image.stem.rsplit("-", 1)[1])
        assert _differs_from_bare_page(pdf, image, number)
    # the pages holding the ratings table and the budget table carry the table outline colour
    pages_with_tables = {int(p) for p in re.findall(r"page (\d+): \w+/(?:ratings_table|budget_table)", result.output)}
    assert len(pages_with_tables) >= 2 if source == "shared" else pages_with_tables
    for number in pages_with_tables:
        assert _outline_pixels(folder / f"{pdf.stem}-page-{number:03d}.png") > 500


def _outline_pixels(image: Path) -> int:
    import numpy as np
    from PIL import Image

    from extractor.images import TABLE

    pixels = np.asarray(Image.open(image).convert("RGB"))
    return int((pixels == np.array(TABLE["stroke"])).all(axis=2).sum())


def test_explain_images_refuse_a_non_pdf(tmp_path):
    result = CliRunner().invoke(cli, ["explain", str(ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt"),
                                      "--images", str(tmp_path / "i")])
    assert result.exit_code == 2 and "not a PDF" in result.output
