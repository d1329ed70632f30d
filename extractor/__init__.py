"""nhs-extract: turn published NHS assessment documents into normalised CSV tables."""

__version__ = "0.1.0"
