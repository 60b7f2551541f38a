"""A small gated PixelCNN over discrete code maps (van den Oord et al. 2016), the VQ-VAE prior.

Two stacks without a blind spot: the vertical stack sees the rows above, the horizontal stack
the pixels to the left in the current row plus the vertical stack's features. The first layer
masks the centre (the last row of the vertical kernel, the last column of the horizontal one),
so the logits at (i, j) depend only on codes before (i, j) in raster order. Masks multiply the
weights in the forward pass (no in-place edits of parameters).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _gate(x: torch.Tensor) -> torch.Tensor:
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    """One gated layer: (vertical, horizontal) feature maps -> the next pair, same shapes."""

    def __init__(self, channels: int, kernel: int, first: bool) -> None:
        super().__init__()
        if kernel % 2 == 0:
            raise ValueError(f"PixelCNN kernels are odd, got {kernel}")
        self.k, self.first = kernel // 2, first
        self.vertical = nn.Conv2d(channels, 2 * channels, (self.k + 1, kernel))
        self.horizontal = nn.Conv2d(channels, 2 * channels, (1, self.k + 1))
        self.vertical_to_horizontal = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        v_mask, h_mask = torch.ones_like(self.vertical.weight), torch.ones_like(self.horizontal.weight)
        if first:  # the current row (vertical) and the current pixel (horizontal) stay unseen
            v_mask[:, :, -1] = 0
            h_mask[:, :, :, -1] = 0
        self.register_buffer("v_mask", v_mask, persistent=False)
        self.register_buffer("h_mask", h_mask, persistent=False)

    def forward(self, v: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.k
        # Output row i sees input rows i-k..i; output column j sees columns j-k..j (masked
        # to < i and < j in the first layer).
        v_feat = F.conv2d(F.pad(v, (k, k, k, 0)), self.vertical.weight * self.v_mask, self.vertical.bias)
        h_feat = F.conv2d(F.pad(h, (k, 0, 0, 0)), self.horizontal.weight * self.h_mask, self.horizontal.bias)
        h_out = self.out(_gate(h_feat + self.vertical_to_horizontal(v_feat)))
        return _gate(v_feat), h_out if self.first else h_out + h


class GatedPixelCNN(nn.Module):
    """Code map (B, H, W) of integers < n_codes -> logits (B, n_codes, H, W) of each code given
    the codes before it in raster order."""

    def __init__(self, n_codes: int, channels: int = 64, n_layers: int = 8, kernel: int = 3, first_kernel: int = 7) -> None:
        super().__init__()
        self.n_codes = n_codes
        self.embedding = nn.Embedding(n_codes, channels)
        self.layers = nn.ModuleList(
            [GatedLayer(channels, first_kernel, first=True)]
            + [GatedLayer(channels, kernel, first=False) for _ in range(n_layers - 1)]
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, n_codes, 1))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        x = self.embedding(codes).permute(0, 3, 1, 2)
        v = h = x
        for layer in self.layers:
            v, h = layer(v, h)
        return self.head(h)

    @torch.no_grad()
    def sample(
        self, n: int, shape: tuple[int, int], rng: torch.Generator, temperature: float = 1.0, progress=None
    ) -> torch.Tensor:
        """Draw n code maps position by position; the draws use ``rng`` (a CPU generator)."""
        device = self.embedding.weight.device
        codes = torch.zeros((n, *shape), dtype=torch.long, device=device)
        positions = [(i, j) for i in range(shape[0]) for j in range(shape[1])]
        steps = range(len(positions)) if progress is None else progress(range(len(positions)))
        for s in steps:
            i, j = positions[s]
            probs = torch.softmax(self(codes)[:, :, i, j].float() / temperature, dim=-1)
            codes[:, i, j] = torch.multinomial(probs.cpu(), 1, generator=rng)[:, 0].to(device)
        return codes
