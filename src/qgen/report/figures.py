"""Figures: sample grids (Figs. 3-7), the circuit (Fig. 2), loss curves, quantum gradients,
latent interpolations, the routing curve and ablation plots."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def save_figure(fig: plt.Figure, path: Path) -> None:
    """Save atomically (a killed job leaves no truncated PNG) and close.

    The PNG's metadata names the code that drew it (qgen version and git commit).
    """
    import qgen
    from qgen.provenance import git_commit

    from qgen.atomic import atomic_path

    path = Path(path)
    metadata = {"Software": f"qgen {qgen.__version__} (git {git_commit() or 'unknown'})"}
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight", metadata=metadata if path.suffix == ".png" else None)
    plt.close(fig)


def image_grid(images: np.ndarray, ncols: int) -> np.ndarray:
    """(N, H, W, C) uint8 -> one (rows*H, ncols*W, C) mosaic with 2-px gaps."""
    n, h, w, c = images.shape
    rows = -(-n // ncols)
    grid = np.full((rows * (h + 2) - 2, ncols * (w + 2) - 2, c), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, col = divmod(i, ncols)
        grid[r * (h + 2) : r * (h + 2) + h, col * (w + 2) : col * (w + 2) + w] = img
    return grid


def sample_comparison(samples: Mapping[str, np.ndarray], title: str, path: Path, n_show: int = 16) -> None:
    """Samples of each model variant side by side, as the paper's Figures 3-7."""
    fig, axes = plt.subplots(1, len(samples), figsize=(3.2 * len(samples), 3.6), squeeze=False)
    for ax, (model, images) in zip(axes[0], samples.items()):
        shown = images[:n_show]
        grid = image_grid(shown, ncols=int(np.ceil(np.sqrt(len(shown)))))
        ax.imshow(grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
        ax.set_title(model)
        ax.axis("off")
    fig.suptitle(title)
    save_figure(fig, path)


def loss_curves(losses: Mapping[str, pd.DataFrame], path: Path, title: str) -> None:
    """Training loss per epoch (mean over its steps) of each run label; runs that log several
    named losses (a GAN's two, a VAE's reconstruction and KL) get one panel per loss."""
    names = list(dict.fromkeys(c for df in losses.values() for c in df.columns if c not in ("epoch", "step")))
    if names != ["loss"]:
        named_loss_curves(losses, names, path, title)
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, df in losses.items():
        per_epoch = df.groupby("epoch")["loss"].mean()
        ax.plot(per_epoch.index, per_epoch.values, label=label, alpha=0.8)
    ax.set_xlabel("epoch")
    ax.set_ylabel("noise-prediction MSE")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize="x-small", ncol=2)
    save_figure(fig, path)


def _model_of(label: str) -> str:
    """'unit/model/seedN' -> 'unit/model' (seeds of one model share a colour and a mean)."""
    return label.rsplit("/", 1)[0]


def named_loss_curves(losses: Mapping[str, pd.DataFrame], names: Sequence[str], path: Path, title: str) -> None:
    """One panel per named loss; per model the mean over its seeds of each epoch's mean."""
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        curves: dict[str, list[pd.Series]] = {}
        for label, df in losses.items():
            if name in df.columns:
                curves.setdefault(_model_of(label), []).append(df.groupby("epoch")[name].mean())
        positive = True
        for model, series in curves.items():
            mean = pd.concat(series, axis=1).mean(axis=1)
            positive &= bool((mean > 0).all())
            ax.plot(mean.index, mean.values, label=f"{model} ({len(series)} seed{'s' * (len(series) > 1)})", alpha=0.85)
        if positive and len(curves):
            ax.set_yscale("log")
        ax.set_title(name, fontsize="small")
        ax.set_xlabel("epoch")
        ax.legend(fontsize="xx-small")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"{title}: training losses per epoch (mean over seeds)")
    fig.tight_layout()
    save_figure(fig, path)


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
    colours = {m: f"C{i}" for i, m in enumerate(sorted(set(summary["model"])))}  # one colour per model
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


def quantum_gradients(grads: Mapping[str, pd.DataFrame], path: Path, title: str) -> None:
    """Mean |grad| of each quantum weight per epoch: flat at ~0 means the weight cannot learn."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, df in grads.items():
        if df.empty:
            continue
        per_epoch = df.groupby("epoch")["mean_abs_grad"].agg(["median", "max"])
        ax.plot(per_epoch.index, per_epoch["max"], label=f"{label} (max over weights)")
        ax.plot(per_epoch.index, per_epoch["median"], "--", label=f"{label} (median)")
    ax.set_yscale("symlog", linthresh=1e-12)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean |dL/dw| per step")
    ax.set_title(title)
    ax.legend(fontsize="x-small")
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
    fig.suptitle(f"{circuit} {circuit_params}")
    save_figure(fig, path)


def fid_vs_sample_size(summary: pd.DataFrame, path: Path, title: str, paper_n: int = 5) -> None:
    """FID against the number of generated images: mean and 95% band over random subsets."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for model, df in summary.groupby("model"):
        line = ax.plot(df["n"], df["mean"], marker="o", label=model)[0]
        ax.fill_between(df["n"], df["q025"], df["q975"], color=line.get_color(), alpha=0.2)
    ax.axvline(paper_n, color="grey", linestyle=":", label=f"paper protocol (n = {paper_n})")
    ax.set_xscale("log")
    sizes = sorted(summary["n"].unique())
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("generated images in the FID (the largest is the whole pool: no spread)")
    ax.set_ylabel("FID (mean and 95% band over subsets)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    save_figure(fig, path)
