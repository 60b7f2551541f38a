"""Random circuits from the supported gate set, for equivalence tests and benchmarks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgen.quantum.circuits import CircuitSpec

N_PARAMS = {"RX": 1, "RY": 1, "RZ": 1, "Rot": 3, "PhaseShift": 1, "CRX": 1}
N_WIRES = {"CRX": 2, "CNOT": 2, "CZ": 2, "SWAP": 2, "Toffoli": 3}  # others: 1
BASIC = ("RX", "RY", "RZ", "Rot", "Hadamard", "PauliX", "CNOT", "CZ", "SWAP")


def _random_measurements(rng: np.random.Generator, n: int, kind: str) -> list[tuple]:
    if kind == "z":
        return [("Z", (w,)) for w in range(n)]
    words = []
    for _ in range(n):
        k = int(rng.integers(1, 3))
        wires = tuple(int(w) for w in rng.choice(n, size=k, replace=False))
        words.append(("".join(rng.choice(list("XYZ"), size=k)), wires))
    words.append(("H", tuple(int(w) for w in rng.choice(n, size=2, replace=False))))
    words.append(("probs", tuple(int(w) for w in rng.choice(n, size=2, replace=False))))
    return words


def _measure(m: tuple) -> Any:
    name, wires = m
    if name == "probs":
        return qml.probs(wires=list(wires))
    paulis = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}
    if name == "H":  # a small Hamiltonian with a constant term
        return qml.expval(0.5 * qml.PauliZ(wires[0]) - 0.25 * qml.PauliX(wires[1]) + 0.1 * qml.Identity(wires[0]))
    return qml.expval(
        qml.prod(*[paulis[p](w) for p, w in zip(name, wires)]) if len(wires) > 1 else paulis[name](wires[0])
    )


def random_circuit(
    n_qubits: int,
    n_gates: int,
    seed: int,
    gates: tuple[str, ...] = BASIC,
    measurements: str = "z",
) -> CircuitSpec:
    """A random circuit: gates drawn from ``gates``, angles from inputs, weights or constants.

    ``measurements="z"``: <Z_i> on every wire; ``"mixed"``: Pauli words with X/Y/Z, a small
    Hamiltonian and probs on two wires.
    """
    rng = np.random.default_rng(seed)
    program: list[tuple[str, tuple[int, ...], list[tuple[str, Any]]]] = []
    n_weights = 0
    # Encode every input once, so the outputs depend on all of them.
    for i in range(n_qubits):
        program.append(("RY", (i,), [("input", i)]))
    for _ in range(n_gates):
        name = str(rng.choice(gates))
        size = N_WIRES.get(name, 1)
        if size > n_qubits:
            continue
        wires = tuple(int(w) for w in rng.choice(n_qubits, size=size, replace=False))
        sources = []
        for _ in range(N_PARAMS.get(name, 0)):
            # PennyLane's Rot cannot mix python-float and tensor angles: no constants there.
            kind = str(rng.choice(["input", "weight", "weight"] + ([] if name == "Rot" else ["const"])))
            if kind == "input":
                sources.append(("input", int(rng.integers(n_qubits))))
            elif kind == "weight":
                sources.append(("weight", n_weights))
                n_weights += 1
            else:
                sources.append(("const", float(rng.uniform(-np.pi, np.pi))))
        program.append((name, wires, sources))
    meas = _random_measurements(rng, n_qubits, measurements)

    def apply(inputs: Any, weights: Any) -> None:
        for name, wires, sources in program:
            args = [inputs[..., v] if k == "input" else weights[v] if k == "weight" else v for k, v in sources]
            getattr(qml, name)(*args, wires=list(wires))

    return CircuitSpec(
        name=f"random_{n_qubits}q_{seed}",
        n_qubits=n_qubits,
        weight_shape=(max(n_weights, 1),),
        apply=apply,
        measure=lambda: [_measure(m) for m in meas],
        params={"n_qubits": n_qubits, "n_gates": n_gates, "seed": seed},
    )
