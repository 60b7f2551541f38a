"""The torch backend equals PennyLane default.qubit (backprop): outputs and gradients."""

from __future__ import annotations

import math

import pennylane as qml
import pytest
import torch

from qgen.quantum import CircuitSpec, build_circuit, make_executor
from qgen.quantum.testing import random_circuit

ALL_GATES = (
    "RX", "RY", "RZ", "Rot", "PhaseShift", "CRX", "Hadamard", "PauliX", "PauliY", "S",
    "CNOT", "CZ", "SWAP", "Toffoli",
)  # fmt: skip
TOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def _outputs_and_grads(spec: CircuitSpec, backend: str, x: torch.Tensor, w: torch.Tensor, **options):
    x = x.detach().clone().requires_grad_(True)
    w = w.detach().clone().requires_grad_(True)
    out = make_executor(spec, backend, **options)(x, w)
    # A weighted sum, so every output column contributes its own gradient.
    loss = (out * torch.linspace(-1.0, 1.0, out.shape[1], dtype=out.dtype)).sum()
    gx, gw = torch.autograd.grad(loss, (x, w), allow_unused=True)
    return out.detach(), gx if gx is not None else torch.zeros_like(x), gw if gw is not None else torch.zeros_like(w)


def assert_matches_reference(spec: CircuitSpec, dtype: torch.dtype, batch: int = 3, seed: int = 0, **options) -> None:
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(batch, spec.n_qubits, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    w = (torch.rand(spec.weight_shape, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    ref = _outputs_and_grads(spec, "default.qubit", x, w)
    got = _outputs_and_grads(spec, "torch", x.to(dtype), w.to(dtype), dtype=dtype, **options)
    for name, r, o in zip(("outputs", "d/dinputs", "d/dweights"), ref, got):
        err = (o.double() - r.double()).abs().max().item()
        assert err < TOL[dtype], f"{spec.name}: {name} differ by {err:.2e} ({dtype}, {options})"


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", range(8))
def test_random_circuits_z_measurements(seed: int, dtype: torch.dtype) -> None:
    spec = random_circuit(4 + seed % 5, 24, seed)
    assert_matches_reference(spec, dtype)


@pytest.mark.parametrize("seed", range(8, 14))
def test_random_circuits_all_gates_mixed_measurements(seed: int) -> None:
    # X/Y words, products, a Hamiltonian and probs; extra gates through the generic paths.
    spec = random_circuit(4 + seed % 4, 30, seed, gates=ALL_GATES, measurements="mixed")
    assert_matches_reference(spec, torch.float64)
    assert_matches_reference(spec, torch.float32, seed=1)


@pytest.mark.parametrize("seed", [20, 21])
def test_full_statevector_fallback(seed: int) -> None:
    spec = random_circuit(5, 30, seed, gates=ALL_GATES, measurements="mixed")
    assert_matches_reference(spec, torch.float64, simplify=False)


@pytest.mark.parametrize("entanglement", ["linear", "circular", "all_to_all"])
@pytest.mark.parametrize("n_layers", [1, 4])
def test_s2_attention(entanglement: str, n_layers: int) -> None:
    spec = build_circuit("s2_attention", n_qubits=6, n_layers=n_layers, entanglement=entanglement)
    assert_matches_reference(spec, torch.float64)
    assert_matches_reference(spec, torch.float32)


@pytest.mark.parametrize("entanglement", ["linear", "circular", "all_to_all"])
def test_s1_small(entanglement: str) -> None:
    spec = build_circuit("s1_paper", n_qubits=6, n_layers=3, entanglement=entanglement)
    assert_matches_reference(spec, torch.float64)
    assert_matches_reference(spec, torch.float32)


def test_s1_sixteen_qubits_against_default_qubit() -> None:
    spec = build_circuit("s1_paper", n_qubits=16, n_layers=3)
    assert_matches_reference(spec, torch.float64, batch=2)


def test_s1_outputs_are_products_of_cosines_and_ignore_weights() -> None:
    """SPEC.md: <Z_i> = prod cos(x_j) over a fixed set of j; the RZ weights cannot act."""
    spec = build_circuit("s1_paper", n_qubits=16, n_layers=3)
    run = make_executor(spec, "torch", dtype=torch.float64)
    x = torch.rand(64, 16, dtype=torch.float64) * 6 - 3
    w1 = torch.rand(spec.weight_shape, dtype=torch.float64, requires_grad=True)
    w2 = torch.rand(spec.weight_shape, dtype=torch.float64) * 6
    out = run(x, w1)
    assert torch.equal(out, run(x, w2))
    (gw,) = torch.autograd.grad(out.sum(), w1)
    assert gw.abs().max().item() == 0.0
    # <Z_0> after three CNOT chains: Z_0 is never a CNOT target, so it is cos(x_0).
    torch.testing.assert_close(out[:, 0], torch.cos(x[:, 0]), rtol=0, atol=1e-12)
    assert (out.abs() <= 1 + 1e-12).all()


def test_circuit_with_arithmetic_on_inputs_is_recorded_dynamically() -> None:
    """The authors' later encoding RY(pi * sigmoid(x)): angles that are not a plain column."""

    def apply(inputs, weights) -> None:
        for i in range(4):
            qml.RY(math.pi / (1 + qml.math.exp(-inputs[..., i])), wires=i)
            qml.RX(2 * weights[i], wires=i)
        for i in range(3):
            qml.CNOT(wires=[i, i + 1])

    spec = CircuitSpec("sigmoid_encoding", 4, (4,), apply)
    from qgen.quantum.torch_backend import TorchExecutor

    assert TorchExecutor(spec).recording.dynamic
    assert_matches_reference(spec, torch.float64)


def test_twelve_qubits_depth_six_circular() -> None:
    spec = build_circuit("s2_attention", n_qubits=12, n_layers=6, entanglement="circular")
    assert_matches_reference(spec, torch.float64, batch=2)
    assert_matches_reference(spec, torch.float32, batch=2)
