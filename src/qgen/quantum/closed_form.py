"""The classical closed form of circuits whose gates only permute and phase the Z basis.

S1's circuit encodes RY(x_i) on qubit i, then applies RZ rotations and CNOTs. After the
encoding, the state is a product state whose Z-basis bits b_j are independent with
E[(-1)^b_j] = cos(x_j). A diagonal gate (RZ, phase) multiplies basis states by phases and a
CNOT, SWAP or X maps basis states to basis states, so the Z-basis distribution at the end is
that of a fixed affine map of the initial bits over GF(2): CNOT(c, t) sets b_t <- b_t xor b_c
(in the Heisenberg picture, Z_t -> Z_c Z_t), X flips a bit. Hence

    <Z_w> = (-1)^{c_w} * prod_{j in S_w} cos(x_j),

where S_w is the set of encoded bits that the final bit of wire w is the parity of, and c_w
the parity of the X gates folded into it. The sets are derived here by walking the circuit's
recorded operations, not written down: a change of layers, qubits or entanglement changes them
with the circuit, and a circuit with any other gate (a Hadamard, an RY after the encoding) is
refused with the gate named. The weights of the diagonal gates do not appear: they cannot
change any <Z_w> (SPEC.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from qgen.quantum.circuits import CircuitSpec
from qgen.quantum.recording import trace

PERMUTATIONS = ("CNOT", "SWAP", "PauliX")


class NoClosedFormError(ValueError):
    """The circuit is not an RY encoding followed by Z-basis permutations and phases."""


@dataclass(frozen=True)
class ParityForm:
    """<Z_w> for each measured wire w: sign_w * prod_{j in sets[w]} cos(x_j)."""

    sets: tuple[frozenset[int], ...]
    signs: tuple[int, ...]
    n_inputs: int

    def mask(self) -> torch.Tensor:
        """(n_outputs, n_inputs) 0/1 matrix of the sets."""
        m = torch.zeros(len(self.sets), self.n_inputs)
        for w, s in enumerate(self.sets):
            m[w, sorted(s)] = 1.0
        return m


def parity_form(spec: CircuitSpec) -> ParityForm:
    """The closed form of ``spec`` (module docstring), or NoClosedFormError naming the gate."""
    recording = trace(spec)
    if recording.dynamic:
        raise NoClosedFormError(f"circuit {spec.name!r} computes its gate angles from the inputs; no closed form")
    n = spec.n_qubits
    forms: list[set[int]] = [set() for _ in range(n)]  # the encoded bits each wire's bit is the parity of
    flips = [0] * n
    encoded = [False] * n
    for rec in recording.records:
        where = f"circuit {spec.name!r}: {rec.name} on wire(s) {list(rec.wires)}"
        if rec.is_channel:
            raise NoClosedFormError(f"{where} is a noise channel; no closed form")
        refs = rec.params
        if rec.name == "RY" and len(refs) == 1 and refs[0].kind == "input":
            (w,) = rec.wires
            if encoded[w]:
                raise NoClosedFormError(f"{where}: a second RY encoding after other gates; no closed form")
            forms[w], encoded[w] = {refs[0].index}, True
            continue
        for w in rec.wires:
            encoded[w] = True  # nothing may encode on this wire any more
        if rec.diagonal:
            continue  # phases leave the Z-basis distribution alone
        if rec.name == "CNOT":
            c, t = rec.wires
            forms[t] ^= forms[c]
            flips[t] ^= flips[c]
        elif rec.name == "SWAP":
            a, b = rec.wires
            forms[a], forms[b], flips[a], flips[b] = forms[b], forms[a], flips[b], flips[a]
        elif rec.name == "PauliX":
            flips[rec.wires[0]] ^= 1
        else:
            raise NoClosedFormError(f"{where} is neither diagonal nor one of {PERMUTATIONS}; no closed form")
    measured = _measured_wires(spec)
    return ParityForm(tuple(frozenset(forms[w]) for w in measured), tuple(1 - 2 * flips[w] for w in measured), n)


def _measured_wires(spec: CircuitSpec) -> tuple[int, ...]:
    import pennylane as qml
    from pennylane.measurements import ExpectationMP

    wires = []
    for m in spec.measurements():
        if not (isinstance(m, ExpectationMP) and isinstance(m.obs, qml.PauliZ)):
            raise NoClosedFormError(f"circuit {spec.name!r} measures {m}; the closed form gives <Z_w> only")
        wires.append(int(m.obs.wires[0]))
    return tuple(wires)


class ClosedFormCircuit(nn.Module):
    """A circuit's <Z_w> computed classically from its closed form: no simulation, no weights."""

    def __init__(self, spec: CircuitSpec) -> None:
        super().__init__()
        form = parity_form(spec)
        self.n_inputs, self.n_outputs = spec.n_qubits, len(form.sets)
        self.register_buffer("mask", form.mask().bool(), persistent=False)
        self.register_buffer("signs", torch.tensor(form.signs, dtype=torch.float32), persistent=False)
        self.circuit = spec.name

    def forward(self, angles: torch.Tensor) -> torch.Tensor:
        cos = torch.cos(angles)[:, None, :]  # (B, 1, n_inputs)
        factors = torch.where(self.mask, cos, torch.ones_like(cos))
        return factors.prod(-1) * self.signs.to(angles.dtype)

    def extra_repr(self) -> str:
        return f"circuit={self.circuit}, inputs={self.n_inputs}, outputs={self.n_outputs} (closed form)"
