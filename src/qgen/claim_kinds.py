"""How a claim part is judged: a registry of comparison kinds the generic claims engine uses.

Every kind turns the part's tidy rows into one record (the fields of
:func:`qgen.stats.compare_pair`: estimate, interval, p, p_equivalence, ...) and, after Holm has
adjusted the record's two p-values, into a verdict. The two p-values of a part test hypotheses
of which at most one is true, so Holm treats them as one group (qgen.stats.holm).

- ``difference`` (S1's claims): treatment - baseline, direction +1 (higher) or -1 (lower);
  "holds" / "does not hold" when significant on the claimed / other side, "no meaningful
  difference" when the TOST against the metric's margin says so.
- ``range``: the value lies in ``bounds`` ("3-5x slower": the ratio treatment / baseline in
  [3, 5] with ``scale="log"``, judged as a log ratio in [log 3, log 5]; "about 30%": a single
  model's value in [0.25, 0.35]; a one-sided bound with inf). qgen.stats.decide_range: "holds"
  when the two one-sided tests place it inside, "does not hold" when a one-sided test places it
  beyond the nearer bound. p = outside, p_equivalence = inside.
- ``not_better`` ("no clear quantum advantage"): with ``better`` the metric's good direction
  (-1 for FID), "holds" when the treatment is shown not better by the metric's margin or more
  (one-sided, H0: better by >= margin), "does not hold" when it is significantly better
  (one-sided, H0: not better). p = better, p_equivalence = not better by the margin.

A pair whose baseline is "" compares one model's values with the bounds alone (the estimate is
its mean over seeds). ``scale="log"`` judges log values and shows the estimate as a ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special as sc

from qgen.registry import Registry
from qgen.stats import compare_pair, decide, decide_range, min_detectable_effect

CONSTANT = "__bound__"  # the pseudo-model of a one-model part: every value 0, so b - a = b


@dataclass(frozen=True)
class Kind:
    evaluate: Callable[..., dict[str, Any]]
    verdict: Callable[[Mapping[str, Any], float, float, float], str]


KINDS: Registry[Kind] = Registry("claim kind")


def _transform(frame: pd.DataFrame, scale: str) -> tuple[pd.DataFrame, str]:
    """Values on the judged scale: logs for ratios (non-positive values become missing, counted)."""
    if scale != "log":
        return frame, ""
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = int((values <= 0).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.log(values.where(values > 0))
    note = f"{bad} non-positive value(s) cannot be logged: treated as missing." if bad else ""
    return frame.assign(value=logged), note


def _one_model(frame: pd.DataFrame, model: str) -> pd.DataFrame:
    """The frame plus a constant-zero pseudo-model paired with every row of ``model``."""
    rows = frame[frame["model"] == model]
    return pd.concat([rows, rows.assign(model=CONSTANT, value=0.0)], ignore_index=True)


def _compare(frame: pd.DataFrame, part: Any, pair: Sequence[str], direction: int, **kw: Any) -> dict[str, Any]:
    baseline, treatment = pair
    logged, note = _transform(frame, part.scale)
    if not baseline:
        logged, baseline = _one_model(logged, treatment), CONSTANT
    record = compare_pair(logged, baseline, treatment, direction=direction, statistic=part.statistic,
                          reading=part.reading, paired=part.paired, unit=kw.pop("unit"), secondary=None, **kw)
    raw = {m: pd.to_numeric(frame.loc[frame["model"] == m, "value"], errors="coerce").mean() for m in pair if m}
    record["stat_a"] = raw.get(pair[0], np.nan) if pair[0] else np.nan
    record["stat_b"] = raw.get(treatment, np.nan)
    record["note"] = " ".join(x for x in (note, record.get("note", "")) if x)
    if not pair[0]:
        record["estimand"] = f"expected {'log ' if part.scale == 'log' else ''}{treatment} over training seeds (one unit)"
        record["method"] = "one-sample t over seeds"
    elif part.scale == "log":
        record["estimand"] = f"expected log ratio {treatment} / {pair[0]} over training seeds (shown as a ratio)"
        record["method"] += " on log values"
    return record


def _as_ratio(record: dict[str, Any]) -> None:
    """Show a log-scale estimate and interval as a ratio (p-values are unchanged)."""
    for key in ("estimate", "low", "high"):
        record[key] = math.exp(record[key]) if np.isfinite(record.get(key, np.nan)) else np.nan
    record["scale"] = "ratio"


# ------------------------------------------------------------------ difference (S1)


def _difference(frame: pd.DataFrame, part: Any, pair: Sequence[str], *, unit: Any, margin: Any,
                target: float | None, alpha: float) -> dict[str, Any]:
    return compare_pair(frame, pair[0], pair[1], direction=part.direction, statistic=part.statistic,
                        reading=part.reading, paired=part.paired, unit=unit, margin=margin, target=target,
                        alpha=alpha)


def _difference_verdict(record: Mapping[str, Any], p: float, p_eq: float, alpha: float) -> str:
    return decide(record["estimate"], record["null"], p, p_eq, record["direction"], alpha, record.get("decidable", True))


KINDS.register("difference")(Kind(_difference, _difference_verdict))


# ------------------------------------------------------------------ range


def _bounds(part: Any) -> tuple[float, float]:
    low, high = part.bounds
    if part.scale == "log":
        return (math.log(low) if low > 0 else -math.inf), (math.log(high) if math.isfinite(high) else math.inf)
    return float(low), float(high)


def _range(frame: pd.DataFrame, part: Any, pair: Sequence[str], *, unit: Any, margin: Any,
           target: float | None, alpha: float) -> dict[str, Any]:
    if part.bounds is None:
        raise ValueError(f"claim part {part.claim}: kind 'range' needs bounds")
    record = _compare(frame, part, pair, direction=0, unit=unit, alpha=alpha)
    low, high = _bounds(part)
    verdict, p_inside, p_outside = decide_range(record["estimate"], record["se"], record["df"], low, high, alpha,
                                                record.get("decidable", True))
    record.update(p=p_outside, p_equivalence=p_inside, margin_low=part.bounds[0], margin_high=part.bounds[1],
                  verdict_unadjusted=verdict, verdict=verdict, mde=min_detectable_effect(record["se"], record["df"], alpha))
    if part.scale == "log":
        _as_ratio(record)
    return record


def _bound_verdict(record: Mapping[str, Any], p: float, p_eq: float, alpha: float) -> str:
    """Holds when the equivalence-type test rejects (inside the range / not better), does not
    hold when the other one does; the same rule for 'range' and 'not_better'."""
    if not record.get("decidable", True):
        return "undecided"
    if np.isfinite(p_eq) and p_eq < alpha:
        return "holds"
    if np.isfinite(p) and p < alpha:
        return "does not hold"
    return "undecided"


KINDS.register("range")(Kind(_range, _bound_verdict))


# ------------------------------------------------------------------ not better


def _not_better(frame: pd.DataFrame, part: Any, pair: Sequence[str], *, unit: Any, margin: Any,
                target: float | None, alpha: float) -> dict[str, Any]:
    if part.better not in (-1, 1):
        raise ValueError(f"claim part {part.claim}: kind 'not_better' needs better = +1 or -1")
    record = _compare(frame, part, pair, direction=part.better, unit=unit, alpha=alpha)
    m = float(margin) if isinstance(margin, (int, float)) else 0.0
    gain = part.better * record["estimate"]  # > 0: the treatment is better
    se, df = record["se"], record["df"]
    if record.get("decidable", True) and se > 0 and np.isfinite(gain):
        p_better = float(sc.stdtr(df, -gain / se))  # H0: not better
        p_not_better = float(sc.stdtr(df, (gain - m) / se))  # H0: better by the margin or more
    else:
        p_better = p_not_better = float("nan")
    record.update(p=p_better, p_equivalence=p_not_better, margin_low=-m if m else np.nan, margin_high=m or np.nan)
    record["verdict_unadjusted"] = record["verdict"] = _bound_verdict(record, p_better, p_not_better, alpha)
    if part.scale == "log":
        _as_ratio(record)
    return record


KINDS.register("not_better")(Kind(_not_better, _bound_verdict))
