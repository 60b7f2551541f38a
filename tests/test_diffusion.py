"""The cosine schedule against its closed form, and the ancestral sampler."""

import math

import torch

from qgen.diffusion import NoiseSchedule, ddpm_sample


def test_cosine_schedule_matches_closed_form() -> None:
    T, s = 1000, 0.008
    schedule = NoiseSchedule.from_name("cosine", T)

    def alpha_bar(t: float) -> float:
        f = lambda u: math.cos(((u / T + s) / (1 + s)) * math.pi / 2) ** 2  # noqa: E731
        return f(t) / f(0)

    for t in [1, 2, 10, 250, 500, 900, 990]:
        expected = min(max(1 - alpha_bar(t) / alpha_bar(t - 1), 1e-4), 0.999)
        assert abs(schedule.betas[t - 1].item() - expected) < 1e-12
    assert schedule.betas.min() >= 1e-4 and schedule.betas.max() <= 0.999
    assert schedule.betas[-1].item() == 0.999  # the last steps are clipped
    assert schedule.betas[0].item() == 1e-4  # and so is the first (closed form ~4e-5)
    assert torch.allclose(schedule.alpha_bars, torch.cumprod(1 - schedule.betas, 0))


def test_q_sample_and_predict_x0_invert_each_other() -> None:
    schedule = NoiseSchedule.from_name("cosine", 100)
    x0 = torch.rand(4, 1, 8, 8, dtype=torch.float64) * 2 - 1
    noise = torch.randn_like(x0)
    t = torch.tensor([0, 10, 50, 99])
    xt = schedule.q_sample(x0, t, noise)
    assert torch.allclose(schedule.predict_x0(xt, t, noise), x0, atol=1e-9)


class _OracleNoise(torch.nn.Module):
    """Predicts the noise that maps x_t back to a fixed image: the sampler must return it."""

    def __init__(self, schedule: NoiseSchedule, target: torch.Tensor) -> None:
        super().__init__()
        self.schedule, self.target = schedule, target

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        a = self.schedule._gather(self.schedule.alpha_bars, t, x)
        return (x - a.sqrt() * self.target) / (1 - a).sqrt()


def test_sampler_returns_clipped_x0_of_the_model() -> None:
    schedule = NoiseSchedule.from_name("cosine", 50)
    target = torch.linspace(-0.9, 0.9, 16).reshape(1, 1, 4, 4)
    out = ddpm_sample(_OracleNoise(schedule, target), schedule, (3, 1, 4, 4), torch.Generator().manual_seed(0))
    assert out.shape == (3, 1, 4, 4)
    assert torch.allclose(out, target.expand(3, -1, -1, -1), atol=1e-5)


def test_sampler_clips_and_is_seeded() -> None:
    schedule = NoiseSchedule.from_name("cosine", 20)
    model = lambda x, t: torch.zeros_like(x)  # noqa: E731
    a = ddpm_sample(model, schedule, (2, 1, 4, 4), torch.Generator().manual_seed(1))
    b = ddpm_sample(model, schedule, (2, 1, 4, 4), torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert a.min() >= -1 and a.max() <= 1
