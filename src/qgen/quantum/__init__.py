"""Quantum circuits (defined once, as PennyLane operations) and the backends that run them."""

from qgen.quantum.backends import BACKENDS, make_executor
from qgen.quantum.circuits import CIRCUITS, CircuitSpec, build_circuit
from qgen.quantum.layer import QuantumLayer

__all__ = ["BACKENDS", "CIRCUITS", "CircuitSpec", "QuantumLayer", "build_circuit", "make_executor"]
