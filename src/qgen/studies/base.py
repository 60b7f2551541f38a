"""What a study owns: its claims, how its paper reports them, and the comparisons it makes.

The claims engine (:mod:`qgen.claims`) and the reports are generic; a study is data for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from qgen.registry import Registry

RowFilter = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class ClaimPart:
    """One testable comparison of a treatment model with a baseline model.

    ``direction`` +1: the claim says the treatment is higher; -1: lower. ``metric`` is a logical
    name ("ssim", "fid") that each protocol variant maps to one of its score metrics.
    ``statistic``: "mean" (the mean over units) or "spread" (sd of per-unit means across units).
    ``rows`` selects the runs the part is about (e.g. the low-data runs of C5).
    ``reading`` is the estimand (qgen.stats): "fixed" (a claim about these classes, error from
    seeds), "random" (classes as a draw), "single" (one unit, e.g. one model on all classes).
    ``paired``: the two models share what a seed draws (data order, noise), so seeds pair.
    ``unit_keys``: the columns that make a unit (C5: a class at one training-set size).
    """

    claim: str
    statement: str
    dataset: str
    metric: str
    direction: int
    statistic: str = "mean"
    rows: RowFilter | None = None
    rows_label: str = ""
    reading: str = "fixed"
    paired: bool = True
    unit_keys: tuple[str, ...] = ("unit",)


@dataclass(frozen=True)
class ProtocolVariant:
    """A protocol and which of its metrics stands for each logical metric."""

    name: str
    protocol: str
    metrics: Mapping[str, str]
    primary: bool = False


@dataclass(frozen=True)
class Study:
    name: str
    title: str
    parts: tuple[ClaimPart, ...]
    variants: tuple[ProtocolVariant, ...]
    comparisons: tuple[tuple[str, str], ...]
    # Claims made of parts that must all hold: claim -> (statement, part ids).
    combined: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # The paper's (baseline, treatment) numbers per claim part, for the default comparison.
    paper_values: Callable[[Path], dict[str, tuple[float, float]]] = lambda paper_dir: {}
    # Notes the report prints under the claims (e.g. what the paper does not give).
    notes: tuple[str, ...] = ()

    @property
    def primary(self) -> ProtocolVariant:
        return next(v for v in self.variants if v.primary)


STUDIES: Registry[Study] = Registry("study")
