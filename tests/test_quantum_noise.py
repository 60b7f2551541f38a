"""Noisy circuits: routing, exact density matrix vs PennyLane default.mixed, trajectories."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.quantum import build_circuit, make_executor
from qgen.quantum.noise import NoiseModel, simulation_path
from qgen.quantum.testing import random_circuit
from qgen.quantum.torch_backend import TorchExecutor

# PennyLane's default.mixed builds RZ in single precision (6e-9 off for one RZ at float64,
# measured with PennyLane 0.45), so agreement with it is checked at 1e-6, not 1e-10.
MIXED_TOL = 1e-6
NOISES = [
    {"depolarizing": 0.05},
    {"amplitude_damping": 0.1},
    {"depolarizing": 0.02, "amplitude_damping": 0.05, "after": "layer"},
]


def _inputs(spec, batch: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(batch, spec.n_qubits, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    w = (torch.rand(spec.weight_shape, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    return x.requires_grad_(True), w.requires_grad_(True)


def _run(spec, backend, x, w, **options):
    out = make_executor(spec, backend, **options)(x, w)
    grads = torch.autograd.grad((out * torch.linspace(-1, 1, out.shape[1], dtype=out.dtype)).sum(), (x, w))
    return [out.detach(), *grads]


def test_routing_table() -> None:
    assert simulation_path(False, 16) == "statevector"
    assert simulation_path(True, 4) == "density_matrix"
    assert simulation_path(True, 10) == "density_matrix"
    assert simulation_path(True, 11) == "trajectories"
    assert simulation_path(True, 4, method="trajectories") == "trajectories"
    assert simulation_path(True, 4, dm_max_qubits=3) == "trajectories"
    with pytest.raises(ValueError):
        simulation_path(True, 4, method="statevector")


def test_noise_model_options() -> None:
    assert NoiseModel.coerce(None) is None
    assert NoiseModel.coerce({"depolarizing": 0.0}) is None  # inactive noise is no noise
    assert NoiseModel.coerce({"depolarizing": 0.1}) == NoiseModel(depolarizing=0.1)
    with pytest.raises(ValueError):
        NoiseModel(depolarizing=1.5)
    with pytest.raises(ValueError):
        NoiseModel(after="shot")


@pytest.mark.parametrize("noise", NOISES)
def test_density_matrix_matches_default_mixed(noise: dict) -> None:
    spec = build_circuit("s2_attention", n_qubits=4, n_layers=2)
    x, w = _inputs(spec)
    executor = TorchExecutor(spec, dtype="float64", noise=noise)
    assert executor.path == "density_matrix"
    ref = _run(spec, "default.mixed", x, w, noise=noise)
    got = _run(spec, "torch", x, w, dtype="float64", noise=noise)
    for r, o in zip(ref, got):
        assert (r - o).abs().max().item() < MIXED_TOL


@pytest.mark.parametrize("seed", [0, 1])
def test_density_matrix_matches_default_mixed_random(seed: int) -> None:
    spec = random_circuit(4, 16, seed, measurements="mixed")
    x, w = _inputs(spec, seed=seed)
    noise = {"depolarizing": 0.03, "amplitude_damping": 0.04}
    ref = _run(spec, "default.mixed", x, w, noise=noise)
    got = _run(spec, "torch", x, w, dtype="float64", noise=noise)
    for r, o in zip(ref, got):
        assert (r - o).abs().max().item() < MIXED_TOL


def test_noiseless_density_matrix_is_exact() -> None:
    """Forcing the density-matrix path on a noiseless circuit reproduces the statevector."""
    spec = random_circuit(5, 30, 3, measurements="mixed")
    x, w = _inputs(spec)
    sv = _run(spec, "torch", x, w, dtype="float64")
    dm = _run(spec, "torch", x, w, dtype="float64", noise_method="density_matrix")
    for a, b in zip(sv, dm):
        assert (a - b).abs().max().item() < 1e-10


def test_trajectories_estimate_the_density_matrix() -> None:
    spec = build_circuit("s2_attention", n_qubits=4, n_layers=1)
    x, w = _inputs(spec)
    noise = {"depolarizing": 0.05, "amplitude_damping": 0.1}
    exact = make_executor(spec, "torch", dtype="float64", noise=noise)(x, w)
    n = 2000
    options = {"dtype": "float64", "noise": noise, "noise_method": "trajectories", "seed": 0}
    est = make_executor(spec, "torch", n_trajectories=n, **options)(x, w)
    # |<Z>| <= 1, so the standard error of a mean of n trajectories is below 1/sqrt(n).
    assert (est - exact).abs().max().item() < 5 / math.sqrt(n)
    a = make_executor(spec, "torch", n_trajectories=20, **options)(x, w)
    b = make_executor(spec, "torch", n_trajectories=20, **options)(x, w)
    assert torch.equal(a, b)  # seeded: reproducible


def test_large_noisy_circuits_route_to_trajectories_and_product_blocks_stay_exact() -> None:
    # 12 qubits entangled in one block: too big for the density matrix, so trajectories.
    s1 = build_circuit("s1_paper", n_qubits=12, n_layers=1)
    assert TorchExecutor(s1, noise={"depolarizing": 0.01}).path == "trajectories"
    # The same size without entanglement: independent one-qubit blocks, exact density matrices.
    product = build_circuit("s1_paper", n_qubits=12, n_layers=1, entanglement="none")
    executor = TorchExecutor(product, dtype="float64", noise={"depolarizing": 0.1})
    assert executor.path == "density_matrix" and executor.plan.largest_block == 1
    x = torch.rand(5, 12, dtype=torch.float64)
    w = torch.zeros(product.weight_shape, dtype=torch.float64)
    # RY(x), depolarizing, RZ, depolarizing: <Z> = (1 - 4p/3)^2 cos(x).
    torch.testing.assert_close(executor(x, w), (1 - 0.4 / 3) ** 2 * torch.cos(x), rtol=0, atol=1e-12)


def test_pennylane_statevector_backends_refuse_noise() -> None:
    spec = build_circuit("s2_attention", n_qubits=4)
    with pytest.raises(ValueError, match="default.mixed"):
        make_executor(spec, "default.qubit", noise={"depolarizing": 0.1})
