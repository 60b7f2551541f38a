"""The claims page: per study one concise table (the primary protocol), then the detail."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from qgen.report.markdown import fmt, interval, markdown_table, section

SMOKE_WARNING = (
    "**Smoke run: these verdicts are not evidence.** The models were trained for a few hundred steps "
    "on small data to check that the pipeline runs; run the study's full target for verdicts."
)


def _claims_table(rows: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "claim": rows["claim"],
        "comparison": rows["treatment"] + " vs " + rows["baseline"],
        "statement": rows["statement"],
        "paper (b / t)": [f"{fmt(b)} / {fmt(t)}" for b, t in zip(rows["paper_baseline"], rows["paper_treatment"])],
        "ours (b / t)": [f"{fmt(b)} / {fmt(t)}" for b, t in zip(rows["our_baseline"], rows["our_treatment"])],
        "difference t - b [95% CI]": [interval(r.our_diff, r.ci_low, r.ci_high) for r in rows.itertuples()],
        "p": rows["p_value"],
        "p (Holm)": rows["p_holm"] if "p_holm" in rows else float("nan"),
        "verdict": [f"**{v}**" for v in rows["verdict"]],
        "note": rows["note"],
    })
    return markdown_table(shown)


def claims_markdown(
    title: str, result: pd.DataFrame, contexts: Sequence[Mapping[str, Any]], job: Mapping[str, Any]
) -> str:
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
        ran = rows[rows["run"].astype(bool)]
        not_run = rows[~rows["run"].astype(bool) & rows["primary"].astype(bool)]
        primary = ran[ran["primary"].astype(bool)]
        out.append(section(
            f"Primary protocol: {study.primary.name}",
            _claims_table(primary),
            ["differences are treatment - baseline (t - b); p from the test that gives the interval; "
             "Holm corrects the primary protocol's claim parts across this report"],
            level=3,
        ))
        if len(not_run):
            listed = ", ".join(dict.fromkeys(f"{r.claim} ({r.treatment} vs {r.baseline})" for r in not_run.itertuples()))
            out.append(f"Not run in this target: {listed}.\n")
        for variant in [v for v in study.variants if not v.primary]:
            detail = ran[ran["variant"] == variant.name]
            if len(detail):
                out.append(section(f"Descriptive: {variant.name}", _claims_table(detail), level=3))
    return "\n".join(out).rstrip() + "\n"
