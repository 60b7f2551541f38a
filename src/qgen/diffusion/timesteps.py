"""How training draws the diffusion time step t of each image."""

from __future__ import annotations

import torch

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
