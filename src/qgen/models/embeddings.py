"""Time-step embeddings."""

from __future__ import annotations

import math

import torch
from torch import nn

# How the frequencies w_k (k = 0..d/2-1) are spaced: the paper's text (eq. 5) divides by d/2,
# the authors' code by d/2 - 1 (SPEC.md, S1); the authors_code presets select the latter.
FREQUENCY_SPACINGS = ("paper", "authors")


class SinusoidalEmbedding(nn.Module):
    """gamma(t) = [sin(t w_k), cos(t w_k)] with w_k = exp(-ln(10000) k / D).

    ``spacing="paper"``: D = d/2, i.e. w_k = 10000^(-2k/d) (S1 eq. 5).
    ``spacing="authors"``: D = d/2 - 1, as the authors' code computes it.
    """

    def __init__(self, dim: int, spacing: str = "paper") -> None:
        super().__init__()
        if dim % 2 or dim < 4:
            raise ValueError(f"embedding dimension must be even and at least 4, got {dim}")
        if spacing not in FREQUENCY_SPACINGS:
            raise ValueError(f"unknown time-embedding spacing {spacing!r}; choose one of {FREQUENCY_SPACINGS}")
        half = dim // 2
        if spacing == "paper":
            freqs = torch.exp(-math.log(10000.0) * torch.arange(half) / half)
        else:  # the authors' expression, operation for operation, so float32 rounding matches too
            freqs = torch.exp(torch.arange(half) * -(math.log(10000.0) / (half - 1)))
        self.register_buffer("freqs", freqs, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t.float()[:, None] * self.freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)
