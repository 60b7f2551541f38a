"""S3 circuits (strongly entangling, hardware-efficient) against PennyLane, exact and noisy."""

from __future__ import annotations

import pytest
import torch
from test_quantum_equivalence import assert_matches_reference
from test_quantum_noise import MIXED_TOL, _inputs, _run

from qgen.quantum import CIRCUITS, build_circuit
from qgen.quantum.torch_backend import TorchExecutor

S3_CIRCUITS = ("strongly_entangling", "hardware_efficient")


def test_registered_with_sizes_from_config() -> None:
    assert set(S3_CIRCUITS) | {"s2_attention"} <= set(CIRCUITS.names())
    spec = build_circuit("strongly_entangling")
    assert (spec.n_qubits, spec.weight_shape, spec.n_outputs) == (8, (3, 8, 3), 8)
    spec = build_circuit("hardware_efficient", n_qubits=5, n_layers=4)
    assert (spec.n_qubits, spec.weight_shape, spec.n_outputs) == (5, (4, 5, 1), 5)


def test_strongly_entangling_is_pennylanes_template() -> None:
    """RY encoding, then per layer Rot on every qubit and CNOT(i, i + r_l mod n), r_l cycling."""
    n, layers = 4, 4
    records = TorchExecutor(build_circuit("strongly_entangling", n_qubits=n, n_layers=layers)).recording.records
    names = [r.name for r in records]
    assert names[:n] == ["RY"] * n
    body = records[n:]
    assert len(body) == layers * 2 * n
    for layer in range(layers):
        rots, cnots = body[layer * 2 * n : layer * 2 * n + n], body[layer * 2 * n + n : (layer + 1) * 2 * n]
        assert [r.name for r in rots] == ["Rot"] * n
        r = layer % (n - 1) + 1
        assert [c.wires for c in cnots] == [(i, (i + r) % n) for i in range(n)]
        # Rot angles are weights[l, i, 0..2], in this order.
        assert [p.index for rec in rots for p in rec.params] == list(range(layer * 3 * n, (layer + 1) * 3 * n))


@pytest.mark.parametrize("n_qubits,n_layers", [(4, 1), (6, 3), (8, 3)])
def test_strongly_entangling_matches_default_qubit(n_qubits: int, n_layers: int) -> None:
    spec = build_circuit("strongly_entangling", n_qubits=n_qubits, n_layers=n_layers)
    assert_matches_reference(spec, torch.float64)
    assert_matches_reference(spec, torch.float32, seed=1)


def test_strongly_entangling_edited_variants() -> None:
    spec = build_circuit("strongly_entangling", n_qubits=5, n_layers=3, ranges=(2, 2, 1), imprimitive="CZ")
    assert_matches_reference(spec, torch.float64)
    with pytest.raises(ValueError, match="ranges"):
        build_circuit("strongly_entangling", n_qubits=5, n_layers=3, ranges=(1,))


@pytest.mark.parametrize("entanglement", ["linear", "circular"])
@pytest.mark.parametrize("n_qubits,n_layers", [(4, 2), (8, 3)])
def test_hardware_efficient_matches_default_qubit(entanglement: str, n_qubits: int, n_layers: int) -> None:
    spec = build_circuit("hardware_efficient", n_qubits=n_qubits, n_layers=n_layers, entanglement=entanglement)
    assert_matches_reference(spec, torch.float64)
    assert_matches_reference(spec, torch.float32, seed=1)


def test_every_cz_of_hardware_efficient_acts() -> None:
    """The entangler precedes each rotation layer, so no CZ is absorbed as a no-op."""
    spec = build_circuit("hardware_efficient", n_qubits=4, n_layers=2)
    x, w = _inputs(spec)
    run = TorchExecutor(spec, dtype="float64")
    without_cz = build_circuit("hardware_efficient", n_qubits=4, n_layers=2, entanglement="none")
    assert (run(x, w) - TorchExecutor(without_cz, dtype="float64")(x, w)).abs().max() > 1e-3


@pytest.mark.parametrize("circuit", S3_CIRCUITS)
@pytest.mark.parametrize(
    "noise", [{"depolarizing": 0.05}, {"amplitude_damping": 0.1}, {"depolarizing": 0.01, "amplitude_damping": 0.02}]
)
def test_noisy_matches_default_mixed(circuit: str, noise: dict) -> None:
    spec = build_circuit(circuit, n_qubits=4, n_layers=2)
    x, w = _inputs(spec)
    executor = TorchExecutor(spec, dtype="float64", noise=noise)
    assert executor.path == "density_matrix"
    ref = _run(spec, "default.mixed", x, w, noise=noise)
    got = _run(spec, "torch", x, w, dtype="float64", noise=noise)
    for r, o in zip(ref, got):
        assert (r - o).abs().max().item() < MIXED_TOL


@pytest.mark.parametrize("circuit", S3_CIRCUITS)
def test_noise_routing_at_default_and_large_sizes(circuit: str) -> None:
    noise = {"depolarizing": 1e-3}
    assert TorchExecutor(build_circuit(circuit), noise=noise).path == "density_matrix"  # 8 qubits
    assert TorchExecutor(build_circuit(circuit, n_qubits=12, n_layers=1), noise=noise).path == "trajectories"


def test_expanding_a_template_inside_a_qnode_queues_nothing() -> None:
    """Regression: the default.mixed noise path expands templates inside its QNode; the
    decomposition must not also land on the QNode's tape (it applied every Rot twice)."""
    import numpy as np
    import pennylane as qml

    from qgen.quantum.recording import record_operations

    spec = build_circuit("strongly_entangling", n_qubits=3, n_layers=1)
    with qml.queuing.AnnotatedQueue() as outer:
        ops, _ = record_operations(spec, np.full(3, 0.3), np.full(spec.weight_shape, 0.2))
    assert [op.name for op in ops].count("Rot") == 3
    assert len(outer.queue) == 0
