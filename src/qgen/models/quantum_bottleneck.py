"""S1's quantum bottleneck: a circuit's <Z_i> rescale the bottleneck channels."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from qgen.families.base import QuantumSpec

ENCODINGS = ("angle", "pi_sigmoid_pooled")


class QuantumChannelGate(nn.Module):
    """GAP -> z in R^C -> n_qubits angles -> circuit -> Linear(n_outputs, C) -> channel-wise multiply.

    ``encoding="angle"`` is the paper's text: Linear(C, n_qubits), RY(x_i).
    ``encoding="pi_sigmoid_pooled"`` is the authors' later code: z average-pooled to
    n_qubits values, RY(pi * sigmoid(x_i)).
    ``detach_input`` reproduces the authors' code, which cuts the gradient before the circuit.
    """

    def __init__(self, channels: int, quantum: QuantumSpec, encoding: str = "angle", detach_input: bool = False) -> None:
        super().__init__()
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown quantum encoding {encoding!r}; choose one of {ENCODINGS}")
        self.layer = quantum.layer()
        n_qubits = self.layer.n_inputs
        self.encoding = encoding
        self.detach_input = detach_input
        self.to_angles = nn.Linear(channels, n_qubits) if encoding == "angle" else None
        self.from_expvals = nn.Linear(self.layer.n_outputs, channels)

    def angles(self, h: torch.Tensor) -> torch.Tensor:
        z = h.mean(dim=(2, 3))
        if self.to_angles is not None:
            return self.to_angles(z)
        pooled = F.adaptive_avg_pool1d(z[:, None, :], self.layer.n_inputs)[:, 0, :]
        return math.pi * torch.sigmoid(pooled)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        angles = self.angles(h)
        if self.detach_input:
            angles = angles.detach()
        gate = self.from_expvals(self.layer(angles))
        return h * gate[:, :, None, None]
