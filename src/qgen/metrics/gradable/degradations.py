"""Image degradations that make a fundus photograph ungradable, each with one strength knob.

The `quality` validator learns to tell real images from copies degraded by these; tests check
that both validators refuse images degraded at the ``heavy`` strength. Every function takes
uint8 images (N, H, W, C), C = 1 or 3, and returns uint8 images of the same shape; lengths in
pixels are given for 28 px images and scale with the image size, so a strength means the same
thing at 28 and 64 px. Randomness (which degradation, its strength, an occluder's place) comes
from a seed only.

| name | strength s | effect | training range | heavy |
|---|---|---|---|---|
| blur | Gaussian sigma, px at 28 px | defocus | 0.7 - 2.5 | 3.0 |
| noise | std of additive Gaussian noise, grey levels | sensor noise | 8 - 40 | 60 |
| low_contrast | factor c: x -> m + c (x - m), m the image's channel mean | haze, cataract | 0.25 - 0.6 | 0.15 |
| overexposure | gain g: x -> g x, clipped at 255 | flash too strong, bleached | 1.6 - 3.0 | 4.0 |
| underexposure | gain g: x -> g x | too dark | 0.2 - 0.55 | 0.12 |
| occlusion | side of a filled rectangle, fraction of the image side | eyelid, lashes, dust | 0.25 - 0.5 | 0.6 |

The occluder's aspect ratio is uniform in [0.75, 1.33], its place uniform inside the image,
its fill one uniform grey level in [0, 255] (black eyelid shadows and bright reflections).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from qgen.registry import Registry

REFERENCE_SIZE = 28
Apply = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]  # float (H, W, C) in 0..255


@dataclass(frozen=True)
class Degradation:
    """One degradation: how it acts, the strengths the quality validator trains on, a heavy one."""

    name: str
    apply: Apply
    low: float
    high: float
    heavy: float


DEGRADATIONS: Registry[Degradation] = Registry("degradation")


def _register(name: str, low: float, high: float, heavy: float) -> Callable[[Apply], Apply]:
    def decorator(fn: Apply) -> Apply:
        DEGRADATIONS.register(name)(Degradation(name, fn, low, high, heavy))
        return fn

    return decorator


def _scale(image: np.ndarray) -> float:
    return image.shape[0] / REFERENCE_SIZE


@_register("blur", 0.7, 2.5, 3.0)
def blur(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    s = sigma * _scale(image)
    return gaussian_filter(image, sigma=(s, s, 0), mode="reflect")


@_register("noise", 8.0, 40.0, 60.0)
def noise(image: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    return image + rng.normal(0.0, std, image.shape)


@_register("low_contrast", 0.25, 0.6, 0.15)
def low_contrast(image: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    mean = image.mean(axis=(0, 1), keepdims=True)
    return mean + factor * (image - mean)


@_register("overexposure", 1.6, 3.0, 4.0)
def overexposure(image: np.ndarray, gain: float, rng: np.random.Generator) -> np.ndarray:
    return image * gain


@_register("underexposure", 0.2, 0.55, 0.12)
def underexposure(image: np.ndarray, gain: float, rng: np.random.Generator) -> np.ndarray:
    return image * gain


@_register("occlusion", 0.25, 0.5, 0.6)
def occlusion(image: np.ndarray, side: float, rng: np.random.Generator) -> np.ndarray:
    h, w = image.shape[:2]
    aspect = rng.uniform(0.75, 4 / 3)
    rh = min(h, max(1, round(side * h * np.sqrt(aspect))))
    rw = min(w, max(1, round(side * w / np.sqrt(aspect))))
    top, left = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
    out = image.copy()
    out[top : top + rh, left : left + rw] = rng.uniform(0, 255)
    return out


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _check(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"expected uint8 images (N, H, W, C) with C in (1, 3), got {images.dtype} {images.shape}")
    return images


def apply_degradation(images: np.ndarray, name: str, strength: float, seed: int = 0) -> np.ndarray:
    """Every image degraded by ``name`` at one ``strength`` (seeded: the occluders' places, noise)."""
    images = _check(images)
    fn = DEGRADATIONS.get(name).apply
    rng = np.random.default_rng(seed)
    return np.stack([_to_uint8(fn(img.astype(np.float64), strength, rng)) for img in images])


def degrade(
    images: np.ndarray, seed: int | Sequence[int], names: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Degraded copies: per image a degradation uniform over ``names`` (default: all) and a
    strength uniform in its training range. Returns (images, index into ``names`` per image)."""
    images = _check(images)
    chosen = [DEGRADATIONS.get(n) for n in (names or DEGRADATIONS.names())]
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, len(chosen), len(images))
    out = np.empty_like(images)
    for i, (img, k) in enumerate(zip(images, kinds)):
        d = chosen[k]
        out[i] = _to_uint8(d.apply(img.astype(np.float64), rng.uniform(d.low, d.high), rng))
    return out, kinds
