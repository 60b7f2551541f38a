"""Verdicts on the S1 claims C1-C5 (SPEC.md) from a tidy table of scores.

Input columns: protocol, dataset, class, model, seed, n_train, metric, value; model is
classical or quantum; n_train NA means the full training set. Every comparison is quantum
minus classical, paired by (class, seed) (C5 also by n_train), so class difficulty cancels.

Verdicts: "holds" when the 95% interval of the difference lies on the claimed side of 0 and
p < alpha; "does not hold" when it lies on the opposite side with p < alpha; otherwise
"undecided" (interval covers 0, too few pairs, or no data; the note says which). "Undecided"
is not evidence for equality: see the interval width.

C3 (spread of FID across digits) compares std over classes of the per-class mean FID. Its
interval is a two-stage percentile bootstrap: classes resampled with replacement (the same
classes for both models), then seeds within each drawn class (paired). Resampling classes
asks whether the ordering would survive a different draw of digit-like classes; it keeps the
interval defined with a single seed (the paper protocol's case) and is conservative.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from qgen.stats import bootstrap_draws, bootstrap_pvalue, paired_comparison, percentile_interval

PathLike = Union[str, Path]
COLUMNS = ["protocol", "dataset", "class", "model", "seed", "n_train", "metric", "value"]
VERDICTS = ("holds", "does not hold", "undecided")


@dataclass(frozen=True)
class ClaimPart:
    """One testable comparison: `direction` +1 means the claim says quantum is higher."""

    claim: str
    statement: str
    dataset: str
    metric: str  # "ssim" or "fid": mapped to the table's metric names by evaluate_claims
    statistic: str  # "mean" or "std_across_classes"
    direction: int
    low_data: bool = False


PARTS = (
    ClaimPart("C1", "quantum has the higher mean SSIM on MNIST", "mnist", "ssim", "mean", +1),
    ClaimPart("C2", "quantum has the lower mean FID on MNIST", "mnist", "fid", "mean", -1),
    ClaimPart("C3", "quantum has the lower spread (sd across digits) of FID on MNIST", "mnist", "fid",
              "std_across_classes", -1),
    ClaimPart("C4a", "PathMNIST: quantum has the better (lower) FID", "pathmnist", "fid", "mean", -1),
    ClaimPart("C4b", "PathMNIST: quantum has the worse (lower) SSIM", "pathmnist", "ssim", "mean", -1),
    ClaimPart("C5a", "< 100 training images: quantum has the higher SSIM", "mnist", "ssim", "mean", +1, True),
    ClaimPart("C5b", "< 100 training images: quantum has the lower FID", "mnist", "fid", "mean", -1, True),
)
COMBINED = {
    "C4": ("PathMNIST: quantum better FID but worse SSIM", ("C4a", "C4b")),
    "C5": ("with fewer than 100 training images quantum generates better images", ("C5a", "C5b")),
}
ORDER = ["C1", "C2", "C3", "C4a", "C4b", "C4", "C5a", "C5b", "C5"]


# ----------------------------------------------------------------------------- paper tables


def _read_csv(path: Path) -> Optional[pd.DataFrame]:
    return pd.read_csv(path) if path.is_file() else None


def paper_values(paper_dir: PathLike) -> dict[str, tuple[float, float]]:
    """(classical, quantum) as published for each claim part; absent parts have no entry."""
    paper_dir = Path(paper_dir)
    out: dict[str, tuple[float, float]] = {}
    t1 = _read_csv(paper_dir / "chen2025_table1_mnist.csv")
    if t1 is not None:
        t1 = t1.assign(metric=t1["metric"].str.lower(), cls=t1["class"].astype(str))

        def get(metric: str, cls: str) -> tuple[float, float]:
            rows = t1[(t1.metric == metric) & (t1.cls == cls)].set_index("model")["value"]
            return float(rows.get("classical", np.nan)), float(rows.get("quantum", np.nan))

        out["C1"], out["C2"], out["C3"] = get("ssim", "avg"), get("fid", "avg"), get("fid", "std")
    t2 = _read_csv(paper_dir / "chen2025_table2_pathmnist.csv")
    if t2 is not None:
        t2 = t2.assign(metric=t2["metric"].str.lower())
        for part, metric in (("C4a", "fid"), ("C4b", "ssim")):
            rows = t2[t2.metric == metric].set_index("model")["value"]
            out[part] = (float(rows.get("classical", np.nan)), float(rows.get("quantum", np.nan)))
    return out


def published_scores(paper_dir: PathLike, include_later_code: bool = True) -> pd.DataFrame:
    """The published per-class numbers as a tidy score table (one seed, full training set).

    protocol "published" holds Tables I and II; "authors_later_code" the later evaluation in
    the authors' repository. Running evaluate_claims on it asks whether the paper's own
    numbers support its claims once classes are paired and sampling error is counted.
    """
    paper_dir = Path(paper_dir)
    frames = []
    for name, dataset in (("chen2025_table1_mnist.csv", "mnist"), ("chen2025_table2_pathmnist.csv", "pathmnist")):
        t = _read_csv(paper_dir / name)
        if t is not None:
            t = t[~t["class"].astype(str).isin(["avg", "std"])]
            frames.append(t.assign(protocol="published", dataset=dataset, metric=t["metric"].str.lower()))
    later = _read_csv(paper_dir / "chen2025_authors_later_code_metrics.csv") if include_later_code else None
    if later is not None:
        long = later.melt(id_vars=["model", "class"], value_vars=["FID", "SSIM"], var_name="metric")
        frames.append(long.assign(protocol="authors_later_code", dataset="mnist", metric=long["metric"].str.lower()))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    df["class"] = df["class"].astype(int)
    df["seed"] = 0
    df["n_train"] = pd.NA
    return df[COLUMNS].reset_index(drop=True)


# ----------------------------------------------------------------------------- evaluation


def _verdict(low: float, high: float, p: float, direction: int, alpha: float) -> str:
    if any(np.isnan(v) for v in (low, high, p)) or p >= alpha:
        return "undecided"
    if direction * low > 0 and direction * high > 0:
        return "holds"
    if direction * low < 0 and direction * high < 0:
        return "does not hold"
    return "undecided"


def _select(scores: pd.DataFrame, protocol: str, part: ClaimPart, metric: str, threshold: int) -> pd.DataFrame:
    s = scores[(scores.protocol == protocol) & (scores.dataset == part.dataset) & (scores.metric == metric)]
    n_train = pd.to_numeric(s["n_train"], errors="coerce")
    return s[(n_train < threshold)] if part.low_data else s[n_train.isna()]


def _paired_table(sub: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows = units (keys), columns classical/quantum; duplicate scores are averaged."""
    wide = sub.pivot_table(index=keys, columns="model", values="value", aggfunc="mean")
    return wide.reindex(columns=["classical", "quantum"])


def _std_diff_draw(per_class: dict, rng: np.random.Generator) -> float:
    """One two-stage bootstrap draw of sd_quantum - sd_classical across class means."""
    classes = list(per_class)
    drawn = [classes[i] for i in rng.integers(0, len(classes), len(classes))]
    means = []
    for c in drawn:
        pairs = per_class[c]  # (seeds, 2) classical, quantum
        means.append(pairs[rng.integers(0, len(pairs), len(pairs))].mean(axis=0))
    m = np.array(means)
    if len(np.unique(drawn)) < 2:
        return float("nan")
    return float(m[:, 1].std(ddof=1) - m[:, 0].std(ddof=1))


def _evaluate_part(
    scores: pd.DataFrame, protocol: str, part: ClaimPart, metric: str, opts: dict
) -> dict:
    row = dict(claim=part.claim, protocol=protocol, statement=part.statement, metric=metric, statistic=part.statistic)
    nan = float("nan")
    row.update(our_classical=nan, our_quantum=nan, our_diff=nan, ci_low=nan, ci_high=nan, p_value=nan,
               p_nonparametric=nan, test="", n=0, verdict="undecided", note="")
    sub = _select(scores, protocol, part, metric, opts["low_data_threshold"])
    scope = f"dataset {part.dataset}, metric {metric}" + (
        f", n_train < {opts['low_data_threshold']}" if part.low_data else ", full training set (n_train NA)"
    )
    missing = [m for m in ("classical", "quantum") if m not in set(sub["model"])]
    if missing:
        row["note"] = f"no scores from model(s) {' and '.join(missing)} for {scope} under protocol {protocol}."
        return row
    keys = ["class", "seed"] + (["n_train"] if part.low_data else [])
    wide = _paired_table(sub, keys)
    complete = wide.dropna()
    dropped = len(wide) - len(complete)
    n_classes = complete.index.get_level_values("class").nunique()
    n_seeds = complete.index.get_level_values("seed").nunique()
    note = f"pairs: {len(complete)} ({n_classes} class(es) x {n_seeds} seed(s)). " + (
        f"{dropped} unpaired unit(s) dropped. " if dropped else ""
    )
    if part.statistic == "mean":
        pc = paired_comparison(complete["classical"], complete["quantum"], opts["level"], seed=opts["seed"])
        row.update(our_classical=pc.mean_a, our_quantum=pc.mean_b, our_diff=pc.mean_diff, ci_low=pc.low,
                   ci_high=pc.high, p_value=pc.p_t, p_nonparametric=pc.p_signflip, n=pc.n,
                   test="paired t (CI, p); sign-flip permutation (p_nonparametric)")
        note += pc.note
    else:
        class_means = complete.groupby(level="class").mean()
        row.update(our_classical=float(class_means["classical"].std(ddof=1)),
                   our_quantum=float(class_means["quantum"].std(ddof=1)), n=n_classes,
                   test=f"two-stage percentile bootstrap ({opts['n_boot']} draws)")
        row["our_diff"] = row["our_quantum"] - row["our_classical"]
        if n_classes >= 3:
            per_class = {c: g.to_numpy() for c, g in complete.groupby(level="class")}
            draws = bootstrap_draws(
                lambda rng: _std_diff_draw(per_class, rng), opts["n_boot"], opts["seed"]
            )
            row["ci_low"], row["ci_high"] = percentile_interval(draws, opts["level"])
            row["p_value"] = bootstrap_pvalue(draws)
        else:
            note += "fewer than 3 classes: no interval for a spread across classes. "
    row["verdict"] = _verdict(row["ci_low"], row["ci_high"], row["p_value"], part.direction, opts["alpha"])
    row["note"] = note.strip()
    return row


def _combine(claim: str, statement: str, parts: list[dict], protocol: str) -> dict:
    verdicts = [p["verdict"] for p in parts]
    if all(v == "holds" for v in verdicts):
        verdict = "holds"
    elif any(v == "does not hold" for v in verdicts):
        verdict = "does not hold"
    else:
        verdict = "undecided"
    note = "; ".join(f"{p['claim']} {p['verdict']}" for p in parts) + "."
    row = {k: (np.nan if isinstance(v, float) else v) for k, v in parts[0].items()}
    row.update(claim=claim, protocol=protocol, statement=statement, metric="ssim+fid", statistic="both parts",
               test="all parts must hold", n=min(p["n"] for p in parts), verdict=verdict, note=note)
    return row


def evaluate_claims(
    scores: pd.DataFrame,
    paper_dir: Optional[PathLike] = None,
    protocols: Optional[list[str]] = None,
    alpha: float = 0.05,
    level: float = 0.95,
    n_boot: int = 5000,
    seed: int = 0,
    ssim_metric: str = "ssim",
    fid_metric: str = "fid",
    low_data_threshold: int = 100,
) -> pd.DataFrame:
    """One row per claim (part) and protocol, in the order C1, C2, C3, C4a, C4b, C4, C5a, C5b, C5.

    `ssim_metric`/`fid_metric` name the table's metrics to test (e.g. "ssim_nearest" for the
    standard protocol's nearest-real SSIM). Paper values come from `paper_dir` (NaN without it).
    """
    missing_cols = set(COLUMNS) - set(scores.columns)
    if missing_cols:
        raise ValueError(f"score table lacks columns {sorted(missing_cols)}; expected {COLUMNS}")
    s = scores.copy()
    for col in ("protocol", "dataset", "model", "metric"):
        s[col] = s[col].astype(str).str.strip().str.lower()
    s["value"] = pd.to_numeric(s["value"], errors="coerce")
    protocols = protocols if protocols is not None else (sorted(s["protocol"].unique()) or ["standard"])
    published = paper_values(paper_dir) if paper_dir is not None else {}
    opts = dict(alpha=alpha, level=level, n_boot=n_boot, seed=seed, low_data_threshold=low_data_threshold)
    metric_name = {"ssim": ssim_metric.lower(), "fid": fid_metric.lower()}
    rows: list[dict] = []
    for protocol in protocols:
        done = {p.claim: _evaluate_part(s, protocol, p, metric_name[p.metric], opts) for p in PARTS}
        for claim, (statement, part_ids) in COMBINED.items():
            done[claim] = _combine(claim, statement, [done[i] for i in part_ids], protocol)
        rows.extend(done[c] for c in ORDER)
    out = pd.DataFrame(rows)
    paper = out["claim"].map(lambda c: published.get(c, (np.nan, np.nan)))
    out.insert(5, "paper_classical", [p[0] for p in paper])
    out.insert(6, "paper_quantum", [p[1] for p in paper])
    out.insert(7, "paper_diff", out["paper_quantum"] - out["paper_classical"])
    no_paper = out["claim"].isin(["C5a", "C5b", "C5"])
    out.loc[no_paper, "note"] = out.loc[no_paper, "note"].map(
        lambda n: (n + " " if n else "") + "Paper gives no numbers for C5 (abstract claim only)."
    )
    return out


# ----------------------------------------------------------------------------- rendering


def _fmt(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    if isinstance(x, (float, np.floating)):
        return f"{x:.4g}"
    return str(x)


def claims_markdown(df: pd.DataFrame) -> str:
    """A Markdown table of evaluate_claims' output (differences are quantum - classical)."""
    header = ("| Claim | Protocol | Statement | Paper c / q | Ours c / q | Diff q-c [95% CI] | p | n "
              "| Verdict | Note |")
    lines = [header, "|---" * 10 + "|"]
    for r in df.itertuples(index=False):
        ci = f"{_fmt(r.our_diff)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
        cells = [r.claim, r.protocol, r.statement, f"{_fmt(r.paper_classical)} / {_fmt(r.paper_quantum)}",
                 f"{_fmt(r.our_classical)} / {_fmt(r.our_quantum)}", ci, _fmt(r.p_value), _fmt(r.n),
                 f"**{r.verdict}**", r.note]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
