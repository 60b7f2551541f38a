"""Quantum circuits of the studies, each defined once as PennyLane operations.

A circuit is a function ``apply(inputs, weights)`` that queues PennyLane operations;
``inputs`` has shape (batch, n_qubits) (PennyLane parameter broadcasting) and ``weights``
has the spec's ``weight_shape``. Every backend (PennyLane devices, the torch statevector
simulator) executes the same function, so the circuit is never written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pennylane as qml
from pennylane.measurements import ProbabilityMP

from qgen.registry import Registry

ENTANGLEMENTS = ("linear", "circular", "all_to_all", "none")


def entangling_pairs(n_qubits: int, entanglement: str) -> list[tuple[int, int]]:
    """CNOT (control, target) pairs of one entangling layer."""
    if entanglement == "linear":
        return [(i, i + 1) for i in range(n_qubits - 1)]
    if entanglement == "circular":
        pairs = [(i, i + 1) for i in range(n_qubits - 1)]
        return pairs + [(n_qubits - 1, 0)] if n_qubits > 2 else pairs
    if entanglement == "all_to_all":
        return [(i, j) for i in range(n_qubits) for j in range(i + 1, n_qubits)]
    if entanglement == "none":
        return []
    raise ValueError(f"unknown entanglement {entanglement!r}; choose one of {ENTANGLEMENTS}")


@dataclass(frozen=True)
class CircuitSpec:
    """A circuit with its sizes: enough for any backend to build and run it."""

    name: str
    n_qubits: int
    weight_shape: tuple[int, ...]
    apply: Callable[[Any, Any], None]
    # Observables measured at the end: PauliZ on each of these wires, in order.
    measured_wires: tuple[int, ...] = field(default=())
    params: dict = field(default_factory=dict)
    # Other measurements (expvals of Pauli words or sums of them, probs): a function returning
    # PennyLane measurement processes. Overrides measured_wires when given.
    measure: Callable[[], list] | None = None

    def __post_init__(self) -> None:
        if not self.measured_wires:
            object.__setattr__(self, "measured_wires", tuple(range(self.n_qubits)))

    def measurements(self) -> list:
        if self.measure is not None:
            return list(self.measure())
        return [qml.expval(qml.PauliZ(w)) for w in self.measured_wires]

    @property
    def n_outputs(self) -> int:
        """Length of the output vector: one per expval, 2**len(wires) per probs."""
        sizes = [
            2 ** (len(m.wires) or self.n_qubits) if isinstance(m, ProbabilityMP) else 1 for m in self.measurements()
        ]
        return sum(sizes)


CIRCUITS: Registry[Callable[..., CircuitSpec]] = Registry("circuit")


IMPRIMITIVES = {"CNOT": qml.CNOT, "CZ": qml.CZ}


def _ry_encoding(inputs: Any, n_qubits: int) -> None:
    """Angle encoding shared by the circuits: RY(x_i) on qubit i."""
    for i in range(n_qubits):
        qml.RY(inputs[..., i], wires=i)


def _layered(
    inputs: Any,
    weights: Any,
    *,
    n_qubits: int,
    rotations: Sequence[str],
    entanglement: str,
    hadamard_first: bool,
) -> None:
    """Encode ``inputs`` with RY, then per layer rotate every qubit and entangle."""
    if hadamard_first:
        for i in range(n_qubits):
            qml.Hadamard(wires=i)
    _ry_encoding(inputs, n_qubits)
    pairs = entangling_pairs(n_qubits, entanglement)
    gate = {"RX": qml.RX, "RY": qml.RY, "RZ": qml.RZ}
    for layer in range(weights.shape[0]):
        for i in range(n_qubits):
            for r, name in enumerate(rotations):
                gate[name](weights[layer, i, r], wires=i)
        for c, t in pairs:
            qml.CNOT(wires=[c, t])


@CIRCUITS.register("s1_paper")
def s1_paper(n_qubits: int = 16, n_layers: int = 3, entanglement: str = "linear") -> CircuitSpec:
    """S1, the paper's Fig. 2: RY(x_i) encoding, L layers of RZ(w[l, i]) and a CNOT chain, <Z_i>.

    The RZ weights cannot change <Z_i> (diagonal gates and basis permutations): SPEC.md.
    """

    def apply(inputs: Any, weights: Any) -> None:
        _layered(
            inputs,
            weights,
            n_qubits=n_qubits,
            rotations=("RZ",),
            entanglement=entanglement,
            hadamard_first=False,
        )

    return CircuitSpec(
        name="s1_paper",
        n_qubits=n_qubits,
        weight_shape=(n_layers, n_qubits, 1),
        apply=apply,
        params={"n_qubits": n_qubits, "n_layers": n_layers, "entanglement": entanglement},
    )


@CIRCUITS.register("noise_hadamard")
def noise_hadamard(n_qubits: int = 16, bias: float = 0.0) -> CircuitSpec:
    """S1's quantum noise source (SPEC.md): a Hadamard on every qubit, then RY(bias + x_i).

    With bias 0 and inputs 0 each shot is n fair, independent bits. A non-zero ``bias`` gives
    biased coins (P(1) = (1 - sin(bias)) / 2): the normality check must reject such a source.
    """

    def apply(inputs: Any, weights: Any) -> None:
        for i in range(n_qubits):
            qml.Hadamard(wires=i)
            qml.RY(inputs[..., i] + bias, wires=i)

    return CircuitSpec(name="noise_hadamard", n_qubits=n_qubits, weight_shape=(0,), apply=apply,
                       params={"n_qubits": n_qubits, "bias": bias})


S2_MEASUREMENTS = ("expval", "probs")


@CIRCUITS.register("s2_attention")
def s2_attention(
    n_qubits: int = 8, n_layers: int = 3, entanglement: str = "linear", measure: str = "expval"
) -> CircuitSpec:
    """S2 quantum attention: Hadamards, RY input encoding, layers of RY(theta), RZ(phi), CNOTs.

    With 8 qubits and 3 layers it has the report's 48 trainable angles.
    ``measure``: "expval" gives <Z_i> on every qubit (n_qubits outputs, SPEC.md's reading);
    "probs" gives the probabilities of the 2**n_qubits basis states (the other reading).
    """
    if measure not in S2_MEASUREMENTS:
        raise ValueError(f"unknown measure {measure!r}; choose one of {S2_MEASUREMENTS}")
    wires = list(range(n_qubits))

    def apply(inputs: Any, weights: Any) -> None:
        _layered(
            inputs,
            weights,
            n_qubits=n_qubits,
            rotations=("RY", "RZ"),
            entanglement=entanglement,
            hadamard_first=True,
        )

    return CircuitSpec(
        name="s2_attention",
        n_qubits=n_qubits,
        weight_shape=(n_layers, n_qubits, 2),
        apply=apply,
        params={"n_qubits": n_qubits, "n_layers": n_layers, "entanglement": entanglement, "measure": measure},
        measure=(lambda: [qml.probs(wires=wires)]) if measure == "probs" else None,
    )


@CIRCUITS.register("strongly_entangling")
def strongly_entangling(
    n_qubits: int = 8,
    n_layers: int = 3,
    ranges: Sequence[int] | None = None,
    imprimitive: str = "CNOT",
) -> CircuitSpec:
    """S3: RY(x_i) encoding, then PennyLane's StronglyEntanglingLayers, <Z_i>.

    Each layer l applies a general rotation Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)
    to every qubit, then CNOT(i, (i + r_l) mod n) for every i. The range r_l cycles as in
    PennyLane (``ranges=None``: r_l = l mod (n - 1) + 1), so deeper layers reach further qubits.
    ``ranges`` and ``imprimitive`` ("CNOT" or "CZ") are the knobs an "edited" variant (the S3
    authors' unpublished choice) would turn. The template is decomposed by PennyLane itself, so
    every backend runs PennyLane's own definition.
    """
    if imprimitive not in IMPRIMITIVES:
        raise ValueError(f"unknown imprimitive {imprimitive!r}; choose one of {sorted(IMPRIMITIVES)}")
    ranges_t = None if ranges is None else tuple(int(r) for r in ranges)
    if ranges_t is not None and len(ranges_t) != n_layers:
        raise ValueError(f"ranges has {len(ranges_t)} entries for {n_layers} layers")

    def apply(inputs: Any, weights: Any) -> None:
        _ry_encoding(inputs, n_qubits)
        qml.StronglyEntanglingLayers(
            weights, wires=range(n_qubits), ranges=ranges_t, imprimitive=IMPRIMITIVES[imprimitive]
        )

    return CircuitSpec(
        name="strongly_entangling",
        n_qubits=n_qubits,
        weight_shape=(n_layers, n_qubits, 3),
        apply=apply,
        params={"n_qubits": n_qubits, "n_layers": n_layers, "ranges": ranges_t, "imprimitive": imprimitive},
    )


@CIRCUITS.register("hardware_efficient")
def hardware_efficient(n_qubits: int = 8, n_layers: int = 3, entanglement: str = "linear") -> CircuitSpec:
    """A hardware-efficient ansatz: RY(x_i) encoding, then per layer a CZ ladder and RY(w[l, i]).

    The entangler comes first in each layer, so every CZ sits between two rotation layers (the
    encoding is the first): a CZ placed last would be diagonal right before a Z measurement and
    could not change any output. Real amplitudes throughout (RY and CZ are real gates).
    """
    pairs = entangling_pairs(n_qubits, entanglement)

    def apply(inputs: Any, weights: Any) -> None:
        _ry_encoding(inputs, n_qubits)
        for layer in range(weights.shape[0]):
            for c, t in pairs:
                qml.CZ(wires=[c, t])
            for i in range(n_qubits):
                qml.RY(weights[layer, i, 0], wires=i)

    return CircuitSpec(
        name="hardware_efficient",
        n_qubits=n_qubits,
        weight_shape=(n_layers, n_qubits, 1),
        apply=apply,
        params={"n_qubits": n_qubits, "n_layers": n_layers, "entanglement": entanglement},
    )


def build_circuit(name: str, **params: Any) -> CircuitSpec:
    """Build a registered circuit by name with its size parameters."""
    return CIRCUITS.get(name)(**params)
