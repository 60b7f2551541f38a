"""Simulated false-verdict rates and power: the old pipeline's tests beside the new ones.

    python -m qgen.stats.calibration            # 2000 repetitions per scenario, a few minutes
    python -m qgen.stats.calibration --reps 300 # quick look

Each scenario simulates score tables (classes x seeds x two models) whose truth is known and
counts how often each method says "holds" (claim direction +1), "does not hold", or, with a
margin, "no meaningful difference". Under a true null of the method's own estimand any of
those is a false verdict; its rate must stay at or under the nominal level (alpha; alpha / 2
per direction) within Monte Carlo error. The old methods are re-implemented here exactly as
the pipeline ran them before (one paired t over all (class, seed) pairs; C3's two-stage
bootstrap with p = 2 min(share) and no minimum beyond 3 classes), so that the rates before
and after can be measured on the same draws.

Readings: `fixed` nulls make the mean over these classes of the true difference zero (the
class-by-model interaction is centred over the classes); `random` nulls draw the interaction
afresh, so only its population mean is zero.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pandas as pd

from qgen.stats.basic import paired_comparison
from qgen.stats.data import PairedScores
from qgen.stats.decisions import decide, min_detectable_effect, power_t
from qgen.stats.engine import adjust_family
from qgen.stats.estimators import fixed_classes, random_classes
from qgen.stats.spread import spread_pitman_morgan, spread_seed_bootstrap

ALPHA = 0.05


@dataclass(frozen=True)
class Outcome:
    """What a method says about one simulated table (enough to form a verdict)."""

    estimate: float
    null: float
    p: float
    p_equivalence: float = float("nan")
    decidable: bool = True


Method = Callable[[PairedScores], Outcome]


def _from_estimate(e) -> Outcome:
    return Outcome(e.estimate, e.null, e.p, e.p_equivalence, e.decidable)


# ----------------------------------------------------------------------------- old methods


def old_pooled_t(data: PairedScores) -> Outcome:
    """Before: one paired t over all (class, seed) pairs, as if independent."""
    pc = paired_comparison(data.a.ravel(), data.b.ravel())
    return Outcome(pc.mean_diff, 0.0, pc.p_t, decidable=bool(np.isfinite(pc.p_t)))


def old_two_stage_bootstrap(data: PairedScores, n_boot: int = 1000, seed: int = 0) -> tuple[float, float, float, float]:
    """Before: C3's bootstrap (classes resampled, then paired seeds within each drawn class);
    sd_b - sd_a across class means; returns (estimate, low, high, p) with the old
    p = min(1, 2 min(share <= 0, share >= 0)), which can be 0. Needs >= 3 classes."""
    keep = np.isfinite(data.a) & np.isfinite(data.b)
    classes = [i for i in range(data.n_units) if keep[i].any()]
    k = len(classes)
    ma = np.array([data.a[i][keep[i]].mean() for i in classes])
    mb = np.array([data.b[i][keep[i]].mean() for i in classes])
    est = float(mb.std(ddof=1) - ma.std(ddof=1)) if k > 1 else float("nan")
    if k < 3:
        return est, float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    n_seeds = keep.sum(axis=1)
    if np.all(n_seeds[classes] == n_seeds[classes[0]]):  # balanced: vectorised
        s = int(n_seeds[classes[0]])
        A = np.array([data.a[i][keep[i]] for i in classes])
        B = np.array([data.b[i][keep[i]] for i in classes])
        ci = rng.integers(0, k, size=(n_boot, k))
        si = rng.integers(0, s, size=(n_boot, k, s))
        da = A[ci[..., None], si].mean(axis=2)
        db = B[ci[..., None], si].mean(axis=2)
        draws = db.std(axis=1, ddof=1) - da.std(axis=1, ddof=1)
        unique = np.array([np.unique(row).size for row in ci])
        draws[unique < 2] = np.nan
    else:  # pragma: no cover - the scenarios here are balanced
        raise NotImplementedError("old_two_stage_bootstrap simulation needs balanced seeds")
    draws = draws[~np.isnan(draws)]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    p = float(min(1.0, 2 * min(np.mean(draws <= 0), np.mean(draws >= 0))))
    return est, float(lo), float(hi), p


def _old_verdict(est_low: float, est_high: float, p: float, direction: int) -> str:
    """The old map: significant and the interval on one side of 0."""
    if any(np.isnan(v) for v in (est_low, est_high, p)) or p >= ALPHA:
        return "undecided"
    if direction * est_low > 0 and direction * est_high > 0:
        return "holds"
    if direction * est_low < 0 and direction * est_high < 0:
        return "does not hold"
    return "undecided"


# ----------------------------------------------------------------------------- simulations


def simulate_means(
    rng: np.random.Generator,
    reps: int,
    n_classes: int = 10,
    n_seeds: int = 3,
    sigma: float = 1.0,
    tau: float = 0.0,
    effect: float = 0.0,
    centre: bool = False,
    noise: str = "normal",
    hetero: float = 1.0,
    missing: float = 0.0,
    class_sd: float = 5.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(a, b), each (reps, classes, seeds). a = class + noise; b = class + effect +
    interaction + noise. tau: sd of the class x model interaction in units of sigma;
    centre: make it sum to zero over the classes (the fixed-classes null). noise "normal"
    (independent per model), "exponential"/"lognormal" (the per-seed difference itself is a
    centred skewed draw of sd sigma * sqrt(2)). hetero: ratio of the noisiest class's sigma to
    the quietest's. missing: share of scores deleted at random (unbalanced seeds)."""
    shape = (reps, n_classes, n_seeds)
    sd_c = sigma * np.exp(np.linspace(-0.5, 0.5, n_classes) * math.log(hetero))[None, :, None]
    cls = rng.normal(0.0, class_sd, size=(reps, n_classes, 1))
    gamma = rng.normal(0.0, tau * sigma, size=(reps, n_classes, 1))
    if centre:
        gamma = gamma - gamma.mean(axis=1, keepdims=True)
    a = cls + sd_c * rng.standard_normal(shape)
    if noise == "normal":
        b = cls + effect + gamma + sd_c * rng.standard_normal(shape)  # noise independent of a's
    else:
        if noise == "exponential":
            z = rng.exponential(1.0, size=shape) - 1.0
        elif noise == "lognormal":
            z = (rng.lognormal(0.0, 1.0, size=shape) - math.exp(0.5)) / math.sqrt((math.e - 1) * math.e)
        else:
            raise ValueError(f"unknown noise {noise!r}")
        b = a + effect + gamma + sd_c * math.sqrt(2) * z
    if missing:
        a = np.where(rng.random(shape) < missing, np.nan, a)
        b = np.where(rng.random(shape) < missing, np.nan, b)
    return a, b


def simulate_spread(
    rng: np.random.Generator,
    reps: int,
    n_classes: int = 10,
    n_seeds: int = 3,
    sigma: float = 5.0,
    class_sd: float = 35.0,
    rho: float = 0.8,
    ratio: float = 1.0,
    reading: str = "random",
) -> tuple[np.ndarray, np.ndarray]:
    """Per-class FID-like scores whose class means have sd class_sd (model a) and
    ratio * class_sd (model b), correlated rho across models, plus seed noise sigma.
    reading "random": class means drawn afresh each repetition (Pitman-Morgan's null);
    "fixed": one set of class means for all repetitions, model b's a permutation of model a's
    (so the two sds over these classes are exactly equal when ratio = 1)."""
    shape = (reps, n_classes, n_seeds)
    if reading == "random":
        z0, z1, z2 = (rng.standard_normal((reps, n_classes, 1)) for _ in range(3))
        mu_a = 270 + class_sd * (math.sqrt(rho) * z0 + math.sqrt(1 - rho) * z1)
        mu_b = 260 + ratio * class_sd * (math.sqrt(rho) * z0 + math.sqrt(1 - rho) * z2)
    else:
        base = np.random.default_rng(12345).standard_normal(n_classes)
        base = (base - base.mean()) / base.std(ddof=1)
        perm = np.roll(np.arange(n_classes), 1)
        mu_a = np.broadcast_to((270 + class_sd * base)[None, :, None], (reps, n_classes, 1))
        mu_b = np.broadcast_to((260 + ratio * class_sd * base[perm])[None, :, None], (reps, n_classes, 1))
    return mu_a + sigma * rng.standard_normal(shape), mu_b + sigma * rng.standard_normal(shape)


def verdict_rates(method: Method, a: np.ndarray, b: np.ndarray, direction: int = 1) -> dict:
    """Share of repetitions with each verdict."""
    counts = {"holds": 0, "does not hold": 0, "no meaningful difference": 0, "undecided": 0}
    for i in range(a.shape[0]):
        o = method(PairedScores.from_arrays(a[i], b[i]))
        counts[decide(o.estimate, o.null, o.p, o.p_equivalence, direction, ALPHA, o.decidable)] += 1
    return {k: v / a.shape[0] for k, v in counts.items()}


def mc_bound(rate: float, reps: int, k: float = 3.0) -> float:
    """rate + k Monte Carlo standard errors: the most a calibrated method may show."""
    return rate + k * math.sqrt(rate * (1 - rate) / reps)


# ----------------------------------------------------------------------------- scenarios

MEAN_METHODS: dict[str, Method] = {
    "before: pooled (class, seed) t": old_pooled_t,
    "fixed_classes": lambda d: _from_estimate(fixed_classes(d)),
    "fixed_classes (per-class variances)": lambda d: _from_estimate(fixed_classes(d, pooled=False)),
    "fixed_classes (unpaired)": lambda d: _from_estimate(fixed_classes(d, paired=False)),
    "random_classes (t)": lambda d: _from_estimate(random_classes(d)),
    "random_classes (sign-flip)": lambda d: (lambda e: Outcome(e.estimate, 0.0, e.p_nonparametric,
                                                                decidable=e.decidable))(random_classes(d)),
}
# which estimand's null each scenario makes true; a method is judged only where its own null holds
READING_OF = {"before: pooled (class, seed) t": "both", "random_classes (t)": "random",
              "random_classes (sign-flip)": "random"}


def mean_scenarios(fast: bool = True) -> list[dict]:
    """Null scenarios for mean claims: K = 10 classes x 3 seeds, seed noise sd 1."""
    out = [dict(name="independent pairs", reading="both", kw={})]
    for tau in (0.5, 1.0, 2.0):
        out.append(dict(name=f"clustered, interaction {tau} x seed sd, classes random", reading="random",
                        kw=dict(tau=tau)))
        out.append(dict(name=f"clustered, interaction {tau} x seed sd, these classes", reading="fixed",
                        kw=dict(tau=tau, centre=True)))
    out.append(dict(name="skewed differences (exponential), interaction 1, these classes", reading="fixed",
                    kw=dict(noise="exponential", tau=1.0, centre=True)))
    out.append(dict(name="skewed differences (lognormal), these classes", reading="fixed",
                    kw=dict(noise="lognormal")))
    out.append(dict(name="skewed differences (exponential), classes random, 1 seed", reading="random",
                    kw=dict(noise="exponential", tau=1.0, n_seeds=1)))
    out.append(dict(name="unequal seed noise across classes (x4), these classes", reading="fixed",
                    kw=dict(hetero=4.0, tau=1.0, centre=True)))
    out.append(dict(name="unbalanced: 20% of scores missing, these classes", reading="fixed",
                    kw=dict(missing=0.2, tau=1.0, centre=True, n_seeds=4)))
    if fast:
        keep = {"independent pairs", "clustered, interaction 1.0 x seed sd, classes random",
                "clustered, interaction 2.0 x seed sd, classes random",
                "clustered, interaction 1.0 x seed sd, these classes",
                "skewed differences (exponential), interaction 1, these classes",
                "skewed differences (exponential), classes random, 1 seed",
                "unbalanced: 20% of scores missing, these classes"}
        out = [s for s in out if s["name"] in keep]
    return out


def _applies(method: str, reading: str) -> bool:
    own = READING_OF.get(method, "fixed")
    return own == "both" or reading == "both" or own == reading


def run_mean_nulls(reps: int, seed: int = 0, fast: bool = True, methods: Optional[list[str]] = None) -> pd.DataFrame:
    """False-verdict rates of every mean method under every null scenario it applies to.

    The old pooled t is scored against both readings: it claims to test "quantum differs on
    these classes" but its rates are what they are under either truth."""
    rows = []
    for i, sc in enumerate(mean_scenarios(fast)):
        rng = np.random.default_rng([seed, i])
        a, b = simulate_means(rng, reps, **sc["kw"])
        for name, method in MEAN_METHODS.items():
            if methods is not None and name not in methods:
                continue
            if not _applies(name, sc["reading"]):
                continue
            if sc["kw"].get("n_seeds", 3) == 1 and name.startswith("fixed"):
                continue
            r = verdict_rates(method, a, b)
            rows.append(dict(scenario=sc["name"], reading=sc["reading"], method=name, reps=reps,
                             holds=r["holds"], does_not_hold=r["does not hold"], undecided=r["undecided"],
                             false_rate=r["holds"] + r["does not hold"], nominal=ALPHA,
                             bound=mc_bound(ALPHA, reps), bound_per_side=mc_bound(ALPHA / 2, reps)))
    return pd.DataFrame(rows)


def run_power(reps: int, seed: int = 0, tau: float = 1.0, n_classes: int = 10, n_seeds: int = 3) -> pd.DataFrame:
    """Power at the fixed-classes design's own minimum detectable effect (80% by construction)
    on these classes (centred interaction tau), for the old pooled t and the class-blocked t."""
    se = math.sqrt(2.0 / (n_classes * n_seeds))  # seed sd 1 per model: a difference has variance 2
    df = n_classes * (n_seeds - 1)
    effect = min_detectable_effect(se, df, ALPHA, 0.8)
    rng = np.random.default_rng([seed, 99])
    a, b = simulate_means(rng, reps, n_classes=n_classes, n_seeds=n_seeds, tau=tau, centre=True, effect=effect)
    rows = []
    for name in ("before: pooled (class, seed) t", "fixed_classes"):
        r = verdict_rates(MEAN_METHODS[name], a, b)
        rows.append(dict(scenario=f"effect {effect:.3f} (MDE), interaction {tau}, these classes", method=name,
                         reps=reps, power=r["holds"], expected=power_t(effect, se, df, ALPHA),
                         low_bound=0.8 - 3 * math.sqrt(0.16 / reps), effect=effect))
    return pd.DataFrame(rows)


def run_equivalence(reps: int, seed: int = 0, margin: float = 0.5) -> pd.DataFrame:
    """TOST: false "no meaningful difference" rate with the true difference at the margin
    (nominal alpha), and the rate of that verdict when the true difference is 0 (its power)."""
    rows = []
    for j, effect in enumerate((margin, -margin, 0.0)):
        rng = np.random.default_rng([seed, 200 + j])
        a, b = simulate_means(rng, reps, n_seeds=5, tau=1.0, centre=True, effect=effect)
        r = verdict_rates(lambda d: _from_estimate(fixed_classes(d, margin=margin)), a, b)
        rows.append(dict(scenario=f"true difference {effect:+.2f}, margin {margin}", method="fixed_classes + TOST",
                         reps=reps, no_meaningful_difference=r["no meaningful difference"],
                         false=effect != 0, bound=mc_bound(ALPHA, reps)))
    return pd.DataFrame(rows)


def run_spread_nulls(reps: int, seed: int = 0, n_boot: int = 500, fast: bool = True) -> pd.DataFrame:
    """C3: false verdicts of the old two-stage bootstrap, Pitman-Morgan and the seeds-only bootstrap."""
    scen = [
        ("random classes, K=10, 1 seed", "random", dict(n_classes=10, n_seeds=1)),
        ("random classes, K=3, 1 seed", "random", dict(n_classes=3, n_seeds=1)),
        ("random classes, K=3, 3 seeds", "random", dict(n_classes=3, n_seeds=3)),
        ("random classes, K=10, 3 seeds", "random", dict(n_classes=10, n_seeds=3)),
        ("these classes, K=10, 3 seeds", "fixed", dict(n_classes=10, n_seeds=3)),
        ("these classes, K=10, 2 seeds, seed sd 15", "fixed", dict(n_classes=10, n_seeds=2, sigma=15.0)),
        ("these classes, K=10, 5 seeds, seed sd 15", "fixed", dict(n_classes=10, n_seeds=5, sigma=15.0)),
    ]
    if fast:
        scen = [s for s in scen if s[0] in {"random classes, K=10, 1 seed", "random classes, K=3, 1 seed",
                                            "these classes, K=10, 3 seeds",
                                            "these classes, K=10, 2 seeds, seed sd 15"}]
    rows = []
    for i, (name, reading, kw) in enumerate(scen):
        rng = np.random.default_rng([seed, 300 + i])
        a, b = simulate_spread(rng, reps, reading=reading, **kw)
        counts: dict[str, list[str]] = {"before: two-stage bootstrap": []}
        if reading == "random":
            counts["spread_pitman_morgan"] = []
        if kw["n_seeds"] >= 2 and reading == "fixed":
            counts["spread_seed_bootstrap"] = []
        for r in range(reps):
            data = PairedScores.from_arrays(a[r], b[r])
            est, lo, hi, p = old_two_stage_bootstrap(data, n_boot, seed=r)
            counts["before: two-stage bootstrap"].append(_old_verdict(lo, hi, p, -1))
            if "spread_pitman_morgan" in counts:
                e = spread_pitman_morgan(data)
                counts["spread_pitman_morgan"].append(decide(e.estimate, 1.0, e.p, np.nan, -1, ALPHA, e.decidable))
            if "spread_seed_bootstrap" in counts:
                e = spread_seed_bootstrap(data, n_boot=n_boot, seed=r)
                counts["spread_seed_bootstrap"].append(decide(e.estimate, 1.0, e.p, np.nan, -1, ALPHA, e.decidable))
        for method, verdicts in counts.items():
            v = np.array(verdicts)
            rows.append(dict(scenario=name, reading=reading, method=method, reps=reps,
                             holds=float(np.mean(v == "holds")), does_not_hold=float(np.mean(v == "does not hold")),
                             undecided=float(np.mean(v == "undecided")),
                             false_rate=float(np.mean((v == "holds") | (v == "does not hold"))),
                             nominal=ALPHA, bound=mc_bound(ALPHA, reps)))
    return pd.DataFrame(rows)


def run_spread_power(reps: int, seed: int = 0, n_boot: int = 500, ratio: float = 0.7) -> pd.DataFrame:
    """How often a true sd ratio `ratio` is found (C3's direction, -1)."""
    rows = []
    for i, (reading, kw) in enumerate((("random", dict(n_classes=10, n_seeds=1, rho=0.8)),
                                       ("fixed", dict(n_classes=10, n_seeds=3, sigma=15.0)))):
        rng = np.random.default_rng([seed, 400 + i])
        a, b = simulate_spread(rng, reps, ratio=ratio, reading=reading, **kw)
        fn = (lambda d, r: spread_pitman_morgan(d)) if reading == "random" else (
            lambda d, r: spread_seed_bootstrap(d, n_boot=n_boot, seed=r))
        hits = 0
        for r in range(reps):
            e = fn(PairedScores.from_arrays(a[r], b[r]), r)
            hits += decide(e.estimate, 1.0, e.p, np.nan, -1, ALPHA, e.decidable) == "holds"
        rows.append(dict(scenario=f"sd ratio {ratio}, {reading} classes, K=10, {kw['n_seeds']} seed(s)",
                         method="spread_pitman_morgan" if reading == "random" else "spread_seed_bootstrap",
                         reps=reps, power=hits / reps))
    return pd.DataFrame(rows)


def run_family(reps: int, seed: int = 0, n_parts: int = 7) -> pd.DataFrame:
    """Share of reports with at least one false verdict when no part has a difference:
    n_parts independent fixed-classes parts (10 classes x 3 seeds), with and without Holm."""
    rng = np.random.default_rng([seed, 500])
    a, b = simulate_means(rng, reps * n_parts, tau=1.0, centre=True)
    any_raw = any_holm = 0
    for r in range(reps):
        recs = []
        for j in range(n_parts):
            e = fixed_classes(PairedScores.from_arrays(a[r * n_parts + j], b[r * n_parts + j]), margin=0.3)
            recs.append(dict(estimate=e.estimate, null=e.null, p=e.p, p_equivalence=e.p_equivalence,
                             direction=1, decidable=e.decidable))
        raw = [decide(x["estimate"], 0.0, x["p"], np.nan, 1, ALPHA) for x in recs]
        adj = [x["verdict"] for x in adjust_family(recs, ALPHA)]
        any_raw += any(v in ("holds", "does not hold") for v in raw)
        any_holm += any(v in ("holds", "does not hold") for v in adj)
    return pd.DataFrame([
        dict(scenario=f"{n_parts} null parts per report", method="before: no correction", reps=reps,
             any_false=any_raw / reps, expected=1 - (1 - ALPHA) ** n_parts),
        dict(scenario=f"{n_parts} null parts per report", method="Holm across parts (with TOST groups)", reps=reps,
             any_false=any_holm / reps, expected=float("nan")),
    ])


def run_all(reps: int = 2000, seed: int = 0, n_boot: int = 500, fast: bool = False) -> dict[str, pd.DataFrame]:
    return {
        "mean claims, null": run_mean_nulls(reps, seed, fast),
        "mean claims, power": run_power(reps, seed),
        "equivalence": run_equivalence(reps, seed),
        "spread (C3), null": run_spread_nulls(reps, seed, n_boot, fast),
        "spread (C3), power": run_spread_power(max(reps // 2, 100), seed, n_boot),
        "family of claim parts": run_family(max(reps // 2, 100), seed),
    }


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-boot", type=int, default=500)
    ap.add_argument("--fast", action="store_true", help="only the scenarios the fast test uses")
    args = ap.parse_args(argv)
    for title, df in run_all(args.reps, args.seed, args.n_boot, args.fast).items():
        print(f"\n## {title}\n")
        print(df.to_markdown(index=False, floatfmt=".4g"))


if __name__ == "__main__":
    main()
