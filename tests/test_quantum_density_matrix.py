"""The torch density matrix's fusions (one pass per superoperator, one-wire operations fused
per wire, monomial gates flushing only the wires they act on) change no number."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_quantum_equivalence import ALL_GATES
from test_quantum_noise import _inputs, _run

import qgen.quantum.simulators as simulators
from qgen.quantum import build_circuit
from qgen.quantum.compile import _full_monomial
from qgen.quantum.testing import random_circuit


def _eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apply every one-wire superoperator at once and flush everything before a monomial gate."""
    monkeypatch.setattr(simulators.DensityMatrix, "_queue", lambda self, sup, axis: self._apply_super(sup, (axis,)))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("after", ["gate", "layer"])
def test_fused_equals_eager(seed: int, after: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = random_circuit(5, 30, seed, gates=ALL_GATES, measurements="mixed")
    x, w = _inputs(spec, seed=seed)
    options = {"dtype": "float64", "noise": {"depolarizing": 0.03, "amplitude_damping": 0.05, "after": after}}
    fused = _run(spec, "torch", x, w, **options)
    _eager(monkeypatch)
    eager = _run(spec, "torch", x, w, **options)
    for a, b in zip(fused, eager):
        assert (a - b).abs().max().item() < 1e-12


def test_fusion_saves_passes_over_rho(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = build_circuit("strongly_entangling", n_qubits=4, n_layers=2)
    x, w = _inputs(spec)
    passes = []
    real = simulators.DensityMatrix._apply_super
    monkeypatch.setattr(simulators.DensityMatrix, "_apply_super", lambda self, s, a: (passes.append(a), real(self, s, a)))
    _run(spec, "torch", x, w, dtype="float64", noise={"depolarizing": 0.01})
    fused = len(passes)
    passes.clear()
    _eager(monkeypatch)
    _run(spec, "torch", x, w, dtype="float64", noise={"depolarizing": 0.01})
    # Each CNOT of the ring flushes the noise and rotations pending on its two wires: at most
    # two passes per wire and layer, plus one per wire before measuring (20); eagerly, one per
    # one-wire gate and one per channel (36).
    assert fused <= 2 * 4 * 2 + 4 and len(passes) >= 1.8 * fused, (fused, len(passes))


@pytest.mark.parametrize(
    "axes,sigma,phase,involved",
    [
        ((0, 1), [0, 1, 3, 2], None, (0, 1)),  # CNOT: control and target
        ((2, 0), [0, 1, 3, 2], None, (0, 2)),
        ((1, 2), [0, 1, 2, 3], [1, 1, 1, -1], (1, 2)),  # CZ: a phase that reads both bits
        ((1,), [1, 0], None, (1,)),  # X
        ((0, 2), [0, 2, 1, 3], None, (0, 2)),  # SWAP
    ],
)
def test_monomial_gates_flush_only_their_wires(axes, sigma, phase, involved) -> None:
    ph = np.ones(len(sigma)) if phase is None else np.asarray(phase, dtype=float)
    src, full_phase = _full_monomial(axes, (np.asarray(sigma), ph), 3)
    dm = simulators.DensityMatrix(torch.ones(1, 8, dtype=torch.complex128) / 8**0.5, 3)
    got = dm._involved(torch.as_tensor(src), None if phase is None else torch.as_tensor(full_phase))
    assert got == involved
