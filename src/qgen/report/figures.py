"""Figures: sample grids (Figs. 3-7), the circuit (Fig. 2), loss curves, quantum gradients."""

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
    """Training loss per epoch (mean over its steps) of each run label."""
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
