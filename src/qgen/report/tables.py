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


def _direction_holds(low: float, high: float, p: float, paper_diff: float, alpha: float = 0.05) -> str:
    """Does our interval for quantum - classical lie on the paper's side of zero (and p < alpha)?"""
    if np.isnan(paper_diff) or paper_diff == 0 or np.isnan(low) or np.isnan(high) or not p < alpha:
        return "undecided"
    if low > 0 or high < 0:
        return "yes" if (low > 0) == (paper_diff > 0) else "no"
    return "undecided"


def comparison_table(scores: pd.DataFrame, protocol: str, paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per metric and class: each model's mean over seeds with a 95% interval, and quantum -
    classical paired by seed with its t interval, the t p-value that matches it, and whether
    the paper's direction holds. The "all" row pairs over every (class, seed) as if
    independent (descriptive; claim verdicts use qgen.stats.fixed_classes/random_classes)."""
    from qgen.stats import mean_ci, paired_comparison

    metrics = TABLE_METRICS.get(protocol, sorted(scores["metric"].unique()))
    ours = scores[(scores["protocol"] == protocol) & scores["metric"].isin(metrics)]
    reported = {}
    if paper is not None:
        wide = paper.pivot_table(index=["metric", "class"], columns="model", values="value")
        for (metric, cls), row in wide.iterrows():
            reported[(metric, cls)] = row.get("quantum", np.nan) - row.get("classical", np.nan)
        ours_classes = set(ours["class"])
        for metric in wide.index.get_level_values(0).unique():
            per_class = wide.loc[metric]
            per_class = per_class[per_class.index.isin(ours_classes)]
            reported[(metric, "all")] = float((per_class["quantum"] - per_class["classical"]).mean())
    rows = []
    for metric in [m for m in metrics if m in set(ours["metric"])]:
        sub = ours[ours["metric"] == metric]
        pairs = sub.pivot_table(index=["class", "seed"], columns="model", values="value")
        if not {"classical", "quantum"} <= set(pairs.columns):
            continue
        groups = [(cls, pairs.loc[[cls]]) for cls in pairs.index.get_level_values(0).unique()]
        for cls, block in groups + [("all", pairs)]:
            c, q = mean_ci(block["classical"]), mean_ci(block["quantum"])
            diff = paired_comparison(block["classical"], block["quantum"])
            paper_diff = reported.get((metric, cls), np.nan)
            rows.append({
                "metric": metric, "class": cls, "n_pairs": diff.n,
                "classical": c.estimate, "classical_low": c.low, "classical_high": c.high,
                "quantum": q.estimate, "quantum_low": q.low, "quantum_high": q.high,
                "diff": diff.mean_diff, "diff_low": diff.low, "diff_high": diff.high,
                "p_signflip": diff.p_signflip, "p_t": diff.p_t,
                "paper_diff": paper_diff,
                # the t interval's own p: the sign-flip p cannot go below 0.25 with 3 seeds
                "paper_direction_holds": _direction_holds(diff.low, diff.high, diff.p_t, paper_diff),
            })
    return pd.DataFrame(rows)


def comparison_markdown(table: pd.DataFrame) -> str:
    """Compact rendering: estimate [low, high] cells."""
    if table.empty:
        return "(no classical/quantum pairs to compare)\n"

    def cell(row: pd.Series, key: str) -> str:
        est, low, high = row[key], row[f"{key}_low"], row[f"{key}_high"]
        return f"{est:.4g}" if np.isnan(low) else f"{est:.4g} [{low:.4g}, {high:.4g}]"

    shown = pd.DataFrame({
        "metric": table["metric"], "class": table["class"], "pairs": table["n_pairs"],
        "classical (95% CI)": table.apply(cell, axis=1, key="classical"),
        "quantum (95% CI)": table.apply(cell, axis=1, key="quantum"),
        "quantum - classical (95% CI)": table.apply(cell, axis=1, key="diff"),
        "p (t)": table["p_t"].map(lambda p: "" if np.isnan(p) else f"{p:.3g}"),
        "paper: quantum - classical": table["paper_diff"].map(lambda d: "" if np.isnan(d) else f"{d:.4g}"),
        "paper's direction holds": table["paper_direction_holds"],
    })
    return shown.to_markdown(index=False) + "\n"
