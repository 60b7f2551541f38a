"""S1's quantum-generated noise: the circuit source passes its moment and KS checks, a source
that cannot make standard normals is refused before use, and draws come from the run's generator."""

from __future__ import annotations

import pytest
import torch

from qgen.diffusion.noise import (
    CHECK_SIZE,
    CircuitNoise,
    NoiseCheckError,
    PseudoNoise,
    check_normal,
    noise_source,
)


@pytest.fixture(scope="module")
def hadamard() -> CircuitNoise:
    return CircuitNoise()  # 16 Hadamards on default.qubit, 32 bits per uniform, inverse CDF


def test_circuit_source_passes_moments_and_kolmogorov_smirnov(hadamard: CircuitNoise) -> None:
    draws = hadamard((CHECK_SIZE,), torch.Generator().manual_seed(11))
    check = check_normal(draws)
    assert check.passed, check.failures
    assert abs(check.mean) < 0.01 and abs(check.variance - 1) < 0.01 and check.ks_p > 0.01
    # The bits themselves: every qubit a fair coin, outcomes spread over all 2**16 values.
    outcomes = hadamard.shots(200_000, torch.Generator().manual_seed(3))
    bits = hadamard.bits_of(outcomes).reshape(-1, 16).double()
    assert (bits.mean(0) - 0.5).abs().max() < 0.01
    assert torch.allclose(hadamard.probs, torch.full((2**16,), 2.0**-16, dtype=torch.float64))


def test_box_muller_transform_passes_too() -> None:
    source = noise_source({"name": "circuit", "transform": "box_muller", "bits_per_uniform": 24}, log=None)
    assert source.check.passed


@pytest.mark.parametrize("spec, failure", [
    ({"name": "circuit", "circuit_params": {"bias": 0.05}}, "mean"),     # biased coins
    ({"name": "circuit", "bits_per_uniform": 4}, "variance"),            # too coarse uniforms
    ({"name": "circuit", "circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 1}}, "mean"),
])
def test_a_source_that_is_not_standard_normal_is_refused_with_the_fix(spec: dict, failure: str) -> None:
    with pytest.raises(NoiseCheckError, match=failure) as err:
        noise_source(spec, log=None)
    assert "Fix:" in str(err.value)


def test_the_check_is_logged_and_recorded() -> None:
    lines: list[str] = []
    source = noise_source("circuit", log=lines.append)
    assert len(lines) == 1 and "normality check passed" in lines[0] and "KS D=" in lines[0]
    assert source.check.as_dict()["passed"] is True


def test_draws_come_from_the_run_generator_and_resume_identically(hadamard: CircuitNoise) -> None:
    g = torch.Generator().manual_seed(5)
    first = hadamard((3, 1, 4, 4), g)
    state = g.get_state()
    second = hadamard((3, 1, 4, 4), g)
    g2 = torch.Generator()
    g2.set_state(state)
    assert torch.equal(hadamard((3, 1, 4, 4), g2), second)  # a resumed generator continues the stream
    assert not torch.equal(first, second) and first.dtype == torch.float32


def test_pseudo_source_is_torch_randn() -> None:
    a = PseudoNoise()((2, 3), torch.Generator().manual_seed(1))
    assert torch.equal(a, torch.randn((2, 3), generator=torch.Generator().manual_seed(1)))


def test_ddpm_uses_the_sampling_noise_source_of_the_sampling_slice() -> None:
    from qgen.families import DataSpec, build_family

    model = {"family": "ddpm", "quantum": None, "settings": {
        "denoiser": {"name": "s1_unet"},
        "diffusion": {"timesteps": 3, "schedule": "cosine", "timestep_sampling": "uniform", "clip_x0": True}}}
    family = build_family(model, DataSpec(1, 28, 10)).eval()
    pseudo = family.sample(2, torch.Generator().manual_seed(0))
    family.configure_sampling({"noise_source": "circuit"})
    quantum = family.sample(2, torch.Generator().manual_seed(0))
    assert not torch.equal(pseudo, quantum)
    report = family.report()["noise_sources"]
    assert report["sample"]["name"] == "circuit" and report["sample"]["check"]["passed"]
