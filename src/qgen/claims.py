"""The generic claims engine: any study's claim parts, for any pair of models, from tidy scores.

Input: one tidy table of scores (the columns of ``SCORE_KEYS``, ``metric``, ``value``) from the
experiments of a target, datasets already mapped to what they stand for. For each protocol
variant of the study, each comparison ``(baseline, treatment)`` and each claim part, the engine
selects the part's rows and hands them to :func:`qgen.stats.compare_pair` with the part's
estimand (its reading of the units: these classes, classes as a draw, or one unit trained on
all classes) and the configured equivalence margin. The primary variant's parts form one Holm
family across the report (:func:`qgen.stats.adjust_family`); the other variants are
descriptive (unadjusted, and labelled so).

Verdicts (qgen.stats.decisions): "holds" (significant in the claimed direction), "does not
hold" (significant the other way), "no meaningful difference" (equivalent within the margin),
"undecided" (the note says why), and "not run in this target".

A part may compare one model's runs along another column (``versus``: S3-C3 compares the
quantum model sampled under each noise level with its own noiseless samples) and name its own
pairs, fixed or found in the scores. A claim in ``combined_any`` holds when any row of its
parts holds ("sometimes better").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from qgen.stats import adjust_family, compare_pair
from qgen.stats.data import DuplicateScoresError
from qgen.studies.base import ClaimPart, ProtocolVariant, Study

SCORE_KEYS = ["experiment", "dataset", "unit", "model", "seed", "n_train", "protocol"]
NOT_RUN = "not run in this target"
RECORD_COLUMNS = {  # compare_pair's record -> the report's columns
    "stat_a": "our_baseline", "stat_b": "our_treatment", "estimate": "our_diff", "low": "ci_low",
    "high": "ci_high", "p": "p_value",
}

__all__ = ["DuplicateScoresError", "NOT_RUN", "claim_order", "evaluate_claims", "evaluate_part", "part_pairs"]


def _candidates(scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart) -> pd.DataFrame:
    """The part's rows before choosing a pair: its protocol, dataset, metric and row filter."""
    if part.versus not in scores.columns:
        return scores.iloc[0:0]
    rows = scores[(scores["protocol"] == variant.protocol) & (scores["dataset"] == part.dataset)
                  & (scores["metric"] == variant.metrics[part.metric])]
    if part.rows is not None and len(rows):
        rows = rows[part.rows(rows)]
    return rows


def _select(scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart, pair: Sequence[str]) -> pd.DataFrame:
    rows = _candidates(scores, variant, part)
    rows = rows[rows[part.versus].astype(str).isin(pair)] if len(rows) else rows
    if part.versus != "model":  # the pair names values of another column (how the runs were sampled)
        rows = rows.assign(model=rows[part.versus].astype(str))
    return rows


def part_pairs(scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart,
               default: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs a part compares: the study's (or experiment's), its own, or those its rows hold."""
    if part.pairs is None:
        return default
    if callable(part.pairs):
        return [tuple(p) for p in part.pairs(_candidates(scores, variant, part))]  # type: ignore[misc]
    return [tuple(p) for p in part.pairs]  # type: ignore[misc]


def _margin(part: ClaimPart, metric: str, margins: Mapping[str, float]) -> float | None:
    """The equivalence margin of a part: per metric for differences, 'spread_ratio' for spreads."""
    key = "spread_ratio" if part.statistic == "spread" else metric
    return margins.get(key)


def evaluate_part(
    scores: pd.DataFrame,
    variant: ProtocolVariant,
    part: ClaimPart,
    pair: Sequence[str],
    margins: Mapping[str, float] | None = None,
    target: float | None = None,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """One report row: the part's estimate for treatment (``pair[1]``) against baseline (``pair[0]``)."""
    baseline, treatment = pair
    metric = variant.metrics[part.metric]
    row: dict[str, Any] = dict(
        claim=part.claim, variant=variant.name, primary=variant.primary, baseline=baseline, treatment=treatment,
        statement=part.statement, dataset=part.dataset, metric=metric, statistic=part.statistic,
        rows=part.rows_label, run=True,
    )
    sub = _select(scores, variant, part, pair)
    missing = [m for m in pair if m not in set(sub["model"])]
    if missing:
        row.update(run=False, verdict=NOT_RUN, note=(
            f"{NOT_RUN}: no {variant.protocol}-protocol {metric} scores of {' and '.join(missing)} on "
            f"{part.dataset}" + (f" ({part.rows_label})" if part.rows_label else "")))
        return row
    # Units are classes here (or a class at one training-set size): name them so in notes.
    frame = sub.rename(columns={"unit": "class"})
    record = compare_pair(
        frame, baseline, treatment, direction=part.direction, statistic=part.statistic, reading=part.reading,
        paired=part.paired, unit=tuple("class" if k == "unit" else k for k in part.unit_keys),
        margin=_margin(part, metric, margins or {}), target=target, alpha=alpha,
    )
    row.update({k: v for k, v in record.items() if k not in ("a", "b")})
    return row


def _combine(claim: str, statement: str, parts: list[dict]) -> dict:
    """A claim made of parts holds when every part holds; it fails when any part fails or shows
    no meaningful difference."""
    verdicts = [p["verdict"] for p in parts]
    if all(v == "holds" for v in verdicts):
        combined = "holds"
    elif any(v in ("does not hold", "no meaningful difference") for v in verdicts):
        combined = "does not hold"
    elif all(v == NOT_RUN for v in verdicts):
        combined = NOT_RUN
    else:
        combined = "undecided"
    first = parts[0]
    return dict(
        claim=claim, variant=first["variant"], primary=first["primary"], baseline=first["baseline"],
        treatment=first["treatment"], statement=statement, dataset=first["dataset"],
        metric="+".join(p["metric"] for p in parts), statistic="all parts", rows=first["rows"],
        run=any(p["run"] for p in parts), verdict=combined,
        note="; ".join(f"{p['claim']} {p['verdict']}" for p in parts) + ".",
    )


def _combine_any(claim: str, statement: str, parts: list[dict]) -> dict:
    """A claim that holds when any row of its parts holds ("sometimes better"); it does not hold
    when every row that ran is decided against it, and is undecided otherwise."""
    ran = [p for p in parts if p["verdict"] != NOT_RUN]
    verdicts = [p["verdict"] for p in ran]
    if any(v == "holds" for v in verdicts):
        combined = "holds"
    elif not ran:
        combined = NOT_RUN
    elif all(v in ("does not hold", "no meaningful difference") for v in verdicts):
        combined = "does not hold"
    else:
        combined = "undecided"
    row = _combine(claim, statement, parts or [{"variant": "", "primary": True, "baseline": "", "treatment": "",
                                                 "dataset": "", "metric": "", "rows": "", "run": False,
                                                 "verdict": NOT_RUN, "claim": claim}])
    holding = [f"{p['claim']} {p['treatment']} vs {p['baseline']}" for p in ran if p["verdict"] == "holds"]
    row.update(verdict=combined, baseline="", treatment="", statistic="any part",
               note=(f"holds at: {'; '.join(holding)}. " if holding else "")
               + f"{sum(v == 'holds' for v in verdicts)} of {len(ran)} rows hold.")
    return row


def claim_order(study: Study) -> list[str]:
    """Parts in the study's order, each combined claim right after its last part."""
    order = []
    for part in study.parts:
        order.append(part.claim)
        order += [c for c, (_, ids) in {**study.combined, **study.combined_any}.items() if ids[-1] == part.claim]
    return order


def _target(part: ClaimPart, paper: tuple[float, float] | None) -> float | None:
    """The paper's own effect, for the power projection: a difference, or a ratio of spreads."""
    if paper is None or not all(np.isfinite(paper)):
        return None
    baseline, treatment = paper
    if part.statistic == "spread":
        return treatment / baseline if baseline else None
    return treatment - baseline


def evaluate_claims(
    study: Study,
    scores: pd.DataFrame,
    paper_dir: Path | str | None = None,
    comparisons: Iterable[Sequence[str]] | None = None,
    margins: Mapping[str, float] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per (protocol variant, comparison, claim part or combined claim), primary first."""
    missing = set(SCORE_KEYS + ["metric", "value"]) - set(scores.columns)
    if missing:
        raise ValueError(f"score table lacks columns {sorted(missing)}")
    s = scores.copy()
    for col in ("protocol", "dataset", "model", "metric", "unit"):
        s[col] = s[col].astype(str).str.strip()
    for col in ("protocol", "dataset", "metric"):
        s[col] = s[col].str.lower()
    pairs = [tuple(p) for p in (comparisons or study.comparisons)]
    variants = sorted(study.variants, key=lambda v: not v.primary)
    published = study.paper_values(Path(paper_dir)) if paper_dir is not None else {}
    default_pair = tuple(study.comparisons[0])
    rows = []
    for variant in variants:
        for pair in pairs:
            for part in [p for p in study.parts if p.pairs is None]:
                paper = published.get(part.claim) if pair == default_pair else None
                rows.append(evaluate_part(s, variant, part, pair, margins, _target(part, paper), alpha))
                rows[-1]["paper_baseline"], rows[-1]["paper_treatment"] = paper or (np.nan, np.nan)
        for part in [p for p in study.parts if p.pairs is not None]:
            own = part_pairs(s, variant, part, pairs)
            for pair in own:
                rows.append(evaluate_part(s, variant, part, pair, margins, None, alpha))
                rows[-1]["paper_baseline"], rows[-1]["paper_treatment"] = (np.nan, np.nan)
            if not own:  # nothing to compare in these scores (e.g. no run sampled under noise)
                rows.append(dict(
                    claim=part.claim, variant=variant.name, primary=variant.primary, baseline="", treatment="",
                    statement=part.statement, dataset=part.dataset, metric=variant.metrics[part.metric],
                    statistic=part.statistic, rows=part.rows_label, run=False, verdict=NOT_RUN,
                    note=f"{NOT_RUN}: no runs to compare by {part.versus}", paper_baseline=np.nan,
                    paper_treatment=np.nan))
    family = [i for i, r in enumerate(rows) if r["primary"] and r["run"]]
    for i, adjusted in zip(family, adjust_family([rows[i] for i in family], alpha)):
        rows[i] = adjusted
    for r in rows:
        if r["run"] and not r["primary"]:
            r["verdict"] = r["verdict_unadjusted"]
    by_key = {(r["variant"], r["baseline"], r["treatment"], r["claim"]): r for r in rows}
    own_pairs = {p.claim for p in study.parts if p.pairs is not None}
    for variant in variants:
        for claim, (statement, ids) in study.combined.items():
            if own_pairs.intersection(ids):  # parts with their own pairs: one claim across them all
                rows.append(_combine(claim, statement, [r for r in rows if r["variant"] == variant.name
                                                        and r["claim"] in ids]))
                continue
            for baseline, treatment in pairs:
                parts = [by_key[(variant.name, baseline, treatment, i)] for i in ids]
                rows.append(_combine(claim, statement, parts))
        for claim, (statement, ids) in study.combined_any.items():
            found = [r for r in rows if r["variant"] == variant.name and r["claim"] in ids]
            rows.append(_combine_any(claim, statement, found) | {"variant": variant.name, "primary": variant.primary})
    out = pd.DataFrame(rows).rename(columns=RECORD_COLUMNS)
    order = {c: i for i, c in enumerate(claim_order(study))}
    pair_order = list(dict.fromkeys([*pairs, *zip(out["baseline"], out["treatment"])]))
    out = out.assign(_v=out["variant"].map({v.name: i for i, v in enumerate(variants)}),
                     _p=[pair_order.index((b, t)) for b, t in zip(out["baseline"], out["treatment"])],
                     _c=out["claim"].map(order))
    out = out.sort_values(["_v", "_p", "_c"], kind="stable").drop(columns=["_v", "_p", "_c"]).reset_index(drop=True)
    out["paper_diff"] = out["paper_treatment"] - out["paper_baseline"]
    out.insert(0, "study", study.name)
    return out
