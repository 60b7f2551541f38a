"""The claims page: per study one concise table (the primary protocol, one row per claim), then
the estimands, the other comparisons and protocols, and what the target did not run."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from qgen.claims import NOT_RUN
from qgen.report.markdown import fmt, interval, markdown_table, section

SMOKE_WARNING = (
    "**Smoke run: these verdicts are not evidence.** The models were trained for a few hundred steps "
    "on small data to check that the pipeline runs; run the study's full target for verdicts."
)
READINGS = {"fixed": "these classes", "random": "classes as a draw", "single": "one unit, seeds"}


def _value(row: Any, key: str) -> float:
    value = getattr(row, key, np.nan)
    return np.nan if value is None else value


def _effect(row: Any) -> str:
    """'estimate [low, high]' with the scale named: a ratio of spreads or a difference."""
    text = interval(_value(row, "our_diff"), _value(row, "ci_low"), _value(row, "ci_high"))
    return text + (" (ratio t/b)" if getattr(row, "scale", "") == "ratio" else "")


def _power(row: Any) -> str:
    """The smallest effect these seeds detect, and the seeds the paper's own effect would need."""
    mde, needed = _value(row, "mde"), _value(row, "seeds_needed")
    parts = []
    if np.isfinite(mde):
        parts.append(f"MDE {fmt(mde, 3)}")
    if np.isfinite(needed):
        parts.append(f"paper's effect needs {int(np.ceil(needed))} seeds")
    elif needed == np.inf:
        parts.append("paper's effect: not detectable")
    return "; ".join(parts) or "–"


def _comparison(treatment: Any, baseline: Any) -> str:
    """'t vs b'; one model alone (a part judged against bounds); 'all parts' for a claim across pairs."""
    treatment = treatment if isinstance(treatment, str) else ""
    baseline = baseline if isinstance(baseline, str) else ""
    if not treatment and not baseline:
        return "all parts"
    return f"{treatment} vs {baseline}" if baseline else treatment


def _claims_table(rows: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "claim": rows["claim"],
        "comparison": [_comparison(t, b) for t, b in zip(rows["treatment"], rows["baseline"])],
        "statement": rows["statement"],
        "reading": [READINGS.get(r, "") if isinstance(r, str) else "all parts" for r in rows.get("reading", "")],
        "paper (b / t)": [f"{fmt(b)} / {fmt(t)}" for b, t in zip(rows["paper_baseline"], rows["paper_treatment"])],
        "ours (b / t)": [f"{fmt(b)} / {fmt(t)}" for b, t in zip(rows.get("our_baseline", np.nan),
                                                                 rows.get("our_treatment", np.nan))],
        "effect t - b [95% CI]": [_effect(r) for r in rows.itertuples()],
        "p": rows.get("p_value", np.nan),
        "p (Holm)": rows.get("p_holm", np.nan),
        "verdict": [f"**{v}**" for v in rows["verdict"]],
        "power": [_power(r) for r in rows.itertuples()],
    })
    claimed = rows["claimed"].fillna("") if "claimed" in rows else pd.Series("", index=rows.index)
    if claimed.astype(bool).any():  # parts judged against a stated range or bound (S2)
        shown.insert(3, "claimed", claimed.to_numpy())
    return markdown_table(shown)


def _estimands(rows: pd.DataFrame) -> list[str]:
    out = []
    for r in rows[rows["statistic"] != "all parts"].itertuples():
        secondary = ""
        if isinstance(getattr(r, "secondary_reading", None), str):
            secondary = (f" Beside it ({READINGS.get(r.secondary_reading)}): "
                         f"{interval(r.secondary_estimate, r.secondary_low, r.secondary_high)}, "
                         f"p = {fmt(r.secondary_p, 3)}, {r.secondary_verdict}.")
        margin = ""
        kind = getattr(r, "kind", "difference")
        if kind == "range":
            margin = (f" Claimed range [{fmt(r.margin_low, 3)}, {fmt(r.margin_high, 3)}]: p(inside, two one-sided "
                      f"tests) = {fmt(r.p_equivalence, 3)}, p(outside) = {fmt(r.p_value, 3)}.")
        elif kind == "not_better":
            m = _value(r, "margin_high")
            stated = f"Margin {fmt(m, 3)}" if np.isfinite(m) else "No margin configured (0)"
            margin = (f" {stated}: p(not better by the margin or more) = "
                      f"{fmt(r.p_equivalence, 3)}, p(better) = {fmt(r.p_value, 3)}.")
        elif np.isfinite(_value(r, "margin_low")):
            margin = f" Equivalence margin ({fmt(r.margin_low, 3)}, {fmt(r.margin_high, 3)}), TOST p = {fmt(r.p_equivalence, 3)}."
        out.append(f"**{r.claim}** ({r.treatment} vs {r.baseline}, {r.metric}): {r.estimand}. "
                   f"{r.method}.{margin}{secondary} {r.note}".strip())
    return out


def claims_markdown(
    title: str, result: pd.DataFrame, contexts: Sequence[Mapping[str, Any]], job: Mapping[str, Any]
) -> str:
    alpha = (job.get("claims") or {}).get("alpha", 0.05)
    out = [f"# Claims: {title}", ""]
    for ctx in contexts:
        study = ctx["study"]
        rows = result[result["study"] == study.name]
        out.append(f"## {study.title}\n")
        if ctx["smoke"]:
            out.append(SMOKE_WARNING + "\n")
        out.append(f"- experiments: {', '.join(ctx['experiments'])}")
        out += [f"- {s}" for s in ctx["stand_ins"]]
        out += [f"- {n}" for n in study.notes]
        out.append("")
        run = rows["verdict"] != NOT_RUN
        primary = rows[rows["primary"].astype(bool) & run]
        out.append(section(
            f"Primary protocol: {study.primary.name}",
            _claims_table(primary),
            [f"t = treatment, b = baseline; the effect is t - b (a ratio t / b for spreads) with its 95% "
             f"interval; p from the test that gives the interval; Holm corrects the {len(primary)} primary "
             f"rows of this report at alpha = {alpha}",
             "no meaningful difference: the interval lies inside the equivalence margin (two one-sided tests)",
             "power: the minimum detectable effect (MDE) at this run's seeds (80% power), and the seeds per "
             "unit and model the paper's own effect would need"],
            level=3,
        ))
        flagged = rows["descriptive"].fillna(False).astype(bool) if "descriptive" in rows else rows["run"] & False
        descriptive = rows[flagged & run & (rows["variant"] == study.primary.name)]
        if len(descriptive):
            out.append(section("Descriptive parts (shown, not in the Holm family; unadjusted verdicts)",
                               _claims_table(descriptive), level=3))
        not_run = rows[~run & rows["primary"].astype(bool)]
        if len(not_run):
            listed = ", ".join(dict.fromkeys(f"{r.claim} ({r.treatment} vs {r.baseline})" for r in not_run.itertuples()))
            out.append(f"Not run in this target: {listed}.\n")
        if len(primary):
            out.append(section("Estimands and notes (primary protocol)", "\n".join(f"- {e}" for e in _estimands(primary)),
                               level=3))
        for variant in [v for v in study.variants if not v.primary]:
            detail = rows[(rows["variant"] == variant.name) & run]
            if len(detail):
                out.append(section(f"Descriptive, not corrected for multiplicity: {variant.name}",
                                   _claims_table(detail), level=3))
    return "\n".join(out).rstrip() + "\n"
