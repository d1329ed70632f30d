"""Writing the tables: deterministic CSV, JSON Lines or Parquet, typed DataFrames,
a Frictionless ``datapackage.json``, all swapped into place atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import __version__
from .schema import INTEGER_COLUMNS, KEYS, NUMBER_COLUMNS, TABLES, VOCABULARIES, value_format, vocabulary

FORMAT_NAMES = ("csv", "jsonl", "parquet")
DATAPACKAGE_NAME = "nhs-assessment-extraction"
_MEDIATYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


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


def _typed(column: str, value):
    """A cell as JSON has it: integers and decimals as numbers, an unknown value as null."""
    if value is None or value == "":
        return None
    if column in NUMBER_COLUMNS:
        return float(value)
    return int(value) if column in INTEGER_COLUMNS else str(value)


def to_jsonl(table: str, rows: list[dict]) -> str:
    return "".join(
        json.dumps({c: _typed(c, row.get(c)) for c in TABLES[table]}, ensure_ascii=False) + "\n" for row in rows
    )


def categories(column: str, values, table: str = "") -> list[str]:
    """A vocabulary column's categories: the schema's list, then any other value present (new doc types)."""
    known = list(vocabulary(table, column) or VOCABULARIES[column])
    return known + sorted({v for v in values if v and v not in known})


def frame(table: str, rows: list[dict]):
    """One table as a DataFrame: nullable integers, categoricals for vocabularies, strings; missing is <NA>."""
    import pandas as pd

    columns = {}
    for column in TABLES[table]:
        values = [_typed(column, row.get(column)) for row in rows]
        if column in INTEGER_COLUMNS:
            columns[column] = pd.array(values, dtype="Int64")
        elif column in NUMBER_COLUMNS:
            columns[column] = pd.array(values, dtype="Float64")
        elif vocabulary(table, column) is not None:
            columns[column] = pd.Categorical(values, categories=categories(column, values, table))
        else:
            columns[column] = pd.array(values, dtype="string")
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def rows_of(table: str, df) -> list[dict]:
    """The rows of a DataFrame read back from any format, as the writers take them."""
    import pandas as pd

    rows = []
    for record in df[list(TABLES[table])].astype(object).to_dict("records"):
        rows.append({c: "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v for c, v in record.items()})
    return rows


def to_parquet(table: str, rows: list[dict]) -> bytes:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise RuntimeError("Parquet output needs pyarrow: pip install 'nhs-extract[parquet]'") from None
    buffer = io.BytesIO()
    frame(table, rows).to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def datapackage(tables: dict[str, list[dict]], fmt: str = "csv") -> dict:
    """A Frictionless Data Package descriptor: one resource and Table Schema per table."""
    resources = []
    for table, columns in TABLES.items():
        rows = tables.get(table, [])
        fields = []
        for column in columns:
            field = {"name": column, "type": "integer" if column in INTEGER_COLUMNS else
                     "number" if column in NUMBER_COLUMNS else "string"}
            if column == "published":
                field["type"] = "date"
            constraints: dict = {}
            if column == "doc_id":
                constraints["required"] = True
            if vocabulary(table, column) is not None:
                constraints["enum"] = categories(column, (r.get(column) for r in rows), table)
            if value_format(table, column):
                constraints["pattern"] = value_format(table, column)
            if constraints:
                field["constraints"] = constraints
            fields.append(field)
        schema = {"fields": fields, "missingValues": [""], "primaryKey": list(_unique_key(table))}
        resource = {
            "name": table.replace("_", "-"),
            "path": f"{table}.{fmt}",
            "format": fmt,
            "mediatype": _MEDIATYPES[fmt],
            "schema": schema,
        }
        if fmt != "parquet":
            resource["encoding"] = "utf-8"
        resources.append(resource)
    return {
        "name": DATAPACKAGE_NAME,
        "title": "NHS assessment documents turned into tables",
        "description": f"Written by nhs-extract {__version__}; columns as in OUTPUT-SCHEMA.md.",
        "resources": resources,
    }


def _unique_key(table: str) -> tuple[str, ...]:
    """The schema's key as a primary key.  ratings uses the printed name in place of org_code,
    which is empty for an organisation the reference list does not know."""
    key = KEYS[table]
    return tuple("organisation" if c == "org_code" else c for c in key)


def render(tables: dict[str, list[dict]], fmt: str = "csv") -> dict[str, bytes]:
    """Every file of an output folder, by name."""
    if fmt not in FORMAT_NAMES:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMAT_NAMES)}")
    files = {}
    for table in TABLES:
        rows = tables.get(table, [])
        if fmt == "csv":
            files[f"{table}.csv"] = to_csv(table, rows).encode("utf-8")
        elif fmt == "jsonl":
            files[f"{table}.jsonl"] = to_jsonl(table, rows).encode("utf-8")
        else:
            files[f"{table}.parquet"] = to_parquet(table, rows)
    files["datapackage.json"] = (json.dumps(datapackage(tables, fmt), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def read_tables(folder: Path, fmt: str = "csv") -> dict:
    """An output folder read back as typed DataFrames (the inverse of ``render``)."""
    import pandas as pd

    frames = {}
    for table, columns in TABLES.items():
        path = Path(folder) / f"{table}.{fmt}"
        if fmt == "csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif fmt == "jsonl":
            df = pd.read_json(path, lines=True, dtype=False) if path.stat().st_size else pd.DataFrame(columns=columns)
        else:
            df = pd.read_parquet(path)
        frames[table] = frame(table, rows_of(table, df.reindex(columns=list(columns))))
    return frames


class OutputError(Exception):
    """An output folder this tool will not replace."""


def replaceable(out: Path) -> bool:
    """Missing, empty, or written by this tool: a folder that may be swapped for a new output."""
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    if not any(out.iterdir()):
        return True
    try:
        if json.loads((out / "datapackage.json").read_text(encoding="utf-8")).get("name") == DATAPACKAGE_NAME:
            return True
    except (OSError, ValueError, AttributeError):
        pass
    return is_results_folder(out)


def is_results_folder(folder: Path) -> bool:
    """An output or golden folder of this tool: a documents.csv with our header."""
    try:
        with open(folder / "documents.csv", encoding="utf-8") as fh:
            return fh.readline().startswith("doc_id,")
    except (OSError, UnicodeDecodeError):
        return False


def write_tables(tables: dict[str, list[dict]], out: Path, fmt: str = "csv") -> None:
    """Write every table (header row even when empty) and datapackage.json to ``out`` atomically.

    Files go to a temporary folder beside ``out``; only when all are written is
    the old folder moved aside and the new one renamed into place, so an
    interrupted run leaves the previous output whole.
    """
    out = Path(out)
    if not replaceable(out):
        raise OutputError(f"{out} exists and holds files this tool did not write: choose another --out folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for name, content in render(tables, fmt).items():
            (staging / name).write_bytes(content)
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
