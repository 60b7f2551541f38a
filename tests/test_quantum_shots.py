"""Finite shots on the torch backend: unbiased estimates, seeded, straight-through gradients."""

from __future__ import annotations

import math

import torch

from qgen.quantum import build_circuit, make_executor
from qgen.quantum.testing import random_circuit


def _inputs(spec, batch: int = 4):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(batch, spec.n_qubits, generator=g, dtype=torch.float64) * 3
    w = torch.rand(spec.weight_shape, generator=g, dtype=torch.float64) * 3
    return x, w


def test_shot_estimates_are_within_sampling_error() -> None:
    spec = random_circuit(5, 24, 4, measurements="mixed")
    x, w = _inputs(spec)
    exact = make_executor(spec, "torch", dtype="float64")(x, w)
    shots = 20000
    est = make_executor(spec, "torch", dtype="float64", shots=shots, seed=0)(x, w)
    assert not torch.equal(est, exact)
    # Every output is a bounded average (|value| <= 1 per shot up to its coefficients): 5 sigma.
    assert (est - exact).abs().max().item() < 5 / math.sqrt(shots)


def test_shot_estimates_on_independent_blocks() -> None:
    """S1 is a product of one-qubit blocks: sampling each block must keep parities correct."""
    spec = build_circuit("s1_paper", n_qubits=16, n_layers=3)
    x, w = _inputs(spec, batch=3)
    exact = make_executor(spec, "torch", dtype="float64")(x, w)
    est = make_executor(spec, "torch", dtype="float64", shots=20000, seed=1)(x, w)
    assert (est - exact).abs().max().item() < 5 / math.sqrt(20000)


def test_shots_are_reproducible_with_a_seed() -> None:
    spec = build_circuit("s2_attention", n_qubits=4)
    x, w = _inputs(spec)
    a = make_executor(spec, "torch", shots=100, seed=7)(x.float(), w.float())
    b = make_executor(spec, "torch", shots=100, seed=7)(x.float(), w.float())
    c = make_executor(spec, "torch", shots=100, seed=8)(x.float(), w.float())
    assert torch.equal(a, b) and not torch.equal(a, c)
    # With 100 shots an expectation is a multiple of 2/100.
    assert torch.allclose(a * 50, (a * 50).round(), atol=1e-4)


def test_gradients_through_shots_are_the_exact_gradients() -> None:
    spec = build_circuit("s2_attention", n_qubits=4)
    x, w = _inputs(spec)
    grads = []
    for shots in (None, 50):
        xs, ws = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
        out = make_executor(spec, "torch", dtype="float64", shots=shots, seed=0)(xs, ws)
        grads.append(torch.autograd.grad(out.sum(), (xs, ws)))
    for exact, straight_through in zip(*grads):
        torch.testing.assert_close(exact, straight_through, rtol=0, atol=1e-12)
