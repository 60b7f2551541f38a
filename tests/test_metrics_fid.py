"""FID (closed form, reusable reference, torchmetrics route), KID, IS, PRDC, sample-size study."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from qgen.metrics.features import FeatureExtractor, extract_features
from qgen.metrics.frechet import (
    FrechetReference,
    fid_from_features,
    fid_sample_size_study,
    frechet_distance,
    gaussian_stats,
    summarise_sample_size_study,
)
from qgen.metrics.scores import (
    adaptive_subset_size,
    inception_score_from_logits,
    kid_from_features,
    prdc_from_features,
)
from qgen.metrics.torchmetrics_path import torchmetrics_fid, torchmetrics_inception_score, torchmetrics_kid


def _scipy_fid(mu1, s1, mu2, s2) -> float:
    """Independent reference: the textbook formula with scipy's sqrtm."""
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean))


class TinyFeatures(FeatureExtractor):
    """A fixed random conv net, (N, C, 12, 12) -> 6 features and 4 logits."""

    in_channels = 1
    input_size = 12
    num_features = 6
    num_classes = 4

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.conv = nn.Conv2d(1, 3, 3)
        self.lin = nn.Linear(3 * 10 * 10, 6)
        self.head = nn.Linear(6, 4)
        for p in self.parameters():
            p.data = torch.randn(p.shape, generator=g) * 0.3
        self.eval().requires_grad_(False)

    def features_and_logits(self, x):
        f = self.lin(torch.tanh(self.conv(self.prepare(x))).flatten(1))
        return f, self.head(f)


def _images(seed: int, n: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.random((n, 14, 14)) * 0.8 + shift, 0, 1).astype(np.float32)


def test_fid_of_features_against_themselves_is_zero():
    f = np.random.default_rng(0).normal(size=(300, 8))
    assert abs(fid_from_features(f, f)) < 1e-8
    mu, sigma = gaussian_stats(f)
    assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-8


def test_closed_form_matches_scipy_reference():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = a @ a.T + 0.1 * np.eye(5), b @ b.T + 0.1 * np.eye(5)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_scipy_fid(mu1, s1, mu2, s2), rel=1e-9)


def test_fid_of_gaussian_samples_under_linear_map_matches_closed_form():
    """Samples of N(m1, I) and N(m2, 2I) pushed through a linear map A: FID -> closed form."""
    rng = np.random.default_rng(2)
    d, n = 3, 200_000
    A = rng.normal(size=(d, d))
    m1, m2 = np.zeros(d), np.array([1.0, -0.5, 0.25])
    x1 = (rng.normal(size=(n, d)) + m1) @ A.T
    x2 = (np.sqrt(2) * rng.normal(size=(n, d)) + m2) @ A.T
    expected = _scipy_fid(A @ m1, A @ A.T, A @ m2, 2 * A @ A.T)
    assert fid_from_features(x1, x2) == pytest.approx(expected, rel=0.02)


def test_gram_route_for_small_subsets_equals_full_route():
    rng = np.random.default_rng(3)
    ref_feats = rng.normal(size=(400, 20))
    small = rng.normal(size=(7, 20)) + 0.3  # n - 1 < d: Gram-matrix route
    ref = FrechetReference.from_features(ref_feats)
    full = ref.distance_to_stats(*gaussian_stats(small))
    assert ref.distance(small) == pytest.approx(full, rel=1e-6)  # eigh round-off near 0 in the full route
    assert ref.distance(small) == pytest.approx(_scipy_fid(*gaussian_stats(small), *gaussian_stats(ref_feats)), rel=1e-6)


def test_torchmetrics_route_matches_fid_from_features():
    net = TinyFeatures()
    real, fake = _images(0, 120), _images(1, 80, shift=0.15)
    via_features = fid_from_features(extract_features(net, fake), extract_features(net, real))
    via_tm = torchmetrics_fid(net, real, fake, batch_size=50)
    assert via_tm == pytest.approx(via_features, rel=1e-4, abs=1e-6)


def test_kid_adaptive_subset_and_torchmetrics_agreement():
    net = TinyFeatures()
    real, fake = _images(2, 60), _images(3, 40, shift=0.2)
    res = kid_from_features(extract_features(net, real), extract_features(net, fake), subsets=50)
    assert res.subset_size == 40 == adaptive_subset_size(60, 40)
    tm = torchmetrics_kid(net, real, fake, subsets=50)
    assert tm.subset_size == 40
    assert res.mean > 0 and tm.mean == pytest.approx(res.mean, rel=0.25)
    same = kid_from_features(extract_features(net, real), extract_features(net, real), subsets=20)
    assert abs(same.mean) < res.mean / 5
    with pytest.raises(ValueError):
        adaptive_subset_size(1, 10)


def test_inception_score_from_logits_and_torchmetrics():
    net = TinyFeatures()
    imgs = _images(4, 50)
    _, logits = extract_features(net, imgs, with_logits=True)
    mine = inception_score_from_logits(logits, splits=1)
    tm = torchmetrics_inception_score(net, imgs, splits=1)
    assert mine[0] == pytest.approx(tm[0], rel=1e-5)
    # uniform predictions -> IS 1; confident, balanced predictions over K classes -> IS K
    assert inception_score_from_logits(np.zeros((20, 5)), splits=2)[0] == pytest.approx(1.0)
    confident = np.eye(4)[np.arange(40) % 4] * 50
    assert inception_score_from_logits(confident, splits=1)[0] == pytest.approx(4.0, rel=1e-6)


def test_prdc_identical_and_disjoint_sets():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(200, 4))
    same = prdc_from_features(real, real.copy(), nearest_k=5)
    assert same["precision"] == pytest.approx(1.0) and same["coverage"] == pytest.approx(1.0)
    far = prdc_from_features(real, rng.normal(size=(200, 4)) + 50, nearest_k=5)
    assert far["precision"] == 0.0 and far["recall"] == 0.0


def test_sample_size_study_shape_and_convergence():
    rng = np.random.default_rng(6)
    ref = rng.normal(size=(500, 16))
    gen = rng.normal(size=(400, 16))
    df = fid_sample_size_study(gen, ref, sizes=(5, 20, 400, 1000), repeats=4, seed=0)
    assert sorted(df["n"].unique()) == [5, 20, 400]  # 1000 > pool is skipped
    assert list(df.columns) == ["n", "repeat", "fid", "n_pool", "n_ref", "dim"]
    summary = summarise_sample_size_study(df).set_index("n")
    # same distribution: FID shrinks toward 0 as n grows (bias ~ d/n)
    assert summary.loc[5, "mean"] > summary.loc[20, "mean"] > summary.loc[400, "mean"]
    again = fid_sample_size_study(gen, ref, sizes=(5, 20, 400), repeats=4, seed=0)
    assert np.allclose(again["fid"], df["fid"])


def test_torchmetrics_fid_on_precomputed_features_equals_closed_form() -> None:
    from qgen.metrics.torchmetrics_path import torchmetrics_fid_from_features

    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(400, 16)), rng.normal(0.5, 1.5, size=(300, 16))
    assert torchmetrics_fid_from_features(real, fake) == pytest.approx(fid_from_features(fake, real), rel=1e-9)
