"""Circuit blocks and their classical stand-ins: S2's quantum attention (VAE) and noise map
(GAN); the cores of S1's channel gate (qgen.models.quantum_bottleneck).

A *core* maps (B, n_inputs) angles to (B, n_outputs) values. Config selects one from ``CORES``:
the circuit of the model's ``quantum`` block, run by a :class:`qgen.quantum.QuantumLayer`
(``quantum``); its classical twin, :class:`ClassicalTwin` (``twin``), which has the same
interface, the same output range and exactly as many trainable parameters as the circuit has
weights; or the circuit's classical closed form (``closed_form``,
:class:`qgen.quantum.closed_form.ClosedFormCircuit`), which computes the same outputs as the
circuit without simulating it, for circuits that have one (S1's). The blocks around a core
(the Linear maps into angles and out of the outputs) are the same for all, so a quantum model
and its stand-ins differ in the core alone, parameter for parameter.

The twin reads its sizes from the very circuit it stands in for (the model's ``quantum`` block:
circuit name and ``circuit_params``) without simulating it, so an ablation over qubits, layers
or entanglement changes the quantum model and its twin together.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from qgen.families.base import QuantumSpec
from qgen.registry import Registry

MEASUREMENTS = ("expval", "probs")
ATTENTION_ACTIVATIONS = ("softmax", "sigmoid")


class ClassicalTwin(nn.Module):
    """A classical map with a circuit's interface and exactly its number of trainable weights.

    For a circuit on q qubits with P = 2 q L weights (S2's attention circuit: an RY and an RZ
    angle per qubit and layer) the twin is an L-layer MLP whose weight matrices are the identity
    plus a learned rank-one term, ``h <- tanh((I + u_l v_l^T) h)``, with u_l, v_l in R^q: 2 q
    parameters per layer, P in all, and, as the circuit's entangling layers, an interaction
    between every pair of inputs. Its outputs lie in (-1, 1), as the circuit's <Z_i> do.

    With one weight per qubit and layer (``per_qubit=1``; S1's circuit: an RZ angle per qubit
    and layer, P = q L, 48 for 16 qubits and 3 layers) the row vector is fixed to the mean,
    ``h <- tanh(h + u_l mean(h))``: q parameters per layer, every pair of inputs still interacts.

    ``measure="probs"`` stands in for the circuit's 2**q basis-state probabilities: the q outputs
    h_i are read as the <Z_i> of a product (unentangled) state, whose distribution over the
    basis states is prod_i (1 + s_i h_i) / 2 (s_i = +1 where bit i, wire 0 most significant, is
    0): a parameter-free map, so the count stays exactly P.
    """

    def __init__(self, n_inputs: int, n_weights: int, measure: str = "expval", per_qubit: int = 2) -> None:
        super().__init__()
        if measure not in MEASUREMENTS:
            raise ValueError(f"unknown measure {measure!r}; choose one of {MEASUREMENTS}")
        if per_qubit not in (1, 2):
            raise ValueError(f"the twin matches circuits with 1 or 2 weights per qubit and layer, not {per_qubit}")
        if n_weights <= 0 or n_weights % (per_qubit * n_inputs):
            raise ValueError(
                f"the twin matches circuits with {per_qubit} * n_qubits * n_layers weights; this one has "
                f"{n_weights} weights on {n_inputs} qubits"
            )
        n_layers = n_weights // (per_qubit * n_inputs)
        bound = 1.0 / math.sqrt(n_inputs)  # as nn.Linear initialises its weights
        self.u = nn.Parameter(torch.empty(n_layers, n_inputs).uniform_(-bound, bound))
        if per_qubit == 2:
            self.v = nn.Parameter(torch.empty(n_layers, n_inputs).uniform_(-bound, bound))
        else:  # the mean: a fixed row vector, not a parameter
            self.register_buffer("v", torch.full((n_layers, n_inputs), 1.0 / n_inputs), persistent=False)
        self.measure = measure
        self.n_inputs = n_inputs
        self.n_outputs = n_inputs if measure == "expval" else 2**n_inputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for u, v in zip(self.u, self.v):
            h = torch.tanh(h + u * (h @ v)[:, None])
        return h if self.measure == "expval" else product_distribution(h)

    def extra_repr(self) -> str:
        return f"inputs={self.n_inputs}, layers={self.u.shape[0]}, measure={self.measure}"


def product_distribution(z: torch.Tensor) -> torch.Tensor:
    """(B, q) values in [-1, 1], read as <Z_i> of a product state -> (B, 2**q) probabilities."""
    p = torch.ones(z.shape[0], 1, dtype=z.dtype, device=z.device)
    for i in range(z.shape[1]):
        bit = torch.stack([(1 + z[:, i]) / 2, (1 - z[:, i]) / 2], dim=-1)
        p = (p[:, :, None] * bit[:, None, :]).reshape(z.shape[0], -1)
    return p


CORES: Registry = Registry("circuit core")


@CORES.register("quantum")
def circuit_core(quantum: QuantumSpec, params: dict[str, Any], measure: str) -> nn.Module:
    """The circuit itself, on the block's backend."""
    layer = replace(quantum, circuit_params=params).layer()
    expected = layer.n_inputs if measure == "expval" else 2**layer.n_inputs
    if layer.n_outputs != expected:
        raise ValueError(f"circuit {quantum.circuit} gives {layer.n_outputs} outputs; {measure} needs {expected}")
    return layer


@CORES.register("twin")
def twin_core(quantum: QuantumSpec, params: dict[str, Any], measure: str) -> nn.Module:
    """The classical twin, sized from the circuit (nothing is simulated)."""
    from qgen.quantum.circuits import build_circuit

    spec = build_circuit(quantum.circuit, **params)
    shape = spec.weight_shape  # layered circuits: (layers, qubits, weights per qubit)
    per_qubit = shape[2] if len(shape) == 3 and shape[1] == spec.n_qubits else 2
    return ClassicalTwin(spec.n_qubits, math.prod(shape), measure, per_qubit=per_qubit)


@CORES.register("closed_form")
def closed_form_core(quantum: QuantumSpec, params: dict[str, Any], measure: str) -> nn.Module:
    """The circuit's outputs from its closed form (circuits of Z-basis permutations and phases)."""
    from qgen.quantum.circuits import build_circuit
    from qgen.quantum.closed_form import ClosedFormCircuit

    if measure != "expval":
        raise ValueError("the closed form gives <Z_i>, not basis-state probabilities")
    return ClosedFormCircuit(build_circuit(quantum.circuit, **params))


def build_core(kind: str, quantum: QuantumSpec | None, measure: str = "expval") -> nn.Module:
    """The core ``kind`` of ``CORES`` for the circuit of ``quantum``.

    Every core has attributes ``n_inputs`` and ``n_outputs``. ``measure="probs"`` asks the
    circuit for its basis-state probabilities (``circuit_params.measure``; the circuit must
    support it, as ``s2_attention`` does).
    """
    if kind not in CORES:
        raise ValueError(f"unknown core {kind!r}; choose one of {', '.join(CORES.names())}")
    if measure not in MEASUREMENTS:
        raise ValueError(f"unknown measure {measure!r}; choose one of {MEASUREMENTS}")
    if quantum is None:
        what = "its circuit" if kind == "quantum" else "the circuit it stands in for"
        raise ValueError(f"a {kind} block needs the model's 'quantum' block ({what})")
    params: dict[str, Any] = dict(quantum.circuit_params)
    if measure != "expval":
        if params.get("measure", measure) != measure:
            raise ValueError(f"circuit_params.measure={params['measure']!r} contradicts the weighting {measure!r}")
        params["measure"] = measure
    return CORES.get(kind)(quantum, params, measure)


def core_parameter_count(core: nn.Module | None) -> int:
    """Trainable parameters of a core: a circuit's weights, or its twin's parameters."""
    return 0 if core is None else sum(p.numel() for p in core.parameters() if p.requires_grad)


class FeatureAttention(nn.Module):
    """S2's quantum attention between encoder and latent (SPEC.md decision), or its twin.

    features (B, F) -> Linear(F, q) -> q angles -> core -> G outputs -> G attention weights,
    each rescaling one of G contiguous groups of the features (channel-major flattening, so
    with 128 channels and G = 8 a group is 16 whole channels); returns (B, F).

    Weightings (``measure``):
    - "expval" (SPEC.md): the core gives <Z_i>, G = q; ``activation`` "softmax" gives
      weights G * softmax(<Z>) (a distribution over the groups, scaled so that uniform
      attention is the identity), "sigmoid" gives 2 * sigmoid(<Z>) (each group on its own,
      1 at <Z> = 0).
    - "probs" (the other reading): the core gives the 2**q basis-state probabilities, G = 2**q
      (256 for 8 qubits); weights G * p, again the identity for a uniform distribution.
    """

    def __init__(self, n_features: int, core: nn.Module, measure: str = "expval", activation: str = "softmax") -> None:
        super().__init__()
        if activation not in ATTENTION_ACTIVATIONS:
            raise ValueError(f"unknown attention activation {activation!r}; choose one of {ATTENTION_ACTIVATIONS}")
        n_groups = core.n_outputs
        if n_groups > n_features:
            raise ValueError(f"{n_groups} attention groups over {n_features} features")
        self.to_angles = nn.Linear(n_features, core.n_inputs)
        self.core = core
        self.measure, self.activation, self.n_groups = measure, activation, n_groups
        self.register_buffer("group", torch.arange(n_features) * n_groups // n_features, persistent=False)

    def weights(self, features: torch.Tensor) -> torch.Tensor:
        """(B, F) features -> (B, G) attention weights (mean 1 for uniform attention)."""
        out = self.core(self.to_angles(features))
        if self.measure == "probs":
            return self.n_groups * out
        if self.activation == "softmax":
            return self.n_groups * torch.softmax(out, dim=-1)
        return 2 * torch.sigmoid(out)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features * self.weights(features)[:, self.group]


class NoiseMap(nn.Module):
    """S2's quantum generator front (the report's "8-qubit circuit turns noise into the latent
    code"), or its twin: noise (B, D) -> Linear(D, q) angles -> core -> <Z> (B, q) ->
    Linear(q, D) -> [batch norm without parameters] -> latent code (B, D) for the classical
    generator.

    ``batch_norm`` (default on) standardises each latent dimension over the batch (running
    statistics in eval mode), so the generator receives codes of unit scale as from N(0, I)
    noise: at initialisation the circuit's <Z> vary by about 0.1 across noise draws, which left
    the generator a nearly constant input and collapsed it onto one image within 150 steps in a
    trial on real digits. It has no trainable parameters, so counts stay matched; training
    batches need at least two images (``drop_last``).
    """

    def __init__(self, noise_dim: int, core: nn.Module, batch_norm: bool = True) -> None:
        super().__init__()
        self.to_angles = nn.Linear(noise_dim, core.n_inputs)
        self.core = core
        self.to_latent = nn.Linear(core.n_outputs, noise_dim)
        self.norm = nn.BatchNorm1d(noise_dim, affine=False) if batch_norm else nn.Identity()

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        return self.norm(self.to_latent(self.core(self.to_angles(noise))))
