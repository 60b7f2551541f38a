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

Beyond differences (S2): each part names its ``kind`` (qgen.claim_kinds: a range, "not
better"), may name its own model pairs, read another protocol, compare one model's runs along
an ablation axis (``versus``), judge log values, or be descriptive (outside the Holm family).
A part whose numbers were made with another feature network than the claim's is "not
comparable". The kind's verdict is taken after Holm has adjusted its two p-values.

A part may also compare one model's runs sampled two ways (``versus="sampling"``: S3-C3
compares the quantum model sampled under each noise level with its own noiseless samples), its
pairs found in the scores (``pairs`` a function of the part's rows). A claim in
``combined_any`` holds when any row of its parts holds ("sometimes better").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from qgen.claim_kinds import KINDS
from qgen.stats import adjust_family
from qgen.stats.data import DuplicateScoresError
from qgen.studies.base import ClaimPart, ProtocolVariant, Study

SCORE_KEYS = ["experiment", "dataset", "unit", "model", "seed", "n_train", "protocol"]
NOT_RUN = "not run in this target"
NOT_COMPARABLE = "not comparable"
RECORD_COLUMNS = {  # compare_pair's record -> the report's columns
    "stat_a": "our_baseline", "stat_b": "our_treatment", "estimate": "our_diff", "low": "ci_low",
    "high": "ci_high", "p": "p_value",
}

__all__ = ["DuplicateScoresError", "NOT_RUN", "claim_order", "evaluate_claims", "evaluate_part", "normalised_scores",
           "part_pairs", "per_unit_differences", "select_part_rows"]


def normalised_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """A copy with the key columns as stripped text, protocol, dataset and metric lower-case.

    A table without `run_seed` comes from runs made before per-unit seeding (qgen.seeding),
    when a seed label drew the same streams in every class: the column is added empty, so
    the engine treats those seeds as shared across units."""
    s = scores.copy()
    if "run_seed" not in s.columns:
        s["run_seed"] = np.nan
    for col in ("protocol", "dataset", "model", "metric", "unit"):
        s[col] = s[col].astype(str).str.strip()
    for col in ("protocol", "dataset", "metric"):
        s[col] = s[col].str.lower()
    return s


def _metric(variant: ProtocolVariant, part: ClaimPart) -> str:
    """The score metric a part reads: the variant's for its logical metric, else the part's own."""
    return variant.metrics.get(part.metric, part.metric)


def _candidates(scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart) -> pd.DataFrame:
    """The part's rows before choosing a pair: its protocol, dataset, metric and row filter."""
    if part.versus not in scores.columns:
        return scores.iloc[0:0]
    rows = scores[(scores["protocol"] == (part.protocol or variant.protocol)) & (scores["dataset"] == part.dataset)
                  & (scores["metric"] == _metric(variant, part))]
    if part.rows is not None and len(rows):
        rows = rows[part.rows(rows)]
    return rows


def select_part_rows(
    scores: pd.DataFrame, variant: ProtocolVariant, part: ClaimPart, pair: Sequence[str]
) -> pd.DataFrame:
    rows = _candidates(scores, variant, part)
    if not len(rows):
        return rows
    rows = rows[rows[part.versus].astype(str).isin([m for m in pair if m])]
    if part.versus != "model":  # the pair names values of another column (an ablation axis, a sampling)
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
    metric = _metric(variant, part)
    protocol = part.protocol or variant.protocol
    row: dict[str, Any] = dict(
        claim=part.claim, variant=variant.name, primary=variant.primary and not part.descriptive,
        descriptive=part.descriptive, kind=part.kind, claimed=part.claimed, baseline=baseline, treatment=treatment,
        statement=part.statement, dataset=part.dataset, metric=metric, statistic=part.statistic,
        rows=part.rows_label, run=True,
    )
    sub = select_part_rows(scores, variant, part, pair)
    missing = [m for m in pair if m and m not in set(sub["model"])]
    if missing:
        row.update(run=False, verdict=NOT_RUN, note=(
            f"{NOT_RUN}: no {protocol}-protocol {metric} scores of {' and '.join(missing)} on "
            f"{part.dataset}" + (f" ({part.rows_label})" if part.rows_label else "")))
        return row
    # Units are classes here (or a class at one training-set size): name them so in notes.
    frame = sub.rename(columns={"unit": "class"})
    record = KINDS.get(part.kind).evaluate(
        frame, part, pair, unit=tuple("class" if k == "unit" else k for k in part.unit_keys),
        margin=_margin(part, metric, margins or {}), target=target, alpha=alpha,
    )
    row.update({k: v for k, v in record.items() if k not in ("a", "b")})
    used = sorted(frame["features"].dropna().astype(str).unique()) if "features" in frame else []
    if part.features and used and used != [part.features]:
        row.update(verdict=NOT_COMPARABLE, verdict_unadjusted=NOT_COMPARABLE, decidable=False, p=np.nan,
                   p_equivalence=np.nan, note=f"{NOT_COMPARABLE}: ours are {', '.join(used)} features, the "
                   f"claim's numbers {part.features}; shown side by side only. " + str(row.get("note", "")))
    return row


def _combine(claim: str, statement: str, parts: list[dict], across_pairs: bool = False) -> dict:
    """A claim made of parts holds when every part holds; it fails when any part fails or shows
    no meaningful difference. ``across_pairs``: the parts name their own model pairs, so the
    claim spans them all (shown without one pair)."""
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
    label = (lambda p: f"{p['claim']} ({p['treatment']} vs {p['baseline'] or 'bounds'}) {p['verdict']}") \
        if across_pairs else (lambda p: f"{p['claim']} {p['verdict']}")
    return dict(
        claim=claim, variant=first["variant"], primary=first["primary"],
        baseline="" if across_pairs else first["baseline"], treatment="" if across_pairs else first["treatment"],
        statement=statement, dataset=first["dataset"], kind="combined", descriptive=False,
        metric="+".join(dict.fromkeys(p["metric"] for p in parts)), statistic="all parts", rows=first["rows"],
        run=any(p["run"] for p in parts), verdict=combined,
        note="; ".join(label(p) for p in parts) + ".",
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
    s = normalised_scores(scores)
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
                paper = published.get((part.claim, *pair))
                rows.append(evaluate_part(s, variant, part, pair, margins, _target(part, paper), alpha))
                rows[-1]["paper_baseline"], rows[-1]["paper_treatment"] = paper or (np.nan, np.nan)
            if not own:  # nothing to compare in these scores (e.g. no run sampled under noise)
                rows.append(dict(
                    claim=part.claim, variant=variant.name, primary=variant.primary and not part.descriptive,
                    descriptive=part.descriptive, kind=part.kind, claimed=part.claimed, baseline="", treatment="",
                    statement=part.statement, dataset=part.dataset, metric=_metric(variant, part),
                    statistic=part.statistic, rows=part.rows_label, run=False, verdict=NOT_RUN,
                    note=f"{NOT_RUN}: no runs to compare by {part.versus}", paper_baseline=np.nan,
                    paper_treatment=np.nan))
    family = [i for i, r in enumerate(rows) if r["primary"] and r["run"]]
    for i, adjusted in zip(family, adjust_family([rows[i] for i in family], alpha)):
        adjusted["verdict"] = KINDS.get(adjusted.get("kind", "difference")).verdict(
            adjusted, adjusted["p_holm"], adjusted["p_equivalence_holm"], alpha)
        if rows[i].get("verdict") == NOT_COMPARABLE:
            adjusted["verdict"] = NOT_COMPARABLE
        rows[i] = adjusted
    for r in rows:
        if r["run"] and not r["primary"]:
            r["verdict"] = r["verdict_unadjusted"]
    parts_by_id = {p.claim: p for p in study.parts}
    for variant in variants:
        for claim, (statement, ids) in study.combined.items():
            if all(parts_by_id[i].pairs is None for i in ids):
                for baseline, treatment in pairs:
                    found = [r for i in ids for r in rows if (r["variant"], r["baseline"], r["treatment"], r["claim"])
                             == (variant.name, baseline, treatment, i)]
                    rows.append(_combine(claim, statement, found))
            else:  # parts with their own pairs: one claim across them all
                found = [r for i in ids for r in rows if r["variant"] == variant.name and r["claim"] == i]
                rows.append(_combine(claim, statement, found, across_pairs=True))
        for claim, (statement, ids) in study.combined_any.items():
            found = [r for r in rows if r["variant"] == variant.name and r["claim"] in ids]
            rows.append(_combine_any(claim, statement, found) | {"variant": variant.name, "primary": variant.primary})
    out = pd.DataFrame(rows).rename(columns=RECORD_COLUMNS)
    order = {c: i for i, c in enumerate(claim_order(study))}
    pair_order = list(dict.fromkeys([*pairs, *zip(out["baseline"], out["treatment"])]))
    out = out.assign(_v=out["variant"].map({v.name: i for i, v in enumerate(variants)}),
                     _p=[pair_order.index((b, t)) for b, t in zip(out["baseline"], out["treatment"])],
                     _c=out["claim"].map(order), _i=range(len(out)))
    keys = ["_v", "_c", "_i"] if study.row_order == "claim" else ["_v", "_p", "_c"]
    out = out.sort_values(keys, kind="stable").drop(columns=["_v", "_p", "_c", "_i"]).reset_index(drop=True)
    out["paper_diff"] = out["paper_treatment"] - out["paper_baseline"]
    out.insert(0, "study", study.name)
    return out


def _unit_label(key: Any, keys: Sequence[str]) -> str:
    values = key if isinstance(key, tuple) else (key,)
    parts = []
    for name, value in zip(keys, values):
        if name == "unit":
            parts.append(str(value))
        elif name == "n_train":
            parts.append(f"{int(float(value))} training images")
        else:
            parts.append(f"{name} {value}")
    return ", ".join(parts)


def per_unit_differences(
    study: Study, scores: pd.DataFrame, comparisons: Iterable[Sequence[str]] | None = None
) -> pd.DataFrame:
    """The per-class detail behind the primary protocol's mean claims: per part, comparison and
    unit (a class; C5: a class at one training-set size), each model's mean over seeds and
    treatment - baseline paired by seed, with its 95% t interval and p (none with one seed)."""
    from qgen.stats import paired_comparison

    s = normalised_scores(scores)
    variant = study.primary
    rows = []
    pairs = [tuple(p) for p in (comparisons or study.comparisons)]
    for part in study.parts:
        if part.statistic != "mean" or part.versus != "model" or part.protocol not in (None, variant.protocol):
            continue
        for baseline, treatment in ([tuple(p) for p in part.pairs] if part.pairs is not None else pairs):
            if not baseline:  # one model judged alone: no paired difference
                continue
            sub = select_part_rows(s, variant, part, (baseline, treatment))
            if not {baseline, treatment} <= set(sub["model"]):
                continue
            keys = list(part.unit_keys)
            wide = sub.pivot_table(index=keys + ["seed"], columns="model", values="value")
            for key, block in wide.groupby(level=keys if len(keys) > 1 else keys[0], sort=True):
                d = paired_comparison(block[baseline], block[treatment])
                rows.append(dict(
                    claim=part.claim, baseline=baseline, treatment=treatment, metric=_metric(variant, part),
                    unit=_unit_label(key, keys), n_pairs=d.n, mean_baseline=d.mean_a, mean_treatment=d.mean_b,
                    diff=d.mean_diff, low=d.low, high=d.high, p=d.p_t,
                ))
    return pd.DataFrame(rows)
