"""S3's quantum residual block and its parameter-matched classical twin."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from qgen.families.base import QuantumSpec
from qgen.models.quantum_residual import INNER_MAPS, MatchedTwin, QuantumResidualBlock
from qgen.quantum import build_circuit


def n_trainable(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


SPECS = [
    QuantumSpec("strongly_entangling", {"n_qubits": 4, "n_layers": 2}),
    QuantumSpec("strongly_entangling"),  # 8 qubits, 3 layers: 72 weights
    QuantumSpec("s2_attention", {"n_qubits": 8, "n_layers": 3}),  # 48 weights
    QuantumSpec("hardware_efficient", {"n_qubits": 6, "n_layers": 1}),  # 6 weights < 6 + 13
    QuantumSpec("hardware_efficient", {"n_qubits": 3, "n_layers": 1}),  # 3 weights: output biases only
]


@pytest.mark.parametrize("quantum", SPECS, ids=lambda q: f"{q.circuit}-{q.circuit_params}")
def test_twin_matches_the_parameter_count_exactly(quantum: QuantumSpec) -> None:
    torch.manual_seed(0)
    blocks = {kind: QuantumResidualBlock(16, quantum, kind=kind) for kind in ("quantum", "twin")}
    assert n_trainable(blocks["quantum"]) == n_trainable(blocks["twin"])
    spec = build_circuit(quantum.circuit, **quantum.circuit_params)
    assert n_trainable(blocks["twin"].inner) == math.prod(spec.weight_shape)
    assert (blocks["twin"].inner.n_inputs, blocks["twin"].inner.n_outputs) == (spec.n_qubits, spec.n_outputs)


@pytest.mark.parametrize("n_params", [1, 8, 9, 10, 21, 22, 25, 26, 34, 37, 72, 100])
@pytest.mark.parametrize("n_inputs,n_outputs", [(4, 8), (8, 3)])
def test_every_twin_parameter_acts(n_params: int, n_inputs: int, n_outputs: int) -> None:
    torch.manual_seed(1)
    twin = MatchedTwin(n_inputs, n_outputs, n_params)
    assert twin.theta.numel() == n_params
    out = twin(torch.randn(32, n_inputs))
    assert out.shape == (32, n_outputs) and out.abs().max() < 1
    (grad,) = torch.autograd.grad(out.pow(2).sum() + out.sum(), twin.theta)
    assert (grad != 0).all(), "a parameter that cannot change the output is not a parameter"


def test_block_adds_a_per_channel_vector_and_trains() -> None:
    torch.manual_seed(0)
    block = QuantumResidualBlock(8, QuantumSpec("strongly_entangling", {"n_qubits": 4, "n_layers": 2}))
    features = torch.randn(5, 8, 6, 6, requires_grad=True)
    out = block(features)
    delta = out - features
    assert out.shape == features.shape
    assert torch.allclose(delta, delta[:, :, :1, :1].expand_as(delta), atol=1e-6)  # broadcast over H, W
    out.square().mean().backward()
    for name, p in block.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert features.grad.abs().sum() > 0


def test_block_deepcopies_for_ema_and_rejects_unknown_kinds() -> None:
    block = QuantumResidualBlock(4, QuantumSpec("hardware_efficient", {"n_qubits": 3, "n_layers": 2}))
    x = torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(copy.deepcopy(block)(x), block(x), rtol=0, atol=0)
    assert set(INNER_MAPS.names()) == {"quantum", "twin"}
    with pytest.raises(KeyError, match="twin"):
        QuantumResidualBlock(4, SPECS[0], kind="classical")
