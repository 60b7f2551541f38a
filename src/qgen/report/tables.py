"""Paper-shaped tables (S1 Tables I and II) from tidy per-run scores."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from qgen.provenance import read_json

SCORE_COLUMNS = [
    "experiment", "dataset", "class", "model", "seed", "n_train",
    "protocol", "metric", "value", "features", "n_generated", "n_real",
]
# Paper tables name their metrics in upper case; ours are lower case.
PAPER_METRICS = {"SSIM": "ssim", "FID": "fid"}
# Which metrics each protocol's table shows, in order.
TABLE_METRICS = {
    "paper": ["ssim", "fid"],
    "standard": ["fid", "kid", "inception_score", "ssim_random", "ssim_nearest", "precision", "recall", "density", "coverage"],
}


def collect_scores(score_files: Iterable[Path]) -> pd.DataFrame:
    """One tidy row per (run, protocol, metric) from the scores.json files of runs."""
    rows = []
    for path in score_files:
        record = read_json(Path(path))
        run = record["run"]
        for score in record["scores"]:
            rows.append({**run, **score})
    df = pd.DataFrame(rows)
    for column in SCORE_COLUMNS:
        if column not in df:
            df[column] = np.nan
    return df[SCORE_COLUMNS + [c for c in df.columns if c not in SCORE_COLUMNS]]


def load_paper_table(path: Path) -> pd.DataFrame:
    """A paper CSV (metric, model, class, value) in our metric names, per-class rows only."""
    paper = pd.read_csv(path, dtype={"class": str})
    paper = paper[~paper["class"].isin(["avg", "std"])].copy()
    paper["metric"] = paper["metric"].map(lambda m: PAPER_METRICS.get(m, m.lower()))
    paper["class"] = paper["class"].astype(int)
    return paper


def _summarise(per_class: pd.DataFrame) -> pd.DataFrame:
    """Rows (metric, model) x columns classes + avg + std (sample std across classes, as the paper)."""
    wide = per_class.pivot_table(index=["metric", "model"], columns="class", values="value")
    wide.columns = [str(c) for c in wide.columns]
    values = wide.to_numpy(dtype=float)
    wide["avg"] = np.nanmean(values, axis=1)
    wide["std"] = np.nanstd(values, axis=1, ddof=1) if values.shape[1] > 1 else np.nan
    return wide


def paper_table(scores: pd.DataFrame, protocol: str, paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table I/II shape: per-class means over seeds, avg and std across classes, paper beside ours."""
    metrics = TABLE_METRICS.get(protocol, sorted(scores["metric"].unique()))
    ours = scores[(scores["protocol"] == protocol) & scores["metric"].isin(metrics)]
    per_class = ours.groupby(["metric", "model", "class"], as_index=False)["value"].mean()
    table = _summarise(per_class)
    table["source"] = f"qgen ({protocol})"
    table["n_seeds"] = ours.groupby(["metric", "model"])["seed"].nunique()
    if paper is not None and paper["metric"].isin(metrics).any():
        shown = paper["class"].isin(per_class["class"].unique()) & paper["metric"].isin(metrics)
        reported = _summarise(paper[shown])
        reported["source"] = "paper"
        table = pd.concat([table, reported])
    table = table.reset_index()
    table["metric"] = pd.Categorical(table["metric"], [m for m in metrics if m in set(table["metric"])])
    return table.set_index(["metric", "model", "source"]).sort_index()


def table_markdown(table: pd.DataFrame, title: str, notes: list[str] | None = None) -> str:
    lines = [f"## {title}", ""]
    lines.append(table.reset_index().to_markdown(index=False, floatfmt=".4g"))
    lines += [""] + [f"- {n}" for n in notes or []]
    return "\n".join(lines) + "\n"
