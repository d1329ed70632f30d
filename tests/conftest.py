import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def shared(name: str) -> Path:
    """A folder of ../shared: skipped when absent, a failure under CI=true."""
    folder = SHARED / name
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"../shared/{name} is missing under CI=true")
        pytest.skip(f"../shared/{name} not present")
    return folder


@pytest.fixture
def shared_corpus() -> Path:
    return shared("corpus")


@pytest.fixture
def shared_phrasings() -> Path:
    return shared("phrasings")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch) -> Path:
    """Each test gets its own result cache, so no test reads another's entries."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "nhs-extract"
