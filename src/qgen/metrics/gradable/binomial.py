"""Binomial 95% intervals for a gradable fraction k / n: Wilson (default) or Clopper-Pearson.

Wilson's score interval has close to nominal coverage on average and stays inside [0, 1];
Clopper-Pearson inverts two binomial tests and covers at least at the nominal rate for every p
(conservative). Both accept arrays of counts (vectorised coverage simulations).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats as sps

from qgen.registry import Registry
from qgen.stats import Interval

Bounds = tuple[np.ndarray, np.ndarray]
BINOMIAL_METHODS: Registry[Callable[[np.ndarray, np.ndarray, float], Bounds]] = Registry("binomial interval")


@BINOMIAL_METHODS.register("wilson")
def wilson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> Bounds:
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z = sps.norm.ppf(0.5 + level / 2)
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # At k = 0 and k = n the bound is exactly 0 (1); rounding would leave it a hair away.
    return np.where(k == 0, 0.0, np.clip(centre - half, 0, 1)), np.where(k == n, 1.0, np.clip(centre + half, 0, 1))


@BINOMIAL_METHODS.register("clopper_pearson")
def clopper_pearson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> Bounds:
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, sps.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, sps.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    return low, high


def binomial_interval(k: int, n: int, level: float = 0.95, method: str = "wilson") -> Interval:
    """k successes of n as an :class:`qgen.stats.Interval` (NaN bounds, with a note, when n = 0)."""
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0, level, method, "no images: nothing to estimate.")
    if not 0 <= k <= n:
        raise ValueError(f"k={k} successes of n={n} trials")
    low, high = BINOMIAL_METHODS.get(method)(np.asarray(k), np.asarray(n), level)
    return Interval(k / n, float(low), float(high), n, level, method, f"{k} of {n}")
