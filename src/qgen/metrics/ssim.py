"""SSIM between generated and real images under three pairings.

- paired (the paper protocol): generated i against real i, as the S1 authors did;
- random: each generated image against a random real one (seeded), a chance baseline;
- nearest: each generated image against the real image that maximises SSIM, searched
  exhaustively over the whole reference set (no L2 pre-selection), so it is exact.

All use scikit-image's `structural_similarity` definition with its defaults (7x7 uniform
window, K1 = 0.01, K2 = 0.03, sample covariance, mean over the window-valid interior, colour
= mean over channels). `ssim_values` reimplements it vectorised over many pairs (the nearest
search needs N x M comparisons); `backend="skimage"` calls scikit-image itself, pair by pair,
and the tests check both agree to 1e-10.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

from qgen.metrics.images import ImageBatch, to_uint8_nhwc

_WIN, _K1, _K2 = 7, 0.01, 0.03


def _prep(images: ImageBatch) -> np.ndarray:
    """float64 (N, C, H, W) in 0..255."""
    return np.ascontiguousarray(np.moveaxis(to_uint8_nhwc(images), -1, 1), dtype=np.float64)


def _box(n: int) -> np.ndarray:
    """(n - WIN + 1, n) matrix averaging each valid 7-wide window."""
    m = np.zeros((n - _WIN + 1, n))
    for i in range(n - _WIN + 1):
        m[i, i : i + _WIN] = 1.0 / _WIN
    return m


def _window_mean(x: np.ndarray) -> np.ndarray:
    """7x7 window means over the last two axes, valid interior only (as skimage crops it).

    Two small matrix products per image: far faster than a filter over N x M image pairs.
    """
    h, w = x.shape[-2:]
    if min(h, w) < _WIN:
        raise ValueError(f"SSIM needs images of at least {_WIN}x{_WIN}, got {h}x{w}")
    return _box(h) @ x @ _box(w).T


def _ssim_broadcast(x: np.ndarray, y: np.ndarray, data_range: float) -> np.ndarray:
    """Mean SSIM of float images (..., C, H, W), broadcast over leading axes."""
    cov_norm = _WIN**2 / (_WIN**2 - 1)
    ux, uy = _window_mean(x), _window_mean(y)  # per image; only the cross term needs the broadcast
    vx = cov_norm * (_window_mean(x * x) - ux * ux)
    vy = cov_norm * (_window_mean(y * y) - uy * uy)
    vxy = cov_norm * (_window_mean(x * y) - ux * uy)
    c1, c2 = (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    s = (2 * ux * uy + c1) * (2 * vxy + c2) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    return s.mean(axis=(-3, -2, -1))


def ssim_values(
    images_a: ImageBatch, images_b: ImageBatch, data_range: float = 255.0, backend: str = "vectorised"
) -> np.ndarray:
    """SSIM of a[i] against b[i] for every i (images as uint8, or floats in [0, 1] scaled to 0..255)."""
    a, b = _prep(images_a), _prep(images_b)
    if a.shape != b.shape:
        raise ValueError(f"paired SSIM needs equal shapes, got {a.shape} and {b.shape}")
    if backend == "skimage":
        return np.array(
            [structural_similarity(x, y, data_range=data_range, channel_axis=0) for x, y in zip(a, b)]
        )
    if backend != "vectorised":
        raise ValueError(f"unknown SSIM backend {backend!r}; use 'vectorised' or 'skimage'")
    return _ssim_broadcast(a, b, data_range)


def ssim_paired(
    generated: ImageBatch, real: ImageBatch, data_range: float = 255.0, backend: str = "skimage"
) -> np.ndarray:
    """Paper protocol: generated i against real i (the first len(generated) reals)."""
    if len(real) < len(generated):
        raise ValueError(f"{len(generated)} generated images but only {len(real)} reals to pair with")
    return ssim_values(generated, real[: len(generated)], data_range, backend)


def ssim_random_pairs(
    generated: ImageBatch, real: ImageBatch, seed: int = 0, data_range: float = 255.0
) -> np.ndarray:
    """Each generated image against a random real one (without replacement when enough reals)."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(real), size=len(generated), replace=len(real) < len(generated))
    return ssim_values(generated, _prep(real)[idx], data_range)


def ssim_nearest(
    generated: ImageBatch, real: ImageBatch, data_range: float = 255.0, max_block_bytes: int = 256 << 20
) -> tuple[np.ndarray, np.ndarray]:
    """For each generated image, the highest SSIM over all reals and that real's index.

    Exhaustive: N x M SSIMs, vectorised in blocks of generated images (about 15 s for
    1000 x 1000 28x28 grey images on 2 cores; memory per block about max_block_bytes).
    """
    g, r = _prep(generated), _prep(real)
    if g.shape[1:] != r.shape[1:]:
        raise ValueError(f"image shapes differ: {g.shape[1:]} and {r.shape[1:]}")
    block = max(1, int(max_block_bytes // max(r.nbytes * 4, 1)))
    best = np.empty(len(g))
    arg = np.empty(len(g), dtype=np.int64)
    for start in range(0, len(g), block):
        s = _ssim_broadcast(g[start : start + block, None], r[None], data_range)  # (block, M)
        arg[start : start + block] = s.argmax(axis=1)
        best[start : start + block] = s.max(axis=1)
    return best, arg
