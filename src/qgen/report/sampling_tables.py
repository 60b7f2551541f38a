"""Summaries of runs sampled several ways: each metric per model and sampling setting over seeds,
pooled gradable fractions, the noise table (S3's table is built from these in qgen.studies.s3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

RUN_FACTS = ("parameters", "parameters_quantum", "seconds_per_epoch", "seconds_per_image")


def _sampling(scores: pd.DataFrame) -> pd.Series:
    return scores["sampling"].fillna("noiseless").astype(str) if "sampling" in scores else pd.Series(
        "noiseless", index=scores.index)


def seed_summary(scores: pd.DataFrame, protocol: str, metric: str) -> pd.DataFrame:
    """Per (model, sampling): the mean over seeds (each seed's value averaged over units) with a
    95% t-interval, and the number of seeds."""
    from qgen.stats import mean_ci

    rows = scores[(scores["protocol"] == protocol) & (scores["metric"] == metric)].assign(sampling=_sampling(scores))
    out = []
    per_seed = rows.groupby(["model", "sampling", "seed"], sort=False)["value"].mean().reset_index()
    for (model, sampling), group in per_seed.groupby(["model", "sampling"], sort=False):
        ci = mean_ci(group["value"].to_numpy(dtype=float))
        out.append({"model": model, "sampling": sampling, "metric": metric, "mean": ci.estimate, "low": ci.low,
                    "high": ci.high, "n_seeds": len(group)})
    return pd.DataFrame(out, columns=["model", "sampling", "metric", "mean", "low", "high", "n_seeds"])


def pooled_gradable(scores: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per (model, sampling): every seed's images pooled, k of n gradable with a Wilson interval,
    and the real held-out images' own fraction (the validator's, the same for every model)."""
    from qgen.metrics.gradable import binomial_interval

    rows = scores[(scores["protocol"] == "standard") & (scores["metric"] == metric)].assign(sampling=_sampling(scores))
    out = []
    for (model, sampling), group in rows.groupby(["model", "sampling"], sort=False):
        k, n = int(group["n_gradable"].sum()), int(group["n_generated"].sum())
        pooled = binomial_interval(k, n, 0.95, "wilson")
        real = group.iloc[0]
        out.append({"model": model, "sampling": sampling, "k": k, "n": n, "pooled": pooled.estimate,
                    "pooled_low": pooled.low, "pooled_high": pooled.high, "real": real.get("real_fraction", np.nan),
                    "real_low": real.get("real_low", np.nan), "real_high": real.get("real_high", np.nan),
                    "real_n": real.get("real_n", np.nan)})
    return pd.DataFrame(out)


def dataset_note(scores: pd.DataFrame) -> list[str]:
    """Each dataset with what it is (a stand-in says so)."""
    from qgen.data import dataset_info

    notes = []
    for name in sorted(scores["dataset"].dropna().astype(str).unique()):
        try:
            notes.append(f"dataset: {name}: {dataset_info(name).description}")
        except KeyError:
            notes.append(f"dataset: {name}")
    return notes


def noise_table(scores: pd.DataFrame, metrics: list[tuple[str, str]]) -> pd.DataFrame:
    """Per model, sampling setting and metric: mean over seeds with a 95% t-interval; plus
    seconds per image. Columns: model, sampling, channel, strength, metric, mean, low, high, n_seeds."""
    frames = [seed_summary(scores, p, m).assign(protocol=p) for p, m in [*metrics, ("run", "seconds_per_image")]]
    table = pd.concat(frames, ignore_index=True)
    channel, strength = zip(*[_setting(s) for s in table["sampling"]]) if len(table) else ((), ())
    return table.assign(channel=list(channel), strength=list(strength))


def _setting(label: str) -> tuple[str, float]:
    """'depolarizing=0.01' -> ('depolarizing', 0.01); 'noiseless' -> ('noiseless', 0)."""
    if "=" not in label or "," in label:
        return (label, 0.0)
    kind, value = label.split("=", 1)
    return (kind, float(value))
