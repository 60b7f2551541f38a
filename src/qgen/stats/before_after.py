"""The verdicts the engine gave before the estimand audit, beside today's, on the same scores.

    python -m qgen.stats.before_after --study s1 --claims results/claims/local.csv \\
        --scores results/local_*/tables/scores.csv --dataset-as mnist_t10k=mnist

For each primary-protocol difference part the old engine judged (means and C3's spread), this
recomputes the old verdict exactly as the pipeline ran it (qgen.stats.calibration's old methods:
one paired t over all (class, seed) pairs as if independent; C3's two-stage bootstrap with
p = 2 min(share), 3 classes enough; no multiple-comparison correction; "holds" when p < 0.05
and the interval is on the claimed side) and prints it beside the verdict of the claims CSV.
An audit tool: it reads results, writes nothing the pipeline uses.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from qgen.claims import normalised_scores, select_part_rows
from qgen.stats.calibration import old_two_stage_bootstrap, old_verdicts
from qgen.stats.decisions import t_inference
from qgen.stats.estimators import fixed_kernel
from qgen.studies import STUDIES
from qgen.studies.base import Study

OLD_N_BOOT = 5000


def old_verdict(frame: pd.DataFrame, pair: Sequence[str], unit_keys: Sequence[str], statistic: str,
                direction: int, seed: int = 0) -> dict:
    """The old engine's estimate, interval, p and verdict for one part and pair."""
    wide = frame.pivot_table(index=[*unit_keys, "seed"], columns="model", values="value", aggfunc="mean")
    wide = wide.reindex(columns=list(pair)).replace([np.inf, -np.inf], np.nan).dropna()
    a, b = wide[pair[0]].to_numpy(float), wide[pair[1]].to_numpy(float)
    if statistic == "spread":
        # (class x seed) tables, classes with every seed (the batch version needs complete tables)
        a2, b2 = (wide[m].unstack("seed").dropna() for m in pair)
        if a2.empty:
            est = low = high = p = np.nan
        else:
            est, low, high, p = (float(x[0]) for x in old_two_stage_bootstrap(
                a2.to_numpy()[None], b2.to_numpy()[None], OLD_N_BOOT, np.random.default_rng(seed)))
    else:
        # one paired t over all (unit, seed) pairs as if independent: the class-blocked kernel
        # given a single "class"
        k = fixed_kernel(a[None, None], b[None, None])
        est = float(np.mean(b - a)) if len(a) else np.nan
        if len(a) >= 2 and k["se"][0] == 0:  # the old engine: identical differences gave p = 0, no width
            low = high = est
            p = 0.0 if est != 0 else 1.0
        else:
            p, low, high = (float(x[0]) for x in t_inference(k["estimate"], k["se"], k["df"])[:3])
    verdict = old_verdicts(np.array([low]), np.array([high]), np.array([p]), direction)[0]
    return dict(old_estimate=est, old_low=low, old_high=high, old_p=p, old_verdict=verdict, old_n_pairs=len(a))


def before_after(study: Study, scores: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """One row per primary difference part and pair of the claims CSV: old beside new."""
    s = normalised_scores(scores)
    variant = study.primary
    parts = {p.claim: p for p in study.parts if p.kind == "difference" and p.pairs is None and not p.descriptive}
    new = claims[(claims["variant"] == variant.name) & claims["claim"].isin(parts) & claims["run"].astype(bool)]
    rows = []
    for _, r in new.iterrows():
        part, pair = parts[r["claim"]], (r["baseline"], r["treatment"])
        old = old_verdict(select_part_rows(s, variant, part, pair), pair, part.unit_keys, part.statistic,
                          part.direction)
        rows.append(dict(claim=r["claim"], baseline=pair[0], treatment=pair[1], metric=r["metric"],
                         statistic=part.statistic, **old, new_estimate=r["our_diff"], new_low=r["ci_low"],
                         new_high=r["ci_high"], new_p_holm=r.get("p_holm"), new_verdict=r["verdict"],
                         estimand=r.get("estimand"), changed=old["old_verdict"] != r["verdict"]))
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--study", required=True, help="registered study name (s1, s2, s3)")
    ap.add_argument("--claims", required=True, help="a claims CSV of the current engine")
    ap.add_argument("--scores", nargs="+", required=True, help="the experiments' tables/scores.csv")
    ap.add_argument("--dataset-as", nargs="*", default=[], metavar="OWN=CLAIMED",
                    help="datasets that stand in for a study's (mnist_t10k=mnist)")
    ap.add_argument("--out", help="write the table as markdown here (default: print)")
    args = ap.parse_args(argv)
    scores = pd.concat([pd.read_csv(p, dtype={"unit": str}) for p in args.scores], ignore_index=True)
    scores["dataset"] = scores["dataset"].replace(dict(x.split("=", 1) for x in args.dataset_as))
    table = before_after(STUDIES.get(args.study), scores, pd.read_csv(args.claims))
    text = table.to_markdown(index=False, floatfmt=".4g")
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
