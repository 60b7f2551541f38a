"""Sampling with fewer steps than training: a respaced schedule (Nichol & Dhariwal 2021, sec. 4).

A model trained on T steps samples on a subsequence S of them (evenly spaced, always holding
t = 0 and t = T - 1): the respaced process has alpha_bar_k = alpha_bar(S_k), hence
beta_k = 1 - alpha_bar(S_k) / alpha_bar(S_{k-1}), and the denoiser is called with the original
time step S_k. :func:`qgen.diffusion.ddpm_sample` then runs unchanged on the respaced schedule,
so the same ancestral sampler serves every step count; with S = all T steps it is exactly the
original sampler.
"""

from __future__ import annotations

import torch
from torch import nn

from qgen.diffusion.schedule import NoiseSchedule


def respaced_steps(timesteps: int, steps: int) -> torch.Tensor:
    """``steps`` time steps evenly spaced over 0..T-1 (both ends included), increasing."""
    if not 1 <= steps <= timesteps:
        raise ValueError(f"cannot sample with {steps} steps from a model trained on {timesteps}; use 1..{timesteps}")
    if steps == 1:
        return torch.tensor([timesteps - 1])
    return torch.linspace(0, timesteps - 1, steps, dtype=torch.float64).round().long().unique()


def respace(schedule: NoiseSchedule, steps: int) -> tuple[NoiseSchedule, torch.Tensor]:
    """The respaced schedule on ``steps`` steps and the original time step of each of its steps."""
    kept = respaced_steps(schedule.timesteps, steps)
    alpha_bars = schedule.alpha_bars[kept]
    previous = torch.cat([torch.ones(1, dtype=alpha_bars.dtype), alpha_bars[:-1]])
    return NoiseSchedule(1 - alpha_bars / previous), kept


class RespacedModel(nn.Module):
    """Calls ``model(x, t)`` with the original time step of respaced step ``t``."""

    def __init__(self, model: nn.Module, kept: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("kept", kept, persistent=False)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.model(x, self.kept.to(t.device)[t])
