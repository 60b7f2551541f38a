"""Figures: sample grids (Figs. 3-7), the circuit (Fig. 2), FID against sample size; saving.

Every figure function builds a matplotlib Figure inside :func:`qgen.report.style.figure_style`
and returns it, so tests can read what a figure says; :func:`save_figure` writes it with its
provenance. Training diagnostics are in :mod:`qgen.report.training_figures`, the forest plot of
the claims in :mod:`qgen.report.forest`.
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
