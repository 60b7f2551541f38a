"""Noise schedules: the betas of the forward process and the quantities derived from them."""

from __future__ import annotations

import math

import torch

from qgen.registry import Registry

BETA_SCHEDULES: Registry = Registry("beta schedule")


@BETA_SCHEDULES.register("cosine")
def cosine_betas(timesteps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Nichol & Dhariwal's cosine schedule as S1 uses it (SPEC.md).

    alpha_bar(t) = cos^2(((t/T + s)/(1 + s)) * pi/2) / alpha_bar(0), and
    beta_t = 1 - alpha_bar(t)/alpha_bar(t-1), clipped to [1e-4, max_beta].
    """
    t = torch.arange(timesteps + 1, dtype=torch.float64)
    f = torch.cos(((t / timesteps + s) / (1 + s)) * math.pi / 2) ** 2
    alpha_bar = f / f[0]
    betas = 1 - alpha_bar[1:] / alpha_bar[:-1]
    return betas.clamp(1e-4, max_beta)


@BETA_SCHEDULES.register("linear")
def linear_betas(timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """Ho et al.'s linear schedule, scaled to T (an option for the noise-schedule ablation)."""
    scale = 1000 / timesteps
    return torch.linspace(scale * beta_start, scale * beta_end, timesteps, dtype=torch.float64)


@BETA_SCHEDULES.register("sigmoid")
def sigmoid_betas(
    timesteps: int, start: float = -3.0, end: float = 3.0, tau: float = 1.0, max_beta: float = 0.999
) -> torch.Tensor:
    """The sigmoid schedule of Jabri et al. (2022) and Chen (2023), as alpha_bar in closed form:

    alpha_bar(t) = (v_end - sigmoid(((t/T) (end - start) + start) / tau)) / (v_end - v_start),
    v = sigmoid(end / tau), sigmoid(start / tau); alpha_bar(0) = 1 and alpha_bar(T) = 0. Then
    beta_t = 1 - alpha_bar(t)/alpha_bar(t-1), clipped to max_beta (only the last step is).
    """
    t = torch.arange(timesteps + 1, dtype=torch.float64)
    v_start, v_end = (torch.tensor([start, end], dtype=torch.float64) / tau).sigmoid()
    alpha_bar = (v_end - (((t / timesteps) * (end - start) + start) / tau).sigmoid()) / (v_end - v_start)
    betas = 1 - alpha_bar[1:] / alpha_bar[:-1]
    return betas.clamp(0, max_beta)


class NoiseSchedule:
    """Precomputed forward-process coefficients for betas of length T (index t = 0..T-1)."""

    def __init__(self, betas: torch.Tensor) -> None:
        betas = betas.to(torch.float64)
        self.timesteps = len(betas)
        self.betas = betas
        self.alphas = 1 - betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        alpha_bars_prev = torch.cat([torch.ones(1, dtype=torch.float64), self.alpha_bars[:-1]])
        self.alpha_bars_prev = alpha_bars_prev
        # Posterior q(x_{t-1} | x_t, x_0) (Ho et al., eq. 6-7).
        self.posterior_variance = betas * (1 - alpha_bars_prev) / (1 - self.alpha_bars)
        self.posterior_mean_coef_x0 = betas * alpha_bars_prev.sqrt() / (1 - self.alpha_bars)
        self.posterior_mean_coef_xt = (1 - alpha_bars_prev) * self.alphas.sqrt() / (1 - self.alpha_bars)

    @classmethod
    def from_name(cls, name: str, timesteps: int, **kwargs: float) -> "NoiseSchedule":
        return cls(BETA_SCHEDULES.get(name)(timesteps, **kwargs))

    @staticmethod
    def _gather(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        out = values.to(like.device)[t].to(like.dtype)
        return out.reshape(-1, *([1] * (like.dim() - 1)))

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps."""
        a = self._gather(self.alpha_bars, t, x0)
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    def predict_x0(self, xt: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        a = self._gather(self.alpha_bars, t, xt)
        return (xt - (1 - a).sqrt() * eps) / a.sqrt()

    def posterior(self, x0: torch.Tensor, xt: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of q(x_{t-1} | x_t, x_0)."""
        mean = self._gather(self.posterior_mean_coef_x0, t, xt) * x0 + self._gather(
            self.posterior_mean_coef_xt, t, xt
        ) * xt
        return mean, self._gather(self.posterior_variance, t, xt)
