"""Vector quantisation with a straight-through estimator (van den Oord et al. 2017).

Two codebook updates:
- ``ema=False``: the codebook is a parameter trained by the codebook loss ||sg[z] - e||^2;
- ``ema=True``: the codebook is a buffer, moved towards the mean of the encoder outputs
  assigned to each code by exponential moving averages of counts and sums (the paper's
  appendix; Laplace-smoothed counts as in Sonnet's ``VectorQuantizerEMA``), only in training
  mode. The codebook loss is then logged but not minimised.
Both initialise the codebook uniformly in [-1/K, 1/K] (as the reference implementations).

Optional random restarts of dead codes (``dead_code_threshold`` > 0; Dhariwal et al. 2020,
Jukebox): an exponential moving average (decay ``decay``) of each code's use per batch is kept;
after each training step, codes whose average falls below the threshold are moved onto encoder
outputs of the current batch drawn with the caller's generator. With a threshold of 1 every
unused code restarts at the first step. Off by default (the paper has none).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class VectorQuantizer(nn.Module):
    """Encoder outputs (B, D, H, W) -> nearest codebook vectors, codes (B, H, W) and losses."""

    def __init__(
        self, n_codes: int, dim: int, ema: bool = False, decay: float = 0.99, epsilon: float = 1e-5,
        dead_code_threshold: float = 0.0,
    ) -> None:
        super().__init__()
        self.n_codes, self.dim, self.ema = n_codes, dim, ema
        self.decay, self.epsilon, self.dead_code_threshold = decay, epsilon, dead_code_threshold
        init = torch.empty(n_codes, dim).uniform_(-1.0 / n_codes, 1.0 / n_codes)
        if ema:
            self.register_buffer("embedding", init)
            self.register_buffer("cluster_size", torch.zeros(n_codes))
            self.register_buffer("embed_sum", init.clone())
        else:
            self.embedding = nn.Parameter(init)
        if dead_code_threshold > 0:
            self.register_buffer("usage", torch.ones(n_codes))

    @torch.no_grad()
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

    def forward(
        self, z: torch.Tensor, rng: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Quantised z with straight-through gradients, the codes, and the losses: ``codebook``
        (||sg[z] - e||^2) and ``commitment`` (||z - sg[e]||^2), each a mean over elements.

        In training mode, an EMA codebook moves, and dead codes restart (drawn with ``rng``)
        for the next step."""
        codes = self.codes(z)
        if self.ema and self.training:
            self._ema_update(z, codes)
        q = self.lookup(codes)
        losses = {"codebook": F.mse_loss(q, z.detach()), "commitment": F.mse_loss(z, q.detach())}
        if self.dead_code_threshold > 0 and self.training:
            if rng is None:
                raise ValueError("restarting dead codes needs the step's random generator")
            self._restart_dead_codes(z, codes, rng)
        return z + (q - z).detach(), codes, losses

    @torch.no_grad()
    def _restart_dead_codes(self, z: torch.Tensor, codes: torch.Tensor, rng: torch.Generator) -> None:
        counts = torch.bincount(codes.reshape(-1), minlength=self.n_codes).to(self.usage.dtype)
        self.usage.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        dead = self.usage < self.dead_code_threshold
        n_dead = int(dead.sum())
        if n_dead == 0:
            return
        flat = z.detach().permute(0, 2, 3, 1).reshape(-1, self.dim)
        picks = torch.randint(0, flat.shape[0], (n_dead,), generator=rng).to(flat.device)
        self.embedding.data[dead] = flat[picks].to(self.embedding.dtype)
        self.usage[dead] = self.dead_code_threshold
        if self.ema:  # restart the averages as if each new code had been seen once
            self.embed_sum[dead] = self.embedding[dead]
            self.cluster_size[dead] = 1.0

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
