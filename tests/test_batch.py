"""Batch behaviour: parallel and filtered runs give the same output, the cache,
Dask, and a hostile folder that must not spoil the good documents."""

import csv
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor import batch as batch_module
from extractor.api import extract, run_batch
from extractor.cache import Cache
from extractor.cli import cli
from extractor.patterns import Patterns
from extractor.schema import TABLES

from .conftest import ROOT, SHARED


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def read_out(folder: Path) -> dict[str, bytes]:
    return {table: (folder / f"{table}.csv").read_bytes() for table in TABLES}


def corpora(shared: bool):
    yield ROOT / "corpus"
    if shared:
        yield SHARED / "corpus" / "documents"


def scanned_pdf(path: Path) -> None:
    """A page that is only a picture of text: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    picture = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(picture).text((20, 80), "Cannock Chase CCG rated good", fill="black")
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(picture), 50, 500, width=500, height=170)
    pdf.save()


@pytest.mark.parametrize("shared", [False, True], ids=["own", "shared"])
def test_jobs_and_page_filter_do_not_change_output(tmp_path, shared, request):
    if shared:
        request.getfixturevalue("shared_corpus")
    for corpus in corpora(shared):
        outs = {}
        for name, extra in {"one": ["--jobs", "1"], "two": ["--jobs", "2"], "full": ["--jobs", "1", "--full-scan"]}.items():
            outs[name] = tmp_path / corpus.name / name
            result = run("extract", corpus, "--out", outs[name], "-q", "--no-cache", *extra)
            assert result.exit_code in (0, 1), result.output
        one = read_out(outs["one"])
        assert one["ratings"].count(b"\n") > 1
        assert read_out(outs["two"]) == one
        assert read_out(outs["full"]) == one


def test_cache_reuses_until_file_or_patterns_change(tmp_path):
    folder = tmp_path / "in"
    (folder / "news").mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt", folder / "news")
    shutil.copy(ROOT / "corpus" / "framework" / "iaf-annex-2018-19.pdf", folder)
    patterns_dir = tmp_path / "patterns"
    shutil.copytree(ROOT / "patterns", patterns_dir)
    store = tmp_path / "cache"

    def batch():
        patterns = Patterns(patterns_dir)
        return run_batch(folder, patterns, cache=Cache(store, patterns))

    first = batch()
    assert first.cached == 0
    second = batch()
    assert second.cached == 2 and second.tables == first.tables

    news = next((folder / "news").iterdir())
    news.write_text(news.read_text(encoding="utf-8").replace("Thanet CCG", "Swale CCG"),
                    encoding="utf-8")
    third = batch()
    assert third.cached == 1
    assert any(r["org_code"] == "10D" for r in third.tables["ratings"])

    vocabulary = patterns_dir / "news_article.yml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert batch().cached == 0


def test_cache_flags_on_the_command_line(tmp_path, caplog):
    out, store = tmp_path / "out", tmp_path / "cache"
    source = ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt"
    first = run("extract", source, "--out", out, "--cache-dir", store, "-v")
    assert first.exit_code == 0 and "1 files, 0 pages" in first.output and "from cache" not in first.output
    before = read_out(out)
    second = run("extract", source, "--out", out, "--cache-dir", store, "-v")
    assert "1 files (1 from cache)" in second.output and read_out(out) == before
    assert "ccg-ratings-roundup-2019.txt: news_article (score" in caplog.text  # --verbose: each file's type
    forced = run("extract", source, "--out", out, "--cache-dir", store, "--no-cache", "-v")
    assert "from cache" not in forced.output and read_out(out) == before
    piped = run("extract", source, "--out", out, "--cache-dir", store)
    assert "1 files (1 from cache)" in piped.output  # the summary goes to stderr even when it is not a terminal
    assert run("extract", source, "--out", out, "--cache-dir", store, "-q").output == ""


def test_dask_local_cluster_gives_the_same_output(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    local = tmp_path / "local"
    assert run("extract", ROOT / "corpus", "--out", local, "-q", "--no-cache", "--jobs", "1").exit_code == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = tmp_path / "dask"
        result = run("extract", ROOT / "corpus", "--out", remote, "--no-cache", "--scheduler", cluster.scheduler_address)
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert read_out(remote) == read_out(local)


def test_unreachable_scheduler_is_a_usage_error(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    import dask

    monkeypatch.setitem(dask.config.config, "distributed", {**dask.config.config.get("distributed", {}),
                                                             "comm": {**dask.config.get("distributed.comm"),
                                                                      "timeouts": {"connect": "1s", "tcp": "1s"}}})
    result = run("extract", ROOT / "corpus" / "news_article", "--out", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2 and "cannot use the Dask scheduler" in result.output


def hostile_folder(root: Path) -> Path:
    folder = root / "in"
    shutil.copytree(ROOT / "corpus", folder / "good", ignore=shutil.ignore_patterns("golden"))
    (folder / "bad" / "deeper").mkdir(parents=True)
    bad = folder / "bad"
    (bad / "empty.pdf").write_bytes(b"")
    (bad / "truncated.pdf").write_bytes((ROOT / "corpus" / "framework" / "iaf-annex-2018-19.pdf").read_bytes()[:900])
    (bad / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(bad / "sheet.xlsx", "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    (bad / "binary.html").write_bytes(b"\x00\x01\x02\x03" * 100)
    shutil.copy(ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt", bad / "deeper" / "news.pdf")
    (bad / "latin1.txt").write_bytes("Caf\xe9 report on the annual assessment".encode("cp1252"))
    (bad / "slow.txt").write_text("A file the test makes slow.\n", encoding="utf-8")
    scanned_pdf(bad / "scanned.pdf")
    (bad / "deeper" / "loop").symlink_to(folder, target_is_directory=True)
    (bad / "self-link.txt").symlink_to(bad / "self-link.txt")
    if (SHARED / "peer-pdfs").is_dir():
        shutil.copy(SHARED / "peer-pdfs" / "pdfplumber-tests" / "password-example.pdf", bad / "locked.pdf")
    return folder


def test_hostile_folder(tmp_path, monkeypatch):
    folder = hostile_folder(tmp_path)
    real = batch_module.process_file

    def slow_on_one_file(path, *args, **kwargs):
        if path.name == "slow.txt":
            time.sleep(30)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch_module, "process_file", slow_on_one_file)
    out = tmp_path / "out"
    result = run("extract", folder, "--out", out, "--jobs", "1", "--timeout", "1", "--no-cache", "--ocr", "never")
    assert result.exit_code == 1
    assert "Traceback" not in result.output

    docs = {r["doc_id"]: r for r in csv.DictReader((out / "documents.csv").open(encoding="utf-8"))}
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_symlink() or p.is_file())
    assert sorted(docs) == sorted(f for f in files if not f.startswith("bad/deeper/loop"))
    bad = {k.removeprefix("bad/"): v for k, v in docs.items() if k.startswith("bad/")}
    expected = {
        "empty.pdf": ("failed", "empty"), "truncated.pdf": ("failed", "corrupt"), "broken.docx": ("failed", ""),
        "sheet.xlsx": ("failed", "spreadsheet"), "binary.html": ("failed", ""), "latin1.txt": ("ok", ""),
        "deeper/news.pdf": ("ok", "holds TEXT"), "slow.txt": ("failed", "timed out after 1 s"),
        "scanned.pdf": ("needs_ocr", "OCR"), "self-link.txt": ("failed", "cannot read file"),
        "locked.pdf": ("failed", "password"),
    }
    for name, row in bad.items():
        status, words = expected[name]
        assert row["status"] == status and words in row["message"], (name, row)
        assert "\n" not in row["message"]

    alone = tmp_path / "alone"
    run("extract", ROOT / "corpus", "--out", alone, "-q", "--no-cache")
    for table in TABLES:
        if table == "documents":
            continue
        mixed = [line.removeprefix("good/") for line in (out / f"{table}.csv").read_text(encoding="utf-8").splitlines()]
        assert [line for line in mixed if not line.startswith("bad/")] == (alone / f"{table}.csv").read_text(
            encoding="utf-8").splitlines()


def test_hostile_folder_in_parallel_matches_one_job(tmp_path):
    folder = hostile_folder(tmp_path)
    outs = []
    for jobs in ("1", "2"):
        outs.append(tmp_path / f"out{jobs}")
        assert run("extract", folder, "--out", outs[-1], "--jobs", jobs, "-q", "--no-cache").exit_code == 1
    assert read_out(outs[0]) == read_out(outs[1])


def test_api_returns_typed_frames():
    extraction = extract(ROOT / "corpus" / "board_paper")
    budgets = extraction["budgets"]
    assert str(budgets["budget_gbp"].dtype) == "Int64" and str(budgets["page"].dtype) == "Int64"
    assert budgets["arithmetic"].dtype == "category"
    assert budgets["page"].isna().any() and not budgets["page"].isna().all()  # DOCX rows have no page
    ratings = extraction["ratings"]
    assert list(ratings["rating"].cat.categories)[:4] == ["outstanding", "good", "requires_improvement", "inadequate"]
    assert set(extraction["documents"]["doc_type"].astype(str)) == {"board_paper"}
    with pytest.raises(KeyError, match="the tables are"):
        extraction["nope"]


def test_results_and_golden_folders_inside_the_input_are_not_read(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(ROOT / "corpus", folder)  # holds golden/
    assert run("extract", folder, "--out", folder / "outputs", "-q", "--no-cache").exit_code == 0
    again = run("extract", folder, "--out", folder / "outputs", "-q", "--no-cache")
    assert again.exit_code == 0
    docs = [r["doc_id"] for r in csv.DictReader((folder / "outputs" / "documents.csv").open(encoding="utf-8"))]
    documents = sorted(p.relative_to(ROOT / "corpus").as_posix() for p in (ROOT / "corpus").rglob("*")
                       if p.is_file() and "golden" not in p.parts)
    assert docs == documents


def test_a_worker_that_dies_fails_only_its_own_file(tmp_path, monkeypatch):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "crash.txt", "c.txt", "d.txt"):
        shutil.copy(ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt", folder / name)
    real = batch_module.process_file

    def crash_on_one_file(path, *args, **kwargs):
        if path.name == "crash.txt":
            os._exit(3)  # as a segfault in a native library would end the worker
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch_module, "process_file", crash_on_one_file)
    batch = run_batch(folder, Patterns(), jobs=2)
    docs = {r["doc_id"]: r for r in batch.tables["documents"]}
    assert docs["crash.txt"]["status"] == "failed" and "process reading this file died" in docs["crash.txt"]["message"]
    assert all(docs[n]["status"] == "ok" for n in ("a.txt", "c.txt", "d.txt"))
    assert {r["doc_id"] for r in batch.tables["ratings"]} == {"a.txt", "c.txt", "d.txt"}


def test_run_dependent_failures_are_not_cached(tmp_path):
    from extractor.batch import failed

    cache = Cache(tmp_path / "cache", Patterns())
    for message in ("timed out after 1 s: raise --timeout or split the file",
                    "the process reading this file died (a crash in a PDF or XML library?): check the file"):
        result = failed("a.pdf", message)
        result.document["sha256"] = "0" * 64
        cache.put(result)
        assert cache.get("0" * 64, "a.pdf") is None
    kept = failed("b.pdf", "PDF is password-protected: it needs a password; save an unprotected copy")
    kept.document["sha256"] = "1" * 64
    cache.put(kept)
    assert cache.get("1" * 64, "b.pdf").document["message"].startswith("PDF is password-protected")


def test_a_changed_build_misses_the_cache(tmp_path, monkeypatch):
    from extractor import cache as cache_module

    source = ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt"
    patterns = Patterns()
    run_batch(source, patterns, cache=Cache(tmp_path / "c", patterns))
    assert run_batch(source, patterns, cache=Cache(tmp_path / "c", patterns)).cached == 1
    monkeypatch.setattr(cache_module, "_code_digest", lambda: "another build")
    assert run_batch(source, patterns, cache=Cache(tmp_path / "c", patterns)).cached == 0
