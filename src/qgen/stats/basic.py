"""Intervals and paired tests for one set of values or matched pairs.

Every function degrades instead of crashing: with one value an interval is undefined, so it
comes back as NaN with a note saying why; NaN and infinite inputs are dropped (and counted in
the note). A spread of exactly zero (all values or all differences equal) leaves the t
interval and p undefined: NaN with a note, never p = 0 or a zero-width interval.
"""

from __future__ import annotations

import functools
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
    nan, inf = int(np.isnan(x).sum()), int(np.isinf(x).sum())
    note = (f"{nan} NaN value(s) dropped. " if nan else "") + (
        f"{inf} non-finite value(s) treated as missing. " if inf else "")
    return x[np.isfinite(x)], note


ZERO_SPREAD_NOTE = "all values are equal: no spread to estimate the noise from, so no interval or p-value. "


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
    """Two-sided p from inverting the percentile interval: twice the smaller of
    (1 + draws on one side of `null`) / (B + 1). Never exactly 0: B draws cannot show a
    probability below 1 / (B + 1). NaN draws are ignored (callers count them)."""
    draws = np.asarray(draws, dtype=np.float64)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return float("nan")
    below, above = int(np.sum(draws <= null)), int(np.sum(draws >= null))
    return float(min(1.0, 2 * (min(below, above) + 1) / (draws.size + 1)))


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
    if x.std(ddof=1) == 0:
        return Interval(est, float("nan"), float("nan"), n, level, method, note + ZERO_SPREAD_NOTE.strip())
    if method == "t":
        half = float(sps.t.ppf((1 + level) / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
        return Interval(est, est - half, est + half, n, level, "t", note)
    if method == "bootstrap":
        idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
        lo, hi = percentile_interval(x[idx].mean(axis=1), level)
        return Interval(est, lo, hi, n, level, "bootstrap", note)
    raise ValueError(f"unknown interval method {method!r}; use 't' or 'bootstrap'")


@functools.lru_cache(maxsize=32)
def _all_signs(n: int) -> np.ndarray:
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
    signs.setflags(write=False)
    return signs


def sign_flip_pvalue(diffs: ArrayLike, n_perm: int = 10000, seed: int = 0) -> float:
    """Two-sided sign-flip permutation test of mean(diffs) = 0 (exact enumeration for n <= 16).

    Valid when each difference is symmetric about 0 under the null; its smallest possible
    p is 2 / 2^n (0.25 with 3 seeds), so with few differences it can never reject."""
    d, _ = _clean(diffs)
    n = d.size
    if n == 0:
        return float("nan")
    observed = abs(d.mean())
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    if n <= 16:
        return float(np.mean(np.abs(_all_signs(n) @ d / n) >= observed - tol))
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(n_perm, n))
    count = int(np.sum(np.abs(signs @ d / n) >= observed - tol))
    return (count + 1) / (n_perm + 1)


def _wilcoxon_p(d: np.ndarray) -> float:
    if d.size < 1 or np.all(d == 0):
        return float("nan") if d.size < 1 else 1.0
    try:
        return float(sps.wilcoxon(d).pvalue)
    except ValueError:
        return float("nan")


def _t_p(d: np.ndarray) -> float:
    # equal differences: the noise is not estimable; p = 0 here would declare any constant
    # difference (two identical runs) significant.
    if d.size < 2 or d.std(ddof=1) == 0:
        return float("nan")
    return float(sps.ttest_1samp(d, 0.0).pvalue)


def paired_comparison(
    a: ArrayLike, b: ArrayLike, level: float = 0.95, n_perm: int = 10000, seed: int = 0
) -> PairedComparison:
    """Compare b with a over matched pairs (e.g. a = classical, b = quantum per class x seed).

    Differences are b - a. Interval: Student t on the differences. p-values: paired t-test,
    Wilcoxon signed-rank and sign-flip permutation. Pairs with a NaN or infinite value on
    either side are dropped; with fewer than 2 pairs, or all differences equal, the t interval
    and p are NaN and the note says why. This treats every pair as independent: for pairs
    nested in classes use qgen.stats.fixed_classes or random_classes.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired comparison needs equal lengths, got {a.size} and {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    n_inf = int((np.isinf(a) | np.isinf(b)).sum())
    note = f"{int((~keep).sum())} incomplete pair(s) dropped. " if (~keep).any() else ""
    note += f"({n_inf} of them with a non-finite value.) " if n_inf else ""
    a, b = a[keep], b[keep]
    d = b - a
    n = int(d.size)
    nan = float("nan")
    means = (float(a.mean()), float(b.mean()), float(d.mean())) if n else (nan, nan, nan)
    if n < 2:
        return PairedComparison(n, *means, nan, nan, nan, nan, nan, level, note + _undefined_note(n), d)
    ci = mean_ci(d, level)
    if d.std(ddof=1) == 0:
        note += "all differences are equal: the seed noise cannot be estimated, so no t interval or p. "
    return PairedComparison(
        n, *means, ci.low, ci.high, _t_p(d), _wilcoxon_p(d), sign_flip_pvalue(d, n_perm, seed), level, note.strip(), d
    )

