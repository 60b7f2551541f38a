"""Which model's score varies less across classes (S1's C3: sd across digits of per-class FID).

The statistic is the ratio sd_b / sd_a of the sd (ddof = 1) across classes of each model's
per-class mean score; null 1. Both tests need at least `min_classes` (default 8) classes: an
sd from fewer classes is too noisy to compare, and the old two-stage bootstrap, allowed 3
classes, said "holds" in a third of null runs.

- spread_seed_bootstrap (classes fixed, the primary reading for claims about these digits):
  seeds are resampled within each class, classes kept; residuals are inflated by
  sqrt(n/(n-1)) so that the bootstrap's seed variance is unbiased with few seeds. Percentile
  interval; p = 2 (count + 1) / (B + 1), never 0. Needs >= 2 seeds per class.
- spread_pitman_morgan (classes read as a random draw): Pitman-Morgan's test of equal
  variances of paired samples: the per-class means of the two models are paired by class,
  and var(X) = var(Y) exactly when X + Y and X - Y are uncorrelated; t with K - 2 df, and an
  exact interval for the ratio by inversion. Assumes bivariate normal class means. Works with
  one seed (the seed noise is then part of each class mean's draw).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
from scipy import special as sc

from qgen.stats.basic import bootstrap_pvalue
from qgen.stats.data import PairedScores
from qgen.stats.decisions import Margin, margin_bounds, min_detectable_effect, power_t, seeds_needed
from qgen.stats.estimators import NAN, ONE_SEED_NOTE, Estimate, _join, _units_text

SCALE_NOTE = "ratio sd_b / sd_a (null 1); mde is the ratio (> 1) detectable in either direction."


def _spread_estimand(data: PairedScores, reading: str) -> str:
    what = (f"ratio {data.model_b} / {data.model_a} of the sd across {data.unit_name}es of each model's "
            f"expected per-{data.unit_name} mean score")
    if reading == "fixed":
        return what + f"; these {data.unit_name}es fixed, error from seed replication"
    return what + f"; {data.unit_name}es read as a random draw (population variance of per-class means)"


def _too_few(data: PairedScores, reading: str, method: str, note: str, K: int, level: float, **kw) -> Estimate:
    return Estimate(_spread_estimand(data, reading), method, reading, "ratio", 1.0, kw.pop("estimate", NAN),
                    NAN, NAN, NAN, NAN, NAN, level, kw.pop("stat_a", NAN), kw.pop("stat_b", NAN), K,
                    kw.pop("n_seeds", 0), kw.pop("n_values", 0), decidable=False, note=note, **kw)


def _pm_t(x: np.ndarray, y: np.ndarray, psi: float) -> float:
    """Pitman-Morgan t for H0: sd(y) / sd(x) = psi (positive when the true ratio exceeds psi)."""
    u, v = y + psi * x, y - psi * x
    r = float(np.corrcoef(u, v)[0, 1])
    k = x.size
    if abs(r) >= 1:
        return math.copysign(math.inf, r)
    return r * math.sqrt(k - 2) / math.sqrt(1 - r * r)


def spread_pitman_morgan(
    data: PairedScores,
    *,
    level: float = 0.95,
    margin: Margin = None,
    alpha: Optional[float] = None,
    power: float = 0.8,
    target_ratio: Optional[float] = None,
    min_classes: int = 8,
) -> Estimate:
    """sd_b / sd_a across classes read as a random draw; Pitman-Morgan test and interval.

    Class means use every seed of each model (one seed is enough). `margin`: a ratio m > 1
    (equivalence within (1/m, m)) or explicit (lower, upper) ratios.
    """
    alpha = round(1 - level, 12) if alpha is None else alpha
    method = "Pitman-Morgan test of equal variances of per-class means paired by class (t, K - 2 df)"
    fa, fb = np.isfinite(data.a), np.isfinite(data.b)
    use = fa.any(axis=1) & fb.any(axis=1)
    note = data.note
    left_out = [data.units[i] for i in np.flatnonzero((fa | fb).any(axis=1) & ~use)]
    if left_out:
        note = _join(note, f"{len(left_out)} {data.unit_name}(es) without scores from both models left out: {left_out}.")
    K = int(use.sum())
    n_seeds = int((fa[use] | fb[use]).any(axis=0).sum()) if K else 0
    if K < max(min_classes, 3):
        return _too_few(data, "random", method, _join(note, f"undecided: {K} {data.unit_name}(es); a spread "
                        f"comparison needs at least {max(min_classes, 3)}."), K, level, n_seeds=n_seeds)
    x, y = np.nanmean(data.a[use], axis=1), np.nanmean(data.b[use], axis=1)
    sa, sb = float(x.std(ddof=1)), float(y.std(ddof=1))
    ratio = sb / sa if sa > 0 else NAN
    kw = dict(stat_a=sa, stat_b=sb, n_seeds=n_seeds, n_values=int(fa[use].sum() + fb[use].sum()))
    rho = float(np.corrcoef(x, y)[0, 1]) if sa > 0 and sb > 0 else NAN
    if not (sa > 0 and sb > 0) or abs(rho) >= 1:
        return _too_few(data, "random", method, _join(note, "undecided: zero spread or perfectly correlated class "
                        "means; the test is undefined."), K, level, estimate=ratio, **kw)
    df = float(K - 2)
    t0 = _pm_t(x, y, 1.0)
    p = float(2 * sc.stdtr(df, -abs(t0)))
    tc = float(sc.stdtrit(df, (1 + level) / 2))
    f = (sb / sa) ** 2
    kk = 1 + 2 * (1 - rho ** 2) * tc ** 2 / df
    low, high = math.sqrt(f * (kk - math.sqrt(kk ** 2 - 1))), math.sqrt(f * (kk + math.sqrt(kk ** 2 - 1)))
    bounds = margin_bounds(margin, "ratio")
    p_eq = NAN
    if bounds:
        p_eq = float(max(sc.stdtr(df, -_pm_t(x, y, bounds[0])), sc.stdtr(df, _pm_t(x, y, bounds[1]))))
    se_log = (math.log(high) - math.log(low)) / (2 * tc)  # the interval's width on the log scale, as an se
    target = NAN if target_ratio is None else float(target_ratio)
    note = _join(note, SCALE_NOTE, "Seeds needed: not projected; this spread's precision is set by the number "
                 "of classes.")
    return Estimate(
        _spread_estimand(data, "random") + f"; observed: {_units_text(tuple(np.array(data.units, dtype=object)[use]), data.unit_name)}",
        method, "random", "ratio", 1.0, ratio, low, high, p, se_log, df, level,
        sa, sb, K, kw["n_seeds"], kw["n_values"], decidable=True, note=note,
        margin_low=bounds[0] if bounds else NAN, margin_high=bounds[1] if bounds else NAN, p_equivalence=p_eq,
        alpha=alpha, power=power, mde=math.exp(min_detectable_effect(se_log, df, alpha, power)),
        target_effect=target, power_at_target=power_t(math.log(target), se_log, df, alpha) if target > 0 else NAN,
    )


def spread_seed_bootstrap(
    data: PairedScores,
    *,
    paired: bool = True,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    margin: Margin = None,
    alpha: Optional[float] = None,
    power: float = 0.8,
    target_ratio: Optional[float] = None,
    min_classes: int = 8,
    inflate: bool = True,
) -> Estimate:
    """sd_b / sd_a across these (fixed) classes; seeds-only bootstrap within each class.

    paired: resample seed indices jointly for both models (pairs missing a side dropped,
    counted); otherwise each model's seeds separately. Classes with fewer than 2 seeds are
    left out (named); with fewer than `min_classes` left: undecided.
    """
    alpha = round(1 - level, 12) if alpha is None else alpha
    method = (f"seeds-only bootstrap within classes ({n_boot} draws, "
              f"{'paired seeds' if paired else 'seeds per model'}{', residuals inflated by sqrt(n/(n-1))' if inflate else ''}); "
              "percentile interval, p = 2 (count + 1) / (B + 1)")
    a, b = data.a, data.b
    fa, fb = np.isfinite(a), np.isfinite(b)
    note = data.note
    if paired:
        valid_a = valid_b = fa & fb
        unpaired = int((fa ^ fb).sum())
        if unpaired:
            note = _join(note, f"{unpaired} score(s) without a matching seed of the other model dropped.")
    else:
        valid_a, valid_b = fa, fb
    n_a, n_b = valid_a.sum(axis=1), valid_b.sum(axis=1)
    use = (n_a >= 2) & (n_b >= 2)
    has_any = (fa | fb).any(axis=1)
    left_out = [data.units[i] for i in np.flatnonzero(has_any & ~use)]
    K = int(use.sum())
    if left_out:
        note = _join(note, f"{len(left_out)} {data.unit_name}(es) with fewer than 2 seeds left out: {left_out}.")
    if K == 0 and has_any.any():
        return _too_few(data, "fixed", method, _join(note, ONE_SEED_NOTE), 0, level)
    if K < max(min_classes, 3):
        return _too_few(data, "fixed", method, _join(note, f"undecided: {K} {data.unit_name}(es) with at least 2 "
                        f"seeds; a spread comparison needs at least {max(min_classes, 3)}."), K, level)
    rng = np.random.default_rng(seed)
    idx_units = np.flatnonzero(use)
    ma, mb = np.empty(K), np.empty(K)
    draws_a, draws_b = np.empty((n_boot, K)), np.empty((n_boot, K))
    for j, i in enumerate(idx_units):
        ya, yb = a[i][valid_a[i]], b[i][valid_b[i]]
        ma[j], mb[j] = ya.mean(), yb.mean()
        ka = math.sqrt(ya.size / (ya.size - 1)) if inflate else 1.0
        kb = math.sqrt(yb.size / (yb.size - 1)) if inflate else 1.0
        ia = rng.integers(0, ya.size, size=(n_boot, ya.size))
        ib = ia if paired else rng.integers(0, yb.size, size=(n_boot, yb.size))
        draws_a[:, j] = ma[j] + ka * (ya[ia].mean(axis=1) - ma[j])
        draws_b[:, j] = mb[j] + kb * (yb[ib].mean(axis=1) - mb[j])
    sa, sb = float(ma.std(ddof=1)), float(mb.std(ddof=1))
    n_seeds = int((valid_a[use] | valid_b[use]).any(axis=0).sum())
    kw = dict(stat_a=sa, stat_b=sb, n_seeds=n_seeds, n_values=int(n_a[use].sum() + n_b[use].sum()),
              seeds_per_class=tuple(int(x) for x in np.minimum(n_a, n_b)[use]))
    ratio = sb / sa if sa > 0 else NAN
    seed_var = float(np.sum((draws_a - ma) ** 2) + np.sum((draws_b - mb) ** 2))
    if not sa > 0 or seed_var == 0:
        why = "zero spread of model a across classes" if not sa > 0 else "no seed-to-seed variation in any class"
        return _too_few(data, "fixed", method, _join(note, f"undecided: {why}; the comparison is undefined."),
                        K, level, estimate=ratio, **kw)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = draws_b.std(axis=1, ddof=1) / draws_a.std(axis=1, ddof=1)
    bad = ~np.isfinite(r)
    if bad.any():
        note = _join(note, f"{int(bad.sum())} of {n_boot} bootstrap draws undefined (zero spread) and dropped.")
    r = r[~bad]
    q = (1 - level) / 2
    low, high = (float(v) for v in np.quantile(r, [q, 1 - q]))
    p = bootstrap_pvalue(r, 1.0)
    bounds = margin_bounds(margin, "ratio")
    p_eq = NAN
    if bounds:
        p_eq = float(max((np.sum(r <= bounds[0]) + 1) / (r.size + 1), (np.sum(r >= bounds[1]) + 1) / (r.size + 1)))
    se_log = float(np.log(r).std(ddof=1))
    n_bar = float(np.mean(np.minimum(n_a, n_b)[use]))
    target = NAN if target_ratio is None else float(target_ratio)
    tlog = math.log(target) if target > 0 else NAN
    need = seeds_needed(tlog, lambda n: se_log * math.sqrt(n_bar / n), lambda n: math.inf, alpha, power)
    units_used = tuple(np.array(data.units, dtype=object)[use])
    return Estimate(
        _spread_estimand(data, "fixed") + f" ({_units_text(units_used, data.unit_name)})",
        method, "fixed", "ratio", 1.0, ratio, low, high, p, se_log, math.inf, level,
        sa, sb, K, n_seeds, kw["n_values"], decidable=True,
        note=_join(note, SCALE_NOTE, "Observed sds include seed noise (sd^2 + seed var / n); nearly cancels in the "
                   "ratio when both models are equally noisy."),
        margin_low=bounds[0] if bounds else NAN, margin_high=bounds[1] if bounds else NAN, p_equivalence=p_eq,
        alpha=alpha, power=power, mde=math.exp(min_detectable_effect(se_log, math.inf, alpha, power)),
        target_effect=target, power_at_target=power_t(tlog, se_log, math.inf, alpha), seeds_needed=need,
        seeds_per_class=kw["seeds_per_class"],
    )
