"""The generic claims engine: any study's claim parts, for any pair of models, from tidy scores.

Input: one tidy table of scores (columns ``SCORE_KEYS``, ``metric``, ``value``) from the
experiments of a target, datasets already mapped to what they stand for. For each protocol
variant of the study, each comparison pair ``(baseline, treatment)`` and each claim part, the
engine selects the part's rows, pairs the two models by (unit, seed[, n_train]), estimates the
difference treatment - baseline with an interval and a p-value, and gives a verdict. The p-values
of the primary variant's parts get a Holm correction across the whole report; the other
variants are descriptive.

Verdicts: "holds" when the interval lies on the claimed side of 0 and the (Holm-corrected, for
the primary variant) p < alpha; "does not hold" when it lies on the other side with p < alpha;
otherwise "undecided" (the note says why). "Undecided" is not evidence of equality.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from qgen.errors import QgenError
from qgen.stats import bootstrap_draws, bootstrap_pvalue, holm, paired_comparison, percentile_interval, verdict
from qgen.studies.base import ClaimPart, ProtocolVariant, Study

SCORE_KEYS = ["experiment", "dataset", "unit", "model", "seed", "n_train", "protocol"]
N_BOOT = 5000


class DuplicateScoresError(QgenError):
    """Two score rows claim the same (dataset, unit, model, seed, n_train, protocol, metric)."""


def _check_duplicates(scores: pd.DataFrame) -> None:
    keys = ["dataset", "unit", "model", "seed", "n_train", "protocol", "metric"]
    dup = scores[scores.duplicated(keys, keep=False)]
    if len(dup):
        first = dup.iloc[0]
        experiments = sorted(dup.loc[(dup[keys] == first[keys]).all(axis=1), "experiment"].astype(str).unique())
        raise DuplicateScoresError(
            f"{len(dup)} score rows repeat a run: e.g. dataset {first['dataset']}, unit {first['unit']}, model "
            f"{first['model']}, seed {first['seed']}, metric {first['metric']} comes from experiments "
            f"{', '.join(experiments)}. Two experiments stand for the same data: keep one of them in the target."
        )


def _select(scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart, pair: Sequence[str]) -> pd.DataFrame:
    metric = variant.metrics[part.metric]
    rows = scores[(scores["protocol"] == variant.protocol) & (scores["dataset"] == part.dataset)
                  & (scores["metric"] == metric) & scores["model"].isin(pair)]
    if part.rows is not None and len(rows):
        rows = rows[part.rows(rows)]
    return rows


def _spread_draw(per_unit: dict, rng: np.random.Generator) -> float:
    """One two-stage bootstrap draw of sd(treatment) - sd(baseline) across unit means."""
    units = list(per_unit)
    drawn = [units[i] for i in rng.integers(0, len(units), len(units))]
    if len(set(drawn)) < 2:
        return float("nan")
    means = np.array([per_unit[u][rng.integers(0, len(per_unit[u]), len(per_unit[u]))].mean(axis=0) for u in drawn])
    return float(means[:, 1].std(ddof=1) - means[:, 0].std(ddof=1))


def _estimate(part: ClaimPart, complete: pd.DataFrame, baseline: str, treatment: str) -> dict:
    """Estimate, interval and p of treatment - baseline for one part (the engine's one seam to stats)."""
    if part.statistic == "mean":
        pc = paired_comparison(complete[baseline], complete[treatment])
        return dict(our_baseline=pc.mean_a, our_treatment=pc.mean_b, our_diff=pc.mean_diff, ci_low=pc.low,
                    ci_high=pc.high, p_value=pc.p_t, test="paired t over (unit, seed) pairs", note=pc.note)
    unit_means = complete.groupby(level="unit").mean()
    out = dict(our_baseline=float(unit_means[baseline].std(ddof=1)),
               our_treatment=float(unit_means[treatment].std(ddof=1)),
               test=f"two-stage percentile bootstrap ({N_BOOT} draws)", ci_low=np.nan, ci_high=np.nan,
               p_value=np.nan, note="")
    out["our_diff"] = out["our_treatment"] - out["our_baseline"]
    if len(unit_means) >= 3:
        per_unit = {u: g[[baseline, treatment]].to_numpy() for u, g in complete.groupby(level="unit")}
        draws = bootstrap_draws(lambda rng: _spread_draw(per_unit, rng), N_BOOT, 0)
        out["ci_low"], out["ci_high"] = percentile_interval(draws)
        out["p_value"] = bootstrap_pvalue(draws)
    else:
        out["note"] = "fewer than 3 units: no interval for a spread across units."
    return out


def evaluate_part(
    scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart, pair: Sequence[str]
) -> dict:
    baseline, treatment = pair
    nan = float("nan")
    row = dict(claim=part.claim, variant=variant.name, primary=variant.primary, baseline=baseline,
               treatment=treatment, statement=part.statement, dataset=part.dataset,
               metric=variant.metrics[part.metric], statistic=part.statistic, rows=part.rows_label,
               our_baseline=nan, our_treatment=nan, our_diff=nan, ci_low=nan, ci_high=nan, p_value=nan,
               n_units=0, n_seeds=0, test="", verdict="undecided", note="", run=True)
    sub = _select(scores, variant, part, pair)
    missing = [m for m in pair if m not in set(sub["model"])]
    if missing:
        row["run"] = False
        row["note"] = (f"not run in this target: no {variant.protocol}-protocol {row['metric']} scores of "
                       f"{' and '.join(missing)} on {part.dataset}" + (f" ({part.rows_label})" if part.rows_label else ""))
        return row
    keys = ["unit", "seed"] + (["n_train"] if sub["n_train"].notna().any() else [])
    values = pd.to_numeric(sub["value"], errors="coerce")
    non_finite = int((~np.isfinite(values)).sum())
    sub = sub.assign(value=values.where(np.isfinite(values)))
    wide = sub.pivot_table(index=keys, columns="model", values="value", aggfunc="first").reindex(columns=list(pair))
    complete = wide.dropna()
    note = f"{len(complete)} pairs ({complete.index.get_level_values('unit').nunique()} unit(s) x " \
           f"{complete.index.get_level_values('seed').nunique()} seed(s)). "
    if non_finite:
        note += f"{non_finite} non-finite value(s) treated as missing. "
    if len(wide) > len(complete):
        note += f"{len(wide) - len(complete)} unpaired run(s) dropped. "
    estimate = _estimate(part, complete, baseline, treatment)
    row.update({k: v for k, v in estimate.items() if k != "note"})
    row["note"] = (note + estimate["note"]).strip()
    row["n_units"] = int(complete.index.get_level_values("unit").nunique())
    row["n_seeds"] = int(complete.index.get_level_values("seed").nunique())
    return row


def _combine(claim: str, statement: str, parts: list[dict]) -> dict:
    verdicts = [p["verdict"] for p in parts]
    if all(v == "holds" for v in verdicts):
        combined = "holds"
    elif any(v == "does not hold" for v in verdicts):
        combined = "does not hold"
    else:
        combined = "undecided"
    row = {k: (np.nan if isinstance(v, float) else v) for k, v in parts[0].items()}
    row.update(claim=claim, statement=statement, metric="+".join(p["metric"] for p in parts), statistic="all parts",
               test="every part must hold", verdict=combined, run=any(p["run"] for p in parts),
               note="; ".join(f"{p['claim']} {p['verdict']}" for p in parts) + ".")
    return row


def claim_order(study: Study) -> list[str]:
    """Parts in the study's order, each combined claim right after its last part."""
    order = []
    for part in study.parts:
        order.append(part.claim)
        order += [c for c, (_, ids) in study.combined.items() if ids[-1] == part.claim]
    return order


def evaluate_claims(
    study: Study,
    scores: pd.DataFrame,
    paper_dir: Path | str | None = None,
    comparisons: Iterable[Sequence[str]] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per (protocol variant, comparison, claim part or combined claim), primary variant first."""
    missing = set(SCORE_KEYS + ["metric", "value"]) - set(scores.columns)
    if missing:
        raise ValueError(f"score table lacks columns {sorted(missing)}")
    s = scores.copy()
    for col in ("protocol", "dataset", "model", "metric", "unit"):
        s[col] = s[col].astype(str).str.strip()
    for col in ("protocol", "dataset", "metric"):
        s[col] = s[col].str.lower()
    _check_duplicates(s)
    pairs = [tuple(p) for p in (comparisons or study.comparisons)]
    variants = sorted(study.variants, key=lambda v: not v.primary)
    out = pd.DataFrame([evaluate_part(s, v, part, pair) for v in variants for pair in pairs for part in study.parts])
    out["p_holm"] = np.nan
    family = out["primary"] & out["run"] & out["p_value"].notna()
    out.loc[family, "p_holm"] = holm(out.loc[family, "p_value"].to_numpy())
    directions = {p.claim: p.direction for p in study.parts}
    out["verdict"] = [
        verdict(r.ci_low, r.ci_high, r.p_holm if r.primary else r.p_value, directions[r.claim], alpha)
        for r in out.itertuples()
    ]
    combined = []
    for (_, _, _), group in out.groupby(["variant", "baseline", "treatment"], sort=False):
        by_claim = {r["claim"]: r for r in group.to_dict("records")}
        for claim, (statement, ids) in study.combined.items():
            combined.append(_combine(claim, statement, [by_claim[i] for i in ids]))
    out = pd.concat([out, pd.DataFrame(combined)], ignore_index=True)
    order = {c: i for i, c in enumerate(claim_order(study))}
    out = out.assign(_v=out["variant"].map({v.name: i for i, v in enumerate(variants)}),
                     _p=[pairs.index((b, t)) for b, t in zip(out["baseline"], out["treatment"])],
                     _c=out["claim"].map(order))
    out = out.sort_values(["_v", "_p", "_c"]).drop(columns=["_v", "_p", "_c"]).reset_index(drop=True)
    published = study.paper_values(Path(paper_dir)) if paper_dir is not None else {}
    default_pair = tuple(study.comparisons[0])
    paper = [published.get(r.claim, (np.nan, np.nan)) if (r.baseline, r.treatment) == default_pair
             else (np.nan, np.nan) for r in out.itertuples()]
    at = out.columns.get_loc("our_baseline")
    out.insert(at, "paper_diff", [t - b for b, t in paper])
    out.insert(at, "paper_treatment", [p[1] for p in paper])
    out.insert(at, "paper_baseline", [p[0] for p in paper])
    out.insert(0, "study", study.name)
    return out
