"""Intervals and paired tests for scores over seeds and classes.

Every function degrades instead of crashing: with one value an interval is undefined, so it
comes back as NaN with a note saying why; NaN inputs are dropped (and counted in the note).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import stats as sps

ArrayLike = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Interval:
    """An estimate with a two-sided interval at `level` (NaN bounds when undefined; see note)."""

    estimate: float
    low: float
    high: float
    n: int
    level: float
    method: str
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PairedComparison:
    """b - a over matched pairs: mean difference, its t interval and three p-values (two-sided)."""

    n: int
    mean_a: float
    mean_b: float
    mean_diff: float
    low: float
    high: float
    p_t: float
    p_wilcoxon: float
    p_signflip: float
    level: float
    note: str = ""
    diffs: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("diffs")
        return d


def _clean(values: ArrayLike) -> tuple[np.ndarray, str]:
    x = np.asarray(values, dtype=np.float64).ravel()
    dropped = int(np.isnan(x).sum())
    return x[~np.isnan(x)], (f"{dropped} NaN value(s) dropped. " if dropped else "")


def _undefined_note(n: int) -> str:
    return "no data: nothing to estimate." if n == 0 else "n=1: the interval is undefined (needs at least 2 values)."


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of a 1-d array of bootstrap statistics (NaNs ignored)."""
    draws = np.asarray(draws, dtype=np.float64)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha])
    return float(lo), float(hi)


def bootstrap_pvalue(draws: np.ndarray, null: float = 0.0) -> float:
    """Two-sided bootstrap p-value: twice the smaller share of draws on either side of `null`."""
    draws = np.asarray(draws, dtype=np.float64)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return float("nan")
    return float(min(1.0, 2 * min(np.mean(draws <= null), np.mean(draws >= null))))


def bootstrap_draws(statistic: Callable[[np.random.Generator], float], n_boot: int = 5000, seed: int = 0) -> np.ndarray:
    """`n_boot` values of `statistic(rng)`, where the callable draws its own resample from rng."""
    rng = np.random.default_rng(seed)
    return np.array([statistic(rng) for _ in range(n_boot)], dtype=np.float64)


def mean_ci(
    values: ArrayLike, level: float = 0.95, method: str = "t", n_boot: int = 5000, seed: int = 0
) -> Interval:
    """Mean with a `level` interval: Student t (default) or percentile bootstrap ("bootstrap")."""
    x, note = _clean(values)
    n = int(x.size)
    est = float(x.mean()) if n else float("nan")
    if n < 2:
        return Interval(est, float("nan"), float("nan"), n, level, method, note + _undefined_note(n))
    if method == "t":
        half = float(sps.t.ppf((1 + level) / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
        return Interval(est, est - half, est + half, n, level, "t", note)
    if method == "bootstrap":
        idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
        lo, hi = percentile_interval(x[idx].mean(axis=1), level)
        return Interval(est, lo, hi, n, level, "bootstrap", note)
    raise ValueError(f"unknown interval method {method!r}; use 't' or 'bootstrap'")


def sign_flip_pvalue(diffs: ArrayLike, n_perm: int = 10000, seed: int = 0) -> float:
    """Two-sided sign-flip permutation test of mean(diffs) = 0 (exact enumeration for n <= 16)."""
    d, _ = _clean(diffs)
    n = d.size
    if n == 0:
        return float("nan")
    observed = abs(d.mean())
    if n <= 16:
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
        return float(np.mean(np.abs(signs @ d / n) >= observed - 1e-12))
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(n_perm, n))
    count = int(np.sum(np.abs(signs @ d / n) >= observed - 1e-12))
    return (count + 1) / (n_perm + 1)


def _wilcoxon_p(d: np.ndarray) -> float:
    if d.size < 1 or np.all(d == 0):
        return float("nan") if d.size < 1 else 1.0
    try:
        return float(sps.wilcoxon(d).pvalue)
    except ValueError:
        return float("nan")


def _t_p(d: np.ndarray) -> float:
    sd = d.std(ddof=1)
    if sd == 0:
        return 1.0 if d.mean() == 0 else 0.0
    return float(sps.ttest_1samp(d, 0.0).pvalue)


def paired_comparison(
    a: ArrayLike, b: ArrayLike, level: float = 0.95, n_perm: int = 10000, seed: int = 0
) -> PairedComparison:
    """Compare b with a over matched pairs (e.g. a = classical, b = quantum per class x seed).

    Differences are b - a. Interval: Student t on the differences. p-values: paired t-test,
    Wilcoxon signed-rank and sign-flip permutation. Pairs with a NaN on either side are
    dropped; with fewer than 2 pairs intervals and p-values are NaN and the note says why.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired comparison needs equal lengths, got {a.size} and {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    note = f"{int((~keep).sum())} incomplete pair(s) dropped. " if (~keep).any() else ""
    a, b = a[keep], b[keep]
    d = b - a
    n = int(d.size)
    nan = float("nan")
    means = (float(a.mean()), float(b.mean()), float(d.mean())) if n else (nan, nan, nan)
    if n < 2:
        return PairedComparison(n, *means, nan, nan, nan, nan, nan, level, note + _undefined_note(n), d)
    ci = mean_ci(d, level)
    if d.std(ddof=1) == 0:
        note += "all differences are equal: the t interval is degenerate. "
    return PairedComparison(
        n, *means, ci.low, ci.high, _t_p(d), _wilcoxon_p(d), sign_flip_pvalue(d, n_perm, seed), level, note.strip(), d
    )


def holm(p_values: ArrayLike) -> np.ndarray:
    """Holm's step-down adjustment (family-wise error); NaN stays NaN and is not counted."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    order = np.argsort(p[ok])
    ranked = p[ok][order] * (m - np.arange(m))
    adjusted = np.minimum(1.0, np.maximum.accumulate(ranked))
    values = np.empty(m)
    values[order] = adjusted
    out[ok] = values
    return out


def verdict(low: float, high: float, p: float, direction: int, alpha: float = 0.05) -> str:
    """'holds' / 'does not hold' when the interval excludes 0 on the claimed / other side and
    p < alpha; otherwise 'undecided'. A degenerate (zero-width) interval decides nothing."""
    if any(np.isnan(v) for v in (low, high, p)) or not p < alpha or low == high:
        return "undecided"
    if direction * low > 0 and direction * high > 0:
        return "holds"
    if direction * low < 0 and direction * high < 0:
        return "does not hold"
    return "undecided"
