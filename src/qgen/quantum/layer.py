"""A torch module holding a circuit's trainable weights and running it on a chosen backend."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from qgen.quantum.backends import make_executor
from qgen.quantum.circuits import build_circuit


class QuantumLayer(nn.Module):
    """Maps (B, n_qubits) angles to (B, n_measured) expectation values."""

    def __init__(
        self,
        circuit: str,
        circuit_params: dict[str, Any] | None = None,
        backend: str = "default.qubit",
        backend_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.spec = build_circuit(circuit, **(circuit_params or {}))
        self.backend = backend
        self.backend_options = dict(backend_options or {})
        # Uniform in [0, 2pi), as PennyLane's TorchLayer initialises weights.
        self.weights = nn.Parameter(torch.rand(self.spec.weight_shape) * 2 * math.pi)
        self._execute = make_executor(self.spec, backend, **self.backend_options)

    def set_backend_options(self, options: dict[str, Any]) -> None:
        """Run the same circuit and weights with ``options`` merged over the layer's own backend
        options (sampling under hardware noise or with shots; the trained weights stay)."""
        self.backend_options = {**self.backend_options, **options}
        self._execute = make_executor(self.spec, self.backend, **self.backend_options)

    @property
    def n_inputs(self) -> int:
        return self.spec.n_qubits

    @property
    def n_outputs(self) -> int:
        return self.spec.n_outputs

    def forward(self, angles: torch.Tensor) -> torch.Tensor:
        return self._execute(angles, self.weights)

    def extra_repr(self) -> str:
        options = f", options={self.backend_options}" if self.backend_options else ""
        return f"circuit={self.spec.name}, qubits={self.spec.n_qubits}, backend={self.backend}{options}"
