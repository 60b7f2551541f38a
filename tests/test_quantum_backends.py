"""Backends selectable by name agree; QuantumLayer on the torch backend; compiled structure."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from qgen.quantum import BACKENDS, QuantumLayer, build_circuit, make_executor
from qgen.quantum.compile import MatrixStep, MonomialStep
from qgen.quantum.diagnostics import flatten_grad_norms, quantum_weight_grad_norms
from qgen.quantum.torch_backend import TorchExecutor


def test_backends_are_registered_by_name() -> None:
    assert {"torch", "default.qubit", "lightning.qubit", "default.mixed"} <= set(BACKENDS.names())


@pytest.mark.parametrize("circuit", ["s1_paper", "s2_attention"])
def test_all_backends_agree(circuit: str) -> None:
    spec = build_circuit(circuit, n_qubits=5, n_layers=2)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 5, generator=g, dtype=torch.float64) * 3
    w = torch.rand(spec.weight_shape, generator=g, dtype=torch.float64) * 3
    results = {}
    for name in ("torch", "default.qubit", "lightning.qubit", "default.mixed"):
        xs, ws = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
        options = {"dtype": "float64"} if name == "torch" else {}
        out = make_executor(spec, name, **options)(xs, ws)
        results[name] = (out.detach(), *torch.autograd.grad(out.sum(), (xs, ws)))
    for name, values in results.items():
        for ref, got in zip(results["torch"], values):
            assert (ref - got).abs().max().item() < 1e-6, name  # default.mixed: float32 RZ


def test_quantum_layer_on_torch_backend_trains() -> None:
    torch.manual_seed(0)
    layer = QuantumLayer("s2_attention", {"n_qubits": 4, "n_layers": 2}, backend="torch")
    assert layer.n_inputs == 4 and layer.n_outputs == 4
    angles = torch.rand(8, 4, requires_grad=True)
    out = layer(angles)
    assert out.shape == (8, 4) and out.dtype == torch.float32
    out.sum().backward()
    assert angles.grad is not None and layer.weights.grad is not None
    assert layer.weights.grad.abs().sum() > 0


def test_quantum_layer_dtype_follows_inputs_with_float64_backend() -> None:
    layer = QuantumLayer(
        "s1_paper", {"n_qubits": 4, "n_layers": 1}, backend="torch", backend_options={"dtype": "float64"}
    )
    assert layer(torch.rand(2, 4)).dtype == torch.float32


def test_quantum_layer_deepcopies_for_ema() -> None:
    layer = QuantumLayer("s2_attention", {"n_qubits": 4, "n_layers": 2}, backend="torch")
    x = torch.rand(3, 4)
    expected = layer(x)
    ema = copy.deepcopy(layer)
    torch.testing.assert_close(ema(x), expected, rtol=0, atol=0)
    with torch.no_grad():
        ema.weights.add_(0.5)  # the copy owns its weights
    assert not torch.equal(ema(x), layer(x))


def test_grad_norm_diagnostics() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.s1 = QuantumLayer("s1_paper", {"n_qubits": 4, "n_layers": 2}, backend="torch")
            self.s2 = QuantumLayer("s2_attention", {"n_qubits": 4, "n_layers": 2}, backend="torch")

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.s1(x) + self.s2(x)

    net = Net()
    norms = quantum_weight_grad_norms(net)
    assert set(norms) == {"s1.weights", "s2.weights"}
    assert all(v.abs().sum() == 0 for v in norms.values())  # before any backward: zeros
    net(torch.rand(3, 4)).sum().backward()
    norms = quantum_weight_grad_norms(net)
    assert norms["s1.weights"].shape == (2, 4, 1)
    assert norms["s1.weights"].abs().max() == 0  # S1's RZ weights cannot act (SPEC.md)
    assert norms["s2.weights"].min() >= 0 and norms["s2.weights"].max() > 0
    row = flatten_grad_norms(norms)
    assert len(row) == 2 * 4 * 1 + 2 * 4 * 2 and "s2.weights[1,3,1]" in row


def test_s1_compiles_to_independent_one_qubit_blocks() -> None:
    plan = TorchExecutor(build_circuit("s1_paper", n_qubits=16, n_layers=3)).plan
    (group,) = plan.groups
    assert len(group.blocks) == 16 and plan.largest_block == 1
    assert all(not b.steps for b in group.blocks)  # only the RY encodings remain
    # Every RZ and CNOT was pushed into the observables: no weight is evaluated.
    assert all(plan.groups[0].records[i].name == "RY" for i in plan.used_records)


def test_cnot_rings_fuse_into_one_permutation() -> None:
    plan = TorchExecutor(build_circuit("s2_attention", n_qubits=8, n_layers=3, entanglement="circular")).plan
    (block,) = plan.groups[0].blocks
    kinds = [type(s) for s in block.steps]
    # Layer 1 runs fuse into the initial state; the last ring and RZs are absorbed.
    assert kinds.count(MonomialStep) == 2
    assert all(len(s.axes) == 1 for s in block.steps if isinstance(s, MatrixStep))


def test_simplify_false_is_one_full_block() -> None:
    plan = TorchExecutor(build_circuit("s1_paper", n_qubits=6, n_layers=2), simplify=False).plan
    assert [b.size for b in plan.groups[0].blocks] == [6]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("options", [{}, {"noise": {"depolarizing": 0.05}}, {"shots": 1000, "seed": 0}])
def test_cuda_matches_cpu(options: dict) -> None:
    spec = build_circuit("s2_attention", n_qubits=6, n_layers=2)
    cpu = TorchExecutor(spec, dtype="float64", **options)
    gpu = TorchExecutor(spec, dtype="float64", **options)
    x = torch.rand(4, 6, dtype=torch.float64)
    w = torch.rand(spec.weight_shape, dtype=torch.float64)
    ref = cpu(x, w)
    got = gpu(x.cuda(), w.cuda())
    assert got.device.type == "cuda"
    tol = 0.2 if "shots" in options else 1e-10  # different generators draw different shots
    assert (got.cpu() - ref).abs().max().item() < tol
