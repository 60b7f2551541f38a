"""Image layout conversions shared by every metric, so each metric accepts the same inputs.

Accepted inputs: NumPy arrays or torch tensors of shape (N, H, W) (grayscale), (N, H, W, C)
(channels last, C in {1, 3}) or (N, C, H, W) (channels first, C in {1, 3}); uint8 in [0, 255]
or floating point in [0, 1].
"""

from __future__ import annotations

from typing import Union

import numpy as np
import torch

ImageBatch = Union[np.ndarray, torch.Tensor]


def _as_numpy(images: ImageBatch) -> np.ndarray:
    if isinstance(images, torch.Tensor):
        return images.detach().cpu().numpy()
    return np.asarray(images)


def _channels_first(arr: np.ndarray) -> bool:
    """Heuristic for 4-d arrays: channels first when axis 1 holds 1 or 3 and the last axis does not."""
    return arr.shape[1] in (1, 3) and arr.shape[-1] not in (1, 3)


def to_uint8_nhwc(images: ImageBatch) -> np.ndarray:
    """Return images as uint8 (N, H, W, C); floats in [0, 1] are scaled by 255 and rounded."""
    arr = _as_numpy(images)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4:
        raise ValueError(f"expected (N, H, W), (N, H, W, C) or (N, C, H, W) images, got shape {arr.shape}")
    if _channels_first(arr):
        arr = np.transpose(arr, (0, 2, 3, 1))
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if np.issubdtype(arr.dtype, np.floating):
        return np.clip(np.rint(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    return np.clip(arr, 0, 255).astype(np.uint8)


def to_float_nchw(images: ImageBatch) -> torch.Tensor:
    """Return images as a float32 tensor (N, C, H, W) in [0, 1] (uint8 inputs are divided by 255)."""
    if isinstance(images, torch.Tensor) and images.ndim == 4 and images.is_floating_point() and _channels_first(
        images
    ):
        return images.float()
    arr = _as_numpy(images)
    if arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim == 4 and not _channels_first(arr):
        arr = np.transpose(arr, (0, 3, 1, 2))
    elif arr.ndim != 4:
        raise ValueError(f"expected (N, H, W), (N, H, W, C) or (N, C, H, W) images, got shape {arr.shape}")
    out = torch.from_numpy(np.ascontiguousarray(arr)).float()
    if not np.issubdtype(arr.dtype, np.floating):
        out = out / 255.0
    return out
