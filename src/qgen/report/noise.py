"""The noise figure (S3-C3): each metric against noise strength per gate and against shots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qgen.report.figures import plt  # figures selects the Agg backend first

CHANNELS = ("depolarizing", "amplitude_damping")
MARKERS = {"depolarizing": "o", "amplitude_damping": "s", "shots": "^"}


def _errorbars(df: pd.DataFrame) -> np.ndarray:
    low = (df["mean"] - df["low"]).fillna(0).clip(lower=0)
    high = (df["high"] - df["mean"]).fillna(0).clip(lower=0)
    return np.vstack([low.to_numpy(), high.to_numpy()])


def noise_plot(table: pd.DataFrame, metrics: list[str], title: str) -> plt.Figure:
    """Rows: metrics; left: against the per-gate strength of each channel (log x), right: against
    shots. Each model sampled under noise is a colour: its noiseless value a dashed line with its
    95% band; models sampled noiselessly only (classical) dotted grey lines, labelled."""
    metrics = [m for m in metrics if m in set(table["metric"])]
    fig, axes = plt.subplots(max(len(metrics), 1), 2, figsize=(10, 3.2 * max(len(metrics), 1)), squeeze=False,
                             gridspec_kw={"width_ratios": [2, 1]})
    noisy = [m for m in dict.fromkeys(table["model"]) if (table[(table["model"] == m)]["channel"] != "noiseless").any()]
    colours = {m: f"C{i}" for i, m in enumerate(noisy)}
    for row, metric in zip(axes, metrics):
        data = table[table["metric"] == metric]
        for ax, kinds in zip(row, (CHANNELS, ("shots",))):
            for model in dict.fromkeys(data["model"]):
                rows = data[data["model"] == model]
                base = rows[rows["channel"] == "noiseless"]
                if model not in colours:  # a classical reference: its noiseless value
                    if len(base):
                        ax.axhline(base["mean"].iloc[0], color="grey", linestyle=":", linewidth=1)
                        ax.annotate(model, (1.0, base["mean"].iloc[0]), xycoords=("axes fraction", "data"),
                                    fontsize="x-small", color="grey", ha="right", va="bottom")
                    continue
                colour = colours[model]
                if len(base):
                    b = base.iloc[0]
                    ax.axhline(b["mean"], color=colour, linestyle="--", linewidth=1, label=f"{model} noiseless")
                    if np.isfinite(b["low"]):
                        ax.axhspan(b["low"], b["high"], color=colour, alpha=0.1)
                for kind in kinds:
                    pts = rows[rows["channel"] == kind].sort_values("strength")
                    if len(pts):
                        ax.errorbar(pts["strength"], pts["mean"], yerr=_errorbars(pts), color=colour, capsize=3,
                                    marker=MARKERS.get(kind, "o"), label=f"{model} {kind}")
            ax.set_xscale("log")
            ax.set_ylabel(metric)
            ax.set_xlabel("noise strength per gate" if kinds == CHANNELS else "shots per circuit call")
            handles, _ = ax.get_legend_handles_labels()
            if handles:
                ax.legend(fontsize="x-small")
    fig.suptitle(f"{title}: sampling under hardware noise (mean over seeds, 95% t-interval)")
    fig.tight_layout()
    return fig
