"""Trainability at random initialisation: the variance of a circuit's gradients against its size.

The S3 authors compared five ansatzes before choosing strongly entangling layers; the diagnostic
behind such a choice is the *barren plateau* test (McClean et al. 2018): draw the weights (and
the encoded inputs) at random as a model's initialisation does, take the gradient of a cost
with respect to every weight, and measure its variance over the draws. A variance that falls
exponentially with the qubit count means gradients vanish for large circuits.

Every draw runs on the ``torch`` backend (float64), vectorised over draws with
``torch.func.vmap`` (each draw has its own weights, which one batched executor call cannot
express). Costs (``COSTS``): ``z0`` = <Z_0> (a local cost, the usual choice), ``mean_z`` = the
mean of <Z_i> over the measured qubits.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.func import grad, vmap

from qgen.quantum.circuits import CircuitSpec, build_circuit
from qgen.quantum.torch_backend import TorchExecutor
from qgen.registry import Registry

COSTS: Registry[Callable[[torch.Tensor], torch.Tensor]] = Registry("trainability cost")
COSTS.register("z0")(lambda out: out[0])
COSTS.register("mean_z")(lambda out: out.mean())

INPUTS = ("random", "zero")
DEFAULT_ANSATZES = ("strongly_entangling", "s2_attention", "hardware_efficient")
_CHUNK = 512  # draws per vmap call: bounds memory at 10+ qubits


def _generator(seed: int, ansatz: str, n_qubits: int) -> torch.Generator:
    """A stream per (seed, ansatz, size), so adding an ansatz or a size changes no other row."""
    return torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(f"{ansatz}:{n_qubits}".encode()))


def initialisations(
    spec: CircuitSpec, n_inits: int, generator: torch.Generator, inputs: str = "random"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random draws (inputs (n_inits, n_qubits), weights (n_inits, *weight_shape)), float64.

    Weights are uniform in [0, 2 pi), as :class:`qgen.quantum.QuantumLayer` initialises them;
    ``inputs="random"`` draws the encoded angles uniformly in [0, 2 pi) too (the model's input
    layer is random at initialisation), ``"zero"`` encodes nothing.
    """
    if inputs not in INPUTS:
        raise ValueError(f"unknown inputs {inputs!r}; choose one of {INPUTS}")
    w = torch.rand(n_inits, *spec.weight_shape, generator=generator, dtype=torch.float64) * 2 * math.pi
    x = torch.rand(n_inits, spec.n_qubits, generator=generator, dtype=torch.float64) * 2 * math.pi
    return (x.zero_() if inputs == "zero" else x), w


def gradient_samples(
    ansatz: str,
    n_qubits: int,
    n_layers: int,
    n_inits: int,
    seed: int = 0,
    cost: str = "z0",
    inputs: str = "random",
    circuit_params: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """(n_inits, n_weights): d cost / d w_k at ``n_inits`` random initialisations (see
    :func:`initialisations`), one generator stream per (seed, ansatz, n_qubits)."""
    spec = build_circuit(ansatz, n_qubits=n_qubits, n_layers=n_layers, **dict(circuit_params or {}))
    executor = TorchExecutor(spec, dtype="float64")
    cost_fn = COSTS.get(cost)
    x, w = initialisations(spec, n_inits, _generator(seed, ansatz, n_qubits), inputs)

    def one(xi: torch.Tensor, wi: torch.Tensor) -> torch.Tensor:
        return cost_fn(executor(xi[None], wi)[0])

    per_draw = vmap(grad(one, argnums=1))
    grads = [per_draw(x[i : i + _CHUNK], w[i : i + _CHUNK]) for i in range(0, n_inits, _CHUNK)]
    return torch.cat(grads).reshape(n_inits, -1).numpy()


def _summarise(grads: np.ndarray, n_boot: int, seed: int) -> dict[str, float]:
    var = grads.var(axis=0, ddof=1)
    rng = np.random.default_rng(seed)
    n = grads.shape[0]
    boot = [grads[rng.integers(0, n, n)].var(axis=0, ddof=1).mean() for _ in range(n_boot)]
    low, high = np.quantile(boot, [0.025, 0.975])
    return {
        "var_mean": float(var.mean()),
        "var_mean_low": float(low),
        "var_mean_high": float(high),
        "var_median": float(np.median(var)),
        "var_first": float(var[0]),
        "mean_abs_grad": float(np.abs(grads).mean()),
    }


def trainability_study(
    ansatzes: Sequence[str] = DEFAULT_ANSATZES,
    qubits: Sequence[int] = (2, 4, 6, 8, 10),
    n_layers: int = 3,
    n_inits: int = 200,
    seed: int = 0,
    cost: str = "z0",
    inputs: str = "random",
    circuit_params: Mapping[str, Mapping[str, Any]] | None = None,
    n_boot: int = 200,
) -> pd.DataFrame:
    """Gradient variance at random initialisation, one tidy row per (ansatz, qubit count).

    Columns: ansatz, n_qubits, n_layers, n_weights, n_inits, cost, inputs, var_mean (the
    variance over draws of d cost / d w_k, averaged over the weights k), var_mean_low/high
    (95% bootstrap interval over draws), var_median, var_first (k = 0, the first weight of the
    first layer), mean_abs_grad, seconds (wall time of the row's draws). ``circuit_params``
    holds extra sizes per ansatz (e.g. ``{"s2_attention": {"entanglement": "circular"}}``).
    """
    rows = []
    for ansatz in ansatzes:
        extra = dict((circuit_params or {}).get(ansatz, {}))
        for n in qubits:
            start = time.perf_counter()
            grads = gradient_samples(ansatz, int(n), n_layers, n_inits, seed, cost, inputs, extra)
            seconds = time.perf_counter() - start
            rows.append(
                {
                    "ansatz": ansatz,
                    "n_qubits": int(n),
                    "n_layers": n_layers,
                    "n_weights": grads.shape[1],
                    "n_inits": n_inits,
                    "cost": cost,
                    "inputs": inputs,
                    **_summarise(grads, n_boot, seed),
                    "seconds": seconds,
                }
            )
    return pd.DataFrame(rows)
