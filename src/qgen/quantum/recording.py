"""Record a circuit once, with placeholder parameters, into a list of classified operations.

The circuit function is run twice on numpy placeholders: every input column and every weight
entry gets a distinct random value. Each gate angle is then identified as "input column i",
"weight entry j" or a constant (same value in both recordings). An angle that is none of these
(arithmetic on the inputs inside the circuit) makes the recording *dynamic*: the executor then
re-records the circuit on every call with the real tensors, and only the structure is reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pennylane as qml
from pennylane.measurements import MeasurementProcess
from pennylane.operation import Channel, Operator

from qgen.quantum.circuits import CircuitSpec
from qgen.quantum.noise import NoiseModel, insert_noise

_TOL = 1e-12
_MAX_CLASSIFY_WIRES = 6  # dense classification of bigger gates costs 4**wires


@dataclass(frozen=True)
class ParamRef:
    """Where one gate parameter comes from: an input column, a weight entry or a constant."""

    kind: str  # "input" | "weight" | "const" | "dynamic"
    index: int = 0
    value: Any = None


@dataclass
class OpRecord:
    """One operation of the circuit, with what the compiler needs to know about it."""

    op: Operator  # the placeholder operation (hyperparameters, Kraus matrices, generic matrix)
    name: str
    wires: tuple[int, ...]
    params: tuple[ParamRef, ...]
    is_channel: bool
    diagonal: bool
    sigma: np.ndarray | None  # monomial gate: column j has its one nonzero in row sigma[j]
    real: bool
    matrix: np.ndarray | None  # constant unitary gates only

    @property
    def constant(self) -> bool:
        return all(p.kind == "const" for p in self.params)


@dataclass
class Recording:
    n_qubits: int
    records: list[OpRecord]
    measurements: list[MeasurementProcess]
    dynamic: bool  # parameters must be re-recorded on each call


def expand(ops: Sequence[Operator]) -> list[Operator]:
    """Decompose templates (anything without a matrix that is not a channel) into gates.

    Decomposing queues the new gates on any active tape; inside a QNode (the ``default.mixed``
    noise path calls this there) that would apply every gate of a template twice, so the
    queue is paused: the caller decides what to apply.
    """
    out: list[Operator] = []
    for op in ops:
        if isinstance(op, Channel) or op.has_matrix:
            out.append(op)
        else:
            with qml.QueuingManager.stop_recording():
                parts = op.decomposition()
            out.extend(expand(parts))
    return out


def record_operations(
    spec: CircuitSpec, inputs: Any, weights: Any, noise: NoiseModel | None = None
) -> tuple[list[Operator], list[MeasurementProcess]]:
    """Run the circuit function into a tape: expanded operations (noise inserted) and measurements."""
    tape = qml.tape.make_qscript(lambda: (spec.apply(inputs, weights), spec.measurements())[1])()
    ops = insert_noise(expand(tape.operations), noise, range(spec.n_qubits))
    return ops, list(tape.measurements)


def _placeholders(spec: CircuitSpec, seed: int) -> tuple[np.ndarray, np.ndarray, dict[float, ParamRef]]:
    rng = np.random.default_rng(seed)
    n_w = int(np.prod(spec.weight_shape))
    values = rng.uniform(0.1, 3.0, size=spec.n_qubits + n_w)
    if len(set(values.tolist())) != len(values):
        raise RuntimeError("placeholder values collided")  # practically impossible
    codes = {float(v): ParamRef("input", i) for i, v in enumerate(values[: spec.n_qubits])}
    codes.update({float(v): ParamRef("weight", j) for j, v in enumerate(values[spec.n_qubits :])})
    return values[: spec.n_qubits], values[spec.n_qubits :].reshape(spec.weight_shape), codes


def _param_ref(a: Any, b: Any, codes_a: dict[float, ParamRef], codes_b: dict[float, ParamRef]) -> ParamRef:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0:
        ref_a, ref_b = codes_a.get(float(a)), codes_b.get(float(b))
        if ref_a is not None and ref_a == ref_b:
            return ref_a
    if a.shape == b.shape and np.array_equal(a, b):
        return ParamRef("const", value=a.item() if a.ndim == 0 else a)
    return ParamRef("dynamic")


def _monomial_sigma(m: np.ndarray) -> np.ndarray | None:
    nonzero = np.abs(m) > _TOL
    if not (nonzero.sum(axis=0) == 1).all():
        return None
    return nonzero.argmax(axis=0)


def _classify(op_a: Operator, op_b: Operator, wire_index: dict[Any, int], refs: tuple[ParamRef, ...]) -> OpRecord:
    wires = tuple(wire_index[w] for w in op_a.wires)
    base = {"op": op_a, "name": op_a.name, "wires": wires, "params": refs}
    if isinstance(op_a, Channel):
        return OpRecord(**base, is_channel=True, diagonal=False, sigma=None, real=False, matrix=None)
    if len(wires) > _MAX_CLASSIFY_WIRES:
        return OpRecord(**base, is_channel=False, diagonal=False, sigma=None, real=False, matrix=None)
    ma, mb = np.asarray(qml.matrix(op_a)), np.asarray(qml.matrix(op_b))
    sa, sb = _monomial_sigma(ma), _monomial_sigma(mb)
    sigma = sa if sa is not None and sb is not None and np.array_equal(sa, sb) else None
    diagonal = sigma is not None and bool((sigma == np.arange(len(sigma))).all())
    real = bool(np.abs(ma.imag).max() < _TOL and np.abs(mb.imag).max() < _TOL)
    constant = all(r.kind == "const" for r in refs)
    return OpRecord(
        **base, is_channel=False, diagonal=diagonal, sigma=sigma, real=real, matrix=ma if constant else None
    )


def _signature(op: Operator) -> tuple:
    return (type(op), tuple(op.wires), len(op.parameters))


def trace(spec: CircuitSpec, noise: NoiseModel | None = None) -> Recording:
    """Record ``spec`` once and classify every operation (see the module docstring)."""
    x_a, w_a, codes_a = _placeholders(spec, 1)
    x_b, w_b, codes_b = _placeholders(spec, 2)
    ops_a, meas = record_operations(spec, x_a, w_a, noise)
    ops_b, _ = record_operations(spec, x_b, w_b, noise)
    if [_signature(o) for o in ops_a] != [_signature(o) for o in ops_b]:
        raise ValueError(f"circuit {spec.name!r} changes its gates with its parameters; cannot compile it")
    wire_index = {w: i for i, w in enumerate(range(spec.n_qubits))}
    records = []
    for op_a, op_b in zip(ops_a, ops_b):
        refs = tuple(_param_ref(a, b, codes_a, codes_b) for a, b in zip(op_a.parameters, op_b.parameters))
        records.append(_classify(op_a, op_b, wire_index, refs))
    dynamic = any(r.kind == "dynamic" for rec in records for r in rec.params)
    return Recording(spec.n_qubits, records, meas, dynamic)


def constant_record(op: Operator, n_qubits: int) -> OpRecord:
    """Record a parameter-free (or constant-parameter) operation, e.g. a basis change."""
    refs = tuple(ParamRef("const", value=np.asarray(p).item()) for p in op.parameters)
    return _classify(op, op, {w: i for i, w in enumerate(range(n_qubits))}, refs)
