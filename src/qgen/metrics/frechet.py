"""Fréchet distance (FID) in closed form from features, with a reusable reference.

FID = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^{1/2}). The trace of the matrix square
root is computed as sum(sqrt(eig(R^{1/2} S R^{1/2}))) with R the reference covariance: the
eigenvalues are those of S R, but the matrix is symmetric, so `eigh` is stable where `sqrtm`
of a rank-deficient product is not (5 images in 2048 dimensions give a rank-4 covariance).
When the generated set has n - 1 < d samples, the same eigenvalues come from an n x n Gram
matrix, so FID for many small subsets against one reference costs almost nothing; that is what
the sample-size study needs.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased (n - 1) covariance of (N, D) features, as torchmetrics and pytorch-fid use."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"need (N >= 2, D) features for a covariance, got shape {f.shape}")
    return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False))


def _sqrt_psd(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a PSD matrix (negative round-off eigenvalues clipped to 0)."""
    w, v = np.linalg.eigh((sigma + sigma.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def _trace_sqrt(sym: np.ndarray) -> float:
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((sym + sym.T) / 2), 0, None)).sum())


class FrechetReference:
    """Gaussian statistics of a reference set, with its covariance square root cached."""

    def __init__(self, mu: np.ndarray, sigma: np.ndarray) -> None:
        self.mu = np.asarray(mu, dtype=np.float64)
        self.sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
        self.sigma_sqrt = _sqrt_psd(self.sigma)
        self.n: int | None = None

    @classmethod
    def from_features(cls, features: np.ndarray) -> "FrechetReference":
        ref = cls(*gaussian_stats(features))
        ref.n = int(np.asarray(features).shape[0])
        return ref

    def distance_to_stats(self, mu: np.ndarray, sigma: np.ndarray) -> float:
        """Fréchet distance between N(mu, sigma) and this reference."""
        mu = np.asarray(mu, dtype=np.float64)
        sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
        diff = mu - self.mu
        tr_covmean = _trace_sqrt(self.sigma_sqrt @ sigma @ self.sigma_sqrt)
        return float(diff @ diff + np.trace(sigma) + np.trace(self.sigma) - 2 * tr_covmean)

    def distance(self, features: np.ndarray) -> float:
        """FID of (N, D) features against this reference (Gram-matrix route when N - 1 < D)."""
        f = np.asarray(features, dtype=np.float64)
        n, d = f.shape
        if n < 2:
            raise ValueError(f"FID needs at least 2 samples, got {n}")
        if n - 1 >= d:
            return self.distance_to_stats(*gaussian_stats(f))
        mu = f.mean(axis=0)
        a = (f - mu) @ self.sigma_sqrt / np.sqrt(n - 1)  # sigma = x^T x/(n-1); R^1/2 sigma R^1/2 = a^T a
        diff = mu - self.mu
        tr_sigma = float(np.einsum("ij,ij->", f - mu, f - mu) / (n - 1))
        return float(diff @ diff + tr_sigma + np.trace(self.sigma) - 2 * _trace_sqrt(a @ a.T))


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Closed-form Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    return FrechetReference(mu2, sigma2).distance_to_stats(mu1, sigma1)


def fid_from_features(features_1: np.ndarray, features_2: np.ndarray) -> float:
    """FID between two (N, D) feature sets (e.g. generated, real)."""
    return FrechetReference.from_features(features_2).distance(features_1)


def fid_sample_size_study(
    generated: np.ndarray,
    reference: np.ndarray,
    sizes: Sequence[int] = (5, 10, 25, 50, 100, 250, 500, 1000),
    repeats: int = 20,
    seed: int = 0,
) -> pd.DataFrame:
    """FID of random subsets of n generated features against a fixed reference set.

    Shows how far FID from few images (the paper protocol uses 5) lies from its large-sample
    value and how much it scatters. Subsets are drawn without replacement from `generated`;
    sizes larger than the pool are skipped. Returns one row per (n, repeat) with columns
    n, repeat, fid, n_pool, n_ref, dim.
    """
    generated = np.asarray(generated, dtype=np.float64)
    ref = FrechetReference.from_features(reference)
    rng = np.random.default_rng(seed)
    pool, dim = generated.shape
    rows = []
    for n in sorted(set(int(s) for s in sizes)):
        if n < 2 or n > pool:
            continue
        for r in range(repeats):
            idx = rng.choice(pool, size=n, replace=False)
            rows.append(dict(n=n, repeat=r, fid=ref.distance(generated[idx]), n_pool=pool, n_ref=ref.n, dim=dim))
    return pd.DataFrame(rows, columns=["n", "repeat", "fid", "n_pool", "n_ref", "dim"])


def summarise_sample_size_study(study: pd.DataFrame) -> pd.DataFrame:
    """Per n: mean, sd, 2.5% and 97.5% quantiles of FID over the repeated subsets."""
    g = study.groupby("n")["fid"]
    return pd.DataFrame(
        {
            "mean": g.mean(),
            "sd": g.std(ddof=1),
            "q025": g.quantile(0.025),
            "q975": g.quantile(0.975),
            "repeats": g.size(),
        }
    ).reset_index()
