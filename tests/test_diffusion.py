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


def test_sigmoid_schedule_matches_its_closed_form() -> None:
    T, start, end, tau = 1000, -3.0, 3.0, 1.0
    schedule = NoiseSchedule.from_name("sigmoid", T)
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731

    def alpha_bar(t: float) -> float:
        v_start, v_end = sig(start / tau), sig(end / tau)
        return (v_end - sig(((t / T) * (end - start) + start) / tau)) / (v_end - v_start)

    assert alpha_bar(0) == 1.0
    for t in [1, 2, 10, 250, 500, 900, 999]:
        expected = 1 - alpha_bar(t) / alpha_bar(t - 1)
        assert abs(schedule.betas[t - 1].item() - expected) < 1e-12
        assert abs(schedule.alpha_bars[t - 1].item() - alpha_bar(t)) < 1e-9  # the product telescopes
    assert schedule.betas[-1].item() == 0.999  # alpha_bar(T) = 0: the last beta is clipped
    assert (schedule.betas[1:] > schedule.betas[:-1]).all()


def _warm_sampler(losses_of_t, timesteps: int = 100, steps: int = 60, seed: int = 0):
    from qgen.diffusion.timesteps import LossWeightedTimesteps

    sampler = LossWeightedTimesteps(timesteps, n_bins=10)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        t, _ = sampler.sample(64, g)
        sampler.update(t, losses_of_t(t) * (1 + 0.1 * torch.randn(64, generator=g, dtype=torch.float64)))
    return sampler, g


def test_loss_weighted_sampling_keeps_the_loss_unbiased_on_a_toy_problem() -> None:
    """A toy loss that falls steeply with t: importance sampling must favour small t and its
    weights must give back the uniform objective, exactly in expectation and by simulation."""
    T = 100
    loss = lambda t: 1.0 / (1.0 + t.double())  # noqa: E731
    sampler, g = _warm_sampler(loss, T)
    p = sampler.probabilities()
    assert p.shape == (T,) and torch.isclose(p.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert p[0] > 3 / T and p[-1] < 1 / T  # not uniform: the large early losses are drawn more
    t_all = torch.arange(T)
    weights = 1 / (T * p)
    exact_uniform = loss(t_all).mean()
    assert torch.isclose((p * weights * loss(t_all)).sum(), exact_uniform, rtol=1e-12)
    draws = [sampler.sample(4096, g) for _ in range(20)]
    t, w = torch.cat([d[0] for d in draws]), torch.cat([d[1] for d in draws]).double()
    estimate = (w * loss(t)).mean()
    se = (w * loss(t)).std() / len(t) ** 0.5
    assert abs(estimate - exact_uniform) < 4 * se
    assert w.max() <= 1 / sampler.uniform_mix + 1e-9
    # The gradient of a toy regression (theta toward t-dependent targets) is unbiased too.
    theta = torch.tensor(0.3, dtype=torch.float64)
    target = t_all.double() / T
    grad_uniform = (2 * (theta - target) * loss(t_all)).mean()
    grad_weighted = (2 * (theta - target[t]) * loss(t) * w).mean()
    assert abs(grad_weighted - grad_uniform) < 4 * (2 * (theta - target[t]) * loss(t) * w).std() / len(t) ** 0.5


def test_loss_weighted_sampler_is_uniform_until_warm_and_its_estimate_is_state() -> None:
    from qgen.diffusion.timesteps import LossWeightedTimesteps

    sampler = LossWeightedTimesteps(50, n_bins=5, warmup=3)
    t, w = sampler.sample(8, torch.Generator().manual_seed(0))
    assert torch.equal(w, torch.ones(8)) and ((0 <= t) & (t < 50)).all()
    sampler.update(torch.arange(0, 50, 2), torch.ones(25))
    assert set(sampler.state_dict()) == {"second_moment", "counts"}
    assert sampler.counts.tolist() == [5] * 5 and torch.allclose(sampler.second_moment, torch.ones(5, dtype=torch.float64))
