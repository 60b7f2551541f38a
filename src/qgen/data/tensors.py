"""Convert between stored images (uint8 NHWC, 0..255) and model tensors (float NCHW, -1..1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def to_model_tensor(images: np.ndarray) -> "torch.Tensor":
    """uint8 (N, H, W, C) -> float32 (N, C, H, W) in [-1, 1], the range diffusion models use."""
    import torch

    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"expected uint8 images of shape (N, H, W, C), got {images.dtype} {images.shape}")
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
    return (x / 127.5 - 1.0).contiguous()


def from_model_tensor(x: "torch.Tensor") -> np.ndarray:
    """float (N, C, H, W), nominally in [-1, 1] -> uint8 (N, H, W, C): clipped, then rounded."""
    import torch

    if x.ndim != 4:
        raise ValueError(f"expected a tensor of shape (N, C, H, W), got {tuple(x.shape)}")
    y = ((x.detach().to("cpu", torch.float32).clamp(-1.0, 1.0) + 1.0) * 127.5).round()
    return y.to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
