"""Issue 18, nothing lost and nothing let in: output ownership, hostile inputs, a strict check,
CSV safety, warnings, signals.  Every hostile case is built inside tmp_path."""

import csv
import errno
import os
import shutil
import stat

import pytest
from click.testing import CliRunner

from extractor import output
from extractor.cli import cli

from .conftest import ROOT

NEWS = ROOT / "corpus" / "news_article" / "ccg-ratings-roundup-2019.txt"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def news_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(NEWS, folder / "news.txt")
    return folder


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".old-" in p.name or ".new-" in p.name or p.name.endswith(".lock"))


# ---------------------------------------------------------------- 1. output ownership

def test_a_users_folder_is_never_replaced_without_force(tmp_path):
    folder = news_folder(tmp_path)
    theirs = tmp_path / "thesis"
    theirs.mkdir()
    (theirs / "documents.csv").write_text("doc_id,notes\nch1,my own table\n", encoding="utf-8")
    (theirs / "thesis.docx").write_bytes(b"my thesis")
    refused = run("extract", folder, "--out", theirs, "-q")
    assert refused.exit_code == 2
    assert refused.output.count("\n") == 1 and "did not write" in refused.output and "--force" in refused.output
    assert (theirs / "thesis.docx").read_bytes() == b"my thesis"
    assert (theirs / "documents.csv").read_text(encoding="utf-8").startswith("doc_id,notes")
    forced = run("extract", folder, "--out", theirs, "-q", "--force")
    assert forced.exit_code == 0 and not (theirs / "thesis.docx").exists()
    assert leftovers(tmp_path) == []


def test_our_marker_makes_a_folder_ours(tmp_path):
    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    assert (out / ".nhs-extract").read_text(encoding="utf-8").startswith("nhs-extract 0.")
    assert run("extract", folder, "--out", out, "-q").exit_code == 0  # ours: replaced
    (out / ".nhs-extract").unlink()  # without the marker the folder is no longer ours, whatever it holds
    assert run("extract", folder, "--out", out, "-q").exit_code == 2
    assert leftovers(tmp_path) == []


def test_a_user_folder_with_documents_csv_inside_the_input_is_read(tmp_path):
    folder = news_folder(tmp_path)
    (folder / "thesis").mkdir()
    (folder / "thesis" / "documents.csv").write_text("doc_id,notes\n", encoding="utf-8")
    shutil.copy(NEWS, folder / "thesis" / "chapter.txt")
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    docs = (out / "documents.csv").read_text(encoding="utf-8")
    assert "thesis/chapter.txt" in docs and "thesis/documents.csv" in docs


def test_a_second_run_on_a_locked_folder_is_refused(tmp_path):
    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    with output.output_lock(out):
        busy = run("extract", folder, "--out", out, "-q")
    assert busy.exit_code == 2 and "another nhs-extract run is writing" in busy.output
    assert busy.output.count("\n") == 1 and not out.exists()
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    assert leftovers(tmp_path) == []


def test_a_failed_swap_restores_the_previous_output(tmp_path, monkeypatch):
    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    before = (out / "ratings.csv").read_bytes()
    real = os.replace

    def refuse_new(src, dst):
        if ".new-" in str(src):
            raise OSError(errno.EXDEV, "cross-device link")
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", refuse_new)
    with pytest.raises(OSError):
        output.write_tables({"ratings": []}, out)
    assert (out / "ratings.csv").read_bytes() == before
    assert leftovers(tmp_path) == []


def test_a_run_killed_mid_swap_is_repaired_by_the_next(tmp_path):
    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    os.replace(out, tmp_path / ".out.old-123-abcd")  # as a SIGKILL between the two renames leaves it
    (tmp_path / ".out.new-123-abcd").mkdir()
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    assert (out / "ratings.csv").exists() and leftovers(tmp_path) == []


def test_a_disk_error_is_one_line_and_keeps_the_previous_output(tmp_path, monkeypatch):
    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    before = (out / "ratings.csv").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "render", full)
    result = run("extract", folder, "--out", out, "-q")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert (out / "ratings.csv").read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("mask,mode", [(0o022, 0o755), (0o027, 0o750)])
def test_output_folder_mode_follows_the_umask(tmp_path, mask, mode):
    folder = news_folder(tmp_path)
    previous = os.umask(mask)
    try:
        assert run("extract", folder, "--out", tmp_path / "out", "-q").exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == mode


def test_golden_init_refuses_a_folder_with_files(tmp_path):
    out = tmp_path / "out"
    assert run("extract", news_folder(tmp_path), "--out", out, "-q").exit_code == 0
    golden = tmp_path / "golden"
    golden.mkdir()
    (golden / "notes.txt").write_text("mine", encoding="utf-8")
    refused = run("golden", "init", out, golden)
    assert refused.exit_code == 2 and "not empty" in refused.output and not (golden / "ratings.csv").exists()
    assert run("golden", "init", out, golden, "--force").exit_code == 0
    assert (golden / "ratings.csv").exists() and (golden / "notes.txt").exists()
    assert run("golden", "init", out, tmp_path / "fresh").exit_code == 0


# ---------------------------------------------------------------- 2. inputs

def documents(out):
    with (out / "documents.csv").open(encoding="utf-8", newline="") as fh:
        return {r["doc_id"]: r for r in csv.DictReader(fh)}


def test_links_out_of_the_input_folder_are_not_followed(tmp_path):
    folder = news_folder(tmp_path)
    secret = tmp_path / "private"
    secret.mkdir()
    shutil.copy(NEWS, secret / "secret.txt")
    (folder / "out-file.txt").symlink_to(secret / "secret.txt")
    (folder / "out-folder").symlink_to(secret, target_is_directory=True)
    (folder / "inside.txt").symlink_to(folder / "news.txt")
    out = tmp_path / "out"
    result = run("extract", folder, "--out", out)
    assert result.exit_code == 0, result.output
    docs = documents(out)
    assert sorted(docs) == ["inside.txt", "news.txt", "out-file.txt", "out-folder"]
    for name in ("out-file.txt", "out-folder"):
        assert docs[name]["status"] == "skipped" and "outside the input folder" in docs[name]["message"]
    assert docs["inside.txt"]["status"] == "ok" and "secret" not in (out / "ratings.csv").read_text(encoding="utf-8")
    assert "2 skipped" in result.output
    assert run("extract", folder, "--out", out, "--strict", "-q").exit_code == 1  # a skipped file is a warning


def test_pipes_sockets_and_devices_are_skipped_unopened(tmp_path):
    import socket
    import subprocess
    import sys

    folder = news_folder(tmp_path)
    os.mkfifo(folder / "pipe.txt")
    (folder / "pipes").mkdir()
    for name in ("documents.csv", ".nhs-extract"):  # names the walk looks into when it looks for results folders
        os.mkfifo(folder / "pipes" / name)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "sock.txt"))
    device = True
    try:
        os.mknod(folder / "null.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError):
        device = False
    out = tmp_path / "out"
    try:  # a subprocess, so that a reader blocked on the FIFO fails the test instead of hanging it
        done = subprocess.run([sys.executable, "-m", "extractor", "extract", str(folder), "--out", str(out), "--jobs", "2",
                               "--no-cache"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    docs = documents(out)
    assert docs["pipe.txt"]["status"] == "skipped" and "FIFO" in docs["pipe.txt"]["message"]
    assert docs["sock.txt"]["status"] == "skipped" and "socket" in docs["sock.txt"]["message"]
    if device:
        assert docs["null.txt"]["status"] == "skipped" and "device" in docs["null.txt"]["message"]
    assert docs["news.txt"]["status"] == "ok"
    assert docs["pipes/documents.csv"]["status"] == "skipped"
    single = subprocess.run([sys.executable, "-m", "extractor", "extract", str(folder / "pipe.txt"), "--out",
                             str(tmp_path / "one")], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert single.returncode == 0 and documents(tmp_path / "one")["pipe.txt"]["status"] == "skipped"


def test_a_file_over_the_size_limit_is_skipped(tmp_path, monkeypatch):
    from extractor import pipeline

    folder = news_folder(tmp_path)
    (folder / "small.txt").write_text("Thanet CCG was rated good.\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "MAX_BYTES", 100)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q", "--jobs", "1").exit_code == 0
    docs = documents(out)
    assert docs["news.txt"]["status"] == "skipped" and "size limit" in docs["news.txt"]["message"]
    assert docs["small.txt"]["status"] == "ok"


def test_a_docx_zip_bomb_is_not_unpacked(tmp_path):
    import zipfile

    folder = tmp_path / "in"
    folder.mkdir()
    with zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document/>")
        with z.open("word/media/zeros.bin", "w", force_zip64=True) as fh:
            for _ in range(300):
                fh.write(b"\0" * 2**20)
    assert (folder / "bomb.docx").stat().st_size < 2**20
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    row = documents(out)["bomb.docx"]
    assert row["status"] == "skipped" and "zip bomb" in row["message"]


def test_deeply_nested_html_is_read_in_bounded_time(tmp_path):
    import time

    from extractor.patterns import Patterns
    from extractor.pipeline import process_file

    depth = 20_000
    for tag in ("div", "blockquote", "li", "span"):
        data = (f"<html><body><h1>Ratings</h1>{f'<{tag}>' * depth}<p>Thanet CCG was rated good for 2019/20.</p>"
                f"{f'</{tag}>' * depth}</body></html>").encode()
        path = tmp_path / f"{tag}.html"
        path.write_bytes(data)
        started = time.monotonic()
        result = process_file(path, path.name, Patterns())
        assert time.monotonic() - started < 10, tag
        assert result.document["status"] == "ok", result.document


def test_text_that_mentions_the_pdf_signature_is_text(tmp_path):
    from extractor.loaders import sniff

    note = b"# Notes on PDF files\n\nEvery PDF starts with %PDF-1.7 on its first line.\n\n%PDF-1.4 is older.\n"
    assert sniff(note) == "text"
    assert sniff(b"\xef\xbb\xbf\n  %PDF-1.7\n") == "pdf"
    assert sniff(b"banner of a tool\n%PDF-1.4\n1 0 obj\n%%EOF\n") == "pdf"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.md").write_bytes(note)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    row = documents(out)["notes.md"]
    assert row["status"] == "ok" and row["pages"] == ""


# ---------------------------------------------------------------- 3. check strictness

@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "out"
    assert CliRunner().invoke(cli, ["extract", str(ROOT / "corpus"), "--out", str(out), "-q", "--no-cache"]).exit_code == 0
    return out


def edit_golden(tmp_path, table, change):
    golden = tmp_path / "golden"
    if not golden.exists():
        shutil.copytree(ROOT / "corpus" / "golden", golden)
    path = golden / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames), list(reader)
    header, rows = change(header, rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return golden


def test_field_accuracy_is_required_by_default(corpus_out, tmp_path):
    def wrong_rating(header, rows):
        rows[0]["rating"] = "outstanding" if rows[0]["rating"] != "outstanding" else "good"
        return header, rows

    golden = edit_golden(tmp_path, "ratings", wrong_rating)
    assert run("check", corpus_out, golden).exit_code == 1
    assert run("check", corpus_out, golden, "--min-fields", "0.9").exit_code == 0
    out = tmp_path / "again"
    assert run("extract", ROOT / "corpus", "--out", out, "-q", "--check", golden).exit_code == 1
    assert run("extract", ROOT / "corpus", "--out", out, "-q", "--check", golden, "--min-fields", "0.9").exit_code == 0


def test_unusable_goldens_and_outputs_are_errors(corpus_out, tmp_path):
    golden = edit_golden(tmp_path, "ratings", lambda header, rows: (header + ["ratting"], rows))
    unknown = run("check", corpus_out, golden)
    assert unknown.exit_code == 2 and "unknown column 'ratting'" in unknown.output
    shutil.rmtree(golden)
    golden = edit_golden(tmp_path, "ratings", lambda header, rows: (header, rows))
    (golden / "indicators.csv").unlink()
    missing = run("check", corpus_out, golden)
    assert missing.exit_code == 2 and "indicators.csv: missing" in missing.output
    jsonl = tmp_path / "jsonl"
    assert run("extract", ROOT / "corpus" / "news_article", "--out", jsonl, "-q", "--format", "jsonl").exit_code == 0
    not_csv = run("check", jsonl, ROOT / "corpus" / "golden")
    assert not_csv.exit_code == 2 and "not a CSV output folder" in not_csv.output and "--format csv" in not_csv.output
    (tmp_path / "empty").mkdir()
    assert run("check", tmp_path / "empty", ROOT / "corpus" / "golden").exit_code == 2


def test_printed_forms_of_a_name_and_derived_directions_compare_equal(corpus_out, tmp_path):
    def long_names(header, rows):
        for row in rows:
            if row["organisation"].endswith(" CCG"):
                row["organisation"] = "NHS " + row["organisation"].removesuffix(" CCG") + " Clinical Commissioning Group"
        return header, rows

    def no_directions(header, rows):
        for row in rows:
            if row["previous_rating"] and row["rating"]:
                row["direction"] = ""
        return header, rows

    edit_golden(tmp_path, "budgets", long_names)
    edit_golden(tmp_path, "ratings", long_names)
    golden = edit_golden(tmp_path, "ratings", no_directions)
    assert "NHS Cannock Chase Clinical Commissioning Group" in (golden / "budgets.csv").read_text(encoding="utf-8")
    result = run("check", corpus_out, golden)
    assert result.exit_code == 0, result.output

    def no_codes(header, rows):  # keyed on the name where the golden has no code
        for row in rows:
            row["org_code"] = ""
        return header, rows

    result = run("check", corpus_out, edit_golden(tmp_path, "budgets", no_codes))
    assert result.exit_code == 1 and "golden='' extracted='04Y'" in result.output
    assert "\n  missed" not in result.output and "\n  extra " not in result.output


def test_shared_corpus_passes_the_default_check(shared_corpus, tmp_path):
    result = run("extract", shared_corpus / "documents", "--out", tmp_path / "out", "-q", "--check",
                 shared_corpus / "golden")
    assert result.exit_code == 0, result.output
    table = result.output.split("\n\n")[0].splitlines()[1:]
    assert len(table) == 6 and all(line.split()[-4:] == ["1.000"] * 4 for line in table)


# ---------------------------------------------------------------- 5. warnings and the summary

def test_contradicted_totals_are_warnings(tmp_path):
    out = tmp_path / "out"
    result = run("extract", ROOT / "corpus", "--out", out)
    assert result.exit_code == 0
    docs = documents(out)
    annex = docs["framework/iaf-annex-2018-19.pdf"]
    assert annex["status"] == "ok" and "stated total differs" in annex["message"]
    assert {r["status"] for r in docs.values()} == {"ok"}
    summary = result.output.strip().splitlines()
    assert len(summary) == 1 and "23 files" in summary[0] and "23 ok" in summary[0] and f"written to {out}" in summary[0]
    assert "rows: ratings 35" in summary[0]
    assert run("extract", ROOT / "corpus", "--out", out, "--strict", "-q").exit_code == 1
    assert run("extract", ROOT / "corpus" / "news_article", "--out", out, "--strict", "-q").exit_code == 0


def test_the_summary_says_what_to_do_about_scans_and_failures(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really\n")
    result = run("extract", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "1 failed" in result.output and "message column of documents.csv" in result.output


# ---------------------------------------------------------------- 4. CSV safety

def test_cells_that_start_like_formulas_are_escaped_in_csv_only(tmp_path):
    import json

    from extractor.api import Extraction
    from extractor.schema import TABLES

    row = {c: "" for c in TABLES["budgets"]}
    row.update(doc_id="a.txt", organisation="=HYPERLINK(\"http://x\")", org_code="", period="2018/19",
               budget_line="-cash", budget_gbp="10", expenditure_gbp="15", variance_gbp="-5", evidence="@SUM(A1)",
               rule="'=already quoted")
    tables = {t: [] for t in TABLES}
    tables["budgets"] = [row]
    tables["documents"] = [{**{c: "" for c in TABLES["documents"]}, "doc_id": "a.txt", "status": "ok"}]
    csv_out, jsonl_out = Extraction(tables).write(tmp_path / "csv"), Extraction(tables).write(tmp_path / "j", "jsonl")
    text = (csv_out / "budgets.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",'-cash," in text and ",10,15,-5," in text and "'@SUM(A1)" in text
    assert "''=already quoted" in text
    raw = json.loads((jsonl_out / "budgets.jsonl").read_text(encoding="utf-8"))
    assert raw["organisation"].startswith("=HYP") and raw["variance_gbp"] == -5 and raw["budget_line"] == "-cash"
    back = Extraction.read(csv_out)["budgets"].iloc[0]
    assert back["organisation"] == row["organisation"] and back["rule"] == "'=already quoted"
    assert back["budget_line"] == "-cash" and back["variance_gbp"] == -5

    golden = tmp_path / "golden"
    golden.mkdir()
    for table, columns in TABLES.items():
        keep = [c for c in columns if c not in ("evidence", "rule", "title", "published", "pages", "sha256",
                                                 "status", "message", "extractor_version")]
        with (golden / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(keep)
            writer.writerows([[r.get(c, "") for c in keep] for r in tables[table]])  # raw values, unescaped
    result = run("check", csv_out, golden)
    assert result.exit_code == 0, result.output


def test_file_names_that_are_not_utf8_or_hold_line_breaks(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    data = NEWS.read_bytes()
    for name in (b"caf\xe9.txt", b"two\nlines.txt", b"carriage\rreturn.txt", b"caf\\xe9.txt"):
        with open(os.path.join(os.fsencode(folder), name), "wb") as fh:
            fh.write(data)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    lines = (out / "documents.csv").read_bytes().decode("utf-8").split("\n")
    assert len(lines) == 6 and lines[-1] == ""  # a header, four rows, no row broken
    assert sorted(documents(out)) == ["caf\\x5cxe9.txt", "caf\\xe9.txt", "carriage\\x0dreturn.txt", "two\\x0alines.txt"]
    assert all(r["status"] == "ok" for r in documents(out).values())
    assert sum(1 for line in (out / "ratings.csv").read_text(encoding="utf-8").splitlines() if "caf\\xe9" in line) == 4


# ---------------------------------------------------------------- 6. errors and signals

SLOW_RUN = """
import os, sys, time
from pathlib import Path
from extractor import batch
real = batch.process_file
def slow(path, *args, **kwargs):
    if path.name.startswith("slow"):
        Path(sys.argv[1], f"started-{os.getpid()}").write_text("")
        time.sleep(60)
    return real(path, *args, **kwargs)
batch.process_file = slow
from extractor.cli import cli
cli(["extract", sys.argv[2], "--out", sys.argv[3], "--jobs", "2", "--no-cache", "--timeout", "0"])
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie has stopped
    except FileNotFoundError:
        return True


def _start_slow_run(tmp_path):
    import subprocess
    import sys
    import time

    folder = news_folder(tmp_path)
    for name in ("slow-a.txt", "slow-b.txt"):
        shutil.copy(NEWS, folder / name)
    flags = tmp_path / "flags"
    flags.mkdir()
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN, encoding="utf-8")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, str(script), str(flags), str(folder), str(out)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(list(flags.iterdir())) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    workers = [int(p.name.split("-")[1]) for p in flags.iterdir()]
    assert len(workers) == 2, process.communicate(timeout=10)
    return process, workers, out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX signals")
@pytest.mark.parametrize("signum,code", [(2, 130), (15, 143)])
def test_a_signal_stops_the_run_and_its_workers(tmp_path, signum, code):
    import subprocess
    import time

    process, workers, out = _start_slow_run(tmp_path)
    sent = time.monotonic()
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        for pid in workers:
            os.kill(pid, 9)
        raise
    assert time.monotonic() - sent < 3  # typically well under a second; 2 s is the aim, 3 leaves room for a busy CI
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "Stopped by" in stderr
    deadline = time.monotonic() + 2
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in workers)
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="Linux only (PR_SET_PDEATHSIG)")
def test_workers_die_with_their_parent(tmp_path):
    import time

    process, workers, _ = _start_slow_run(tmp_path)
    process.kill()
    process.communicate(timeout=10)
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [pid for pid in workers if not _gone(pid)]
    for pid in alive:
        os.kill(pid, 9)
    assert not alive


def test_an_internal_error_is_logged_with_the_document_and_stage(tmp_path, monkeypatch, caplog):
    from extractor import pipeline
    from extractor.patterns import Patterns

    def broken(ctx):
        raise ValueError("a rule went wrong")

    monkeypatch.setattr(pipeline, "apply", broken)
    result = pipeline.process_file(NEWS, "news.txt", Patterns())
    assert result.document["status"] == "failed"
    assert result.document["message"].startswith("internal error while applying the news_article rules (ValueError")
    warning = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning and "news.txt" in warning[0].getMessage() and "applying the news_article rules" in warning[0].getMessage()


def test_a_crash_reading_a_pages_tables_makes_the_document_partial(tmp_path, monkeypatch):
    import pdfplumber.page

    from extractor.patterns import Patterns
    from extractor.pipeline import process_file

    def crash(self, *args, **kwargs):
        raise KeyError("a malformed page")

    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", crash)
    pdf = ROOT / "corpus" / "framework" / "iaf-annex-2018-19.pdf"
    result = process_file(pdf, pdf.name, Patterns(), full_scan=True)
    assert result.document["status"] == "partial"
    assert "the tables of page 1 could not be read (KeyError)" in result.document["message"]

    def out_of_memory(self, *args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", out_of_memory)
    result = process_file(pdf, pdf.name, Patterns(), full_scan=True)
    assert result.document["status"] == "failed" and "out of memory" in result.document["message"]


def test_a_damaged_cache_entry_is_a_miss(tmp_path):
    from extractor.api import run_batch
    from extractor.cache import Cache
    from extractor.patterns import Patterns

    patterns, store = Patterns(), tmp_path / "cache"
    first = run_batch(NEWS, patterns, cache=Cache(store, patterns))
    [entry] = list(store.rglob("*.json"))
    entry.write_bytes(entry.read_bytes().replace(b"Thanet CCG", b"Swale CCG"))  # a plausible but wrong entry
    again = run_batch(NEWS, patterns, cache=Cache(store, patterns))
    assert again.cached == 0 and again.tables == first.tables
    assert run_batch(NEWS, patterns, cache=Cache(store, patterns)).cached == 1  # rewritten whole


def test_furniture_is_matched_on_whole_class_words(tmp_path):
    from extractor.loaders import load_html

    html = b"""<html><body><article>
      <div class="cookie-banner"><p>We use cookies on this site.</p></div>
      <nav><p>Home / News</p></nav>
      <div class="research-summary"><p>Thanet CCG was rated good for 2019/20.</p></div>
      <div class="navigation-links"><p>Next story</p></div>
      <div role="search"><p>Search this site</p></div>
      <p class="menu_item">Menu entry</p>
    </article></body></html>"""
    texts = [line.text for line in load_html(html, "page.html").lines]
    assert texts == ["Thanet CCG was rated good for 2019/20."]


def test_the_api_raises_for_a_missing_path(tmp_path):
    from extractor import extract

    with pytest.raises(FileNotFoundError):
        extract(tmp_path / "nowhere")


# ---------------------------------------------------------------- 7. documentation

def test_the_schema_document_keeps_in_step_with_the_shared_copy(shared_corpus):
    ours = (ROOT / "docs" / "OUTPUT-SCHEMA.md").read_text(encoding="utf-8").splitlines()
    shared = (shared_corpus.parent / "spec" / "OUTPUT-SCHEMA.md").read_text(encoding="utf-8").splitlines()
    lines = iter(ours)
    missing = [line for line in shared if not any(line == mine for mine in lines)]  # shared is a subsequence
    assert missing == [], f"docs/OUTPUT-SCHEMA.md lacks or reorders: {missing[:3]}"
    text = "\n".join(ours)
    assert "`skipped`" in text and "`'` in front" in text


def test_every_datapackage_field_has_a_description(tmp_path):
    import json

    out = tmp_path / "out"
    assert run("extract", NEWS, "--out", out, "-q").exit_code == 0
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    fields = [f for resource in package["resources"] for f in resource["schema"]["fields"]]
    assert len(fields) > 40 and all(len(f.get("description", "")) > 10 for f in fields)
    status = next(f for f in fields if f["name"] == "status")
    assert "skipped" in status["constraints"]["enum"] and "skipped" in status["description"]


def test_explain_refuses_a_pipe_without_opening_it(tmp_path):
    import subprocess
    import sys

    os.mkfifo(tmp_path / "pipe.pdf")
    done = subprocess.run([sys.executable, "-m", "extractor", "explain", str(tmp_path / "pipe.pdf")],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and "FIFO" in done.stderr and done.stderr.count("\n") == 1


def test_memory_failures_are_never_cached(tmp_path):
    from extractor.cache import Cache
    from extractor.patterns import Patterns
    from extractor.pipeline import FileResult

    cache = Cache(tmp_path / "cache", Patterns())
    row = {"doc_id": "big.pdf", "sha256": "2" * 64, "status": "failed",
           "message": "out of memory while reading the file: split it and extract the parts"}
    cache.put(FileResult(document=row, records={}))
    assert cache.get("2" * 64, "big.pdf") is None


def test_a_read_only_output_folder_is_one_line_and_keeps_the_previous_output(tmp_path, monkeypatch):
    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    before = (out / "ratings.csv").read_bytes()

    def read_only(*args, **kwargs):  # as root, chmod cannot make a folder read-only; the error is the same
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output.os, "mkdir", read_only)
    result = run("extract", folder, "--out", out, "-q")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "Read-only file system" in result.output
    assert (out / "ratings.csv").read_bytes() == before and leftovers(tmp_path) == []
    monkeypatch.undo()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    not_folder = run("extract", folder, "--out", tmp_path / "file", "-q")
    assert not_folder.exit_code == 2 and "is a file" in not_folder.output


def test_an_interrupt_between_results_stops_the_workers_at_once(tmp_path, monkeypatch):
    import multiprocessing
    import time

    from extractor import batch as batch_module
    from extractor.patterns import Patterns

    folder = news_folder(tmp_path)
    shutil.copy(NEWS, folder / "slow.txt")
    real = batch_module.process_file

    def slow(path, *args, **kwargs):
        if path.name == "slow.txt":
            time.sleep(15)
        return real(path, *args, **kwargs)

    def interrupt(result):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_module, "process_file", slow)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt) as caught:  # kept: its traceback keeps run()'s frame alive
        batch_module.run(folder, Patterns(), jobs=2, timeout=None, on_result=interrupt)
    assert caught.traceback
    while multiprocessing.active_children() and time.monotonic() - started < 8:
        time.sleep(0.05)
    assert not multiprocessing.active_children()  # the worker still sleeping on slow.txt was stopped


def test_the_api_write_refuses_a_foreign_or_busy_folder(tmp_path, monkeypatch):
    from extractor import extract

    extraction = extract(NEWS)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(output.OutputError, match="did not write"):
        extraction.write(theirs)
    with output.output_lock(tmp_path / "busy"), pytest.raises(output.OutputError, match="another nhs-extract run"):
        extraction.write(tmp_path / "busy")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    extraction.write(".")  # the current folder, empty: written in place
    assert (here / "ratings.csv").exists() and (here / ".nhs-extract").exists() and leftovers(tmp_path) == []


def test_ctrl_c_during_the_swap_waits_for_it_to_finish(tmp_path, monkeypatch):
    import signal

    folder = news_folder(tmp_path)
    out = tmp_path / "out"
    assert run("extract", folder, "--out", out, "-q").exit_code == 0
    real = os.replace

    def interrupted(src, dst):
        if ".old-" in str(dst):
            signal.raise_signal(signal.SIGINT)  # between moving the old output aside and moving the new one in
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_tables({"ratings": []}, out)
    assert (out / "ratings.csv").read_text(encoding="utf-8").count("\n") == 1  # the new, empty table is in place
    assert leftovers(tmp_path) == []
