"""The studies' published numbers, read one way: ``metric, model, class, value`` tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_paper_table(path: Path | str) -> pd.DataFrame:
    """A paper CSV with lower-case metric names and class kept as text ('0'..'9', 'avg', 'std')."""
    table = pd.read_csv(path, dtype={"class": str})
    table["metric"] = table["metric"].str.lower()
    return table


def paper_per_class(path: Path | str) -> pd.DataFrame:
    """The per-class rows only (summary rows such as avg and std dropped); class as text."""
    table = read_paper_table(path)
    return table[~table["class"].isin(["avg", "std"])].reset_index(drop=True)


def paper_cell(table: pd.DataFrame, metric: str, model: str, cls: str) -> float:
    rows = table[(table["metric"] == metric) & (table["model"] == model) & (table["class"] == cls)]["value"]
    return float(rows.iloc[0]) if len(rows) else float("nan")
