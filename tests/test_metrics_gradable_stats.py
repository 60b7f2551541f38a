"""Degradations (deterministic, each in its documented direction), the 95% threshold rule and
the binomial intervals' coverage on a known Bernoulli distribution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from qgen.metrics.gradable import (
    BINOMIAL_METHODS,
    DEGRADATIONS,
    apply_degradation,
    binomial_interval,
    degrade,
    fit_threshold,
)


def _images(channels: int, size: int, n: int = 6) -> np.ndarray:
    """Smooth, textured test images: a gradient plus a few sinusoids, mid grey on average."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        f = rng.uniform(2, 5, 2)
        base = 128 + 60 * np.sin(2 * np.pi * (f[0] * xx + f[1] * yy)) + 20 * (xx - 0.5)
        out.append(np.repeat(base[..., None], channels, axis=-1) * rng.uniform(0.9, 1.1, channels))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _high_freq(x: np.ndarray) -> float:
    return float(np.abs(np.diff(x.astype(float), axis=2)).mean())


@pytest.mark.parametrize("channels,size", [(3, 28), (3, 64), (1, 28)])
def test_each_degradation_acts_as_documented(channels: int, size: int) -> None:
    x = _images(channels, size)
    heavy = {name: apply_degradation(x, name, DEGRADATIONS.get(name).heavy, seed=0) for name in DEGRADATIONS}
    for name, y in heavy.items():
        assert y.shape == x.shape and y.dtype == np.uint8, name
        assert np.array_equal(y, apply_degradation(x, name, DEGRADATIONS.get(name).heavy, seed=0)), name
    assert _high_freq(heavy["blur"]) < 0.5 * _high_freq(x)
    assert np.abs(heavy["noise"].astype(float) - x).mean() > 30
    assert heavy["low_contrast"].std() < 0.3 * x.std()
    assert heavy["overexposure"].mean() > x.mean() + 60
    assert heavy["underexposure"].mean() < 0.2 * x.mean()
    changed = (heavy["occlusion"] != x).any(axis=-1)
    assert 0.2 < changed.mean() < 0.6  # one rectangle of about 0.6 x 0.6 of the image


def test_blur_and_occlusion_scale_with_image_size() -> None:
    """A strength means the same at 28 and 64 px: blur sigma and occluder side scale with size."""
    small, big = _images(3, 28), _images(3, 64)
    occ_small = (apply_degradation(small, "occlusion", 0.4) != small).any(-1).mean()
    occ_big = (apply_degradation(big, "occlusion", 0.4) != big).any(-1).mean()
    assert abs(occ_small - occ_big) < 0.06


def test_random_degradations_are_seeded() -> None:
    x = _images(3, 28, n=40)
    a, kinds = degrade(x, seed=[3, 1])
    b, _ = degrade(x, seed=[3, 1])
    c, _ = degrade(x, seed=[3, 2])
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert set(kinds.tolist()) == set(range(len(DEGRADATIONS.names())))  # every kind drawn
    with pytest.raises(ValueError, match="uint8"):
        degrade(x.astype(np.float32), seed=0)


@pytest.mark.parametrize("n", [20, 100, 120, 400, 401])
def test_threshold_accepts_the_requested_share_of_calibration_scores(n: int) -> None:
    scores = np.random.default_rng(n).uniform(size=n)
    t = fit_threshold(scores, 0.95)
    assert (scores >= t).sum() == int(np.ceil(0.95 * n - 1e-9))


def test_threshold_accepts_all_ties() -> None:
    scores = np.array([0.1, 0.5, 0.5, 0.5, 0.9] * 4)  # the 19th largest score ties with others
    t = fit_threshold(scores, 0.95)
    assert t == 0.1 and (scores >= t).all()
    t = fit_threshold(scores, 0.75)  # 15 of 20 to accept: the 15th largest is 0.5, tied x12
    assert t == 0.5 and (scores >= t).sum() == 16


def test_binomial_interval_values() -> None:
    iv = binomial_interval(86, 100)
    assert iv.estimate == 0.86 and iv.n == 100 and iv.method == "wilson"
    assert iv.low == pytest.approx(0.7786, abs=1e-4) and iv.high == pytest.approx(0.9147, abs=1e-4)
    cp = binomial_interval(86, 100, method="clopper_pearson")
    assert cp.low == pytest.approx(sps.beta.ppf(0.025, 86, 15)) and cp.high == pytest.approx(sps.beta.ppf(0.975, 87, 14))
    assert binomial_interval(0, 30).low == 0.0 and binomial_interval(30, 30).high == 1.0
    assert np.isnan(binomial_interval(0, 0).estimate)


@pytest.mark.parametrize("method", ["wilson", "clopper_pearson"])
@pytest.mark.parametrize("n,p", [(120, 0.95), (400, 0.86), (400, 0.69), (1000, 0.5)])
def test_interval_covers_at_its_nominal_rate(method: str, n: int, p: float) -> None:
    """Simulation: 20000 binomial samples of known p; coverage within Monte-Carlo error of 95%.

    Wilson is near nominal (its exact coverage oscillates around 0.95 by about +-0.01 at these
    n); Clopper-Pearson is conservative (at least 0.95 for every p)."""
    reps = 20_000
    k = np.random.default_rng(7).binomial(n, p, reps)
    low, high = BINOMIAL_METHODS.get(method)(k, np.full(reps, n), 0.95)
    coverage = ((low <= p) & (p <= high)).mean()
    mc = 4 * np.sqrt(0.95 * 0.05 / reps)  # 4 standard errors of a coverage estimate
    # Exact coverage for this (n, p), from the binomial pmf: the simulation must agree with it.
    ks = np.arange(n + 1)
    lo_all, hi_all = BINOMIAL_METHODS.get(method)(ks, np.full(n + 1, n), 0.95)
    exact = sps.binom.pmf(ks, n, p)[(lo_all <= p) & (p <= hi_all)].sum()
    assert abs(coverage - exact) < mc
    if method == "wilson":
        assert 0.93 < coverage < 0.97
    else:
        assert coverage > 0.95 - mc
