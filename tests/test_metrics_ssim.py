"""SSIM: agreement with scikit-image, identities, and the three pairings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.metrics.ssim import ssim_nearest, ssim_paired, ssim_random_pairs, ssim_values


def _imgs(seed: int, shape: tuple) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_ssim_of_identical_images_is_one():
    a = _imgs(0, (4, 28, 28))
    assert np.allclose(ssim_values(a, a), 1.0)
    assert np.allclose(ssim_values(a, a, backend="skimage"), 1.0)


@pytest.mark.parametrize("shape", [(6, 28, 28), (6, 28, 28, 3), (6, 3, 20, 24)])
def test_vectorised_matches_skimage(shape):
    a, b = _imgs(1, shape), _imgs(2, shape)
    b[:2] = a[:2] // 2 + 60  # some structured, correlated pairs
    assert np.allclose(ssim_values(a, b), ssim_values(a, b, backend="skimage"), atol=1e-10)


def test_float_and_tensor_inputs_equal_uint8():
    a, b = _imgs(3, (3, 28, 28)), _imgs(4, (3, 28, 28))
    as_float = torch.from_numpy(a).float().div(255).unsqueeze(1)  # (N, 1, H, W) in [0, 1]
    assert np.allclose(ssim_values(as_float, b), ssim_values(a, b))


def test_paired_uses_first_reals_in_order():
    real = _imgs(5, (10, 28, 28))
    gen = real[:5].copy()
    assert np.allclose(ssim_paired(gen, real), 1.0)
    assert ssim_paired(gen[::-1], real).mean() < 0.5
    with pytest.raises(ValueError):
        ssim_paired(real, real[:3])


def test_random_pairs_are_seeded():
    gen, real = _imgs(6, (5, 28, 28)), _imgs(7, (40, 28, 28))
    assert np.array_equal(ssim_random_pairs(gen, real, seed=1), ssim_random_pairs(gen, real, seed=1))


def test_nearest_finds_the_copy_among_reals():
    real = _imgs(8, (50, 28, 28))
    gen = real[[7, 31, 2]].copy()
    gen[0, :3] = 0  # a near copy still finds its source
    best, idx = ssim_nearest(gen, real, max_block_bytes=1)  # block size 1 path
    assert list(idx) == [7, 31, 2]
    assert best[1] == pytest.approx(1.0) and best[0] < 1.0
    brute = np.array([ssim_values(np.repeat(g[None], len(real), 0), real).max() for g in gen])
    assert np.allclose(best, brute)
