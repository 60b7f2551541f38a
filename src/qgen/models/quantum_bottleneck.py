"""S1's channel gate: a core's outputs rescale the bottleneck channels.

One gate, three cores (``qgen.models.circuit_blocks.CORES``), so the models differ in the core
alone: the circuit (``quantum``, the paper's model), its classical twin with as many trainable
parameters as the circuit has weights (``twin``), or the product of cosines the circuit computes
(``closed_form``), which gives the quantum model's outputs for the same weights.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from qgen.families.base import QuantumSpec
from qgen.models.circuit_blocks import build_core

ENCODINGS = ("angle", "pi_sigmoid_pooled")


class ChannelGate(nn.Module):
    """GAP -> z in R^C -> n angles -> core -> Linear(n_outputs, C) -> channel-wise multiply.

    ``encoding="angle"`` is the paper's text: Linear(C, n_qubits), RY(x_i).
    ``encoding="pi_sigmoid_pooled"`` is the authors' later code: z average-pooled to
    n_qubits values, RY(pi * sigmoid(x_i)).
    ``detach_input`` reproduces the authors' code, which cuts the gradient before the circuit.
    """

    def __init__(self, channels: int, quantum: QuantumSpec, core: str = "quantum", encoding: str = "angle",
                 detach_input: bool = False) -> None:
        super().__init__()
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown quantum encoding {encoding!r}; choose one of {ENCODINGS}")
        # Built first, as the quantum gate always was: the same seed gives the same weights.
        self.core = build_core(core, quantum)
        n_inputs = self.core.n_inputs
        self.encoding = encoding
        self.detach_input = detach_input
        self.to_angles = nn.Linear(channels, n_inputs) if encoding == "angle" else None
        self.from_expvals = nn.Linear(self.core.n_outputs, channels)

    def angles(self, h: torch.Tensor) -> torch.Tensor:
        z = h.mean(dim=(2, 3))
        if self.to_angles is not None:
            return self.to_angles(z)
        pooled = F.adaptive_avg_pool1d(z[:, None, :], self.core.n_inputs)[:, 0, :]
        return math.pi * torch.sigmoid(pooled)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        angles = self.angles(h)
        if self.detach_input:
            angles = angles.detach()
        gate = self.from_expvals(self.core(angles))
        return h * gate[:, :, None, None]
