"""Samplers: turn a noise-prediction network and a schedule into images."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from qgen.diffusion.schedule import NoiseSchedule

NoiseSource = Callable[[tuple[int, ...], torch.Generator], torch.Tensor]


def gaussian_noise(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    return torch.randn(shape, generator=generator)


@torch.no_grad()
def ddpm_sample(
    model: nn.Module,
    schedule: NoiseSchedule,
    shape: tuple[int, ...],
    generator: torch.Generator,
    device: torch.device | str = "cpu",
    clip_x0: bool | float = True,
    noise: NoiseSource = gaussian_noise,
    progress: Callable[[range], range] | None = None,
) -> torch.Tensor:
    """Ancestral DDPM sampling, as S1 samples (SPEC.md).

    At each step: predict x0 from the noise estimate, clip it to [-1, 1], take the posterior
    mean and add sqrt(beta_tilde) noise, except at t = 0, where the clipped x0 is returned.
    Noise is drawn on the CPU from ``generator`` so samples do not depend on the device.
    ``clip_x0``: True clips to [-1, 1] (pixels), a positive number c to [-c, c] (the range of a
    latent diffusion model's training latents), False not at all.
    """
    bound = 1.0 if clip_x0 is True else float(clip_x0 or 0.0)
    x = noise(shape, generator).to(device)
    steps = range(schedule.timesteps - 1, -1, -1)
    for step in progress(steps) if progress else steps:
        t = torch.full((shape[0],), step, dtype=torch.long, device=device)
        eps = model(x, t)
        x0 = schedule.predict_x0(x, t, eps)
        if bound:
            x0 = x0.clamp(-bound, bound)
        if step == 0:
            return x0
        mean, var = schedule.posterior(x0, x, t)
        x = mean + var.sqrt() * noise(shape, generator).to(device)
    return x
