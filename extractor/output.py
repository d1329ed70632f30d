"""Writing the tables: deterministic CSV, JSON Lines or Parquet, typed DataFrames,
a Frictionless ``datapackage.json``, all swapped into place atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import __version__
from .schema import (
    DESCRIPTIONS,
    INTEGER_COLUMNS,
    KEYS,
    NUMBER_COLUMNS,
    TABLE_DESCRIPTIONS,
    TABLES,
    VOCABULARIES,
    value_format,
    vocabulary,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

    import pandas as pd

FORMAT_NAMES = ("csv", "jsonl", "parquet")
DATAPACKAGE_NAME = "nhs-assessment-extraction"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet may run a cell that starts so
_MEDIATYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


def sort_rows(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """doc_id, then page, then order of appearance (the order the rows were made)."""
    def key(item: tuple[int, dict[str, Any]]) -> tuple[Any, int, Any, int]:
        index, row = item
        page = row.get("page", "")
        return (row["doc_id"], int(page) if str(page).isdigit() else 0, row.get("_at", 0), index)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def to_csv(table: str, rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TABLES[table])
    for row in rows:
        writer.writerow([csv_cell(c, row.get(c)) for c in TABLES[table]])
    return buffer.getvalue()


def csv_cell(column: str, value: Any) -> str:
    """A cell as CSV output writes it: a text cell that a spreadsheet would run as a formula
    (starting =, +, -, @, tab or CR) gets a leading ', as does one whose leading 's come
    before such a character, so that reading back (``check``, ``Extraction.read``) can drop
    exactly one.  Numbers stay numbers; JSON Lines and Parquet keep the raw value."""
    text = "" if value is None else str(value)
    return "'" + text if column not in INTEGER_COLUMNS and _risky(text) else text


def csv_value(column: str, text: str) -> str:
    """The inverse of ``csv_cell``."""
    return text[1:] if column not in INTEGER_COLUMNS and text[:1] == "'" and _risky(text[1:]) else text


def _risky(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def _typed(column: str, value: Any) -> float | int | str | None:
    """A cell as JSON has it: integers and decimals as numbers, an unknown value as null."""
    if value is None or value == "":
        return None
    if column in NUMBER_COLUMNS:
        return float(value)
    return int(value) if column in INTEGER_COLUMNS else str(value)


def to_jsonl(table: str, rows: list[dict[str, Any]]) -> str:
    return "".join(
        json.dumps({c: _typed(c, row.get(c)) for c in TABLES[table]}, ensure_ascii=False) + "\n" for row in rows
    )


def categories(column: str, values: Iterable[Any], table: str = "") -> list[str]:
    """A vocabulary column's categories: the schema's list, then any other value present (new doc types)."""
    known = list(vocabulary(table, column) or VOCABULARIES[column])
    return known + sorted({v for v in values if v and v not in known})


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One table as a DataFrame: nullable integers, categoricals for vocabularies, strings; missing is <NA>."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for column in TABLES[table]:
        values: list[Any] = [_typed(column, row.get(column)) for row in rows]
        if column in INTEGER_COLUMNS:
            columns[column] = pd.array(values, dtype="Int64")
        elif column in NUMBER_COLUMNS:
            columns[column] = pd.array(values, dtype="Float64")
        elif vocabulary(table, column) is not None:
            columns[column] = pd.Categorical(values, categories=categories(column, values, table))
        else:
            columns[column] = pd.array(values, dtype="string")
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def rows_of(table: str, df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a DataFrame read back from any format, as the writers take them."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for record in cast("list[dict[str, Any]]", df[list(TABLES[table])].astype(object).to_dict("records")):
        rows.append({c: "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v for c, v in record.items()})
    return rows


def to_parquet(table: str, rows: list[dict[str, Any]]) -> bytes:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise RuntimeError("Parquet output needs pyarrow: pip install 'nhs-extract[parquet]'") from None
    buffer = io.BytesIO()
    frame(table, rows).to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def datapackage(tables: dict[str, list[dict[str, Any]]], fmt: str = "csv") -> dict[str, Any]:
    """A Frictionless Data Package descriptor: one resource and Table Schema per table."""
    resources = []
    for table, columns in TABLES.items():
        rows = tables.get(table, [])
        fields = []
        for column in columns:
            field: dict[str, Any] = {"name": column, "type": "integer" if column in INTEGER_COLUMNS else
                     "number" if column in NUMBER_COLUMNS else "string",
                     "description": TABLE_DESCRIPTIONS.get(table, {}).get(column, DESCRIPTIONS[column])}
            if column == "published":
                field["type"] = "date"
            constraints: dict[str, Any] = {}
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


def render(tables: dict[str, list[dict[str, Any]]], fmt: str = "csv") -> dict[str, bytes]:
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


def read_tables(folder: Path, fmt: str = "csv") -> dict[str, pd.DataFrame]:
    """An output folder read back as typed DataFrames (the inverse of ``render``)."""
    import pandas as pd

    frames = {}
    for table, columns in TABLES.items():
        path = Path(folder) / f"{table}.{fmt}"
        if fmt == "csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in df.columns:
                if column in columns:
                    df[column] = df[column].map(lambda v, c=column: csv_value(c, v))
        elif fmt == "jsonl":
            df = pd.read_json(path, lines=True, dtype=False) if path.stat().st_size else pd.DataFrame(columns=columns)
        else:
            df = pd.read_parquet(path)
        frames[table] = frame(table, rows_of(table, df.reindex(columns=list(columns))))
    return frames


class OutputError(Exception):
    """An output folder this tool will not replace or cannot write."""


MARKER = ".nhs-extract"  # names the tool and version; only a folder holding it is ours to replace


def _owned(folder: Path) -> bool:
    marker = folder / MARKER
    try:  # a regular file only: a pipe given our marker's name would block the read
        return marker.is_file() and marker.read_text(encoding="utf-8").startswith("nhs-extract ")
    except (OSError, UnicodeDecodeError):
        return False


def replaceable(out: Path, force: bool = False) -> bool:
    """Missing, empty, or holding this tool's marker file (or ``force``): a folder that may be swapped."""
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return True
    if out.is_symlink() or not out.is_dir():
        return False
    return force or not any(out.iterdir()) or _owned(out)


def _table_names() -> set[str]:
    return {f"{t}.{fmt}" for t in TABLES for fmt in FORMAT_NAMES} | {"datapackage.json", MARKER}


def is_results_folder(folder: Path) -> bool:
    """An output or golden folder of this tool: our marker, or only table files with our documents header.
    A folder that also holds anything else (a user's own documents.csv beside their documents) is not."""
    folder = Path(folder)
    if _owned(folder):
        return True
    try:
        names = {p.name for p in folder.iterdir()}
        if not (folder / "documents.csv").is_file():  # never open a pipe of that name
            return False
        with open(folder / "documents.csv", encoding="utf-8") as fh:
            header = fh.readline().startswith("doc_id,")
    except (OSError, UnicodeDecodeError):
        return False
    return header and names <= _table_names()


class output_lock:
    """A lock file beside the output folder, held for a whole run: a second run on the same
    folder is refused instead of mixing its files with the first's."""

    def __init__(self, out: Path):
        self.out = Path(os.path.abspath(out))  # "." and "x/.." have a name and a parent
        self.path = self.out.parent / f".{self.out.name}.lock"
        self.fd: int | None = None

    def __enter__(self) -> output_lock:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            return self
        self.out.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputError(f"another nhs-extract run is writing {self.out} (lock file {self.path}): "
                                  "wait for it to finish or choose another --out") from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file the previous holder removed as we opened it
                self.fd = fd
                return self
            os.close(fd)

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            os.close(self.fd)
            self.fd = None


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive inside the block take effect only after it, so a swap is
    never cut in half.  Python runs signal handlers in the main thread, so the handlers are swapped
    there (elsewhere the block runs as it is)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Callable[[int, FrameType | None], Any] | int | None]
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(caught[0])


def _tidy(out: Path) -> None:
    """Leftovers of a run that was killed mid-swap: restore the previous output if it was
    moved aside and never replaced, and remove half-written staging folders."""
    for stale in sorted(out.parent.glob(f".{out.name}.old-*")):
        if stale.is_dir() and not out.exists() and _owned(stale):
            os.replace(stale, out)
        elif stale.is_dir() and _owned(stale):
            shutil.rmtree(stale, ignore_errors=True)
    for stale in out.parent.glob(f".{out.name}.new-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


def write_tables(tables: dict[str, list[dict[str, Any]]], out: Path, fmt: str = "csv", force: bool = False) -> None:
    """Write every table (header row even when empty), datapackage.json and the marker file to ``out``
    atomically.  The caller holds :class:`output_lock` on ``out``.

    Files go to a staging folder beside ``out`` (created 0777 less the umask); only when all are
    written is the old folder moved aside and the new one renamed into place, with SIGINT and
    SIGTERM held back until that is done, so an interrupted run leaves the previous output whole.
    """
    out = Path(os.path.abspath(out))
    if not replaceable(out, force):
        raise OutputError(f"{out} exists and holds files this tool did not write: choose another --out folder "
                          "(or --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    _tidy(out)
    tag = f"{os.getpid()}-{os.urandom(4).hex()}"
    staging = out.parent / f".{out.name}.new-{tag}"
    os.mkdir(staging, 0o777)
    try:
        (staging / MARKER).write_text(f"nhs-extract {__version__}\n", encoding="utf-8")
        for name, content in render(tables, fmt).items():
            (staging / name).write_bytes(content)
        with _signals_held():
            old = None
            if out.exists() or out.is_symlink():
                old = out.parent / f".{out.name}.old-{tag}"
                os.replace(out, old)
            try:
                os.replace(staging, out)
            except BaseException:
                if old is not None:
                    os.replace(old, out)
                raise
            if old is not None:
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    old.unlink()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
