"""Placing runs on ablation axes: tidy scores gain ``sweep_axis``, ``sweep_value``, ``sweep_label``.

A sweep member's rows carry its axis and value. A swept base's rows keep no axis (they are the
experiment's own results) and are copied once onto every axis whose value the base serves
(``sweep_base``), so each axis has all its values, the base's included. Rows of other
experiments carry no axis. Tables, figures and claims about an axis select ``sweep_axis``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from qgen.config.sweep import value_label

AXIS_COLUMNS = ["sweep_axis", "sweep_value", "sweep_label"]


def axis_positions(experiments: Mapping[str, Mapping[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """experiment -> [(axis, value label)] from each experiment's sweep_of / sweep_base."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, exp in experiments.items():
        if exp.get("sweep_of"):
            of = exp["sweep_of"]
            out.setdefault(name, []).append((of["axis"], value_label(of["value"])))
        for axis, label in (exp.get("sweep_base") or {}).items():
            out.setdefault(name, []).append((axis, str(label)))
    return out


def axis_rows(scores: pd.DataFrame, experiments: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """``scores`` with the axis columns; a base's rows also copied onto each axis it serves."""
    positions = axis_positions(experiments)
    base = scores.assign(sweep_axis=np.nan, sweep_value=np.nan, sweep_label=np.nan).astype(
        {c: object for c in AXIS_COLUMNS})
    members = {n for n, e in experiments.items() if e.get("sweep_of")}
    frames = [base[~base["experiment"].isin(members)]]
    for name, places in positions.items():
        rows = base[base["experiment"] == name]
        for axis, label in places:
            frames.append(rows.assign(sweep_axis=axis, sweep_value=label, sweep_label=f"{axis}={label}"))
    return pd.concat(frames, ignore_index=True)


def axis_order(labels: list[str], configured: list[Any] | None = None) -> list[str]:
    """Numbers in numeric order; other labels in the configured order (unknown ones last)."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        wanted = [value_label(v) for v in configured or []]
        return sorted(labels, key=lambda x: (wanted.index(x) if x in wanted else len(wanted), x))
