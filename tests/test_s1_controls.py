"""S1's controls: the closed form computes exactly what the "quantum" gate computes, and the
classical twin has exactly as many trainable parameters as the circuit has weights."""

from __future__ import annotations

import pytest
import torch

from qgen.families import QuantumSpec
from qgen.models.unet import DiffusionUNet
from qgen.quantum import build_circuit
from qgen.quantum.closed_form import NoClosedFormError, parity_form

PAPER = {"n_qubits": 16, "n_layers": 3}


def _pair(circuit: dict, backend: str, options: dict, dtype: torch.dtype) -> tuple[DiffusionUNet, DiffusionUNet]:
    torch.manual_seed(0)
    spec = QuantumSpec("s1_paper", circuit, backend=backend, backend_options=options)
    quantum = DiffusionUNet(1, bottleneck="quantum", quantum=spec).to(dtype)
    closed = DiffusionUNet(1, bottleneck="closed_form", quantum=QuantumSpec("s1_paper", circuit)).to(dtype)
    missing, unexpected = closed.load_state_dict(quantum.state_dict(), strict=False)
    assert missing == [] and unexpected == ["gate.core.weights"]  # the circuit's RZ weights: unused
    return quantum, closed


# Exact simulation: the torch backend's statevector in float64 for the paper's circuit, and
# PennyLane's default.qubit (a 2**16 state per image is slow there, so 8 qubits).
@pytest.mark.parametrize("circuit, backend, options, dtype, tol", [
    (PAPER, "torch", {"dtype": "float64"}, torch.float64, 1e-12),
    ({"n_qubits": 8, "n_layers": 3}, "default.qubit", {}, torch.float64, 1e-12),
    (PAPER, "torch", {}, torch.float32, 1e-5),
])
def test_closed_form_gives_the_quantum_models_outputs_for_the_same_weights(circuit, backend, options, dtype,
                                                                           tol) -> None:
    quantum, closed = _pair(circuit, backend, options, dtype)
    x = torch.randn(3, 1, 28, 28, dtype=dtype)
    t = torch.tensor([0, 100, 999])
    with torch.no_grad():
        quantum.gate.core.weights.uniform_(0, 6.28)  # any circuit weights: they cannot matter
        assert torch.allclose(quantum(x, t), closed(x, t), atol=tol, rtol=0)
        angles = torch.randn(5, circuit["n_qubits"], dtype=dtype) * 3
        assert torch.allclose(quantum.gate.core(angles), closed.gate.core(angles), atol=tol, rtol=0)


def test_closed_form_is_derived_from_the_circuits_cnot_chain() -> None:
    one_layer = parity_form(build_circuit("s1_paper", n_qubits=5, n_layers=1))
    assert [sorted(s) for s in one_layer.sets] == [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]
    # Three layers: the GF(2) cube of the prefix-parity map (binomial coefficients mod 2).
    three = parity_form(build_circuit("s1_paper", **PAPER))
    assert [sorted(s) for s in three.sets][:6] == [[0], [0, 1], [1, 2], [2, 3], [0, 3, 4], [0, 1, 4, 5]]
    assert three.signs == (1,) * 16
    with pytest.raises(NoClosedFormError, match="Hadamard"):
        parity_form(build_circuit("s2_attention", n_qubits=4, n_layers=1))


def test_twin_has_exactly_the_circuits_trainable_parameter_count() -> None:
    torch.manual_seed(0)
    spec = QuantumSpec("s1_paper", PAPER)
    quantum = DiffusionUNet(1, bottleneck="quantum", quantum=spec)
    twin = DiffusionUNet(1, bottleneck="twin", quantum=spec)
    closed = DiffusionUNet(1, bottleneck="closed_form", quantum=spec)

    def count(module: torch.nn.Module) -> int:
        return sum(p.numel() for p in module.parameters() if p.requires_grad)

    assert count(twin.gate.core) == count(quantum.gate.core) == quantum.gate.core.weights.numel() == 48
    assert count(twin) == count(quantum) and count(closed) == count(quantum) - 48
    assert count(twin.gate) - count(twin.gate.core) == count(quantum.gate) - count(quantum.gate.core)
    out = twin.gate.core(torch.randn(4, 16) * 3)
    assert out.shape == (4, 16) and out.abs().max() < 1  # the <Z_i> range
    x = torch.randn(2, 1, 28, 28)
    twin(x, torch.tensor([1, 2])).pow(2).mean().backward()
    assert twin.gate.core.u.grad.abs().sum() > 0  # the twin's weights learn; the circuit's cannot


def test_only_the_quantum_gate_runs_a_circuit() -> None:
    from qgen.families import FAMILIES

    ddpm = FAMILIES.get("ddpm")
    block = {"circuit": "s1_paper"}
    assert ddpm.runs_circuit({"denoiser": {"name": "s1_unet", "bottleneck": "quantum"}}, block)
    assert not ddpm.runs_circuit({"denoiser": {"name": "s1_unet", "bottleneck": "twin"}}, block)
    assert not ddpm.runs_circuit({"denoiser": {"name": "s1_unet", "bottleneck": "closed_form"}}, block)
    assert not ddpm.runs_circuit({"denoiser": {"name": "s1_unet"}}, None)
