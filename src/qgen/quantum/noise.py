"""Noise options (depolarizing, amplitude damping) and which simulation path handles them.

Noise is inserted into a recorded circuit as PennyLane channel operations, so the torch
simulators and PennyLane ``default.mixed`` run exactly the same noisy circuit.

Routing (see :func:`simulation_path`):

| circuit                          | path             | exact?                                   |
|----------------------------------|------------------|------------------------------------------|
| no channels                      | ``statevector``  | yes                                      |
| channels, largest block <= 10 q. | ``density_matrix`` | yes (torch density matrix, 4**n memory) |
| channels, larger blocks          | ``trajectories`` | Monte-Carlo estimate (statevector + sampled Kraus branches) |

"Block" is a group of qubits linked by multi-qubit gates: independent blocks are simulated
separately, so a noisy product-state circuit of 16 qubits still runs exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pennylane as qml
from pennylane.operation import Operator

NOISE_AFTER = ("gate", "layer")
PATHS = ("statevector", "density_matrix", "trajectories")
Path = Literal["statevector", "density_matrix", "trajectories"]
DM_MAX_QUBITS = 10


@dataclass(frozen=True)
class NoiseModel:
    """Single-qubit channels applied after every gate (on the gate's wires) or every layer.

    ``after="gate"``: after each gate, on each wire it acts on.
    ``after="layer"``: after each layer of the circuit's as-soon-as-possible schedule, on
    every wire (idle wires too, as idle noise on hardware).
    Order on a wire: depolarizing, then amplitude damping.
    """

    depolarizing: float = 0.0
    amplitude_damping: float = 0.0
    after: str = "gate"

    def __post_init__(self) -> None:
        if self.after not in NOISE_AFTER:
            raise ValueError(f"noise 'after' must be one of {NOISE_AFTER}, got {self.after!r}")
        for name in ("depolarizing", "amplitude_damping"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"noise probability {name}={p} outside [0, 1]")

    @property
    def active(self) -> bool:
        return self.depolarizing > 0 or self.amplitude_damping > 0

    @classmethod
    def coerce(cls, noise: NoiseModel | Mapping[str, Any] | None) -> NoiseModel | None:
        """Accept a NoiseModel, a config mapping, or None; inactive models become None."""
        if noise is None:
            return None
        model = noise if isinstance(noise, NoiseModel) else cls(**dict(noise))
        return model if model.active else None

    def channels(self, wire: int) -> list[Operator]:
        ops: list[Operator] = []
        with qml.QueuingManager.stop_recording():  # built inside a qnode: the caller queues them
            if self.depolarizing > 0:
                ops.append(qml.DepolarizingChannel(self.depolarizing, wires=wire))
            if self.amplitude_damping > 0:
                ops.append(qml.AmplitudeDamping(self.amplitude_damping, wires=wire))
        return ops


def _layers(ops: Sequence[Operator]) -> list[list[Operator]]:
    """As-soon-as-possible layers: each op goes one past the deepest op on its wires."""
    depth: dict[Any, int] = {}
    layers: list[list[Operator]] = []
    for op in ops:
        d = max((depth.get(w, 0) for w in op.wires), default=0)
        for w in op.wires:
            depth[w] = d + 1
        if d == len(layers):
            layers.append([])
        layers[d].append(op)
    return layers


def insert_noise(ops: Sequence[Operator], noise: NoiseModel | None, wires: Sequence[Any]) -> list[Operator]:
    """The circuit ``ops`` with the noise model's channels inserted (no-op when noise is None)."""
    if noise is None:
        return list(ops)
    out: list[Operator] = []
    if noise.after == "gate":
        for op in ops:
            out.append(op)
            for w in op.wires:
                out.extend(noise.channels(w))
        return out
    for layer in _layers(ops):
        out.extend(layer)
        for w in wires:
            out.extend(noise.channels(w))
    return out


def simulation_path(
    has_channels: bool,
    block_qubits: int,
    method: str = "auto",
    dm_max_qubits: int = DM_MAX_QUBITS,
) -> Path:
    """Which simulator runs a circuit: the single place that routes noise.

    ``block_qubits`` is the size of the largest group of entangled qubits. ``method`` forces a
    path ("statevector", "density_matrix", "trajectories") or leaves it to "auto".
    """
    if method not in ("auto", *PATHS):
        raise ValueError(f"unknown noise method {method!r}; choose auto or one of {PATHS}")
    if not has_channels:
        if method not in ("auto", "statevector"):
            return method  # type: ignore[return-value]  # forcing a noisy path is allowed (tests)
        return "statevector"
    if method == "statevector":
        raise ValueError("a statevector cannot represent noise channels; use density_matrix or trajectories")
    if method != "auto":
        return method  # type: ignore[return-value]
    return "density_matrix" if block_qubits <= dm_max_qubits else "trajectories"
