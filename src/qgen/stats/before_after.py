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
from scipy import stats

from qgen.claims import _select
from qgen.stats.calibration import _old_verdicts, old_two_stage_bootstrap
from qgen.studies import STUDIES
from qgen.studies.base import Study

OLD_N_BOOT = 5000


def _paired(frame: pd.DataFrame, pair: Sequence[str], unit_keys: Sequence[str]) -> pd.DataFrame:
    """Rows (unit keys, seed) x columns baseline, treatment; one value per run."""
    keys = [*unit_keys, "seed"]
    wide = frame.pivot_table(index=keys, columns="model", values="value", aggfunc="mean")
    return wide.reindex(columns=list(pair)).replace([np.inf, -np.inf], np.nan).dropna()


def old_verdict(frame: pd.DataFrame, pair: Sequence[str], unit_keys: Sequence[str], statistic: str,
                direction: int, seed: int = 0) -> dict:
    """The old engine's estimate, interval, p and verdict for one part and pair."""
    wide = _paired(frame, pair, unit_keys)
    a, b = wide[pair[0]].to_numpy(float), wide[pair[1]].to_numpy(float)
    if statistic == "spread":
        # complete (class x seed) tables only, as the batch version needs
        units = wide.reset_index()
        units["_u"] = units[list(unit_keys)].astype(str).agg("|".join, axis=1)
        counts = units.groupby("_u").size()
        s = int(counts.min()) if len(counts) else 0
        units = units.groupby("_u").head(s).sort_values(["_u", "seed"])
        k = units["_u"].nunique()
        if k == 0 or s == 0:
            return dict(old_estimate=np.nan, old_low=np.nan, old_high=np.nan, old_p=np.nan, old_verdict="undecided")
        a3 = units[pair[0]].to_numpy(float).reshape(1, k, s)
        b3 = units[pair[1]].to_numpy(float).reshape(1, k, s)
        est, low, high, p = old_two_stage_bootstrap(a3, b3, OLD_N_BOOT, np.random.default_rng(seed))
        est, low, high, p = float(est[0]), float(low[0]), float(high[0]), float(p[0])
    else:
        d = b - a
        est = float(d.mean()) if len(d) else np.nan
        if len(d) < 2:
            low = high = p = np.nan
        else:
            se = d.std(ddof=1) / np.sqrt(len(d))
            if se == 0:  # the old engine: identical differences gave p = 0 and a zero-width interval
                low = high = est
                p = 0.0 if est != 0 else 1.0
            else:
                half = stats.t.ppf(0.975, len(d) - 1) * se
                low, high = est - half, est + half
                p = float(2 * stats.t.sf(abs(est / se), len(d) - 1))
    verdict = _old_verdicts(np.array([low]), np.array([high]), np.array([p]), direction)[0]
    return dict(old_estimate=est, old_low=low, old_high=high, old_p=p, old_verdict=verdict, old_n_pairs=len(a))


def before_after(study: Study, scores: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """One row per primary difference part and pair of the claims CSV: old beside new."""
    s = scores.copy()
    for col in ("protocol", "dataset", "model", "metric", "unit"):
        s[col] = s[col].astype(str).str.strip()
    for col in ("protocol", "dataset", "metric"):
        s[col] = s[col].str.lower()
    variant = next(v for v in study.variants if v.primary)
    parts = {p.claim: p for p in study.parts if p.kind == "difference" and p.pairs is None and not p.descriptive}
    new = claims[(claims["variant"] == variant.name) & claims["claim"].isin(parts) & claims["run"].astype(bool)]
    rows = []
    for _, r in new.iterrows():
        part, pair = parts[r["claim"]], (r["baseline"], r["treatment"])
        frame = _select(s, variant, part, pair)
        old = old_verdict(frame, pair, part.unit_keys, part.statistic, part.direction)
        rows.append(dict(claim=r["claim"], baseline=pair[0], treatment=pair[1], metric=r["metric"],
                         statistic=part.statistic, **old, new_estimate=r["our_diff"], new_low=r["ci_low"],
                         new_high=r["ci_high"], new_p_holm=r.get("p_holm"), new_verdict=r["verdict"],
                         estimand=r.get("estimand"),
                         changed=old["old_verdict"] != r["verdict"]))
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
