"""Rating statements and counts read by their parts (placeholder)."""

from __future__ import annotations

from typing import Any

from .context import Context


def rating_statement(ctx: Context, rule: Any) -> None:
    return None


def count_statement(ctx: Context, rule: Any) -> None:
    return None
