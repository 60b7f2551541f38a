"""What a claims engine calls: one pure function per claim part, one per report family.

compare_pair(frame, a, b, ...) -> a flat record (dict) for one claim part: input hygiene,
the primary estimate for the chosen reading, the other reading beside it (secondary, shown
but never the verdict), equivalence, power, and an unadjusted verdict.

adjust_family(records) -> the same records with Holm-adjusted p-values and final verdicts,
for the claim parts of one primary protocol. The paper protocol is descriptive: do not pass
its parts here; label their verdicts "descriptive".
"""

from __future__ import annotations

from typing import Hashable, Optional, Sequence

import numpy as np
import pandas as pd

from qgen.stats.data import PairedScores, UnitColumns, paired_scores
from qgen.stats.decisions import Margin, decide, holm
from qgen.stats.estimators import Estimate, fixed_classes, random_classes, single_unit
from qgen.stats.spread import spread_fixed_classes, spread_pitman_morgan

READINGS = ("fixed", "random", "single")
STATISTICS = ("mean", "spread")


def estimate(
    data: PairedScores,
    statistic: str = "mean",
    reading: str = "fixed",
    *,
    paired: bool = True,
    margin: Margin = None,
    target: Optional[float] = None,
    level: float = 0.95,
    alpha: Optional[float] = None,
    power: float = 0.8,
    seed: int = 0,
    min_classes: int = 8,
    skew_guard: Optional[bool] = None,
) -> Estimate:
    """Dispatch to the estimator for (statistic, reading):

    mean/fixed -> fixed_classes; mean/random -> random_classes; mean/single -> single_unit;
    spread/fixed -> spread_fixed_classes; spread/random -> spread_pitman_morgan.
    """
    if statistic not in STATISTICS or reading not in READINGS:
        raise ValueError(f"statistic must be one of {STATISTICS} and reading one of {READINGS}")
    common = dict(level=level, margin=margin, alpha=alpha, power=power)
    if statistic == "spread":
        if reading == "single":
            raise ValueError("a spread across classes needs classes; reading 'single' has one unit")
        if reading == "fixed":
            return spread_fixed_classes(data, paired=paired, target_ratio=target, min_classes=min_classes, **common)
        return spread_pitman_morgan(data, target_ratio=target, min_classes=min_classes, **common)
    if reading == "fixed":
        return fixed_classes(data, paired=paired, target_effect=target, skew_guard=skew_guard, **common)
    if reading == "random":
        return random_classes(data, paired=paired, target_effect=target, seed=seed, skew_guard=skew_guard, **common)
    return single_unit(data, paired=paired, target_effect=target, skew_guard=skew_guard, **common)


def compare_pair(
    frame: pd.DataFrame,
    a: str,
    b: str,
    *,
    direction: int,
    statistic: str = "mean",
    reading: str = "fixed",
    secondary: Optional[str] = "auto",
    paired: bool = True,
    unit: UnitColumns = "class",
    margin: Margin = None,
    target: Optional[float] = None,
    level: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.8,
    seed: int = 0,
    min_classes: int = 8,
    skew_guard: Optional[bool] = None,
) -> dict:
    """One claim part: model b against model a on a tidy frame (unit column(s), seed, model,
    value; experiment if present), already filtered to this part's protocol, dataset, metric
    and training size.

    direction: +1 the claim says b is higher, -1 lower, 0 no difference. target: the paper's
    own effect (b - a, or the sd ratio b / a for spread) for the power projection. secondary:
    the other reading reported beside the primary ("auto": random for fixed and vice versa;
    None: none). paired: the two models share what the seed draws (data subset, order,
    noise), so seeds pair; unpaired comparisons use every score of each model. Raises
    DuplicateScoresError on repeated (unit, seed, model) rows.

    The record holds every Estimate field (estimate, low, high, p, se, df, estimand, method,
    note, p_equivalence, mde, seeds_needed, ...) plus a, b, direction, statistic,
    verdict_unadjusted, verdict (the same until adjust_family), within_margin (the whole
    interval inside the margin: a significant but negligible difference), and secondary_*.
    """
    data = paired_scores(frame, a, b, unit=unit)
    opts = dict(paired=paired, margin=margin, target=target, level=level, alpha=alpha, power=power,
                seed=seed, min_classes=min_classes, skew_guard=skew_guard)
    primary = estimate(data, statistic, reading, **opts)
    record = {"a": a, "b": b, "direction": direction, "statistic": statistic, **primary.as_dict()}
    record["seeds_per_class"] = ",".join(str(n) for n in primary.seeds_per_class)
    record["verdict_unadjusted"] = decide(primary.estimate, primary.null, primary.p, primary.p_equivalence,
                                          direction, alpha, primary.decidable)
    record["verdict"] = record["verdict_unadjusted"]
    record["within_margin"] = bool(np.isfinite(primary.margin_low) and primary.margin_low < primary.low
                                   and primary.high < primary.margin_high)
    if secondary == "auto":
        secondary = {"fixed": "random", "random": "fixed"}.get(reading)
    if secondary:
        other = estimate(data, statistic, secondary, **opts)
        record.update({
            "secondary_reading": other.reading, "secondary_estimate": other.estimate,
            "secondary_low": other.low, "secondary_high": other.high, "secondary_p": other.p,
            "secondary_method": other.method, "secondary_note": other.note,
            "secondary_verdict": decide(other.estimate, other.null, other.p, other.p_equivalence, direction, alpha,
                                        other.decidable),
        })
    return record


def adjust_family(records: Sequence[dict], alpha: float = 0.05, labels: Optional[Sequence[Hashable]] = None) -> list[dict]:
    """Holm across a family of claim parts (one primary protocol of one report).

    Each part contributes its directional p and, if it has a margin, its equivalence p; the
    two cannot both be true nulls, so they form one Holm group (see decisions.holm). Adds
    p_holm and p_equivalence_holm and recomputes `verdict`; `verdict_unadjusted` is kept.
    Undecidable parts (NaN p) do not count.
    """
    labels = list(range(len(records))) if labels is None else list(labels)
    p = [r["p"] if r.get("decidable", True) else np.nan for r in records]
    pe = [r.get("p_equivalence", np.nan) if r.get("decidable", True) else np.nan for r in records]
    adj = holm(np.array(p + pe, dtype=float), groups=labels + labels)
    out = []
    for i, r in enumerate(records):
        new = dict(r)
        new["p_holm"], new["p_equivalence_holm"] = float(adj[i]), float(adj[len(records) + i])
        new["family_size"] = int(np.isfinite(np.array(p, dtype=float)).sum())
        new["verdict"] = decide(r["estimate"], r["null"], new["p_holm"], new["p_equivalence_holm"],
                                r["direction"], alpha, r.get("decidable", True))
        out.append(new)
    return out
