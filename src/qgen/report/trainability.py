"""The trainability figure: gradient variance at random initialisation against qubit count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qgen.report.figures import plt, save_figure  # figures selects the Agg backend first

PANELS = {
    "var_mean": "averaged over all weights",
    "var_first": "first weight (inside Z_0's light cone)",
}


def gradient_variance_figure(study: pd.DataFrame, path: Path, title: str | None = None) -> None:
    """Log-variance against qubits, one line per ansatz, from :func:`trainability_study`'s table.

    Left: the variance averaged over all weights, with its 95% bootstrap band (for a local cost
    it also falls because more weights sit outside the observable's light cone). Right: the
    first weight's variance, the classic barren-plateau curve. Zero variances (weights that
    cannot act, as S1's) cannot sit on a log axis: they are left out and named in the legend.
    """
    fig, axes = plt.subplots(1, len(PANELS), figsize=(5.2 * len(PANELS), 4), sharey=True, squeeze=False)
    for ax, (column, label) in zip(axes[0], PANELS.items()):
        for ansatz, df in study.groupby("ansatz", sort=False):
            df = df.sort_values("n_qubits")
            positive = df[column] > 0
            name = ansatz if positive.all() else f"{ansatz} ({(~positive).sum()} zero values not shown)"
            line = ax.plot(df["n_qubits"][positive], df[column][positive], marker="o", label=name)[0]
            if column == "var_mean":
                ax.fill_between(
                    df["n_qubits"][positive],
                    df["var_mean_low"][positive],
                    df["var_mean_high"][positive],
                    color=line.get_color(),
                    alpha=0.2,
                )
        ax.set_yscale("log")
        ax.set_xticks(np.unique(study["n_qubits"]))
        ax.set_xlabel("qubits")
        ax.set_title(label, fontsize="medium")
        ax.legend(fontsize="x-small")
    first = study.iloc[0]
    axes[0][0].set_ylabel(f"Var[d {first['cost']} / d w] over {first['n_inits']} random inits")
    fig.suptitle(title or f"Gradient variance at initialisation ({first['n_layers']} layers)")
    save_figure(fig, path)
