"""How training draws the diffusion time step t of each image, and how it weights the loss.

A sampler's ``sample(n, rng)`` returns time steps (n,) and per-image loss weights (None: all 1);
``update(t, losses)`` sees the per-image losses of its last draw (training batches only). A
sampler with a running estimate is an ``nn.Module`` whose estimate is a buffer: it is part of
the family's state dict, so the trainer checkpoints it and a resumed run stays bit-identical.
"""

from __future__ import annotations

import torch
from torch import nn

from qgen.registry import Registry

TIMESTEP_SAMPLERS: Registry = Registry("time-step sampler")


@TIMESTEP_SAMPLERS.register("uniform")
class UniformTimesteps:
    """t ~ U{0, ..., T-1}, every image weighted 1 (S1, SPEC.md)."""

    def __init__(self, timesteps: int) -> None:
        self.timesteps = timesteps

    def sample(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Time steps (n,) and per-image loss weights (None: all 1)."""
        return torch.randint(0, self.timesteps, (n,), generator=rng), None

    def update(self, t: torch.Tensor, losses: torch.Tensor) -> None:
        """Per-image losses of the last draw (used by adaptive samplers)."""


@TIMESTEP_SAMPLERS.register("loss_weighted")
class LossWeightedTimesteps(nn.Module):
    """Importance sampling of t from a running estimate of the loss at each step (S1's
    "tailored noise scheduling across time steps", our reading; Nichol & Dhariwal 2021).

    t is drawn with probability p(t) proportional to sqrt(E[L_t^2]) and each image's loss is
    weighted by w(t) = 1 / (T p(t)), so E_p[w L] = (1/T) sum_t E[L_t]: the uniform objective,
    unbiased, with draws spent where the loss is large and variable. Nichol & Dhariwal keep the
    last 10 losses of every t, which a run of a few thousand steps at T = 1000 never fills; here
    the steps form ``n_bins`` contiguous bins (t uniform within a bin), each keeping a running
    mean of L^2: a plain mean over its first ``warmup`` losses, then an exponential moving
    average (``decay`` per loss). Until every bin has ``warmup`` losses, p is uniform (weights 1).
    Mixing ``uniform_mix`` of the uniform distribution into p bounds every weight by
    1 / uniform_mix.
    """

    def __init__(self, timesteps: int, n_bins: int = 20, decay: float = 0.99, warmup: int = 10,
                 uniform_mix: float = 0.1) -> None:
        super().__init__()
        self.timesteps, self.decay, self.warmup, self.uniform_mix = timesteps, decay, warmup, uniform_mix
        n_bins = min(n_bins, timesteps)
        self.register_buffer("edges", torch.arange(n_bins + 1) * timesteps // n_bins, persistent=False)
        self.register_buffer("second_moment", torch.zeros(n_bins, dtype=torch.float64))
        self.register_buffer("counts", torch.zeros(n_bins, dtype=torch.long))

    @property
    def sizes(self) -> torch.Tensor:
        return (self.edges[1:] - self.edges[:-1]).cpu()

    def bin_probabilities(self) -> torch.Tensor:
        """Probability of each bin (float64, CPU): uniform until every bin is warm."""
        uniform = self.sizes.double() / self.timesteps
        root = self.second_moment.detach().cpu().sqrt()
        if bool((self.counts < self.warmup).any()) or not root.sum() > 0:
            return uniform
        return (1 - self.uniform_mix) * root / root.sum() + self.uniform_mix * uniform

    def probabilities(self) -> torch.Tensor:
        """p(t) for t = 0..T-1."""
        sizes = self.sizes
        return torch.repeat_interleave(self.bin_probabilities() / sizes, sizes)

    def sample(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        p_bin, sizes, edges = self.bin_probabilities(), self.sizes, self.edges.cpu()
        b = torch.multinomial(p_bin, n, replacement=True, generator=rng)
        t = edges[b] + (torch.rand(n, generator=rng, dtype=torch.float64) * sizes[b]).long()
        weights = sizes[b].double() / (self.timesteps * p_bin[b])
        return t, weights.float()

    @torch.no_grad()
    def update(self, t: torch.Tensor, losses: torch.Tensor) -> None:
        n_bins = len(self.counts)
        b = torch.bucketize(t.cpu(), self.edges[1:].cpu(), right=True)
        k = torch.bincount(b, minlength=n_bins)
        total = torch.bincount(b, weights=losses.detach().cpu().double() ** 2, minlength=n_bins)
        m, c = self.second_moment.cpu(), self.counts.cpu()
        seen = k > 0
        warm = c >= self.warmup
        mean_of_all = (m * c + total) / (c + k).clamp_min(1)
        decay = self.decay ** k.double()
        moving = decay * m + (1 - decay) * total / k.clamp_min(1)
        new = torch.where(seen & warm, moving, torch.where(seen, mean_of_all, m))
        self.second_moment.copy_(new)
        self.counts.add_(k.to(self.counts.device))
