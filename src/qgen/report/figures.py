"""Figures: sample grids (Figs. 3-7), the circuit (Fig. 2), FID against sample size; saving.

Every figure function builds a matplotlib Figure inside :func:`qgen.report.style.figure_style`
and returns it, so tests can read what a figure says; :func:`save_figure` writes it with its
provenance. Training diagnostics are in :mod:`qgen.report.training_figures`, the forest plot of
the claims in :mod:`qgen.report.forest`. S2's latent interpolations, routing curve and
ablation plots are here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from qgen.paths import unit_label  # noqa: E402
from qgen.report.style import PANEL, WIDTH, figure_style, model_colours  # noqa: E402

DATA_KEY = "qgen:data"  # PNG text chunk: what the figure shows, as JSON (read by tests and tools)


def save_figure(fig: plt.Figure, path: Path, description: str | None = None, data: Any = None) -> None:
    """Save atomically (a killed job leaves no truncated PNG) and close.

    The PNG's metadata names the code that drew it (qgen version and git commit); a figure's
    one-line point goes in ``Description`` and what it plots, as JSON, under ``qgen:data``.
    """
    import qgen
    from qgen.atomic import atomic_path
    from qgen.provenance import git_commit

    path = Path(path)
    metadata: dict[str, str] = {"Software": f"qgen {qgen.__version__} (git {git_commit() or 'unknown'})"}
    if description:
        metadata["Description"] = description
    if data is not None:
        metadata[DATA_KEY] = json.dumps(data, default=str)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight", metadata=metadata if path.suffix == ".png" else None)
    plt.close(fig)


def png_metadata(path: Path) -> dict[str, str]:
    """The text chunks of a PNG written by :func:`save_figure`."""
    from PIL import Image

    with Image.open(path) as image:
        return dict(image.text)


def figure_texts(fig: plt.Figure) -> list[str]:
    """Every piece of text drawn on a figure (titles, labels, annotations, legends)."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def image_grid(images: np.ndarray, ncols: int) -> np.ndarray:
    """(N, H, W, C) uint8 -> one (rows*H, ncols*W, C) mosaic with 2-px gaps."""
    n, h, w, c = images.shape
    rows = -(-n // ncols)
    grid = np.full((rows * (h + 2) - 2, ncols * (w + 2) - 2, c), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, col = divmod(i, ncols)
        grid[r * (h + 2) : r * (h + 2) + h, col * (w + 2) : col * (w + 2) + w] = img
    return grid


@dataclass(frozen=True)
class SampleSet:
    """One model's samples and what produced them (for the panel's label)."""

    model: str
    images: np.ndarray
    unit: str
    seed: str | int
    epochs: int | None = None
    steps: int | None = None
    n_train: int | None = None

    def budget(self) -> str:
        """The training budget: '40 epochs, 220 steps, 142 training images'."""
        parts = []
        for value, word in ((self.epochs, "epoch"), (self.steps, "step"), (self.n_train, "training image")):
            if value is not None:
                parts.append(f"{value} {word}{'' if value == 1 else 's'}")
        return ", ".join(parts) or "training budget unknown"


def sample_comparison(sets: Sequence[SampleSet], title: str, n_show: int = 16) -> plt.Figure:
    """Samples of each model side by side (the paper's Figures 3-7), each panel labelled with its
    model, class, seed and training budget."""
    colours = model_colours([s.model for s in sets])
    with figure_style():
        fig, axes = plt.subplots(1, len(sets), figsize=(2.9 * len(sets), 3.6), squeeze=False)
        for ax, s in zip(axes[0], sets):
            shown = s.images[:n_show]
            grid = image_grid(shown, ncols=int(np.ceil(np.sqrt(len(shown)))))
            ax.imshow(grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
            ax.set_title(s.model, color=colours[s.model], fontweight="bold")
            ax.text(0.5, -0.03, f"{unit_label(str(s.unit))}, seed {s.seed}\n{s.budget()}", transform=ax.transAxes,
                    ha="center", va="top", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color(colours[s.model])
        fig.suptitle(f"{title}: first {min(n_show, min(len(s.images) for s in sets))} samples of each model")
        fig.tight_layout()
    return fig


def interpolations(rows: Mapping[str, np.ndarray], path: Path, title: str) -> None:
    """Each model's decoded latent interpolation between two held-out images (uint8 N, H, W, C)."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(1.1 * max(len(v) for v in rows.values()), 1.4 * len(rows)),
                             squeeze=False)
    for ax, (model, images) in zip(axes[:, 0], rows.items()):
        grid = image_grid(images, ncols=len(images))
        ax.imshow(grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
        ax.set_ylabel(model, rotation=0, ha="right", va="center", fontsize="small")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    save_figure(fig, path)


def routing_curve(curve: pd.DataFrame, path: Path, title: str, mark: Mapping[str, float] | None = None) -> None:
    """Quality (routed / all-quantum) against cost (routed / all-quantum wall time), one point per
    share routed to the quantum model, mean and 95% interval over seeds; the paper's point marked.
    ``curve``: rows of metric (quality_ssim, cost, cost_report_setup, routed_share) x share x seed."""
    from qgen.stats import mean_ci

    costs = [c for c in ("cost", "cost_report_setup") if c in set(curve["metric"]) and curve.loc[
        curve["metric"] == c, "value"].notna().any()]
    fig, axes = plt.subplots(1, len(costs), figsize=(5.2 * len(costs), 4.2), squeeze=False)
    for ax, cost in zip(axes[0], costs):
        for model, rows in curve.groupby("model"):
            stats = {}
            for metric in ("quality_ssim", cost, "routed_share"):
                per = rows[rows["metric"] == metric].groupby("share")["value"].apply(lambda v: mean_ci(v.to_numpy()))
                stats[metric] = per
            shares = sorted(stats["quality_ssim"].index)
            x = np.array([stats[cost][s].estimate for s in shares])
            y = np.array([stats["quality_ssim"][s].estimate for s in shares])
            xerr = np.array([[max(0.0, stats[cost][s].estimate - stats[cost][s].low) if np.isfinite(stats[cost][s].low)
                              else 0.0 for s in shares],
                             [max(0.0, stats[cost][s].high - stats[cost][s].estimate) if np.isfinite(stats[cost][s].high)
                              else 0.0 for s in shares]])
            yerr = np.array([[max(0.0, stats["quality_ssim"][s].estimate - stats["quality_ssim"][s].low)
                              if np.isfinite(stats["quality_ssim"][s].low) else 0.0 for s in shares],
                             [max(0.0, stats["quality_ssim"][s].high - stats["quality_ssim"][s].estimate)
                              if np.isfinite(stats["quality_ssim"][s].high) else 0.0 for s in shares]])
            ax.errorbar(x, y, xerr=xerr, yerr=yerr, marker="o", capsize=2, label=model)
            for s, xi, yi in zip(shares, x, y):
                ax.annotate(f"{stats['routed_share'][s].estimate:.0%}", (xi, yi), fontsize="x-small",
                            textcoords="offset points", xytext=(4, -8))
        if mark:
            ax.plot([mark["cost"]], [mark["quality_ssim"]], marker="*", markersize=14, color="crimson", linestyle="",
                    label=f"report: {mark['routed_share']:.0%} routed, {mark['quality_ssim']:.0%} quality, "
                          f"{mark['cost']:.0%} cost")
        ax.set_xlabel(f"{cost}: wall time relative to all-quantum" + (" (report's simulator)" if "report" in cost else ""))
        ax.set_ylabel("reconstruction SSIM relative to all-quantum")
        ax.legend(fontsize="x-small")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title}: routing quality against cost (labels: share routed to quantum)")
    save_figure(fig, path)


def ablation_plot(summary: pd.DataFrame, path: Path, title: str, order: Sequence[str]) -> None:
    """One panel per metric: mean and 95% interval over seeds against the axis' values, per model.
    ``summary``: rows of metric, model, value (axis label), mean, low, high, n_seeds."""
    metrics = list(dict.fromkeys(summary["metric"]))
    fig, axes = plt.subplots(1, max(1, len(metrics)), figsize=(4.6 * max(1, len(metrics)), 3.8), squeeze=False)
    position = {label: i for i, label in enumerate(order)}
    colours = model_colours(sorted(set(summary["model"])))  # one colour per model role, as everywhere
    for ax, metric in zip(axes[0], metrics):
        for model, rows in summary[summary["metric"] == metric].groupby("model"):
            rows = rows.assign(_x=rows["value"].map(position)).sort_values("_x")
            low = (rows["mean"] - rows["low"]).clip(lower=0).fillna(0)
            high = (rows["high"] - rows["mean"]).clip(lower=0).fillna(0)
            ax.errorbar(rows["_x"], rows["mean"], yerr=[low, high], marker="o", capsize=3, label=model,
                        color=colours[model])
        ax.set_xticks(range(len(order)), list(order))
        ax.set_title(metric, fontsize="small")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small")
    fig.suptitle(f"{title} (mean and 95% interval over seeds)")
    fig.tight_layout()
    save_figure(fig, path)


def circuit_diagram(circuit: str, circuit_params: dict, path: Path) -> None:
    """The circuit as PennyLane draws it (the paper's Figure 2)."""
    import pennylane as qml

    from qgen.quantum import build_circuit

    spec = build_circuit(circuit, **circuit_params)
    device = qml.device("default.qubit", wires=spec.n_qubits)

    @qml.qnode(device)
    def qnode(inputs: Sequence[float], weights: np.ndarray) -> list:
        spec.apply(inputs, weights)
        return spec.measurements()

    inputs = np.linspace(0.1, 1.0, spec.n_qubits)
    weights = np.zeros(spec.weight_shape)
    fig, _ = qml.draw_mpl(qnode, decimals=None, style="pennylane")(inputs, weights)
    params = ", ".join(f"{k} {v}" for k, v in sorted(circuit_params.items()))
    fig.suptitle(f"circuit {circuit} ({params}): {spec.n_qubits} qubits, {int(np.prod(spec.weight_shape))} weights")
    save_figure(fig, path, description=f"circuit {circuit} {circuit_params}")


def fid_vs_sample_size(summary: pd.DataFrame, title: str, paper_n: int = 5) -> plt.Figure:
    """FID against the number of generated images: mean and 95% band over random subsets."""
    colours = model_colours(list(dict.fromkeys(summary["model"])))
    with figure_style():
        fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 3.6))
        for model, df in summary.groupby("model", sort=False):
            ax.plot(df["n"], df["mean"], marker="o", color=colours[model], label=model)
            ax.fill_between(df["n"], df["q025"], df["q975"], color=colours[model], alpha=0.2, linewidth=0)
        ax.axvline(paper_n, color="grey", linestyle=":", label=f"paper protocol (n = {paper_n})")
        ax.set_xscale("log")
        sizes = sorted(summary["n"].unique())
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("generated images in the FID (the largest is the whole pool: no spread)")
        ax.set_ylabel("FID (mean and 95% band over subsets)")
        ax.set_title(title)
        ax.legend()
    return fig


def small_multiples(n: int, ncols: int = 5, sharey: bool = True) -> tuple[plt.Figure, np.ndarray]:
    """A grid of ``n`` panels of the house panel size; unused panels are hidden."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(PANEL[0] * ncols, PANEL[1] * nrows + 0.6),
                             squeeze=False, sharex=True, sharey=sharey)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def legend_for(fig: plt.Figure, colours: Mapping[str, str], extra: Sequence[tuple[str, dict]] = ()) -> None:
    """One figure-level legend of the models (and extra entries), under the title."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, linewidth=2, label=m) for m, c in colours.items()]
    handles += [Line2D([], [], label=label, **style) for label, style in extra]
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0), frameon=False)
