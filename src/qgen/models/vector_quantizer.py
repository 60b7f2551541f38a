"""Vector quantisation with a straight-through estimator (van den Oord et al. 2017).

Two codebook updates:
- ``ema=False``: the codebook is a parameter trained by the codebook loss ||sg[z] - e||^2;
- ``ema=True``: the codebook is a buffer, moved towards the mean of the encoder outputs
  assigned to each code by exponential moving averages of counts and sums (the paper's
  appendix; Laplace-smoothed counts as in Sonnet's ``VectorQuantizerEMA``), only in training
  mode. The codebook loss is then logged but not minimised.
Both initialise the codebook uniformly in [-1/K, 1/K] (as the reference implementations).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class VectorQuantizer(nn.Module):
    """Encoder outputs (B, D, H, W) -> nearest codebook vectors, codes (B, H, W) and losses."""

    def __init__(
        self, n_codes: int, dim: int, ema: bool = False, decay: float = 0.99, epsilon: float = 1e-5
    ) -> None:
        super().__init__()
        self.n_codes, self.dim, self.ema = n_codes, dim, ema
        self.decay, self.epsilon = decay, epsilon
        init = torch.empty(n_codes, dim).uniform_(-1.0 / n_codes, 1.0 / n_codes)
        if ema:
            self.register_buffer("embedding", init)
            self.register_buffer("cluster_size", torch.zeros(n_codes))
            self.register_buffer("embed_sum", init.clone())
        else:
            self.embedding = nn.Parameter(init)

    def codes(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D, H, W) -> indices (B, H, W) of the nearest codebook vectors (squared L2)."""
        b, d, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, d)
        e = self.embedding
        distances = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ e.T + e.pow(2).sum(1)[None, :]
        return distances.argmin(1).view(b, h, w)

    def lookup(self, codes: torch.Tensor) -> torch.Tensor:
        """Indices (B, H, W) -> codebook vectors (B, D, H, W)."""
        return F.embedding(codes, self.embedding).permute(0, 3, 1, 2).contiguous()

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Quantised z with straight-through gradients, the codes, and the losses: ``codebook``
        (||sg[z] - e||^2) and ``commitment`` (||z - sg[e]||^2), each a mean over elements."""
        codes = self.codes(z)
        if self.ema and self.training:
            self._ema_update(z, codes)
        q = self.lookup(codes)
        losses = {"codebook": F.mse_loss(q, z.detach()), "commitment": F.mse_loss(z, q.detach())}
        return z + (q - z).detach(), codes, losses

    @torch.no_grad()
    def _ema_update(self, z: torch.Tensor, codes: torch.Tensor) -> None:
        flat = z.permute(0, 2, 3, 1).reshape(-1, self.dim)
        onehot = F.one_hot(codes.reshape(-1), self.n_codes).to(flat.dtype)
        self.cluster_size.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.embed_sum.mul_(self.decay).add_(onehot.T @ flat, alpha=1 - self.decay)
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + self.epsilon) / (total + self.n_codes * self.epsilon) * total
        self.embedding.copy_(self.embed_sum / smoothed[:, None])


def code_statistics(codes: torch.Tensor, n_codes: int) -> dict[str, float]:
    """Usage of a codebook by these codes: ``n_used`` codes, ``usage`` (n_used / K) and
    ``perplexity`` (exp of the entropy of the code frequencies; K for uniform use, 1 for one code)."""
    counts = torch.bincount(codes.reshape(-1).cpu(), minlength=n_codes).double()
    p = counts / counts.sum()
    entropy = -(p[p > 0] * p[p > 0].log()).sum()
    n_used = int((counts > 0).sum())
    return {"n_used": n_used, "usage": n_used / n_codes, "perplexity": float(math.exp(float(entropy)))}
