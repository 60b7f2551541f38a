"""Simulated false-verdict rates and power: the old pipeline's tests beside the new ones.

    python -m qgen.stats.calibration              # 4000 repetitions per scenario
    python -m qgen.stats.calibration --reps 400   # a quick look

Each scenario simulates score tables (classes x seeds x two models) whose truth is known and
counts how often each method says "holds" (claim direction +1; -1 for C3's spread),
"does not hold", or, with a margin, "no meaningful difference". Under a true null of the
method's own estimand either directional verdict is false; its rate must stay at or under
the nominal level alpha within Monte Carlo error (3 standard errors). The old methods are
re-implemented here exactly as the pipeline ran them before (one paired t over all
(class, seed) pairs; C3's two-stage bootstrap with p = 2 min(share), no +1, and 3 classes
enough), so that the rates before and after come from the same draws.

Readings: a `fixed` null makes the mean over these classes of the true difference zero (the
class-by-model interaction is centred over the classes); a `random` null draws the
interaction afresh, so only its population mean is zero.

Everything runs on the estimators' own vectorised kernels (fixed_kernel, random_kernel,
the spread kernels) and the verdict map they feed (t_inference, decide_many); a test checks
that the kernels give the public functions' numbers.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Callable, Optional

import numpy as np
import pandas as pd
from scipy import special as sc

from qgen.stats.decisions import decide_many, holm, min_detectable_effect, power_t, t_inference
from qgen.stats.estimators import fixed_kernel, guarded_kappa, random_kernel, seed_blocked_kernel
from qgen.stats.spread import (
    bootstrap_ratio_inference,
    class_means,
    pitman_morgan_t,
    seed_bootstrap_ratios,
    spread_fixed_kernel,
)

ALPHA = 0.05
# a vectorised method: (a, b) of shape (R, K, S) -> (estimate, null, p, p_equivalence) arrays
BatchMethod = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float, np.ndarray, np.ndarray]]


def mc_bound(rate: float, reps: int, k: float = 3.0) -> float:
    """rate + k Monte Carlo standard errors: the most a calibrated method may show."""
    return rate + k * math.sqrt(rate * (1 - rate) / reps)


# ----------------------------------------------------------------------------- methods (batch)


def old_pooled_t(a: np.ndarray, b: np.ndarray):
    """Before: one paired t over all (class, seed) pairs, as if independent."""
    R = a.shape[0]
    k = fixed_kernel(a.reshape(R, 1, -1), b.reshape(R, 1, -1))
    p, *_ = t_inference(k["estimate"], k["se"], k["df"])
    return k["estimate"], 0.0, p, np.full(R, np.nan)


def fixed_method(paired: bool = True, pooled: bool = True, skew_guard: Optional[bool] = None,
                 margin: Optional[float] = None) -> BatchMethod:
    """fixed_classes, as the public function computes it."""
    def run(a, b):
        k = fixed_kernel(a, b, paired, pooled)
        bounds = None if margin is None else (-margin, margin)
        p, _, _, p_eq = t_inference(k["estimate"], k["se"], k["df"], 1 - ALPHA, guarded_kappa(k, skew_guard), bounds)
        return k["estimate"], 0.0, p, p_eq
    return run


def seed_blocked_method(paired: bool = True) -> BatchMethod:
    """fixed_classes when seeds are shared across classes: the t over per-seed means."""
    def run(a, b):
        k = seed_blocked_kernel(a, b, paired)
        p, *_ = t_inference(k["estimate"], k["se"], k["df"], 1 - ALPHA)
        return k["estimate"], 0.0, p, np.full(a.shape[0], np.nan)
    return run


def random_method(paired: bool = True, skew_guard: Optional[bool] = None) -> BatchMethod:
    """random_classes' t (with its skew guard unless switched off)."""
    def run(a, b):
        k = random_kernel(a, b, paired)
        p, *_ = t_inference(k["estimate"], k["se"], k["df"], 1 - ALPHA, guarded_kappa(k, skew_guard))
        return k["estimate"], 0.0, p, np.full(a.shape[0], np.nan)
    return run


def random_signflip(a: np.ndarray, b: np.ndarray):
    """random_classes' p_nonparametric: exact sign-flip over the per-class differences."""
    k = random_kernel(a, b)
    D = k["D"]
    if np.isnan(D).any():
        raise ValueError("the batch sign-flip needs every class used in every repetition")
    K = D.shape[-1]
    signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * K, indexing="ij")).reshape(K, -1).T
    stats = np.abs(D @ signs.T) / K
    obs = np.abs(D.mean(-1))
    p = np.mean(stats >= obs[:, None] - 1e-12 * np.maximum(1, np.abs(D).max(-1))[:, None], axis=1)
    return k["estimate"], 0.0, p, np.full(a.shape[0], np.nan)


MEAN_METHODS: dict[str, BatchMethod] = {
    "before: pooled (class, seed) t": old_pooled_t,
    "fixed_classes": fixed_method(),
    "fixed_classes, no skew guard": fixed_method(skew_guard=False),
    "fixed_classes, per-class variances": fixed_method(pooled=False),
    "fixed_classes, unpaired": fixed_method(paired=False),
    "fixed_classes, seed-blocked (seeds shared)": seed_blocked_method(),
    "random_classes": random_method(),
    "random_classes, no skew guard": random_method(skew_guard=False),
    "random_classes, sign-flip p": random_signflip,
}
# which null a method's estimand makes it answerable to; the old pooled t claims both
OWN_READING = {"before: pooled (class, seed) t": "both", "random_classes": "random",
               "random_classes, no skew guard": "random", "random_classes, sign-flip p": "random"}


def rates(method: BatchMethod, a: np.ndarray, b: np.ndarray, direction: int = 1) -> dict[str, float]:
    est, null, p, p_eq = method(a, b)
    v = decide_many(est, null, p, p_eq, direction, ALPHA)
    return {k: float(np.mean(v == k)) for k in ("holds", "does not hold", "no meaningful difference", "undecided")}


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
    seed_effect: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(a, b), each (reps, classes, seeds). a = class + noise; b = class + effect +
    interaction + noise. tau: sd of the class x model interaction in units of sigma;
    centre: make it sum to zero over the classes (the fixed-classes null). noise: "normal"
    (independent per model); "gamma1" (model b's seed noise right-skewed, skewness 2: a
    noisier model with a tail of bad runs); "exponential" / "lognormal" (the per-seed
    difference itself a centred skewed draw of sd sigma sqrt(2), skewness 2 / 6.2).
    hetero: ratio of the noisiest class's sigma to the quietest's. missing: share of scores
    deleted at random (unbalanced seeds). seed_effect: sd (in units of sigma) of a per-seed
    shift of model b common to every class: seeds shared across classes, as when a seed label
    fixed the initial weights of every class's run."""
    shape = (reps, n_classes, n_seeds)
    sd_c = sigma * np.exp(np.linspace(-0.5, 0.5, n_classes) * math.log(hetero))[None, :, None]
    cls = rng.normal(0.0, class_sd, size=(reps, n_classes, 1))
    gamma = rng.normal(0.0, tau * sigma, size=(reps, n_classes, 1))
    if centre:
        gamma = gamma - gamma.mean(axis=1, keepdims=True)
    a = cls + sd_c * rng.standard_normal(shape)
    if noise == "normal":
        b = cls + effect + gamma + sd_c * rng.standard_normal(shape)
    elif noise == "gamma1":
        b = cls + effect + gamma + sd_c * (rng.gamma(1.0, 1.0, size=shape) - 1.0)
    else:
        if noise == "exponential":
            z = rng.exponential(1.0, size=shape) - 1.0
        elif noise == "lognormal":
            z = (rng.lognormal(0.0, 1.0, size=shape) - math.exp(0.5)) / math.sqrt((math.e - 1) * math.e)
        else:
            raise ValueError(f"unknown noise {noise!r}")
        b = a + effect + gamma + sd_c * math.sqrt(2) * z
    if seed_effect:
        b = b + rng.normal(0.0, seed_effect * sigma, size=(reps, 1, n_seeds))
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


# ----------------------------------------------------------------------------- mean claims


MEAN_SCENARIOS = [
    # (name, reading whose null is true, simulate_means kwargs, in the fast set)
    ("independent pairs", "both", {}, True),
    ("clustered: interaction 0.5 x seed sd, classes random", "random", dict(tau=0.5), False),
    ("clustered: interaction 1 x seed sd, classes random", "random", dict(tau=1.0), True),
    ("clustered: interaction 2 x seed sd, classes random", "random", dict(tau=2.0), True),
    ("clustered: interaction 0.5 x seed sd, these classes", "fixed", dict(tau=0.5, centre=True), False),
    ("clustered: interaction 1 x seed sd, these classes", "fixed", dict(tau=1.0, centre=True), True),
    ("clustered: interaction 2 x seed sd, these classes", "fixed", dict(tau=2.0, centre=True), False),
    ("skewed: one model's seed noise gamma (skew 2), these classes", "fixed",
     dict(noise="gamma1", tau=1.0, centre=True), True),
    ("skewed: differences exponential (skew 2), these classes", "fixed",
     dict(noise="exponential", tau=1.0, centre=True), True),
    ("skewed: differences lognormal (skew 6.2), these classes", "fixed", dict(noise="lognormal"), False),
    ("skewed: differences exponential, classes random, 1 seed", "random",
     dict(noise="exponential", tau=1.0, n_seeds=1), True),
    ("unequal seed noise across classes (x4), these classes", "fixed", dict(hetero=4.0, tau=1.0, centre=True), False),
    # no interaction here: a class left out (< 2 complete pairs) changes "these classes", and
    # only with no interaction is the null then still true
    ("unbalanced: 20% of scores missing, 4 seeds", "both", dict(missing=0.2, n_seeds=4), True),
    # a seed label drawing the same streams in every class (qgen before per-unit seeding):
    # its effect moves all classes together and only a seed-blocked t sees it
    ("shared seeds: seed effect 0.5 x seed sd in every class, these classes", "fixed",
     dict(tau=1.0, centre=True, seed_effect=0.5), False),
    ("shared seeds: seed effect 1 x seed sd in every class, these classes", "fixed",
     dict(tau=1.0, centre=True, seed_effect=1.0), True),
    ("shared seeds: seed effect 1 x seed sd, 5 seeds, these classes", "fixed",
     dict(tau=1.0, centre=True, seed_effect=1.0, n_seeds=5), False),
]
SHARED_SEEDS = "shared seeds"  # scenarios only the seed-blocked t is valid for


def _answers(method: str, reading: str) -> bool:
    own = OWN_READING.get(method, "fixed")
    return own == "both" or reading == "both" or own == reading


def run_mean_nulls(reps: int, seed: int = 0, fast: bool = False) -> pd.DataFrame:
    """False-verdict rates of every mean method under each null its estimand answers to.

    The old pooled t is scored against both readings: it tested "quantum differs" with no
    estimand, and its rates are what they are under either truth."""
    rows = []
    for i, (name, reading, kw, in_fast) in enumerate(MEAN_SCENARIOS):
        if fast and not in_fast:
            continue
        a, b = simulate_means(np.random.default_rng([seed, i]), reps, **kw)
        for method, fn in MEAN_METHODS.items():
            if not _answers(method, reading) or (kw.get("n_seeds", 3) == 1 and method.startswith("fixed")):
                continue
            if method == "random_classes, sign-flip p" and kw.get("missing"):
                continue
            r = rates(fn, a, b)
            rows.append(dict(scenario=name, reading=reading, method=method, reps=reps, holds=r["holds"],
                             does_not_hold=r["does not hold"], false_rate=r["holds"] + r["does not hold"],
                             nominal=ALPHA, bound=mc_bound(ALPHA, reps)))
    return pd.DataFrame(rows)


def run_power(reps: int, seed: int = 0, n_classes: int = 10, n_seeds: int = 3) -> pd.DataFrame:
    """Power at the design's own minimum detectable effect (80% for the t by construction)
    on these classes with a class x model interaction (centred), old pooled t against the
    class-blocked t; and at the Holm level of a 7-part family."""
    se = math.sqrt(2.0 / (n_classes * n_seeds))  # seed sd 1 per model: a difference has variance 2
    df = n_classes * (n_seeds - 1)
    rows = []
    for j, (alpha, tau) in enumerate(((ALPHA, 1.0), (ALPHA, 2.0), (ALPHA / 7, 1.0))):
        effect = min_detectable_effect(se, df, alpha, 0.8)
        a, b = simulate_means(np.random.default_rng([seed, 99, j]), reps, n_classes=n_classes, n_seeds=n_seeds,
                              tau=tau, centre=True, effect=effect)
        for method in ("before: pooled (class, seed) t", "fixed_classes", "fixed_classes, no skew guard"):
            est, null, p, _ = MEAN_METHODS[method](a, b)
            hits = float(np.mean((p < alpha) & (est > 0)))
            rows.append(dict(scenario=f"effect {effect:.3f} = MDE at alpha {alpha:.4g}, interaction {tau}, these classes",
                             method=method, reps=reps, power=hits, expected_t=power_t(effect, se, df, alpha)))
    return pd.DataFrame(rows)


def run_equivalence(reps: int, seed: int = 0, margin: float = 0.5) -> pd.DataFrame:
    """TOST: false "no meaningful difference" with the true difference at the margin (nominal
    alpha), and how often that verdict comes when the true difference is 0 (its power)."""
    rows = []
    for j, effect in enumerate((margin, -margin, 0.0)):
        a, b = simulate_means(np.random.default_rng([seed, 200, j]), reps, n_seeds=5, tau=1.0, centre=True,
                              effect=effect)
        r = rates(fixed_method(margin=margin), a, b)
        rows.append(dict(scenario=f"true difference {effect:+.2f}, margin {margin}, 10 classes x 5 seeds",
                         method="fixed_classes + TOST", reps=reps, no_meaningful_difference=r["no meaningful difference"],
                         is_false=effect != 0, bound=mc_bound(ALPHA, reps)))
    return pd.DataFrame(rows)


def run_family(reps: int, seed: int = 0, n_parts: int = 7, margin: float = 0.3) -> pd.DataFrame:
    """Share of reports with at least one false verdict when no part has any difference:
    n_parts independent parts (10 classes x 3 seeds, no interaction, so every reading's null
    holds) per report: the old pooled t with no correction, fixed_classes with no
    correction, and fixed_classes with Holm across the parts (directional and TOST p)."""
    a, b = simulate_means(np.random.default_rng([seed, 500]), reps * n_parts)
    any_false = lambda v: float(np.mean(np.any((v == "holds") | (v == "does not hold"), axis=1)))  # noqa: E731
    est0, _, p0, _ = old_pooled_t(a, b)
    before = any_false(decide_many(est0.reshape(reps, n_parts), 0.0, p0.reshape(reps, n_parts), np.nan, 1, ALPHA))
    est, _, p, p_eq = fixed_method(margin=margin)(a, b)
    est, p, p_eq = est.reshape(reps, n_parts), p.reshape(reps, n_parts), p_eq.reshape(reps, n_parts)
    raw = any_false(decide_many(est, 0.0, p, np.nan, 1, ALPHA))
    groups = list(range(n_parts)) * 2
    adj = np.array([holm(np.concatenate([p[r], p_eq[r]]), groups) for r in range(reps)])
    holm_rate = any_false(decide_many(est, 0.0, adj[:, :n_parts], adj[:, n_parts:], 1, ALPHA))
    row = dict(scenario=f"{n_parts} null parts per report", reps=reps)
    return pd.DataFrame([
        dict(row, method="before: pooled t, no correction", any_false=before, expected=1 - (1 - ALPHA) ** n_parts,
             bound=float("nan")),
        dict(row, method="fixed_classes, no correction", any_false=raw, expected=float("nan"), bound=float("nan")),
        dict(row, method="fixed_classes, Holm across parts (directional + TOST p)", any_false=holm_rate,
             expected=float("nan"), bound=mc_bound(ALPHA, reps)),
    ])


# ----------------------------------------------------------------------------- spread (C3)


def old_two_stage_bootstrap(a: np.ndarray, b: np.ndarray, n_boot: int, rng: np.random.Generator):
    """Before: C3's bootstrap, batch version for complete tables (R, K, S): classes resampled
    with replacement, then paired seeds within each drawn class; sd_b - sd_a of the class
    means; draws with fewer than 2 distinct classes dropped; p = min(1, 2 min(share <= 0,
    share >= 0)), which can be 0. Returns (estimate, low, high, p); NaN with < 3 classes."""
    R, K, S = a.shape
    est = b.mean(-1).std(-1, ddof=1) - a.mean(-1).std(-1, ddof=1)
    if K < 3:
        nan = np.full(R, np.nan)
        return est, nan, nan, nan
    ci = rng.integers(0, K, size=(R, n_boot, K))
    si = rng.integers(0, S, size=(R, n_boot, K, S))
    rr = np.arange(R)[:, None, None, None]
    da = a[rr, ci[..., None], si].mean(-1)
    db = b[rr, ci[..., None], si].mean(-1)
    draws = db.std(-1, ddof=1) - da.std(-1, ddof=1)
    srt = np.sort(ci, axis=-1)
    distinct = 1 + (np.diff(srt, axis=-1) != 0).sum(-1)
    draws = np.where(distinct >= 2, draws, np.nan)
    ok = np.isfinite(draws)
    n = ok.sum(-1)
    below, above = (ok & (draws <= 0)).sum(-1) / n, (ok & (draws >= 0)).sum(-1) / n
    p = np.minimum(1.0, 2 * np.minimum(below, above))
    low, high = np.nanquantile(draws, 0.025, axis=-1), np.nanquantile(draws, 0.975, axis=-1)
    return est, low, high, p


def old_verdicts(low, high, p, direction: int) -> np.ndarray:
    """The old map: significant and the interval on one side of 0."""
    out = np.full(np.shape(p), "undecided", dtype=object)
    sig = np.isfinite(p) & (p < ALPHA) & np.isfinite(low) & np.isfinite(high)
    out[sig & (direction * low > 0) & (direction * high > 0)] = "holds"
    out[sig & (direction * low < 0) & (direction * high < 0)] = "does not hold"
    return out


def _chunked(fn: Callable, a: np.ndarray, b: np.ndarray, *args, size: int = 250):
    """fn over the batch in chunks (bootstraps hold R x B x K x S index arrays)."""
    parts = [fn(a[i:i + size], b[i:i + size], *args) for i in range(0, a.shape[0], size)]
    return tuple(np.concatenate([np.atleast_1d(part[j]) for part in parts]) for j in range(len(parts[0])))


def pitman_morgan_batch(a: np.ndarray, b: np.ndarray, min_classes: int = 8):
    x, y, use = class_means(a, b)
    K = use.sum(-1)
    t = pitman_morgan_t(x, y, use)
    p = np.where(K >= max(min_classes, 3), 2 * sc.stdtr(np.maximum(K - 2, 1), -np.abs(t)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.nanstd(y, -1, ddof=1) / np.nanstd(x, -1, ddof=1)
    return ratio, p


def spread_fixed_batch(a: np.ndarray, b: np.ndarray, min_classes: int = 8):
    k = spread_fixed_kernel(a, b)
    p = 2 * sc.stdtr(k["df"], -np.abs(k["log_ratio"]) / k["se"])
    return np.exp(k["log_ratio"]), np.where(k["n_classes"] >= max(min_classes, 3), p, np.nan)


def seed_bootstrap_batch(a: np.ndarray, b: np.ndarray, n_boot: int, rng: np.random.Generator,
                         min_classes: int = 8):
    ratio, draws, _, _ = seed_bootstrap_ratios(a, b, True, n_boot, rng)
    p, *_ = bootstrap_ratio_inference(draws)
    return ratio, np.where(a.shape[1] >= max(min_classes, 3), p, np.nan)


SPREAD_SCENARIOS = [
    ("classes random, K=10, 1 seed", "random", dict(n_classes=10, n_seeds=1), True),
    ("classes random, K=10, 3 seeds", "random", dict(n_classes=10, n_seeds=3), False),
    ("classes random, K=3, 1 seed", "random", dict(n_classes=3, n_seeds=1), True),
    ("classes random, K=3, 3 seeds", "random", dict(n_classes=3, n_seeds=3), False),
    ("these classes, K=10, 3 seeds, seed sd 5", "fixed", dict(n_classes=10, n_seeds=3), True),
    ("these classes, K=10, 2 seeds, seed sd 15", "fixed", dict(n_classes=10, n_seeds=2, sigma=15.0), True),
    ("these classes, K=10, 5 seeds, seed sd 15", "fixed", dict(n_classes=10, n_seeds=5, sigma=15.0), False),
]


def run_spread_nulls(reps: int, seed: int = 0, n_boot: int = 400, fast: bool = False,
                     cross_check: bool = True) -> pd.DataFrame:
    """C3 (direction -1): false verdicts of the old two-stage bootstrap, Pitman-Morgan
    (random classes), spread_fixed_classes and, with cross_check, the seeds-only bootstrap
    (these classes), each under its null."""
    rows = []
    for i, (name, reading, kw, in_fast) in enumerate(SPREAD_SCENARIOS):
        if fast and not in_fast:
            continue
        rng = np.random.default_rng([seed, 300, i])
        a, b = simulate_spread(rng, reps, reading=reading, **kw)
        verdicts = {}
        if reading == "random" or not fast:
            _, lo, hi, p = _chunked(old_two_stage_bootstrap, a, b, n_boot, rng)
            verdicts["before: two-stage bootstrap"] = old_verdicts(lo, hi, p, -1)
        if reading == "random":
            ratio, p = pitman_morgan_batch(a, b)
            verdicts["spread_pitman_morgan"] = decide_many(ratio, 1.0, p, np.nan, -1, ALPHA)
        if reading == "fixed" and kw["n_seeds"] >= 2:
            ratio, p = spread_fixed_batch(a, b)
            verdicts["spread_fixed_classes"] = decide_many(ratio, 1.0, p, np.nan, -1, ALPHA)
            if cross_check:
                ratio, p = _chunked(seed_bootstrap_batch, a, b, n_boot, rng)
                verdicts["spread_seed_bootstrap (cross-check)"] = decide_many(ratio, 1.0, p, np.nan, -1, ALPHA)
        for method, v in verdicts.items():
            rows.append(dict(scenario=name, reading=reading, method=method, reps=reps,
                             holds=float(np.mean(v == "holds")), does_not_hold=float(np.mean(v == "does not hold")),
                             false_rate=float(np.mean((v == "holds") | (v == "does not hold"))),
                             nominal=ALPHA, bound=mc_bound(ALPHA, reps)))
    return pd.DataFrame(rows)


def run_spread_power(reps: int, seed: int = 0, n_boot: int = 400, ratio: float = 0.7) -> pd.DataFrame:
    """How often a true sd ratio `ratio` (quantum's spread 30% lower) is found."""
    rows = []
    for i, (reading, kw) in enumerate((("random", dict(n_classes=10, n_seeds=1)),
                                       ("fixed", dict(n_classes=10, n_seeds=3, sigma=15.0)))):
        rng = np.random.default_rng([seed, 400, i])
        a, b = simulate_spread(rng, reps, ratio=ratio, reading=reading, **kw)
        if reading == "random":
            est, p = pitman_morgan_batch(a, b)
            method = "spread_pitman_morgan"
        else:
            est, p = spread_fixed_batch(a, b)
            method = "spread_fixed_classes"
            e2, p2 = _chunked(seed_bootstrap_batch, a, b, n_boot, rng)
            v2 = decide_many(e2, 1.0, p2, np.nan, -1, ALPHA)
            rows.append(dict(scenario=f"sd ratio {ratio}, {reading} classes, K=10, {kw['n_seeds']} seed(s)",
                             method="spread_seed_bootstrap (cross-check)", reps=reps, power=float(np.mean(v2 == "holds"))))
        v = decide_many(est, 1.0, p, np.nan, -1, ALPHA)
        rows.append(dict(scenario=f"sd ratio {ratio}, {reading} classes, K=10, {kw['n_seeds']} seed(s)",
                         method=method, reps=reps, power=float(np.mean(v == "holds"))))
    return pd.DataFrame(rows)


def run_all(reps: int = 4000, seed: int = 0, n_boot: int = 400, fast: bool = False) -> dict[str, pd.DataFrame]:
    spread_reps = reps if fast else max(reps // 2, 200)
    return {
        "mean claims: false verdicts under nulls": run_mean_nulls(reps, seed, fast),
        "mean claims: power": run_power(reps, seed),
        "equivalence (TOST)": run_equivalence(reps, seed),
        "spread (C3): false verdicts under nulls": run_spread_nulls(spread_reps, seed, n_boot, fast),
        "spread (C3): power": run_spread_power(spread_reps, seed, n_boot),
        "family of claim parts": run_family(reps, seed),
    }


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description="Simulated false-verdict rates and power, before and after.")
    ap.add_argument("--reps", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-boot", type=int, default=400)
    ap.add_argument("--fast", action="store_true", help="only the scenarios the fast test uses")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    for title, df in run_all(args.reps, args.seed, args.n_boot, args.fast).items():
        print(f"\n## {title}\n")
        print(df.to_markdown(index=False, floatfmt=".4g"))
    print(f"\n({time.perf_counter() - t0:.1f} s, reps={args.reps}, seed={args.seed}, n_boot={args.n_boot})")


if __name__ == "__main__":
    main()
