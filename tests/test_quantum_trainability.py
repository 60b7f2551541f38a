"""Gradient variance at random initialisation: exact per-draw gradients, tidy table, figure."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from qgen.quantum import build_circuit, make_executor
from qgen.quantum.trainability import COSTS, gradient_samples, initialisations, trainability_study, _generator
from qgen.report.trainability import gradient_variance_figure


@pytest.mark.parametrize("ansatz", ["strongly_entangling", "s2_attention", "hardware_efficient"])
@pytest.mark.parametrize("cost", ["z0", "mean_z"])
def test_vectorised_gradients_equal_default_qubit_per_draw(ansatz: str, cost: str) -> None:
    n_inits = 3
    grads = gradient_samples(ansatz, 3, 2, n_inits, seed=5, cost=cost)
    spec = build_circuit(ansatz, n_qubits=3, n_layers=2)
    x, w = initialisations(spec, n_inits, _generator(5, ansatz, 3))
    reference = make_executor(spec, "default.qubit")
    for i in range(n_inits):
        wi = w[i].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(COSTS.get(cost)(reference(x[i : i + 1], wi)[0]), wi)
        assert abs(grads[i] - g.reshape(-1).numpy()).max() < 1e-10


def test_study_is_a_tidy_deterministic_table() -> None:
    kwargs = dict(ansatzes=("strongly_entangling", "hardware_efficient"), qubits=(2, 3), n_layers=2, n_inits=16)
    a = trainability_study(**kwargs, seed=0)
    b = trainability_study(**kwargs, seed=0)
    c = trainability_study(**kwargs, seed=1)
    assert list(a[["ansatz", "n_qubits"]].itertuples(index=False, name=None)) == [
        ("strongly_entangling", 2), ("strongly_entangling", 3), ("hardware_efficient", 2), ("hardware_efficient", 3)
    ]  # fmt: skip
    assert {"n_weights", "var_mean", "var_mean_low", "var_mean_high", "var_first", "seconds"} <= set(a.columns)
    assert a.loc[0, "n_weights"] == 2 * 2 * 3 and a.loc[2, "n_weights"] == 2 * 2
    assert a.drop(columns="seconds").equals(b.drop(columns="seconds"))
    assert not a["var_mean"].equals(c["var_mean"])
    assert (a["var_mean_low"] <= a["var_mean"]).all() and (a["var_mean"] <= a["var_mean_high"]).all()


def test_strongly_entangling_gradients_shrink_with_qubits_and_s1_weights_cannot_act() -> None:
    study = trainability_study(("strongly_entangling",), qubits=(2, 6), n_layers=3, n_inits=100)
    assert study["var_first"].iloc[1] < study["var_first"].iloc[0] / 5
    assert abs(gradient_samples("s1_paper", 4, 2, 8)).max() == 0.0  # SPEC.md: RZ cannot change <Z_i>


def test_figure_is_written_with_zero_variances(tmp_path: Path) -> None:
    study = trainability_study(("hardware_efficient", "s1_paper"), qubits=(2, 3), n_layers=1, n_inits=8)
    gradient_variance_figure(study, tmp_path / "trainability.png")
    assert (tmp_path / "trainability.png").stat().st_size > 0
