"""A swept experiment's summary: every member's scores against the axes, generic over studies.

Three kinds of rows (column ``kind``), each a mean with a 95% interval whose error comes from
seed replication, the classes fixed (the claims' estimand for "these classes"):

- ``level``: per setting and model, the metric's mean over classes and seeds (per seed the mean
  over classes, then a t-interval across seeds);
- ``comparison``: per setting and compared pair, treatment - baseline, paired by class and seed
  (:func:`qgen.stats.compare_pair`, fixed reading);
- ``effect``: per model, each axis value against the base's value of that axis, with every other
  axis held equal: the differences are paired by class, seed and the other axes' setting, and
  averaged over those (a main effect). For a grid, the base's value of an axis is the value the
  base experiment runs at.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from qgen.report.markdown import fmt, interval, markdown_table, section

COLUMNS = ["kind", "metric", "setting", "model", "baseline", "treatment", "axis", "value", "reference",
           "estimate", "low", "high", "p", "n_units", "n_seeds"]


def setting_label(assignment: Mapping[str, Any], axes: list[str]) -> str:
    return " / ".join(f"{axis}={_text(assignment[axis])}" for axis in axes)


def _text(value: Any) -> str:
    """An axis value as written in config (10, not 10.0 after a round trip through CSV)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def numeric_axis(job: Mapping[str, Any]) -> str | None:
    """The axis of a one-axis sweep over numbers (C5's training-set size), else None."""
    axes = list(job["axes"])
    return axes[0] if len(axes) == 1 and _numeric(job["axes"][axes[0]]["values"]) else None


def ordered_settings(job: Mapping[str, Any]) -> list[str]:
    """Settings in reading order: by value along a numeric axis, else the base first, then the
    members as expanded."""
    axes, members = list(job["axes"]), job["members"]
    axis = numeric_axis(job)
    # A base whose value the config leaves to a default (None) goes first.
    assignments = (sorted(members.values(), key=lambda a: (a[axis] is not None, a[axis] or 0)) if axis
                   else list(members.values()))
    return list(dict.fromkeys(setting_label(a, axes) for a in assignments))


def _tidy(scores: pd.DataFrame, job: Mapping[str, Any]) -> pd.DataFrame:
    members = job["members"]
    rows = scores[(scores["protocol"] == job["protocol"]) & scores["metric"].isin(job["metrics"])
                  & scores["experiment"].isin(list(members))].copy()
    axes = list(job["axes"])
    for axis in axes:
        rows[axis] = [members[e][axis] for e in rows["experiment"]]
    rows["setting"] = [setting_label(members[e], axes) for e in rows["experiment"]]
    rows["unit"] = rows["unit"].astype(str)
    return rows


def _level(frame: pd.DataFrame) -> dict[str, Any]:
    from qgen.stats import mean_ci

    per_seed = frame.groupby("seed")["value"].mean()
    ci = mean_ci(per_seed.to_numpy(dtype=float))
    return dict(estimate=ci.estimate, low=ci.low, high=ci.high, n_units=frame["unit"].nunique(),
                n_seeds=len(per_seed))


def _paired(frame: pd.DataFrame, a: str, b: str) -> dict[str, Any]:
    """b - a over the frame's (class, seed) pairs, fixed classes, error from seeds."""
    from qgen.stats import compare_pair

    r = compare_pair(frame.rename(columns={"unit": "class"}), a, b, direction=0, reading="fixed", secondary=None)
    return dict(estimate=r["estimate"], low=r["low"], high=r["high"], p=r["p"],
                n_units=frame["unit"].nunique(), n_seeds=frame["seed"].nunique())


def summarise_sweep(scores: pd.DataFrame, job: Mapping[str, Any]) -> pd.DataFrame:
    """The summary rows (module docstring) of a swept experiment's scores."""
    tidy = _tidy(scores, job)
    axes = list(job["axes"])
    base = job["members"][job["experiment"]]
    rows: list[dict[str, Any]] = []
    for metric in [m for m in job["metrics"] if m in set(tidy["metric"])]:
        m_rows = tidy[tidy["metric"] == metric]
        for (setting, model), frame in m_rows.groupby(["setting", "model"], sort=False):
            rows.append(dict(kind="level", metric=metric, setting=setting, model=model, **_level(frame)))
        for setting, frame in m_rows.groupby("setting", sort=False):
            for a, b in job["comparisons"]:
                if {a, b} <= set(frame["model"]):
                    rows.append(dict(kind="comparison", metric=metric, setting=setting, baseline=a, treatment=b,
                                     **_paired(frame, a, b)))
        for axis in axes:
            others = [x for x in axes if x != axis]
            reference = base[axis]
            for value in [v for v in job["axes"][axis]["values"] if v != reference]:
                for model, frame in m_rows.groupby("model", sort=False):
                    pairs = _effect_frame(frame, axis, reference, value, others)
                    if pairs is not None:
                        rows.append(dict(kind="effect", metric=metric, model=model, axis=axis, value=value,
                                         reference=reference, **_paired(pairs, "reference", "value")))
    out = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in out:
            out[column] = np.nan
    for column in ("value", "reference"):
        out[column] = out[column].astype(object)
    return out[COLUMNS]


def _effect_frame(frame: pd.DataFrame, axis: str, reference: Any, value: Any, others: list[str]) -> pd.DataFrame | None:
    """Rows of one model at axis=value (model "value") and axis=reference (model "reference"),
    each class at each setting of the other axes one unit, kept where both exist."""
    sub = frame[frame[axis].isin([reference, value])].copy()
    if sub.empty or not {reference, value} <= set(sub[axis]):
        return None
    context = sub[others].astype(str).agg("/".join, axis=1) if others else ""
    sub["unit"] = sub["unit"].astype(str) + ("|" + context if others else "")
    sub["model"] = np.where(sub[axis] == value, "value", "reference")
    both = sub.groupby("unit")["model"].nunique()
    sub = sub[sub["unit"].isin(both[both == 2].index)]
    return sub if len(sub) else None


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def sweep_markdown(summary: pd.DataFrame, job: Mapping[str, Any]) -> str:
    axes = list(job["axes"])
    parts = [f"# {job['experiment']}: {' x '.join(axes)} ({job['protocol']} protocol)\n\n"]
    notes = ["means over classes and seeds with 95% t-intervals; the error comes from seed replication, the "
             "classes fixed (per seed the mean over classes)"]
    for metric in job["metrics"]:
        rows = summary[summary["metric"] == metric]
        if rows.empty:
            continue
        levels = rows[rows["kind"] == "level"]
        settings = [s for s in ordered_settings(job) if s in set(levels["setting"])]
        shown = pd.DataFrame({"setting": settings})
        for model in dict.fromkeys(levels["model"]):
            cells = levels[levels["model"] == model].set_index("setting")
            shown[model] = [interval(cells.at[s, "estimate"], cells.at[s, "low"], cells.at[s, "high"])
                            if s in cells.index else "–" for s in settings]
        n = levels[["n_units", "n_seeds"]].max()
        parts.append(section(f"{metric}: per setting and model", markdown_table(shown),
                             notes + [f"{int(n['n_units'])} class(es) x {int(n['n_seeds'])} seed(s) per cell"]))
        comp = rows[rows["kind"] == "comparison"]
        comp = comp.assign(_o=comp["setting"].map({s: i for i, s in enumerate(settings)})).sort_values("_o", kind="stable")
        if len(comp):
            table = pd.DataFrame({
                "setting": comp["setting"], "comparison": comp["treatment"] + " - " + comp["baseline"],
                "difference [95% CI]": [interval(r.estimate, r.low, r.high) for r in comp.itertuples()],
                "p": comp["p"]})
            parts.append(section(f"{metric}: compared pairs per setting", markdown_table(table),
                                 ["paired by class and seed; p from the t test that gives the interval "
                                  "(descriptive: no multiplicity correction)"], level=3))
        eff = rows[rows["kind"] == "effect"]
        if len(eff):
            table = pd.DataFrame({
                "model": eff["model"], "axis": eff["axis"],
                "setting vs base": [f"{_text(v)} vs {_text(r)}" for v, r in zip(eff["value"], eff["reference"])],
                "effect [95% CI]": [interval(r.estimate, r.low, r.high) for r in eff.itertuples()],
                "p": eff["p"], "cells": eff["n_units"]})
            parts.append(section(f"{metric}: effect of each setting against the base, other axes held equal",
                                 markdown_table(table),
                                 ["value - base value, paired by class, seed and the other axes' setting, averaged "
                                  "over them (a main effect); descriptive, no multiplicity correction"], level=3))
    return "".join(parts)


def sweep_figure(summary: pd.DataFrame, job: Mapping[str, Any], path: Any, title: str) -> None:
    """Each metric against the sweep: a line over a single numeric axis (C5: the training-set
    size), else one point per setting; 95% intervals as error bars."""
    import matplotlib.pyplot as plt

    from qgen.report.figures import save_figure

    axes_names = list(job["axes"])
    levels = summary[summary["kind"] == "level"]
    metrics = [m for m in job["metrics"] if m in set(levels["metric"])]
    single = numeric_axis(job)
    members = job["members"]
    settings = ordered_settings(job)
    width = 5 if single else max(6, 0.55 * len(settings) + 2)
    fig, panels = plt.subplots(1, max(len(metrics), 1), figsize=(width * max(len(metrics), 1), 4.4), squeeze=False)
    models = list(dict.fromkeys(levels["model"]))
    for ax, metric in zip(panels[0], metrics):
        rows = levels[levels["metric"] == metric]
        for i, model in enumerate(models):
            cells = rows[rows["model"] == model].set_index("setting").reindex(settings)
            y = cells["estimate"].to_numpy(dtype=float)
            err = np.vstack([y - cells["low"].to_numpy(dtype=float), cells["high"].to_numpy(dtype=float) - y])
            err = np.nan_to_num(err, nan=0.0)
            if single:
                x = np.array([next(a[single] for a in members.values() if setting_label(a, axes_names) == s)
                              for s in settings], dtype=float)
                x = x * (1 + 0.03 * (i - (len(models) - 1) / 2))  # a small dodge on the log axis
                ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=model)
            else:
                x = np.arange(len(settings)) + 0.12 * (i - (len(models) - 1) / 2)
                ax.errorbar(x, y, yerr=err, marker="o", linestyle="none", capsize=3, label=model)
        if single:
            values = sorted(float(v) for v in job["axes"][single]["values"] + [members[job["experiment"]][single]]
                            if v is not None)
            if values and values[0] > 0 and values[-1] / values[0] >= 10:
                ax.set_xscale("log")
            ax.set_xticks(values, [fmt(v) for v in values])
            ax.minorticks_off()
            ax.set_xlabel(single)
        else:
            ax.set_xticks(np.arange(len(settings)), [s.replace(" / ", "\n") for s in settings], fontsize="x-small",
                          rotation=90)
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.legend(fontsize="small")
    fig.suptitle(f"{title}: mean over classes and seeds, 95% CI from seeds ({job['protocol']} protocol)")
    fig.tight_layout()
    save_figure(fig, path)
