"""Paper-shaped tables (rows metric x model, columns units) and per-unit model comparisons."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from qgen.paper import paper_per_class
from qgen.provenance import read_json
from qgen.report.markdown import interval, markdown_table

SCORE_COLUMNS = [
    "experiment", "dataset", "unit", "model", "seed", "n_train",
    "protocol", "metric", "value", "features", "n_generated", "n_real",
]
# Which metrics each protocol's table shows, in order.
TABLE_METRICS = {
    "paper": ["ssim", "fid"],
    "standard": ["fid", "kid", "inception_score", "ssim_random", "ssim_nearest", "precision", "recall", "density", "coverage",
                 "gradable_quality", "gradable_grade_confidence"],
    "run": ["parameters", "parameters_quantum", "seconds_per_epoch", "seconds_per_image"],
}


def collect_scores(score_files: Iterable[Path]) -> pd.DataFrame:
    """One tidy row per (run, protocol, metric) from the scores.json files of runs."""
    rows = []
    for path in score_files:
        record = read_json(Path(path))
        for score in record["scores"]:
            rows.append({**record["run"], **score})
    df = pd.DataFrame(rows)
    for column in SCORE_COLUMNS:
        if column not in df:
            df[column] = np.nan
    df["unit"] = df["unit"].astype(str)
    return df[SCORE_COLUMNS + [c for c in df.columns if c not in SCORE_COLUMNS]]


def read_scores(path: Path | str) -> pd.DataFrame:
    """A tables/scores.csv, units kept as text ('3', 'all')."""
    return pd.read_csv(path, dtype={"unit": str})


def _unit_key(unit: str) -> tuple[int, str]:
    return (0, f"{int(unit):06d}") if unit.isdigit() else (1, unit)


def _summarise(per_unit: pd.DataFrame) -> pd.DataFrame:
    """Rows (metric, model) x columns units + avg + std (sample std across units, as the paper)."""
    wide = per_unit.pivot_table(index=["metric", "model"], columns="unit", values="value")
    wide = wide[sorted(wide.columns, key=_unit_key)]
    values = wide.to_numpy(dtype=float)
    wide["avg"] = np.nanmean(values, axis=1)
    wide["std"] = np.nanstd(values, axis=1, ddof=1) if values.shape[1] > 1 else np.nan
    return wide


def paper_table(scores: pd.DataFrame, protocol: str, paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table I/II shape: per-unit means over seeds, avg and std across units, the paper's beside ours."""
    metrics = TABLE_METRICS.get(protocol, sorted(scores["metric"].unique()))
    ours = scores[(scores["protocol"] == protocol) & scores["metric"].isin(metrics)]
    per_unit = ours.groupby(["metric", "model", "unit"], as_index=False)["value"].mean()
    table = _summarise(per_unit)
    table["source"] = f"qgen ({protocol})"
    table["n_seeds"] = ours.groupby(["metric", "model"])["seed"].nunique()
    if paper is not None:
        shown = paper.rename(columns={"class": "unit"})
        shown = shown[shown["unit"].isin(per_unit["unit"].unique()) & shown["metric"].isin(metrics)]
        if len(shown):
            reported = _summarise(shown)
            reported["source"] = "paper"
            table = pd.concat([table, reported])
    table = table.reset_index()
    table["metric"] = pd.Categorical(table["metric"], [m for m in metrics if m in set(table["metric"])])
    return table.set_index(["metric", "model", "source"]).sort_index()


def load_paper_table(path: Path) -> pd.DataFrame:
    return paper_per_class(path)


def comparison_table(
    scores: pd.DataFrame, protocol: str, pair: tuple[str, str], paper: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per metric and unit: each model's mean over seeds with a 95% interval, and treatment -
    baseline paired by seed with its interval and p (the t test matching the t interval), and
    whether the paper's direction holds. The row 'all' is the claims' estimand for these
    classes: the mean over units of the per-unit differences, error from seed replication."""
    from qgen.stats import compare_pair, decide, mean_ci, paired_comparison

    baseline, treatment = pair
    metrics = TABLE_METRICS.get(protocol, sorted(scores["metric"].unique()))
    ours = scores[(scores["protocol"] == protocol) & scores["metric"].isin(metrics)]
    reported: dict[tuple[str, str], float] = {}
    if paper is not None:
        wide = paper.pivot_table(index=["metric", "class"], columns="model", values="value")
        if {baseline, treatment} <= set(wide.columns):
            for (metric, unit), row in wide.iterrows():
                reported[(metric, str(unit))] = row[treatment] - row[baseline]
            units = set(ours["unit"])
            for metric in wide.index.get_level_values(0).unique():
                shown = wide.loc[metric]
                shown = shown[shown.index.astype(str).isin(units)]
                reported[(metric, "all")] = float((shown[treatment] - shown[baseline]).mean())
    rows = []
    for metric in [m for m in metrics if m in set(ours["metric"])]:
        pairs = ours[ours["metric"] == metric].pivot_table(index=["unit", "seed"], columns="model", values="value")
        if not {baseline, treatment} <= set(pairs.columns):
            continue
        units = sorted(pairs.index.get_level_values(0).unique(), key=_unit_key)
        for unit in units + (["all"] if len(units) > 1 else []):
            block = pairs if unit == "all" else pairs.loc[[unit]]
            a, b = mean_ci(block[baseline]), mean_ci(block[treatment])
            paper_diff = reported.get((metric, unit), np.nan)
            direction = 0 if np.isnan(paper_diff) or paper_diff == 0 else int(np.sign(paper_diff))
            if unit == "all":
                tidy = ours[ours["metric"] == metric].rename(columns={"unit": "class"})
                r = compare_pair(tidy, baseline, treatment, direction=direction, reading="fixed", secondary=None)
                diff = dict(n=r["n_values"], mean=r["estimate"], low=r["low"], high=r["high"], p=r["p"])
            else:
                d = paired_comparison(block[baseline], block[treatment])
                diff = dict(n=d.n, mean=d.mean_diff, low=d.low, high=d.high, p=d.p_t)
            decided = decide(diff["mean"], 0.0, diff["p"], np.nan, direction) if direction else "–"
            rows.append({
                "metric": metric, "unit": unit, "n_pairs": diff["n"],
                "baseline": a.estimate, "baseline_low": a.low, "baseline_high": a.high,
                "treatment": b.estimate, "treatment_low": b.low, "treatment_high": b.high,
                "diff": diff["mean"], "diff_low": diff["low"], "diff_high": diff["high"], "p_t": diff["p"],
                "paper_diff": paper_diff,
                "paper_direction_holds": {"holds": "yes", "does not hold": "no"}.get(decided, decided
                                                                                      if decided == "–" else "undecided"),
            })
    return pd.DataFrame(rows)


def comparison_markdown(table: pd.DataFrame, pair: tuple[str, str]) -> str:
    if table.empty:
        return f"(no {pair[0]}/{pair[1]} pairs to compare)\n"
    baseline, treatment = pair
    shown = pd.DataFrame({
        "metric": table["metric"], "unit": table["unit"], "pairs": table["n_pairs"],
        f"{baseline} (95% CI)": [interval(r.baseline, r.baseline_low, r.baseline_high) for r in table.itertuples()],
        f"{treatment} (95% CI)": [interval(r.treatment, r.treatment_low, r.treatment_high) for r in table.itertuples()],
        f"{treatment} - {baseline} (95% CI)": [interval(r.diff, r.diff_low, r.diff_high) for r in table.itertuples()],
        "p (paired t)": table["p_t"],
        "paper's difference": table["paper_diff"],
        "paper's direction holds": table["paper_direction_holds"],
    })
    return markdown_table(shown)
