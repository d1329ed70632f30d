"""The command line: a thin click layer over the library."""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .ocr import MODES as OCR_MODES
from .patterns import PatternFileError, Patterns

if TYPE_CHECKING:
    from .batch import Batch

EXIT_OK, EXIT_NOT_OK, EXIT_USAGE = 0, 1, 2


def patterns_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--patterns", "extra", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="A pattern file or folder whose rules and types are added to the built-in ones "
                       "(a rule with a built-in id replaces it); may be given more than once.")
    @click.option("--patterns-only", "only", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="A folder of pattern files to use instead of the built-in ones.")
    @click.option("--type", "doc_type", default=None, metavar="TYPE",
                  help="Treat every document as this type instead of classifying it (see `nhs-extract types`).")
    @click.option("--ocr", type=click.Choice(list(OCR_MODES)), default="auto", show_default=True,
                  help="Scanned PDFs: read them with Tesseract when it is installed (auto), for every PDF, or never.")
    @wraps(fn)
    def wrapper(*args: Any, extra: tuple[Path, ...] = (), only: Path | None = None, doc_type: str | None = None,
                ocr: str = "auto", **kwargs: Any) -> Any:
        try:
            kwargs["patterns"] = Patterns(only, extra=extra, doc_type=doc_type, ocr=ocr)
        except PatternFileError as exc:
            click.echo(f"Error: pattern files cannot be used:\n{exc}", err=True)
            sys.exit(EXIT_USAGE)
        return fn(*args, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nhs-extract")
def cli() -> None:
    """Turn NHS assessment documents (PDF, DOCX, HTML, text) into normalised CSV tables."""


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"),
              show_default=True, help="Output folder (replaced atomically).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv", show_default=True,
              help="File format of the tables (parquet needs the [parquet] extra).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Files extracted in parallel  [default: number of cores]")
@click.option("--timeout", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="Seconds allowed per file (0 for no limit).")
@click.option("--full-scan", is_flag=True, help="Analyse tables on every PDF page, not only pages whose text can hold a record.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the per-file result cache  [default: the user cache folder]")
@click.option("--no-cache", is_flag=True, help="Extract every file again; neither read nor write the cache.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run the files on this Dask scheduler (e.g. tcp://host:8786; needs the [dask] extra).")
@click.option("--check", "golden", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="After extracting, compare with this golden folder; exit with the check's code.")
@click.option("--min-f1", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="With --check: exit 1 when any table's F1 is below this.")
@click.option("--min-fields", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="With --check: exit 1 when any table's field accuracy is below this.")
@click.option("--force", is_flag=True, help="Replace --out even when it holds files this tool did not write.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (stated totals that disagree, skipped files).")
@click.option("--report", "with_report", is_flag=True,
              help="Also write report.html, a page for reviewing the run, into --out (see `nhs-extract report`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no closing summary.")
@click.option("--verbose", "-v", is_flag=True, help="Log each file's type, score and the rules that fired.")
@patterns_option
def extract(input_path: Path, out: Path, fmt: str, jobs: int | None, timeout: float, full_scan: bool,
            cache_dir: Path | None, no_cache: bool, scheduler: str | None, golden: Path | None, min_f1: float,
            min_fields: float, force: bool, strict: bool, with_report: bool, quiet: bool, verbose: bool,
            patterns: Patterns) -> None:
    """Extract every file under INPUT (a file or a folder, walked recursively) into --out.

    Exit code 0 when every file is ok or skipped (warnings too, unless --strict), 1 when any is
    partial, needs_ocr or failed, 2 on a usage error or an output folder that cannot be written.
    """
    from .api import run_batch
    from .batch import Terminated, _terminated
    from .cache import Cache, default_folder
    from .output import OutputError, output_lock, replaceable, write_tables

    if fmt == "parquet" and not _importable("pyarrow"):
        fail("--format parquet needs pyarrow: pip install 'nhs-extract[parquet]'")
    if scheduler and not _importable("distributed"):
        fail("--scheduler needs dask.distributed: pip install 'nhs-extract[dask]'")
    if golden and fmt != "csv":
        fail("--check compares CSV output: leave out --format or run check on a CSV run")
    source, target = input_path.resolve(), out.resolve()
    if target == source or target in source.parents:
        fail(f"--out {out} would replace the folder being read: choose another output folder")
    if (out.exists() or out.is_symlink()) and (out.is_symlink() or not out.is_dir()):
        fail(f"--out {out} is a {'link' if out.is_symlink() else 'file'}, not a folder: choose a folder")
    if not replaceable(out, force):
        fail(f"--out {out} exists and holds files this tool did not write: choose another folder, or --force to replace it")
    cache = None if no_cache else Cache(cache_dir or default_folder(), patterns, full_scan)
    jobs = jobs or os.cpu_count() or 1
    previous = signal.signal(signal.SIGTERM, _terminated) if _main_thread() else None
    try:
        with output_lock(out):
            try:
                batch = run_batch(input_path, patterns, jobs=jobs, timeout=timeout or None, full_scan=full_scan,
                                  progress=not quiet and sys.stdout.isatty() and sys.stderr.isatty(),
                                  verbose=verbose, cache=cache, scheduler=scheduler)
            except (OSError, TimeoutError) as exc:
                if scheduler:
                    fail(f"cannot use the Dask scheduler at {scheduler} ({exc}): check the address")
                fail(f"cannot read {input_path} ({getattr(exc, 'strerror', None) or exc}): check that it is readable")
            write_tables(batch.tables, out, fmt, force=force)
    except OutputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out} ({exc.strerror or exc}): check the folder's permissions and free space; "
             "any previous output there is unchanged")
    except (KeyboardInterrupt, Terminated) as exc:
        signum = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
        click.echo(f"Stopped by {signal.Signals(signum).name}: {out} was left whole (no half-written output)", err=True)
        _exit_now(128 + signum)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if not quiet:
        click.echo(summary(batch, out), err=True)
    if with_report:
        _report_after_run(out, golden, input_path, jobs)
    if golden:
        from .check import run_check

        sys.exit(run_check(out, golden, fmt="text", min_f1=min_f1, min_fields=min_fields))
    documents = batch.tables["documents"]
    if any(r["status"] not in ("ok", "skipped") for r in documents):
        sys.exit(EXIT_NOT_OK)
    warned = any(r["status"] == "skipped" or r["message"] for r in documents)
    sys.exit(EXIT_NOT_OK if strict and warned else EXIT_OK)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def fail(message: str) -> NoReturn:
    """A usage error or unusable input: one line on stderr, exit 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def summary(batch: Batch, out: Path) -> str:
    """One line: files by status, rows by table, where the output went, and what to do next."""
    from .schema import STATUSES

    statuses = batch.statuses()
    rows = ", ".join(f"{t} {len(r)}" for t, r in batch.tables.items() if t != "documents")
    cached = f" ({batch.cached} from cache)" if batch.cached else ""
    advice = []
    if statuses.get("needs_ocr"):
        advice.append("needs_ocr files are scans: run them through OCR (e.g. ocrmypdf) and extract again")
    if statuses.get("failed") or statuses.get("partial") or statuses.get("skipped"):
        advice.append("see the message column of documents.csv for why each file was not ok")
    return (f"{len(batch.results)} files{cached}, {batch.pages} pages in {batch.elapsed:.1f} s: "
            + ", ".join(f"{statuses.get(s, 0)} {s}" for s in STATUSES)
            + f"; rows: {rows}; written to {out}" + "".join(f"; {a}" for a in advice))


def _exit_now(code: int) -> NoReturn:
    """Leave at once after a signal: the workers are stopped and nothing is half-written, so the
    interpreter's shutdown (joining the pool's threads, where a late signal could print a
    traceback) is skipped.  Inside a test runner (streams without a file) exit as usual."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stderr.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        sys.exit(code)
    os._exit(code)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@cli.command()
@patterns_option
def types(patterns: Patterns) -> None:
    """List the document types, then the rule library: every rule runs on every document."""
    click.echo("Document types (they add context and may add, override or disable rules):")
    for name, pf in sorted(patterns.types.items()):
        own = f"{len(pf.rules)} own rules" if pf.rules else "no own rules"
        click.echo(f"  {name:15} {Path(pf.path).name:22} {own:13} {pf.label}")
    click.echo("\nRule library:")
    for rule_id, rule in patterns.library.items():
        click.echo(f"  {patterns.group[rule_id] + '/' + rule_id:40} {rule.kind:18} {rule.description[:70]}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--full-scan", is_flag=True, help="Analyse tables on every PDF page.")
@click.option("--images", "images_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write a PNG of each PDF page that produced records, tables and sources drawn on it.")
@patterns_option
def explain(file: Path, full_scan: bool, images_dir: Path | None, patterns: Patterns) -> None:
    """Show why FILE got its document type and which rules fired on which page."""
    from .loaders import sniff
    from .model import LoadError
    from .pipeline import printable, process_file, read_file

    try:
        data = read_file(file)  # never blocks on a pipe; refuses what extract would skip
    except LoadError as exc:
        fail(f"{file}: {exc}")
    if images_dir:
        try:
            is_pdf = sniff(data) == "pdf"
        except LoadError:
            is_pdf = False
        if not is_pdf:
            raise click.UsageError(f"--images draws PDF pages, and {file.name} is not a PDF")
    result = process_file(file, printable(file.name), patterns, full_scan, data)
    doc = result.document
    click.echo(f"{doc['doc_id']}: {doc['doc_type']}  (status {doc['status']}{': ' + doc['message'] if doc['message'] else ''})")
    click.echo("\nDocument type scores:")
    for score in result.scores:
        mark = "*" if score.doc_type == doc["doc_type"] else " "
        extra = f"  [{score.blocked}]" if score.blocked else ""
        click.echo(f" {mark} {score.doc_type:14} {score.score:5.1f} / threshold {score.threshold:g}{extra}")
        for cue in score.matched:
            click.echo(f"       matched {cue}")
    click.echo("\nRules that fired:")
    for line in result.trace or ["(none)"]:
        click.echo(f"  {line}")
    silent = [r.id for r in patterns.rules_for(doc["doc_type"]) if f"{doc['doc_type']}/{r.id}" not in result.fired]
    if silent:
        click.echo(f"\nRules that did not fire: {', '.join(silent)}")
    if images_dir:
        from .images import write_images

        written = write_images(data, result, images_dir, file.stem)
        click.echo(f"\nWrote {len(written)} page images to {images_dir}"
                   + ("" if written else " (no page produced a record)"))


@cli.command()
@click.argument("output", type=click.Path(path_type=Path))
@click.argument("golden", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--min-f1", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Exit 1 when any table's F1 is below this.")
@click.option("--min-fields", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Exit 1 when any table's field accuracy is below this.")
@click.option("--abs-tol", type=float, default=0.0, show_default=True, help="Numbers equal within this absolute difference.")
@click.option("--rel-tol", type=float, default=0.0, show_default=True, help="Numbers equal within this relative difference.")
@patterns_option
def check(output: Path, golden: Path, fmt: str, min_f1: float, min_fields: float, abs_tol: float, rel_tol: float,
          patterns: Patterns) -> None:
    """Compare an OUTPUT folder with a GOLDEN folder of CSVs (exit 0 pass, 1 below threshold, 2 unusable input)."""
    from .check import run_check

    sys.exit(run_check(output, golden, fmt=fmt, min_f1=min_f1, min_fields=min_fields,
                       abs_tol=abs_tol, rel_tol=rel_tol, patterns=patterns))


@cli.group()
def golden() -> None:
    """Manage golden folders."""


@golden.command("init")
@click.argument("output", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("golden_dir", metavar="GOLDEN", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into GOLDEN even when it already holds files.")
def golden_init(output: Path, golden_dir: Path, force: bool) -> None:
    """Start GOLDEN from a reviewed OUTPUT folder (only the compared columns)."""
    from .check import CheckError, init_golden

    if golden_dir.exists() and (not golden_dir.is_dir() or any(golden_dir.iterdir())) and not force:
        fail(f"{golden_dir} exists and is not empty: choose a new folder, or --force to overwrite its files")
    try:
        written = init_golden(output, golden_dir)
    except CheckError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"wrote {written} golden files to {golden_dir}")


# --- report (issue 21) ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("output", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--golden", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Also show the check against this golden folder: missed, extra and wrong rows beside the golden values.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write  [default: OUTPUT/report.html]")
@click.option("--input", "input_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="The folder (or file) that was extracted: PDF rows get a crop of their page, in a folder beside the HTML.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="PDFs cropped in parallel  [default: number of cores]")
def report(output: Path, golden: Path | None, html_path: Path | None, input_path: Path | None, jobs: int | None) -> None:
    """Write one self-contained HTML page for reviewing OUTPUT: summary, charts, every row beside its source."""
    from .report import ReportError, write_report

    try:
        written = write_report(output, html_path, golden=golden, input_path=input_path, jobs=jobs or os.cpu_count() or 1)
    except ReportError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"wrote {written}")


def _report_after_run(out: Path, golden: Path | None, input_path: Path, jobs: int) -> None:
    """``extract --report``: the report of the folder just written, with page crops and the golden, if any."""
    from .report import ReportError, write_report

    try:
        written = write_report(out, golden=golden, input_path=input_path, jobs=jobs)
    except ReportError as exc:
        click.echo(f"Error: no report: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"report written to {written}", err=True)
