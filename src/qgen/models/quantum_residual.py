"""S3's quantum residual block, and the classical twin that makes it a controlled experiment.

``QuantumResidualBlock``: features (B, C, H, W) -> global average pool -> Linear(C, n_qubits)
angles -> inner map -> Linear(n_outputs, C) -> added to the features, broadcast over H and W.
The inner map is chosen by ``kind`` from ``INNER_MAPS``:

- ``quantum``: the circuit of a :class:`~qgen.families.base.QuantumSpec` (its QuantumLayer);
- ``twin``: :class:`MatchedTwin`, a classical map with the same inputs, outputs and *exactly*
  the same number of trainable parameters as the circuit's weights. Everything around the
  inner map is shared, so the two blocks have equal parameter counts, and quantum against twin
  isolates the circuit.

The quantum VAE and the latent denoiser of S3 place this block in their networks.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from qgen.families.base import QuantumSpec
from qgen.registry import Registry


class MatchedTwin(nn.Module):
    """A tanh MLP n_inputs -> h -> n_outputs with exactly ``n_params`` trainable scalars.

    A hidden unit holds U = n_inputs + n_outputs + 1 parameters (in-weights, out-weights,
    bias). The parameters make as many full units as leave room for every output bias, then
    the output biases, then at most one partially connected unit (its first in- and
    out-weights interleaved, so it always has both; its unfilled connections are fixed at zero
    and are not parameters). When one parameter would be left alone in a partial unit, where it
    could not act, it takes an output bias's place instead. With fewer parameters than outputs
    the output is constant, some biases zero: a circuit that small has nothing to learn either.
    Every parameter can change the output (tested). Outputs pass through tanh, so they lie in
    (-1, 1) as the circuit's <Z_i> do; initialisation is nn.Linear's (uniform, 1/sqrt(fan_in)).
    """

    def __init__(self, n_inputs: int, n_outputs: int, n_params: int) -> None:
        super().__init__()
        self.n_inputs, self.n_outputs, self.n_params = n_inputs, n_outputs, n_params
        unit = n_inputs + n_outputs + 1
        full = max(0, (n_params - n_outputs) // unit)
        rest = n_params - full * unit
        partial = 0 if rest <= n_outputs else max(2, rest - n_outputs)
        self.hidden = full + (partial > 0)
        slots = self._slot_order(full, rest - partial, partial)
        # gather[k] = index into cat(theta, [0]) of dense slot k (W1, b1, W2, b2 flattened)
        gather = torch.full((sum(self._dense_sizes()),), n_params, dtype=torch.long)
        gather[torch.tensor(slots, dtype=torch.long)] = torch.arange(n_params)
        self.register_buffer("gather", gather, persistent=False)
        self.theta = nn.Parameter(self._init_theta(slots))

    def _dense_sizes(self) -> tuple[int, int, int, int]:
        h, i, o = self.hidden, self.n_inputs, self.n_outputs
        return h * i, h, o * h, o  # W1 (h, i), b1 (h), W2 (o, h), b2 (o)

    def _unit_slots(self, j: int) -> list[int]:
        """Dense slots of hidden unit j: in- and out-weights interleaved, then its bias."""
        w1, b1, w2, _ = self._dense_sizes()
        h, i, o = self.hidden, self.n_inputs, self.n_outputs
        ins = [j * i + k for k in range(i)]  # W1[j, k]
        outs = [w1 + b1 + k * h + j for k in range(o)]  # W2[k, j]
        order = [s for k in range(max(i, o)) for s in ins[k : k + 1] + outs[k : k + 1]]
        return order + [w1 + j]  # b1[j]

    def _slot_order(self, full: int, biases: int, partial: int) -> list[int]:
        """Dense slot of each parameter, in order (class docstring)."""
        w1, b1, w2, _ = self._dense_sizes()
        order = [s for j in range(full) for s in self._unit_slots(j)]
        order += [w1 + b1 + w2 + k for k in range(biases)]
        return order + (self._unit_slots(full)[:partial] if partial else [])

    def _init_theta(self, slots: list[int]) -> torch.Tensor:
        w1, b1, _, _ = self._dense_sizes()
        bound_in = 1 / math.sqrt(self.n_inputs)
        bound_out = 1 / math.sqrt(max(self.hidden, 1))
        bounds = torch.tensor([bound_in if s < w1 + b1 else bound_out for s in slots], dtype=torch.float32)
        return (torch.rand(len(slots)) * 2 - 1) * bounds

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dense = torch.cat([self.theta, self.theta.new_zeros(1)])[self.gather]
        w1, b1, w2, b2 = dense.split(self._dense_sizes())
        h = torch.tanh(x @ w1.view(self.hidden, self.n_inputs).T + b1)
        return torch.tanh(h @ w2.view(self.n_outputs, self.hidden).T + b2)

    def extra_repr(self) -> str:
        return f"{self.n_inputs} -> {self.hidden} -> {self.n_outputs}, params={self.n_params}"


def twin_of(quantum: QuantumSpec) -> MatchedTwin:
    """The MatchedTwin of a circuit: its qubit count in, its outputs out, its weight count."""
    from qgen.quantum import build_circuit

    spec = build_circuit(quantum.circuit, **dict(quantum.circuit_params))
    return MatchedTwin(spec.n_qubits, spec.n_outputs, math.prod(spec.weight_shape))


INNER_MAPS: Registry[Callable[[QuantumSpec], nn.Module]] = Registry("residual inner map")
INNER_MAPS.register("quantum")(lambda quantum: quantum.layer())
INNER_MAPS.register("twin")(twin_of)


class QuantumResidualBlock(nn.Module):
    """features + Linear(f(Linear(GAP(features)))), f the circuit or its twin (module docstring)."""

    def __init__(self, channels: int, quantum: QuantumSpec, kind: str = "quantum") -> None:
        super().__init__()
        self.kind = kind
        self.inner = INNER_MAPS.get(kind)(quantum)
        self.to_angles = nn.Linear(channels, self.inner.n_inputs)
        self.from_outputs = nn.Linear(self.inner.n_outputs, channels)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        angles = self.to_angles(features.mean(dim=(2, 3)))
        return features + self.from_outputs(self.inner(angles))[:, :, None, None]
