"""Differences between two models with an explicit estimand and unit of replication.

Three readings of a score table of (unit x seed) values for models a and b (difference b - a):

- fixed_classes: the claim is about these classes (MNIST's ten digits). Estimand: the mean
  over these classes, with equal weights, of each class's expected difference. The classes
  are not resampled, so the only noise is seed to seed; it is estimated from the replication
  of seeds within each class (pooled across classes, df = sum(n_c - 1)). One seed cannot
  separate a model difference from noise: undecided. A test that pools all (class, seed)
  pairs as independent mixes class-by-model interaction into its noise: too conservative for
  this estimand, too liberal for the next. When the seeds are shared across classes (one seed
  label drew the same initial weights, order and noise in every class: PairedScores.shared_seeds,
  read from the runs' run_seed), a seed's effect moves every class at once and the within-class
  variance cannot see it: the error then comes from per-seed means over the classes
  (seed-blocked t, df = S - 1).
- random_classes: the classes are read as a draw from a population of classes. Estimand: the
  expected difference for a new class. One-sample t over per-class mean differences
  (df = K - 1), which counts the class-by-model interaction as noise, as it must; a sign-flip
  p over classes is reported beside it. Works with one seed.
- single_unit: one model trained on all classes (S2, S3): replication is over seeds only.
  Paired by seed (one-sample t on per-seed differences) when the two models share what the
  seed draws (data subset, data order, noise): that removes the shared noise. Otherwise
  Welch's t over seeds (unequal variances: quantum runs are often noisier).

Skew guard: the t test errs in one direction when the differences are skewed (the
studentized mean is skewed the other way): 7% false verdicts at 10 x 3 exponential
differences, 11% lognormal. With skew_guard, p = max(p_t, p_Hall), where Hall's (1992)
transformation corrects the t statistic for the estimated skewness; the verdict then needs
both, which is valid if either is. It costs power when few differences inform the skewness
(about 2 points at 10 x 3, 20 at 3-5 seeds), so by default ("auto") it applies when at least
10 differences are averaged and the third moment is estimable (3 seeds in some class).

The arithmetic lives in vectorised kernels (fixed_kernel, random_kernel) over a leading
batch axis, so the calibration simulations run the same code as the verdicts.

Each returns an Estimate with the estimate, its interval and the p that matches it, the
equivalence p against a margin, the minimum detectable effect at the run's seeds, the seeds
needed for a target effect, and a note that counts every value it dropped.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

from qgen.stats.basic import sign_flip_pvalue
from qgen.stats.data import PairedScores
from qgen.stats.decisions import Margin, margin_bounds, min_detectable_effect, power_t, seeds_needed, t_inference

NAN = float("nan")
ONE_SEED_NOTE = "undecided: one seed cannot separate model from noise."
ZERO_VARIANCE_NOTE = "undecided: zero variance (all differences equal), the noise cannot be estimated."
SKEW_AUTO_MIN = 10  # differences averaged before the automatic skew guard applies


@dataclass(frozen=True)
class Estimate:
    """One comparison of model b with model a. `p` is two-sided for estimate == null and
    matches the interval (the interval excludes the null exactly when p < 1 - level)."""

    estimand: str
    method: str
    reading: str  # "fixed", "random", "single"
    scale: str  # "difference" (b - a, null 0) or "ratio" (b / a, null 1)
    null: float
    estimate: float
    low: float
    high: float
    p: float
    se: float
    df: float
    level: float
    stat_a: float  # the statistic for model a alone (mean, or sd across classes)
    stat_b: float
    n_classes: int  # units used
    n_seeds: int  # distinct seeds used
    n_values: int  # pairs (paired) or values (unpaired) used
    decidable: bool  # False: "undecided" whatever the p (one seed, zero variance, too few classes)
    note: str
    p_nonparametric: float = NAN  # sign-flip over classes (random reading)
    margin_low: float = NAN
    margin_high: float = NAN
    p_equivalence: float = NAN  # TOST against (margin_low, margin_high)
    alpha: float = 0.05
    power: float = 0.8
    mde: float = NAN  # minimum detectable |effect| at these seeds (same scale as estimate)
    target_effect: float = NAN
    power_at_target: float = NAN
    seeds_needed: float = NAN  # seeds per unit and model to detect target_effect (inf: not reachable)
    sd_seed: float = NAN  # per-seed sd of one difference (paired) or sqrt(s_a^2 + s_b^2) (unpaired)
    sd_interaction: float = NAN  # class-to-class sd of the true differences (random reading)
    skewness: float = NAN  # estimated skewness of the estimate (NaN: not estimated)
    skew_guard: bool = False  # whether p and the interval are guarded against skew
    seeds_per_class: tuple = ()

    def as_dict(self) -> dict:
        return asdict(self)


def plural(name: str) -> str:
    """How a note names several units: 'classes', '(class, n_train) units', 'units'."""
    if "/" in name:
        return "(" + ", ".join(name.split("/")) + ") units"
    return name + ("es" if name.endswith(("s", "x", "ch", "sh")) else "s")


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _units_text(units: tuple, unit_name: str, k_max: int = 12) -> str:
    shown = ", ".join(str(u) for u in units[:k_max]) + (", ..." if len(units) > k_max else "")
    return f"{len(units)} {unit_name}(s) [{shown}]"


# ----------------------------------------------------------------------------- kernels


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)


def fixed_kernel(a: np.ndarray, b: np.ndarray, paired: bool = True, pooled: bool = True) -> dict[str, np.ndarray]:
    """Class-blocked difference over (..., classes, seeds) arrays; NaN = missing.

    Classes with fewer than 2 seeds (2 complete pairs if paired, 2 values per model if not)
    are left out. Returns arrays over the batch axes: estimate, se, df, kappa (skewness of the
    estimate; paired only), n_classes, n_values, n_diffs, stat_a, stat_b, s2 (per-seed
    variance of a difference; unpaired: s_a^2 + s_b^2), s2_a, s2_b, use (classes used)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    fa, fb = np.isfinite(a), np.isfinite(b)
    out: dict[str, np.ndarray] = {}
    if paired:
        valid = fa & fb
        n = valid.sum(-1)
        use = n >= 2
        m = valid & use[..., None]
        nn = np.where(use, n, 0).astype(float)
        K = use.sum(-1).astype(float)
        d = np.where(m, np.where(m, b, 0.0) - np.where(m, a, 0.0), 0.0)
        D = _div(d.sum(-1), nn)
        est = _div(np.where(use, D, 0.0).sum(-1), K)
        r = np.where(m, d - np.where(use, D, 0.0)[..., None], 0.0)
        ss = (r ** 2).sum(-1)
        inv = _div(np.ones_like(nn), nn)
        inv = np.where(use, inv, 0.0)
        df_pool = (nn - use).sum(-1)
        s2 = _div(ss.sum(-1), df_pool)
        if pooled:
            df = df_pool
            se = np.sqrt(s2 * inv.sum(-1)) / np.where(K > 0, K, np.nan)
        else:
            v = np.where(use, _div(ss, (nn - 1) * nn), 0.0)
            vs = v.sum(-1)
            se = np.sqrt(vs) / np.where(K > 0, K, np.nan)
            df = _div(vs ** 2, np.where(use, _div(v ** 2, nn - 1), 0.0).sum(-1))
        m3den = np.where(use, _div((nn - 1) * (nn - 2), nn), 0.0).sum(-1)
        mu3 = _div((r ** 3).sum((-2, -1)), m3den)
        sw2, sw3 = _div(inv.sum(-1), K ** 2), _div((inv ** 2).sum(-1), K ** 3)
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = np.where((m3den > 0) & (s2 > 0), mu3 * sw3 / (s2 * sw2) ** 1.5, np.nan)
        out.update(kappa=kappa, n_values=nn.sum(-1), n_diffs=nn.sum(-1), s2=s2, s2_a=np.full(s2.shape, np.nan),
                   s2_b=np.full(s2.shape, np.nan))
        out["stat_a"] = _div(np.where(use, _div(np.where(m, a, 0.0).sum(-1), nn), 0.0).sum(-1), K)
        out["stat_b"] = _div(np.where(use, _div(np.where(m, b, 0.0).sum(-1), nn), 0.0).sum(-1), K)
    else:
        na, nb = fa.sum(-1), fb.sum(-1)
        use = (na >= 2) & (nb >= 2)
        K = use.sum(-1).astype(float)
        na_, nb_ = np.where(use, na, 0).astype(float), np.where(use, nb, 0).astype(float)
        ma, mb = _div(np.where(fa, a, 0.0).sum(-1), na_), _div(np.where(fb, b, 0.0).sum(-1), nb_)
        ssa = np.where(fa & use[..., None], (np.where(fa, a, 0.0) - np.where(use, ma, 0.0)[..., None]) ** 2, 0.0).sum(-1)
        ssb = np.where(fb & use[..., None], (np.where(fb, b, 0.0) - np.where(use, mb, 0.0)[..., None]) ** 2, 0.0).sum(-1)
        stat_a = _div(np.where(use, ma, 0.0).sum(-1), K)
        stat_b = _div(np.where(use, mb, 0.0).sum(-1), K)
        est = stat_b - stat_a
        ia, ib = np.where(use, _div(np.ones_like(na_), na_), 0.0), np.where(use, _div(np.ones_like(nb_), nb_), 0.0)
        dfa, dfb = (na_ - use).sum(-1), (nb_ - use).sum(-1)
        s2a, s2b = _div(ssa.sum(-1), dfa), _div(ssb.sum(-1), dfb)
        if pooled:
            va, vb = s2a * _div(ia.sum(-1), K ** 2), s2b * _div(ib.sum(-1), K ** 2)
            se = np.sqrt(va + vb)
            df = _div((va + vb) ** 2, _div(va ** 2, dfa) + _div(vb ** 2, dfb))
        else:
            ca = np.where(use, _div(ssa, (na_ - 1) * na_), 0.0) / np.where(K > 0, K, np.nan)[..., None] ** 2
            cb = np.where(use, _div(ssb, (nb_ - 1) * nb_), 0.0) / np.where(K > 0, K, np.nan)[..., None] ** 2
            tot = ca.sum(-1) + cb.sum(-1)
            se = np.sqrt(tot)
            df = _div(tot ** 2, np.where(use, _div(ca ** 2, na_ - 1) + _div(cb ** 2, nb_ - 1), 0.0).sum(-1))
        out.update(kappa=np.full(est.shape, np.nan), n_values=na_.sum(-1) + nb_.sum(-1),
                   n_diffs=np.minimum(na_, nb_).sum(-1), s2=s2a + s2b, s2_a=s2a, s2_b=s2b, stat_a=stat_a, stat_b=stat_b)
    out.update(estimate=est, se=se, df=df, n_classes=K, use=use)
    return out


def random_kernel(a: np.ndarray, b: np.ndarray, paired: bool = True) -> dict[str, np.ndarray]:
    """Per-class mean differences over (..., classes, seeds) arrays and their one-sample t.

    Returns estimate, se, df (K - 1), kappa (skewness of the mean of K class differences,
    K >= 3), n_classes, n_values, stat_a, stat_b, s2 (within-class per-seed variance of a
    difference, NaN without replication), D (per-class differences, NaN where unused), use."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    fa, fb = np.isfinite(a), np.isfinite(b)
    if paired:
        valid = fa & fb
        n = valid.sum(-1)
        use = n >= 1
        nn = np.where(use, n, 0).astype(float)
        A = _div(np.where(valid, a, 0.0).sum(-1), nn)
        B = _div(np.where(valid, b, 0.0).sum(-1), nn)
        D = B - A
        rep = use & (n >= 2)
        r = np.where(valid & rep[..., None], np.where(valid, b - a, 0.0) - np.where(rep, D, 0.0)[..., None], 0.0)
        s2 = _div((r ** 2).sum((-2, -1)), np.where(rep, nn - 1, 0.0).sum(-1))
        n_values = nn.sum(-1)
    else:
        na, nb = fa.sum(-1), fb.sum(-1)
        use = (na >= 1) & (nb >= 1)
        nn = np.where(use, np.minimum(na, nb), 0).astype(float)
        A = _div(np.where(fa, a, 0.0).sum(-1), np.where(use, na, 0).astype(float))
        B = _div(np.where(fb, b, 0.0).sum(-1), np.where(use, nb, 0).astype(float))
        D = B - A
        with np.errstate(invalid="ignore", divide="ignore"):
            va = np.nanvar(np.where(fa & use[..., None], a, np.nan), axis=-1, ddof=1)
            vb = np.nanvar(np.where(fb & use[..., None], b, np.nan), axis=-1, ddof=1)
        ok = np.isfinite(va) & np.isfinite(vb)
        s2 = _div(np.where(ok, va + vb, 0.0).sum(-1), ok.sum(-1).astype(float))
        n_values = np.where(use, na + nb, 0).sum(-1).astype(float)
    K = use.sum(-1).astype(float)
    Du = np.where(use, D, 0.0)
    est = _div(Du.sum(-1), K)
    dev = np.where(use, D - est[..., None], 0.0)
    var = _div((dev ** 2).sum(-1), K - 1)
    se = np.sqrt(_div(var, K))
    g1 = _div(K * (dev ** 3).sum(-1), (K - 1) * (K - 2) * var ** 1.5)
    kappa = np.where(K >= 3, _div(g1, np.sqrt(K)), np.nan)
    return dict(estimate=est, se=se, df=K - 1, kappa=kappa, n_classes=K, n_values=n_values,
                n_diffs=K, stat_a=_div(np.where(use, A, 0.0).sum(-1), K), stat_b=_div(np.where(use, B, 0.0).sum(-1), K),
                s2=s2, var=var, D=np.where(use, D, np.nan), use=use)


def guarded_kappa(kernel: dict[str, np.ndarray], skew_guard: Optional[bool]) -> np.ndarray | None:
    """The kappa to guard with: None (no guard), or the kernel's kappa where it applies
    ("auto" = None: at least SKEW_AUTO_MIN differences averaged)."""
    if skew_guard is False:
        return None
    kappa = np.asarray(kernel["kappa"], dtype=float)
    if skew_guard is None:
        kappa = np.where(np.asarray(kernel["n_diffs"]) >= SKEW_AUTO_MIN, kappa, np.nan)
    return kappa


# ----------------------------------------------------------------------------- results


def _undecided(reading: str, estimand: str, method: str, note: str, level: float, **kw) -> Estimate:
    base = dict(estimate=NAN, stat_a=NAN, stat_b=NAN, n_classes=0, n_seeds=0, n_values=0)
    base.update(kw)
    return Estimate(estimand, method, reading, "difference", 0.0, base.pop("estimate"), NAN, NAN, NAN, NAN, NAN,
                    level, decidable=False, note=note, **base)


def _finish(
    reading: str,
    estimand: str,
    method: str,
    est: float,
    se: float,
    df: float,
    kappa: Optional[float],
    level: float,
    margin: Margin,
    alpha: Optional[float],
    power: float,
    target_effect: Optional[float],
    se_at,
    df_at,
    note: str,
    **kw,
) -> Estimate:
    """Interval, p, equivalence and power for a t-based estimate (kappa: skew guard, or None)."""
    alpha = round(1 - level, 12) if alpha is None else alpha
    df = float(df)
    if not (se > 0) or not np.isfinite(se):
        return Estimate(estimand, method, reading, "difference", 0.0, est, NAN, NAN, NAN, se, df, level,
                        decidable=False, note=_join(note, ZERO_VARIANCE_NOTE), alpha=alpha, power=power, **kw)
    bounds = margin_bounds(margin)
    guarded = kappa is not None and bool(np.isfinite(kappa))
    p, low, high, p_eq = (float(x) for x in t_inference(est, se, df, level, kappa if guarded else None, bounds))
    if guarded:
        method += f"; skew guard (p = max of t and Hall's skew-corrected t; estimate skewness {kappa:.2f})"
    if kw.get("skewness") is not None and np.isfinite(kw["skewness"]) and abs(kw["skewness"]) > 0.2 and not guarded:
        note = _join(note, f"the differences look skewed (skewness of the estimate {kw['skewness']:.2f}): the t "
                           "p may be too small in one direction; skew_guard=True guards it.")
    target = NAN if target_effect is None else float(target_effect)
    need = seeds_needed(target, se_at, df_at, alpha, power) if se_at is not None else NAN
    return Estimate(
        estimand, method, reading, "difference", 0.0, est, low, high, p, se, df, level,
        decidable=True, note=note,
        margin_low=bounds[0] if bounds else NAN, margin_high=bounds[1] if bounds else NAN, p_equivalence=p_eq,
        alpha=alpha, power=power, mde=min_detectable_effect(se, df, alpha, power), target_effect=target,
        power_at_target=power_t(target, se, df, alpha), seeds_needed=need, skew_guard=guarded, **kw,
    )


def _point_only(data: PairedScores, paired: bool) -> dict:
    """The point estimate when its error cannot be estimated (one seed): still worth showing."""
    fa, fb = np.isfinite(data.a), np.isfinite(data.b)
    both = fa & fb if paired else (fa | fb)
    if not both.any():
        return {}
    mean_a = np.nanmean(np.where(both, data.a, np.nan), axis=1)
    mean_b = np.nanmean(np.where(both, data.b, np.nan), axis=1)
    with np.errstate(invalid="ignore"):
        return dict(stat_a=float(np.nanmean(mean_a)), stat_b=float(np.nanmean(mean_b)),
                    estimate=float(np.nanmean(mean_b - mean_a)), n_classes=int(both.any(axis=1).sum()),
                    n_seeds=int(both.any(axis=0).sum()), n_values=int(both.sum()))


def _unpaired_drops(data: PairedScores) -> int:
    fa, fb = np.isfinite(data.a), np.isfinite(data.b)
    return int((fa ^ fb).sum())


def fixed_classes(
    data: PairedScores,
    *,
    paired: bool = True,
    pooled: bool = True,
    level: float = 0.95,
    margin: Margin = None,
    alpha: Optional[float] = None,
    power: float = 0.8,
    target_effect: Optional[float] = None,
    skew_guard: Optional[bool] = None,
) -> Estimate:
    """b - a averaged over these classes (equal weights), error from seed replication only.

    paired: differences per (class, seed), for models that share what the seed draws (or
    simply to block on seed); pairs missing a side are dropped and counted. Unpaired: each
    model's per-class mean from all its seeds, variances per model (Welch-Satterthwaite df).
    pooled: one seed variance for all classes (df = sum(n_c - 1), exact if the seed noise is
    the same in every class); pooled=False uses each class's own variance with
    Satterthwaite's df (robust to classes of unequal noise, fewer df).
    Classes with fewer than 2 seeds are left out (named in the note): they cannot show
    their own noise. With no class left: undecided, "one seed cannot separate model from
    noise". skew_guard: None (auto), True or False; see the module doc.
    """
    return _fixed(data, "fixed", paired, pooled, level, margin, alpha, power, target_effect, skew_guard)


def single_unit(
    data: PairedScores,
    *,
    paired: bool = True,
    level: float = 0.95,
    margin: Margin = None,
    alpha: Optional[float] = None,
    power: float = 0.8,
    target_effect: Optional[float] = None,
    skew_guard: Optional[bool] = None,
) -> Estimate:
    """b - a for one unit (one model on all classes) replicated over seeds.

    paired=True: one-sample t on per-seed differences (seeds shared by both models);
    paired=False: Welch's t. Needs at least 2 seeds per model; otherwise undecided.
    """
    if data.n_units != 1:
        raise ValueError(f"single_unit needs exactly one unit, got {data.n_units}; use fixed_classes or random_classes")
    return _fixed(data, "single", paired, True, level, margin, alpha, power, target_effect, skew_guard)


def _fixed(data, reading, paired, pooled, level, margin, alpha, power, target_effect, skew_guard) -> Estimate:
    name = data.unit_name
    if reading == "single":
        estimand = f"expected difference {data.model_b} - {data.model_a} over training seeds (one unit: {data.units[0]})"
        method = "paired t over seeds" if paired else "Welch t over seeds"
    else:
        estimand = (f"mean over these {plural(name)} (equal weights) of the expected difference "
                    f"{data.model_b} - {data.model_a}; {plural(name)} fixed, error from seed replication")
        method = ("class-blocked t: per-class " + ("paired differences over seeds" if paired else "means per model")
                  + (", pooled within-class seed variance" if pooled else ", per-class variances (Satterthwaite df)"))
    if reading == "fixed" and data.shared_seeds and data.n_units > 1:
        return _seed_blocked(data, estimand, paired, level, margin, alpha, power, target_effect)
    fa, fb = np.isfinite(data.a), np.isfinite(data.b)
    note = data.note
    if paired and _unpaired_drops(data):
        note = _join(note, f"{_unpaired_drops(data)} score(s) without a matching seed of the other model dropped.")
    k = {key: v[()] if np.ndim(v) == 0 else v for key, v in fixed_kernel(data.a, data.b, paired, pooled).items()}
    use = k["use"]
    has_any = (fa | fb).any(axis=1)
    left_out = [data.units[i] for i in np.flatnonzero(has_any & ~use)]
    if left_out:
        note = _join(note, f"{len(left_out)} {plural(name)} with fewer than 2 seeds left out: {left_out}.")
    if not use.any():
        why = ONE_SEED_NOTE if has_any.any() else "undecided: no scores to compare."
        return _undecided(reading, estimand, method, _join(note, why), level, **_point_only(data, paired))
    K = int(k["n_classes"])
    units_used = tuple(u for u, flag in zip(data.units, use) if flag)
    if reading == "fixed":
        estimand += f" ({_units_text(units_used, name)})"
    if paired:
        n_c = (fa & fb).sum(axis=1)[use]
        seeds_used = (fa & fb)[use].any(axis=0)
        s2 = float(k["s2"])
        se_at = lambda n: math.sqrt(s2 / (K * n))  # noqa: E731
        df_at = lambda n: K * (n - 1.0)  # noqa: E731
    else:
        n_c = np.minimum(fa.sum(axis=1), fb.sum(axis=1))[use]
        seeds_used = (fa | fb)[use].any(axis=0)
        s2a, s2b = float(k["s2_a"]), float(k["s2_b"])
        ratio = (s2a + s2b) ** 2 / (s2a ** 2 + s2b ** 2) if s2a + s2b > 0 else 1.0
        se_at = lambda n: math.sqrt((s2a + s2b) / (K * n))  # noqa: E731
        df_at = lambda n: K * (n - 1.0) * ratio  # noqa: E731
        extra = int((fa[use].sum(axis=1) != fb[use].sum(axis=1)).sum())
        if extra:
            note = _join(note, f"{extra} {plural(name)} with unequal seed counts per model (all values used).")
    seeds_per_class = tuple(int(x) for x in n_c)
    if len(set(seeds_per_class)) > 1:
        note = _join(note, f"unbalanced: {min(seeds_per_class)} to {max(seeds_per_class)} seeds per {name}.")
    kappa = guarded_kappa(k, skew_guard)
    return _finish(
        reading, estimand, method, float(k["estimate"]), float(k["se"]), float(k["df"]),
        None if kappa is None else float(kappa), level, margin, alpha, power, target_effect, se_at, df_at, note,
        stat_a=float(k["stat_a"]), stat_b=float(k["stat_b"]), n_classes=K, n_seeds=int(seeds_used.sum()),
        n_values=int(k["n_values"]), sd_seed=math.sqrt(k["s2"]) if k["s2"] >= 0 else NAN,
        seeds_per_class=seeds_per_class, skewness=float(k["kappa"]),
    )


def seed_grid(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The complete (unit x seed) grid a seed-blocked analysis needs, over (..., units, seeds):
    of the two ways to complete it (keep every seed and drop the units missing one, or keep
    the units with 2 or more seeds and drop the seeds one of them misses) the one that keeps
    more scores. Both models must have a score in every kept cell. Returns the unit and seed
    masks and the number of (unit, seed) cells left out (over the whole batch)."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    have = fa & fb
    present = (fa | fb).any(-2)  # seeds that exist at all
    # A: every seed that exists; units complete over them
    units_a = np.all(have | ~present[..., None, :], axis=-1) & (present.sum(-1) >= 2)[..., None]
    seeds_a = present & units_a.any(-1)[..., None]
    # B: units with >= 2 complete seeds; seeds complete over those units
    units_b = have.sum(-1) >= 2
    seeds_b = np.all(have | ~units_b[..., None], axis=-2) & units_b.any(-1)[..., None]
    size = lambda u, s: u.sum(-1) * s.sum(-1)  # noqa: E731
    pick_a = size(units_a, seeds_a) >= size(units_b, seeds_b)
    units = np.where(pick_a[..., None], units_a, units_b)
    seeds = np.where(pick_a[..., None], seeds_a, seeds_b)
    kept = units[..., None] & seeds[..., None, :]
    dropped = int(((fa | fb) & ~kept).sum())
    return units, seeds, dropped


def seed_blocked_kernel(a: np.ndarray, b: np.ndarray, paired: bool = True) -> dict[str, np.ndarray]:
    """Per-seed means over the units of a complete grid, then fixed_kernel on one unit: the
    t over seeds (df = S - 1). Arrays (..., units, seeds); returns fixed_kernel's dict plus
    the grid (units, seeds: masks; dropped: cells left out)."""
    units, seeds, dropped = seed_grid(a, b)
    kept = units[..., None] & seeds[..., None, :]
    K = units.sum(-1).astype(float)
    mean_a = _div(np.where(kept, a, 0.0).sum(-2), K[..., None])
    mean_b = _div(np.where(kept, b, 0.0).sum(-2), K[..., None])
    mean_a = np.where(seeds, mean_a, np.nan)[..., None, :]
    mean_b = np.where(seeds, mean_b, np.nan)[..., None, :]
    out = fixed_kernel(mean_a, mean_b, paired, True)
    out.update(units=units, seeds=seeds, dropped=dropped)
    return out


def _seed_blocked(data: PairedScores, estimand: str, paired: bool, level: float, margin: Margin,
                  alpha: Optional[float], power: float, target_effect: Optional[float]) -> Estimate:
    """Fixed reading with seeds shared across units: a seed's draws (initial weights, data
    order, noise; for nested training subsets the images too) act on every unit at once, so
    its effect does not average out over units and the pooled within-unit variance misses it.
    Error from the spread of per-seed means over the units (df = S - 1): valid whatever the
    seed effect, and the only honest choice when it may be there; it costs power (2 seeds:
    df 1)."""
    name = data.unit_name
    k = seed_blocked_kernel(data.a, data.b, paired)
    units, seeds, dropped = k.pop("units"), k.pop("seeds"), k.pop("dropped")
    k = {key: v[()] if np.ndim(v) == 0 else v for key, v in k.items()}
    note = data.note
    if dropped:
        note = _join(note, f"{dropped} ({name}, seed) cell(s) outside the complete {name} x seed grid dropped.")
    K, S = int(units.sum()), int(seeds.sum())
    method = (f"seed-blocked t: seeds shared across {plural(name)}, so error from the spread of per-seed "
              f"{'mean differences' if paired else 'means per model'} over the {plural(name)} (df = S - 1)")
    if K == 0 or S < 2:
        return _undecided("fixed", estimand, method, _join(note, ONE_SEED_NOTE), level, **_point_only(data, paired))
    units_used = tuple(u for u, flag in zip(data.units, units) if flag)
    estimand += f" ({_units_text(units_used, name)})"
    s2 = float(k["s2"])
    return _finish(
        "fixed", estimand, method, float(k["estimate"]), float(k["se"]), float(k["df"]), None, level, margin, alpha,
        power, target_effect, lambda n: math.sqrt(s2 / n), lambda n: n - 1.0, note,
        stat_a=float(k["stat_a"]), stat_b=float(k["stat_b"]), n_classes=K, n_seeds=S, n_values=2 * K * S,
        sd_seed=math.sqrt(s2) if s2 >= 0 else NAN, seeds_per_class=(S,) * K,
        skewness=float(k["kappa"]) if S >= 5 else NAN,  # a third moment from fewer seeds is noise
    )


def random_classes(
    data: PairedScores,
    *,
    paired: bool = True,
    level: float = 0.95,
    margin: Margin = None,
    alpha: Optional[float] = None,
    power: float = 0.8,
    target_effect: Optional[float] = None,
    skew_guard: Optional[bool] = None,
    n_perm: int = 10_000,
    seed: int = 0,
) -> Estimate:
    """b - a for a class drawn from the population these classes stand for.

    One-sample t over per-class mean differences (df = K - 1): the class-by-model
    interaction is noise here, and so is the seed noise within each class mean; both are in
    the spread of the per-class differences. Valid with one seed per class. Classes weigh
    equally even with unequal seed counts (noted). p_nonparametric is the sign-flip
    permutation p over classes (exact for K <= 16). skew_guard: None (auto: K >= 10), True
    or False.
    """
    name = data.unit_name
    estimand = (f"expected difference {data.model_b} - {data.model_a} for a {name} drawn from the population "
                f"these {plural(name)} stand for ({plural(name)} random)")
    method = "one-sample t over per-class mean differences (df = K - 1)" + (
        ", classes paired by seed within" if paired else "")
    fa, fb = np.isfinite(data.a), np.isfinite(data.b)
    note = data.note
    if paired and _unpaired_drops(data):
        note = _join(note, f"{_unpaired_drops(data)} score(s) without a matching seed of the other model dropped.")
    if data.shared_seeds:
        note = _join(note, f"seeds shared across {plural(name)}: a seed effect common to every {name} is not in "
                           "this t's error (the fixed reading's seed-blocked t counts it).")
    k = {key: v[()] if np.ndim(v) == 0 else v for key, v in random_kernel(data.a, data.b, paired).items()}
    use = k["use"]
    left_out = [data.units[i] for i in np.flatnonzero((fa | fb).any(axis=1) & ~use)]
    if left_out:
        note = _join(note, f"{len(left_out)} {plural(name)} without scores from both models left out: {left_out}.")
    K = int(k["n_classes"])
    if K < 2:
        return _undecided("random", estimand, method,
                          _join(note, f"undecided: {K} {plural(name)} with both models; a spread across "
                                      f"{plural(name)} needs at least 2."), level, n_classes=K)
    units_used = tuple(u for u, flag in zip(data.units, use) if flag)
    estimand += f"; observed: {_units_text(units_used, name)}"
    n_c = ((fa & fb).sum(axis=1) if paired else np.minimum(fa.sum(axis=1), fb.sum(axis=1)))[use]
    s2 = float(k["s2"])
    tau2 = max(0.0, float(k["var"]) - s2 * float(np.mean(1 / n_c))) if np.isfinite(s2) else NAN
    se_at = (lambda n: math.sqrt((tau2 + s2 / n) / K)) if np.isfinite(s2) else None  # noqa: E731
    seeds_per_class = tuple(int(x) for x in n_c)
    if len(set(seeds_per_class)) > 1:
        note = _join(note, f"unbalanced: {min(seeds_per_class)} to {max(seeds_per_class)} seeds per {name}; "
                           f"{plural(name)} weigh equally.")
    D = k["D"][use]
    kappa = guarded_kappa(k, skew_guard)
    return _finish(
        "random", estimand, method, float(k["estimate"]), float(k["se"]), float(K - 1),
        None if kappa is None else float(kappa), level, margin, alpha, power, target_effect,
        se_at, lambda n: float(K - 1), note,
        stat_a=float(k["stat_a"]), stat_b=float(k["stat_b"]), n_classes=K,
        n_seeds=int((fa[use] | fb[use]).any(axis=0).sum()), n_values=int(k["n_values"]),
        p_nonparametric=sign_flip_pvalue(D, n_perm, seed) if float(k["var"]) > 0 else NAN,
        sd_seed=math.sqrt(s2) if np.isfinite(s2) else NAN,
        sd_interaction=math.sqrt(tau2) if np.isfinite(tau2) else NAN, seeds_per_class=seeds_per_class,
        skewness=float(k["kappa"]),
    )
