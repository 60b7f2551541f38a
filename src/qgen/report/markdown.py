"""One Markdown renderer for every table qgen writes."""

from __future__ import annotations

import math
from typing import Any, Iterable

import pandas as pd


def fmt(value: Any, digits: int = 4) -> str:
    """Numbers with ``digits`` significant digits, missing values as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def interval(estimate: float, low: float, high: float) -> str:
    """'estimate [low, high]', or the estimate alone when there is no interval."""
    if low is None or (isinstance(low, float) and math.isnan(low)):
        return fmt(estimate)
    return f"{fmt(estimate)} [{fmt(low)}, {fmt(high)}]"


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table; cells are formatted with :func:`fmt`, pipes escaped."""
    if frame.empty:
        return "(no rows)\n"
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(fmt(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"


def section(title: str, body: str, notes: Iterable[str] = (), level: int = 2) -> str:
    lines = [f"{'#' * level} {title}", "", body.rstrip(), ""]
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines).rstrip() + "\n\n"
