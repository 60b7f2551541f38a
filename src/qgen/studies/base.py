"""What a study owns: its claims, how its paper reports them, and the comparisons it makes.

The claims engine (:mod:`qgen.claims`) and the reports are generic; a study is data for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence, Union

import pandas as pd

from qgen.paper import paper_per_class
from qgen.registry import Registry

RowFilter = Callable[[pd.DataFrame], pd.Series]
Pairs = Union[Sequence[tuple[str, str]], Callable[[pd.DataFrame], list[tuple[str, str]]]]


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

    Beyond a difference of means or spreads (S2):
    ``kind``: how the part is judged (qgen.claim_kinds: "difference", "range", "not_better").
    ``pairs``: the (baseline, treatment) pairs this part is about, or a function of the part's
    selected rows giving them (S3-C3: each noise level against noiseless); None: the comparisons
    of the study or experiment. A baseline "" makes a one-model part (its values against bounds).
    ``protocol``: read the metric from this protocol instead of the variant's (a training
    measure in a study whose primary protocol scores images).
    ``versus``: the column whose values the pair names ("model"; "sweep_label" compares one
    model's runs at two values of an ablation axis; "sampling" one model's runs sampled two
    ways, e.g. under noise against noiseless: S3-C3).
    ``scale``: "log" judges log values and shows ratios (times, variances).
    ``bounds``: the claimed range of a "range" part, in the value's units (ratios for log).
    ``better``: the metric's good direction for "not_better" (-1: lower is better, as FID).
    ``descriptive``: shown, never part of the Holm family (the verdict is unadjusted).
    ``features``: the feature network the claim's numbers were made with; scores made with
    another are "not comparable" (FIDs from a classifier against published Inception FIDs).
    ``claimed``: how the paper states the part, shown in the report.
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
    kind: str = "difference"
    pairs: Pairs | None = None
    protocol: str | None = None
    versus: str = "model"
    scale: str = "difference"
    bounds: tuple[float, float] | None = None
    better: int = 0
    descriptive: bool = False
    features: str | None = None
    claimed: str = ""


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
    # Claims that hold when any of their parts' rows holds ("sometimes better": S3-C3).
    combined_any: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # The paper's (baseline, treatment) numbers per claim part, for the default comparison.
    paper_values: Callable[[Path], dict[str, tuple[float, float]]] = lambda paper_dir: {}
    # Notes the report prints under the claims (e.g. what the paper does not give).
    notes: tuple[str, ...] = ()
    # Report rows grouped by comparison pair first (S1) or by claim first ("claim": S2, whose
    # parts each name their own pairs).
    row_order: str = "pair"
    # The paper's per-unit numbers as a tidy metric/model/class/value table for the generic
    # tables (None: the paper's table has another shape, see paper_comparison).
    paper_per_unit: Callable[[Path], pd.DataFrame | None] = paper_per_class
    # Extra Markdown for an experiment's table page: the paper's table with our numbers beside
    # it, from the experiment's tidy scores and the paper's CSV.
    paper_comparison: Callable[[pd.DataFrame, Path | None], str] | None = None
    # Marks for figures, by figure name (e.g. the report's point on the routing curve).
    figure_marks: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def primary(self) -> ProtocolVariant:
        return next(v for v in self.variants if v.primary)


STUDIES: Registry[Study] = Registry("study")
