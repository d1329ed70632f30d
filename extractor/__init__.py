"""nhs-extract: NHS assessment documents into normalised tables.

``from extractor import extract`` is the public entry point; see the README.
"""

from typing import Any

__version__ = "0.2.0"
__all__ = ["extract", "Extraction", "__version__"]


def __getattr__(name: str) -> Any:  # the API loads its libraries only when first used
    if name in ("extract", "Extraction"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")
