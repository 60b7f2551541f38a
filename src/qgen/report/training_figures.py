"""Training diagnostics that state their point: loss curves per model (mean and band over classes
and seeds; per class in small multiples) and the quantum weights' gradients on a linear scale,
with the finding written on the figure (e.g. "gradient exactly 0 in every epoch")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from qgen.paths import unit_label
from qgen.report.figures import legend_for, small_multiples
from qgen.report.style import WIDTH, figure_style, model_colours

RUN_COLUMNS = ["unit", "model", "seed"]


def tidy_runs(frames: Iterable[tuple[Mapping[str, str], pd.DataFrame]]) -> pd.DataFrame:
    """Per-run tables (losses.csv, quantum_grads.csv) stacked, each row tagged with its run."""
    parts = [df.assign(**{k: str(run[k]) for k in RUN_COLUMNS}) for run, df in frames if not df.empty]
    if not parts:
        return pd.DataFrame(columns=RUN_COLUMNS + ["epoch"])
    return pd.concat(parts, ignore_index=True)


def minimised_losses(losses: pd.DataFrame) -> list[str]:
    """The losses a run minimised: ``loss``, or one ``<group>_loss`` per optimiser group (a GAN's
    generator and discriminator); the other columns are logged diagnostics."""
    if "loss" in losses.columns:
        return ["loss"]
    return [c for c in losses.columns if c.endswith("_loss") and not c.startswith("unweighted")]


def epoch_losses(losses: pd.DataFrame) -> pd.DataFrame:
    """The mean over each epoch's steps of every minimised loss, long: one row per run, epoch and loss."""
    names = minimised_losses(losses)
    per_epoch = losses.groupby(RUN_COLUMNS + ["epoch"], as_index=False)[names].mean()
    long = per_epoch.melt(id_vars=RUN_COLUMNS + ["epoch"], value_vars=names, var_name="name", value_name="value")
    return long.rename(columns={"value": "loss"})


def epoch_axis(ax: plt.Axes, epochs: pd.Series) -> None:
    """Epochs as whole numbers: each one marked when there are few, one epoch centred."""
    seen = sorted(int(e) for e in pd.unique(epochs))
    if len(seen) <= 12:
        ax.set_xticks(seen)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(seen) == 1:
        ax.set_xlim(seen[0] - 1, seen[0] + 1)


def _scale(ax: plt.Axes, values: pd.Series) -> None:
    """A log axis with plain tick labels (0.7, 0.8, 1) when every value is positive."""
    from matplotlib.ticker import FuncFormatter

    if (values > 0).all():
        ax.set_yscale("log")
        plain = FuncFormatter(lambda v, _: f"{v:.2g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)


def _band(ax: plt.Axes, per_run: pd.DataFrame, value: str, colour: str, label: str | None,
          linestyle: str = "-") -> None:
    """Mean over runs per epoch as a line, lowest to highest run as a band (markers if few epochs)."""
    stats = per_run.groupby("epoch")[value].agg(["mean", "min", "max"])
    few = len(stats) <= 3
    ax.plot(stats.index, stats["mean"], color=colour, linewidth=1.8, linestyle=linestyle, marker="o" if few else None,
            label=label)
    if per_run[RUN_COLUMNS].drop_duplicates().shape[0] > 1:
        ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.2, linewidth=0)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 epoch', '3 epochs', '2 classes'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _runs_phrase(per_run: pd.DataFrame) -> str:
    return f"{plural(per_run['unit'].nunique(), 'class', 'classes')} x {plural(per_run['seed'].nunique(), 'seed')}"


def loss_curves(losses: pd.DataFrame, title: str) -> plt.Figure:
    """One line per model: the mean over its classes and seeds of the per-epoch loss, and a band
    from the lowest to the highest run (a panel per minimised loss when there are several)."""
    per_epoch = epoch_losses(losses)
    colours = model_colours(list(dict.fromkeys(per_epoch["model"])))
    names = list(dict.fromkeys(per_epoch["name"]))
    with figure_style():
        fig, axes = plt.subplots(1, len(names), figsize=(WIDTH * (0.8 if len(names) == 1 else 1.0), 3.6),
                                 squeeze=False)
        for ax, name in zip(axes[0], names):
            one = per_epoch[per_epoch["name"] == name]
            for model, runs in one.groupby("model", sort=False):
                _band(ax, runs, "loss", colours[model], f"{model} ({_runs_phrase(runs)})")
            _scale(ax, one["loss"])
            epoch_axis(ax, one["epoch"])
            ax.set_xlabel("epoch")
            ax.set_ylabel(f"training {name.replace('_', ' ')} (mean over the epoch's steps)")
            ax.legend()
        fig.suptitle(f"{title}: training loss per model\n"
                     "line: mean over classes and seeds; band: lowest to highest run")
        fig.tight_layout()
    return fig


def loss_curves_per_class(losses: pd.DataFrame, title: str) -> plt.Figure:
    """Small multiples: one panel per class, one line per model (mean over seeds, band over seeds;
    a line style per minimised loss when there are several)."""
    per_epoch = epoch_losses(losses)
    colours = model_colours(list(dict.fromkeys(per_epoch["model"])))
    names = list(dict.fromkeys(per_epoch["name"]))
    styles = dict(zip(names, ["-", "--", ":", "-."]))
    units = sorted(per_epoch["unit"].unique(), key=lambda u: (not u.isdigit(), int(u) if u.isdigit() else 0, u))
    with figure_style():
        fig, axes = small_multiples(len(units))
        for ax, unit in zip(axes.flat, units):
            for (model, name), runs in per_epoch[per_epoch["unit"] == unit].groupby(["model", "name"], sort=False):
                _band(ax, runs, "loss", colours[model], None, styles[name])
            ax.set_title(unit_label(unit))
        for ax in axes.flat:
            _scale(ax, per_epoch["loss"])
            epoch_axis(ax, per_epoch["epoch"])
        for ax in axes[-1]:
            ax.set_xlabel("epoch")
        for ax in axes[:, 0]:
            ax.set_ylabel("training loss")
        seeds = per_epoch["seed"].nunique()
        fig.suptitle(f"{title}: training loss per class (line: mean over {plural(seeds, 'seed')}"
                     f"{'; band: lowest to highest seed' if seeds > 1 else ''})")
        legend_for(fig, colours, [(n.replace("_", " "), {"color": "#555555", "linestyle": styles[n]})
                                  for n in names] if len(names) > 1 else [])
        fig.tight_layout()
    return fig


@dataclass(frozen=True)
class GradientFinding:
    """What the gradient diagnostic says about one model's quantum weights."""

    model: str
    n_weights: int
    n_zero: int  # weights whose gradient was exactly 0 at every step of every epoch and run
    n_runs: int
    n_epochs: int
    largest: float  # the largest mean |dL/dw| per step of any weight, epoch and run

    def statement(self) -> str:
        if self.n_weights and self.n_zero == self.n_weights:
            return f"all {self.n_weights} quantum weights: gradient exactly 0 in every epoch"
        if self.n_zero:
            return (f"{self.n_zero} of {self.n_weights} quantum weights: gradient exactly 0 in every epoch; "
                    f"the largest mean |gradient| is {self.largest:.3g}")
        return f"every one of the {self.n_weights} quantum weights gets a gradient (largest mean {self.largest:.3g})"


def gradient_findings(grads: pd.DataFrame) -> list[GradientFinding]:
    """Per model: how many of its quantum weights never got a nonzero gradient (over every step,
    epoch and run: ``max_abs_grad`` is the largest |gradient| of a weight over an epoch's steps)."""
    out = []
    for model, df in grads.groupby("model", sort=False):
        per_weight = df.groupby(["parameter", "index"])["max_abs_grad"].max()
        out.append(GradientFinding(
            model=model, n_weights=int(len(per_weight)), n_zero=int((per_weight == 0).sum()),
            n_runs=int(df[RUN_COLUMNS].drop_duplicates().shape[0]), n_epochs=int(df["epoch"].nunique()),
            largest=float(df["mean_abs_grad"].max()),
        ))
    return out


def quantum_gradients(grads: pd.DataFrame, title: str) -> tuple[plt.Figure, list[GradientFinding]]:
    """Per quantum model, on a linear scale: the largest mean |dL/dw| over its quantum weights per
    epoch (mean over runs, band lowest to highest run), with the finding written on the panel."""
    findings = gradient_findings(grads)
    colours = model_colours([f.model for f in findings])
    with figure_style():
        n = max(1, len(findings))
        fig, axes = plt.subplots(1, n, figsize=(min(WIDTH, 3.6 * n) if n > 1 else WIDTH * 0.8, 3.4), squeeze=False)
        if not findings:
            axes[0, 0].text(0.5, 0.5, "no quantum weights in these runs", ha="center", va="center",
                            transform=axes[0, 0].transAxes)
        for ax, finding in zip(axes[0], findings):
            df = grads[grads["model"] == finding.model]
            per_run = df.groupby(RUN_COLUMNS + ["epoch"], as_index=False)["mean_abs_grad"].max()
            _band(ax, per_run, "mean_abs_grad", colours[finding.model],
                  f"{finding.model}: {plural(finding.n_runs, 'run')} x {plural(finding.n_epochs, 'epoch')}")
            top = finding.largest
            ax.set_ylim(0, top * 1.25 if top > 0 else 1.0)
            epoch_axis(ax, df["epoch"])
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
            ax.set_xlabel("epoch")
            ax.set_ylabel("largest mean |dL/dw| per step\nover the quantum weights")
            ax.set_title(finding.model, color=colours[finding.model], fontweight="bold")
            zero = finding.n_zero == finding.n_weights
            ax.text(0.5, 0.55, finding.statement(), transform=ax.transAxes, ha="center", va="center", wrap=True,
                    fontsize=10 if zero else 9, fontweight="bold" if zero else "normal",
                    bbox=dict(boxstyle="round,pad=0.5", facecolor="#FFF4E5" if zero else "white",
                              edgecolor=colours[finding.model]))
            ax.legend(loc="upper right")
        fig.suptitle(f"{title}: gradients of the quantum weights (linear scale)")
        fig.tight_layout()
    return fig, findings
