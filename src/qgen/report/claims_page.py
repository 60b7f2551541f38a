"""The claims page: per study its forest plot, then one concise table (the primary protocol, one
row per claim part and comparison, combined claims after their parts), the claims the target did
not run listed once, and below them the estimands, the per-class detail and the other protocols.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from qgen.claims import NOT_RUN
from qgen.report.markdown import fmt, interval, markdown_table, section
from qgen.report.style import metric_label

SMOKE_WARNING = (
    "**Smoke run: these verdicts are not evidence.** The models were trained for a few hundred steps "
    "on small data to check that the pipeline runs; run the study's full target for verdicts."
)
READINGS = {"fixed": "these classes", "random": "classes as a draw", "single": "one unit, seeds"}
COMBINED = "all parts"  # a claim that holds when every part holds (qgen.claims._combine)
ANY = "any part"  # a claim that holds when any row of its parts holds (combined_any: S3-C3)


def is_combined(statistic: Any) -> bool:
    """Whether a row is a claim made of parts (every part, or any part) rather than a part."""
    return statistic in (COMBINED, ANY)


def _value(row: Any, key: str) -> float:
    value = getattr(row, key, np.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _is_ratio(row: Any) -> bool:
    return getattr(row, "scale", "") == "ratio" or getattr(row, "statistic", "") == "spread"


def _effect(row: Any) -> str:
    """'estimate [low, high]', with 'no interval' where there is none."""
    estimate = _value(row, "our_diff")
    if not np.isfinite(estimate):
        return "–"
    if not np.isfinite(_value(row, "ci_low")):
        return f"{fmt(estimate)} (no interval)"
    return interval(estimate, _value(row, "ci_low"), _value(row, "ci_high"))


def _pair(row: Any, column: str) -> str:
    a, b = _value(row, f"{column}_baseline"), _value(row, f"{column}_treatment")
    return "–" if not (np.isfinite(a) or np.isfinite(b)) else f"{fmt(a)} / {fmt(b)}"


def _verdict(row: Any) -> str:
    return f"**{row.verdict}**"


def model_name(value: Any) -> str:
    """A model (or sampling) name from a claims row; "" where the row names none (NaN from a CSV)."""
    return value if isinstance(value, str) else ""


def comparison_label(treatment: Any, baseline: Any, statistic: Any = COMBINED) -> str:
    """'t vs b'; one model alone (a part judged against bounds); for a claim across pairs 'all
    parts', or 'any part' for one that holds when any of its rows holds (``statistic``)."""
    treatment, baseline = model_name(treatment), model_name(baseline)
    if not treatment and not baseline:
        return ANY if statistic == ANY else COMBINED
    return f"{treatment} vs {baseline}" if baseline else treatment


def claims_table(rows: pd.DataFrame, pairs: Sequence[tuple[str, str]], corrected: bool = True) -> str:
    """One row per claim part and comparison, each combined claim after its parts.

    With one comparison the columns name its models; with several, a column names the comparison.
    ``corrected``: the p column is Holm's (primary protocol), else the uncorrected p (descriptive).
    """
    one = len(pairs) == 1
    b, t = pairs[0] if one else ("b", "t")
    effect = f"{t} − {b} [95% CI]" if one else "t − b [95% CI]"
    p_label = "p (Holm)" if corrected else "p (not corrected)"
    out = []
    for r in rows.itertuples():
        combined = is_combined(r.statistic)
        parts = r.note.rstrip(".") if r.statistic == ANY else "parts: " + r.note.rstrip(".")
        cells = {
            "claim": f"**{r.claim}**" if combined else r.claim,
            "comparison": comparison_label(r.treatment, r.baseline, r.statistic),
            "statement": r.statement,
            "metric": parts if combined else metric_label(r.metric, r.statistic),
            f"paper ({b} / {t})": "" if combined else _pair(r, "paper"),
            f"ours ({b} / {t})": "" if combined else _pair(r, "our"),
            effect: "" if combined else _effect(r) + (" (ratio t / b)" if _is_ratio(r) and not one else ""),
            p_label: "" if combined else fmt(_value(r, "p_holm" if corrected else "p_value"), 3),
            "verdict": _verdict(r),
        }
        if one:
            cells.pop("comparison")
            if _is_ratio(r) and not combined:
                cells[effect] = _effect(r) + " (ratio)"
        claimed = getattr(r, "claimed", "")
        if isinstance(claimed, str) and claimed:  # a part judged against a stated range or bound (S2)
            cells = {**dict(list(cells.items())[:3]), "claimed": claimed, **dict(list(cells.items())[3:])}
        out.append(cells)
    table = pd.DataFrame(out)
    if "claimed" in table:
        table["claimed"] = table["claimed"].fillna("")
    return markdown_table(table)


def not_run_line(rows: pd.DataFrame, combined: Mapping[str, tuple[str, Sequence[str]]]) -> str:
    """Claims the target did not run, once each: 'C4 (C4a, C4b): no scores on pathmnist (full training set)'."""
    missing = rows[rows["verdict"] == NOT_RUN]
    if missing.empty:
        return ""
    claims = list(dict.fromkeys(missing["claim"]))
    parts_of = {name: [p for p in parts if p in claims] for name, (_, parts) in combined.items()}
    listed, said = [], set()
    for claim in claims:
        if claim in said:
            continue
        whole = next((n for n, parts in parts_of.items() if claim in parts and n in claims), None)
        name = whole or claim
        group = [name, *parts_of.get(name, [])]
        said.update(group)
        first = missing[missing["claim"].isin(group) & ~missing["statistic"].map(is_combined)]
        first = first.iloc[0] if len(first) else missing[missing["claim"].isin(group)].iloc[0]
        where = str(first["dataset"]) + (f" ({first['rows']})" if isinstance(first.get("rows"), str) else "")
        label = f"{name} ({', '.join(parts_of[name])})" if parts_of.get(name) else name
        listed.append(f"{label}: no scores on {where}")
    return "**Not run in this target:** " + "; ".join(listed) + "."


def _estimand_lines(rows: pd.DataFrame) -> list[str]:
    out = []
    for r in rows[~rows["statistic"].map(is_combined)].itertuples():
        secondary = ""
        if isinstance(getattr(r, "secondary_reading", None), str):
            secondary = (f" Beside it ({READINGS.get(r.secondary_reading, r.secondary_reading)}): "
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
            margin = (f" Equivalence margin ({fmt(r.margin_low, 3)}, {fmt(r.margin_high, 3)}), "
                      f"TOST p = {fmt(r.p_equivalence, 3)}.")
        out.append(f"**{r.claim}** ({comparison_label(r.treatment, r.baseline)}, {r.metric}, p = {fmt(_value(r, 'p_value'), 3)} "
                   f"before Holm): {r.estimand}. {r.method}.{margin}{secondary} Power: {_power(r)}. {r.note}".strip())
    return out


def _power(row: Any) -> str:
    """The smallest effect these seeds detect, and the seeds the paper's own effect would need."""
    mde, needed = _value(row, "mde"), _value(row, "seeds_needed")
    parts = []
    if np.isfinite(mde):
        parts.append(f"minimum detectable effect {fmt(mde, 3)} at these seeds (80% power)")
    if np.isfinite(needed):
        parts.append(f"the paper's effect needs {int(np.ceil(needed))} seeds")
    elif needed == np.inf:
        parts.append("the paper's effect is not detectable")
    return "; ".join(parts) or "not computable (too few seeds)"


def _natural(unit: str) -> tuple:
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"[ ,]+", unit))


def per_class_table(detail: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> str:
    """One row per class (and comparison), one column per claim part: t − b [95% CI] over seeds."""
    d = detail.assign(
        comparison=detail["treatment"] + " vs " + detail["baseline"],
        part=[f"{c}: {metric_label(m)}" for c, m in zip(detail["claim"], detail["metric"])],
        cell=[interval(r.diff, r.low, r.high) + (f" (p {fmt(r.p, 2)})" if np.isfinite(r.p) else "")
              for r in detail.itertuples()],
    )
    wide = d.pivot_table(index=["comparison", "unit"], columns="part", values="cell", aggfunc="first", sort=False)
    wide = wide.reindex(columns=list(dict.fromkeys(d["part"])))
    order = sorted(wide.index, key=lambda k: (list(dict.fromkeys(d["comparison"])).index(k[0]), _natural(k[1])))
    wide = wide.loc[order].fillna("").reset_index().rename(columns={"unit": "class"})
    if len(pairs) == 1:
        wide = wide.drop(columns="comparison")
    seeds = sorted(set(int(n) for n in detail["n_pairs"]))
    seeds_cell = ", ".join(map(str, seeds)) if len(seeds) > 1 else seeds[0]
    wide.insert(list(wide.columns).index("class") + 1, "seeds", seeds_cell)
    return markdown_table(wide)


def _order(rows: pd.DataFrame) -> pd.DataFrame:
    """Claim by claim (in the engine's order), comparisons together."""
    claims = {c: i for i, c in enumerate(dict.fromkeys(rows["claim"]))}
    labels = [comparison_label(t, b, s) for t, b, s in zip(rows["treatment"], rows["baseline"], rows["statistic"])]
    pairs = {label: i for i, label in enumerate(dict.fromkeys(labels))}
    keyed = rows.assign(_c=rows["claim"].map(claims), _p=[pairs[label] for label in labels])
    return keyed.sort_values(["_c", "_p"], kind="stable").drop(columns=["_c", "_p"])


def study_section(ctx: Mapping[str, Any], rows: pd.DataFrame, alpha: float) -> list[str]:
    """One study's part of the page."""
    study = ctx["study"]
    out = [f"## {study.title}\n"]
    if ctx.get("smoke"):
        out.append(SMOKE_WARNING + "\n")
    if ctx.get("forest"):
        out.append(f"![Forest plot of {study.name}'s claims]({ctx['forest']})\n")
    run = rows["verdict"] != NOT_RUN
    primary = _order(rows[rows["primary"].astype(bool)])
    pairs = list(dict.fromkeys(zip(primary["baseline"], primary["treatment"])))
    shown = primary[run.loc[primary.index]]
    n_family = int((~shown["statistic"].map(is_combined)).sum())
    notes = [
        f"experiments: {', '.join(ctx['experiments'])}" + "".join(f"; {s}" for s in ctx.get("stand_ins", [])),
        ("the difference is treatment − baseline (t − b); for a spread, the ratio t / b of the sds across classes "
         "(no effect: 1); 95% intervals"),
        f"p (Holm): corrected over the {n_family} claim parts of this protocol at alpha = {alpha}; a combined claim "
        f"holds when every part holds",
        "no meaningful difference: the interval lies inside the equivalence margin (two one-sided tests)",
        *study.notes,
    ]
    out.append(section(f"Claims (primary protocol: {study.primary.name})",
                       claims_table(shown, pairs) if len(shown) else "(no claim was run in this target)\n",
                       notes, level=3))
    line = not_run_line(primary, {**study.combined, **study.combined_any})
    if line:
        out.append(line + "\n")
    if len(shown):
        out.append(section("Estimands, tests and power (primary protocol)",
                           "\n".join(f"- {e}" for e in _estimand_lines(shown)), level=3))
    flagged = rows["descriptive"].fillna(False).astype(bool) if "descriptive" in rows else rows["verdict"].isna()
    descriptive = _order(rows[flagged & run & (rows["variant"] == study.primary.name)])
    if len(descriptive):
        out.append(section("Descriptive parts (shown, not in the Holm family; uncorrected p)",
                           claims_table(descriptive, pairs, corrected=False), level=3))
    detail = ctx.get("per_class")
    if detail is not None and len(detail):
        out.append(section("Per-class detail (primary protocol)", per_class_table(detail, pairs),
                           ["per class: treatment − baseline paired by seed, with its 95% t interval and the paired "
                            "t test's p (neither with one seed); each model's means are in the experiments' tables"],
                           level=3))
    for variant in [v for v in study.variants if not v.primary]:
        other = _order(rows[(rows["variant"] == variant.name) & run])
        if len(other):
            out.append(section(f"Other protocol (descriptive, not corrected for multiplicity): {variant.name}",
                               claims_table(other, pairs, corrected=False), level=3))
    return out


def claims_markdown(
    title: str, result: pd.DataFrame, contexts: Sequence[Mapping[str, Any]], job: Mapping[str, Any]
) -> str:
    """The page. Each context: study, experiments, stand_ins, smoke, and optionally forest (the
    forest plot's path relative to the page) and per_class (:func:`qgen.claims.per_unit_differences`)."""
    alpha = (job.get("claims") or {}).get("alpha", 0.05)
    out = [f"# Claims: {title}", ""]
    for ctx in contexts:
        out += study_section(ctx, result[result["study"] == ctx["study"].name], alpha)
    return "\n".join(out).rstrip() + "\n"
