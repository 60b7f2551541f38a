"""Time-step embeddings."""

from __future__ import annotations

import math

import torch
from torch import nn


class SinusoidalEmbedding(nn.Module):
    """gamma(t) = [sin(t w_k), cos(t w_k)], w_k = 10000^(-2k/d) (S1 eq. 5)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"embedding dimension must be even, got {dim}")
        half = dim // 2
        self.register_buffer(
            "freqs", torch.exp(-math.log(10000.0) * torch.arange(half) / half), persistent=False
        )

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t.float()[:, None] * self.freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)
