"""Executors that run a :class:`CircuitSpec` on a batch of inputs.

Each backend is a factory ``(spec, **options) -> executor``, where
``executor(inputs: Tensor[B, n_qubits], weights: Tensor) -> Tensor[B, n_measured]``
is differentiable with torch autograd. Config selects one with ``quantum.backend``.
"""

from __future__ import annotations

from typing import Any, Callable

import pennylane as qml
import torch

from qgen.quantum.circuits import CircuitSpec
from qgen.registry import Registry

Executor = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
BACKENDS: Registry[Callable[..., Executor]] = Registry("quantum backend")


def _pennylane_executor(
    spec: CircuitSpec,
    device_name: str,
    diff_method: str,
    shots: int | None = None,
    seed: int | None = None,
) -> Executor:
    kwargs: dict[str, Any] = {"wires": spec.n_qubits}
    if seed is not None and device_name == "default.qubit":
        kwargs["seed"] = seed
    device = qml.device(device_name, **kwargs)

    @qml.qnode(device, interface="torch", diff_method=diff_method, shots=shots)
    def qnode(inputs: torch.Tensor, weights: torch.Tensor) -> list:
        spec.apply(inputs, weights)
        return spec.measurements()

    def execute(inputs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        # One broadcast execution for the whole batch, never a Python loop over samples.
        out = qnode(inputs, weights)
        out = torch.stack(list(out), dim=-1) if isinstance(out, (list, tuple)) else out
        return out.to(inputs.dtype).reshape(inputs.shape[0], len(spec.measured_wires))

    return execute


@BACKENDS.register("default.qubit")
def default_qubit(spec: CircuitSpec, diff_method: str = "backprop", **options: Any) -> Executor:
    return _pennylane_executor(spec, "default.qubit", diff_method, **options)


@BACKENDS.register("lightning.qubit")
def lightning_qubit(spec: CircuitSpec, diff_method: str = "adjoint", **options: Any) -> Executor:
    return _pennylane_executor(spec, "lightning.qubit", diff_method, **options)


def make_executor(spec: CircuitSpec, backend: str, **options: Any) -> Executor:
    """Build the executor of ``backend`` for ``spec``; options go to the backend factory."""
    return BACKENDS.get(backend)(spec, **options)
