"""A per-file result cache, so a re-run over a folder extracts only what changed.

An entry's key is the file's sha256 and extension together with everything else that decides
the result: the tool's version and source code, the pattern files' contents, the
reference list and the ``--full-scan`` switch.  Change any of them and every entry misses.
Entries are JSON files written atomically, so parallel writers and interrupted
runs never leave a half entry behind; each starts with the sha256 of its JSON, checked on
every read, so a damaged entry is a miss, never a wrong result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from importlib import resources
from pathlib import Path

from . import __version__
from .classify import Score
from .patterns import Patterns
from .pipeline import FileResult

# Results that depend on the run rather than on the file are not kept.
_UNCACHEABLE = ("timed out after", "internal error", "out of memory", "cannot read file", "the process reading",
                "Dask worker failed")


def _code_digest() -> str:
    """The tool's own source, so that a changed build never reads a stale entry even
    when its version number stayed the same."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def default_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("nhs-extract", appauthor=False))


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Cache:
    def __init__(self, folder: Path, patterns: Patterns, full_scan: bool = False):
        self.folder = Path(folder)
        reference = (resources.files("extractor.data") / "organisations.csv").read_bytes()
        salt = "\0".join([__version__, _code_digest(), patterns.fingerprint, hashlib.sha256(reference).hexdigest(),
                          str(full_scan)])
        self._salt = salt.encode()
        self.hits = 0

    def _path(self, sha256: str, name: str) -> Path:
        # the extension takes part: a file named .pdf that holds text gets a note saying so
        suffix = Path(name).suffix.lower()
        key = hashlib.sha256(self._salt + b"\0" + sha256.encode() + b"\0" + suffix.encode()).hexdigest()
        return self.folder / key[:2] / f"{key}.json"

    def get(self, sha256: str, doc_id: str) -> FileResult | None:
        """The stored result of a file with this content, relabelled with ``doc_id``; None on a miss."""
        path = self._path(sha256, doc_id)
        try:
            digest, _, payload = path.read_bytes().partition(b"\n")
            if hashlib.sha256(payload).hexdigest().encode() != digest:  # damaged or tampered: extract again
                if path.exists():
                    path.unlink()
                return None
            stored = json.loads(payload)
            result = FileResult(
                document=stored["document"],
                records=stored["records"],
                scores=[Score(**s) for s in stored["scores"]],
                trace=stored["trace"],
                fired=stored["fired"],
                pages_read=stored["pages_read"],
                regions=stored["regions"],
            )
        except (OSError, ValueError, KeyError, TypeError):  # missing or unreadable entry: extract again
            return None
        result.document["doc_id"] = doc_id
        for rows in result.records.values():
            for row in rows:
                row["doc_id"] = doc_id
        self.hits += 1
        return result

    def put(self, result: FileResult) -> None:
        doc = result.document
        if not doc.get("sha256") or any(doc.get("message", "").startswith(m) for m in _UNCACHEABLE):
            return
        path = self._path(doc["sha256"], doc["doc_id"])
        entry = dataclasses.asdict(result)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".entry-", dir=path.parent)
            payload = json.dumps(entry, ensure_ascii=False).encode("utf-8")
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(temp, path)
        except OSError:  # a cache that cannot be written only costs time
            pass
