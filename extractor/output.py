"""Writing the tables: deterministic CSV, swapped into place atomically."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

from .schema import TABLES


def sort_rows(table: str, rows: list[dict]) -> list[dict]:
    """doc_id, then page, then order of appearance (the order the rows were made)."""
    def key(item):
        index, row = item
        page = row.get("page", "")
        return (row["doc_id"], int(page) if str(page).isdigit() else 0, row.get("_at", 0), index)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def to_csv(table: str, rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TABLES[table])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c, "")) for c in TABLES[table]])
    return buffer.getvalue()


def write_tables(tables: dict[str, list[dict]], out: Path, extra: dict[str, str] | None = None) -> None:
    """Write every table (header row even when empty) to ``out`` atomically.

    Files go to a temporary folder beside ``out``; only when all are written is
    the old folder moved aside and the new one renamed into place, so an
    interrupted run leaves the previous output whole.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for table in TABLES:
            (staging / f"{table}.csv").write_text(to_csv(table, tables.get(table, [])), encoding="utf-8", newline="")
        for name, content in (extra or {}).items():
            (staging / name).write_text(content, encoding="utf-8", newline="")
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rmdir(old)
            os.replace(out, old)
        os.replace(staging, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
