"""Issue 18, nothing lost and nothing let in: output ownership, hostile inputs, a strict check,
CSV safety, warnings, signals.  Every hostile case is built inside tmp_path."""

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
