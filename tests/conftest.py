import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def shared_corpus() -> Path:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("../shared/corpus is missing under CI=true")
        pytest.skip("../shared/corpus not present")
    return corpus
