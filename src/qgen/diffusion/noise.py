"""Noise sources: where the diffusion noise epsilon comes from (S1's "quantum-generated noise").

A noise source is a callable ``(shape, generator) -> float32 tensor`` of standard normals drawn
from the run's CPU generator, so runs stay bit-identical for a seed and resumable (the
generator's state is checkpointed; a source keeps no state of its own). Config selects one by
name or as ``{name, ...options}`` (``diffusion.noise_source`` for training, ``sampling.noise_source``
for sampling):

- ``pseudo`` (default): ``torch.randn``, as every DDPM (S1's code).
- ``circuit``: measurement outcomes of a circuit of ``qgen.quantum.CIRCUITS``. The circuit's
  Born distribution over its 2**n outcomes is computed once by a quantum backend (exact), and
  each shot is one outcome drawn from it with the run's generator: n bits per shot, exactly
  what a simulator's shot sampling does (there is no other source of randomness on a classical
  machine; on hardware the bits would come from the device). ``bits_per_uniform`` consecutive
  bits (default 32, two 16-qubit shots) make one integer k, the uniform is (k + 1/2) / 2**bits
  (never 0 or 1), and ``transform`` turns uniforms into normals: ``inverse_cdf`` (Phi^-1, one
  uniform per normal; default) or ``box_muller`` (two uniforms per two normals). 32 bits resolve
  the normal's tails to |z| = 6.2; below about 10 bits the discretisation fails the check.

A source other than ``pseudo`` must pass :func:`check_normal` (mean 0, variance 1, skewness 0,
excess kurtosis 0, each within 5 standard errors, and a Kolmogorov-Smirnov test against N(0, 1)
at p >= 1e-4) on 2**18 draws from a fixed stream before it is used; the result is printed to the
job's log and kept in its record, and a failure stops the job naming the fix.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Mapping

import torch

from qgen.errors import QgenError
from qgen.registry import Registry

NoiseSource = Callable[[tuple[int, ...], torch.Generator], torch.Tensor]
NOISE_SOURCES: Registry[Callable[..., NoiseSource]] = Registry("noise source")

CHECK_SIZE = 2**18
CHECK_SEED = 4_000_037  # the check's own stream: it never touches the run's generator
CHECK_Z = 5.0  # moments within 5 standard errors
CHECK_KS_P = 1e-4
TRANSFORMS = ("inverse_cdf", "box_muller")
MAX_OUTCOME_QUBITS = 24  # the Born distribution is held as 2**n probabilities


class NoiseCheckError(QgenError):
    """A noise source whose draws are not standard normal."""


@dataclass(frozen=True)
class NoiseCheck:
    """Moments and Kolmogorov-Smirnov test of a sample against N(0, 1)."""

    n: int
    mean: float
    variance: float
    skewness: float
    excess_kurtosis: float
    ks_statistic: float
    ks_p: float
    failures: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"n={self.n}, mean={self.mean:+.5f}, variance={self.variance:.5f}, skewness={self.skewness:+.5f}, "
                f"excess kurtosis={self.excess_kurtosis:+.5f}, KS D={self.ks_statistic:.5f} (p={self.ks_p:.3g})")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "failures": list(self.failures), "passed": self.passed}


def check_normal(sample: torch.Tensor, z: float = CHECK_Z, ks_p: float = CHECK_KS_P) -> NoiseCheck:
    """Is ``sample`` (any shape) a draw of independent standard normals? Each moment must lie
    within ``z`` standard errors of its N(0, 1) value (se of the mean 1/sqrt(n), of the variance
    sqrt(2/n), of the skewness sqrt(6/n), of the excess kurtosis sqrt(24/n)), and the KS test
    against N(0, 1) must give p >= ``ks_p``."""
    from scipy import stats

    x = sample.detach().double().flatten().cpu()
    n = x.numel()
    mean = float(x.mean())
    centred = x - mean
    variance = float(centred.pow(2).mean())
    skewness = float(centred.pow(3).mean() / variance**1.5)
    kurtosis = float(centred.pow(4).mean() / variance**2 - 3)
    ks = stats.kstest(x.numpy(), "norm")
    failures = []
    for name, value, target, se in (("mean", mean, 0.0, 1 / math.sqrt(n)), ("variance", variance, 1.0, math.sqrt(2 / n)),
                                    ("skewness", skewness, 0.0, math.sqrt(6 / n)),
                                    ("excess kurtosis", kurtosis, 0.0, math.sqrt(24 / n))):
        if abs(value - target) > z * se:
            failures.append(f"{name} {value:+.5f} is more than {z:g} standard errors ({se:.5f}) from {target:g}")
    if not ks.pvalue >= ks_p:
        failures.append(f"Kolmogorov-Smirnov D = {ks.statistic:.5f} against N(0, 1), p = {ks.pvalue:.3g} < {ks_p:g}")
    return NoiseCheck(n, mean, variance, skewness, kurtosis, float(ks.statistic), float(ks.pvalue), tuple(failures))


@NOISE_SOURCES.register("pseudo")
class PseudoNoise:
    """``torch.randn`` from the run's generator (the default: every result before noise sources)."""

    name = "pseudo"

    def __call__(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        return torch.randn(shape, generator=generator)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}


@NOISE_SOURCES.register("circuit")
class CircuitNoise:
    """Standard normals from a circuit's measurement outcomes (module docstring).

    ``circuit``/``circuit_params``: a circuit of ``qgen.quantum.CIRCUITS`` (default
    ``noise_hadamard``: a Hadamard on each of 16 qubits, 16 fair and independent bits per shot);
    its input angles are 0 and its weights, if any, are drawn uniformly in [0, 2 pi) from
    ``circuit_seed``. ``backend``: ``{name, options}`` of ``qgen.quantum.BACKENDS`` that computes
    the outcome probabilities (default ``default.qubit``; the ``torch`` backend gives joint
    probabilities of at most 8 qubits).
    """

    name = "circuit"

    def __init__(
        self,
        circuit: str = "noise_hadamard",
        circuit_params: Mapping[str, Any] | None = None,
        backend: Mapping[str, Any] | None = None,
        bits_per_uniform: int = 32,
        transform: str = "inverse_cdf",
        circuit_seed: int = 0,
    ) -> None:
        if transform not in TRANSFORMS:
            raise QgenError(f"noise source circuit: unknown transform {transform!r}; choose one of {TRANSFORMS}")
        if not 1 <= bits_per_uniform <= 52:
            raise QgenError(f"noise source circuit: bits_per_uniform = {bits_per_uniform}; use 1..52 (float64 "
                            f"holds 52-bit uniforms exactly)")
        self.options = {"circuit": circuit, "circuit_params": dict(circuit_params or {}),
                        "backend": dict(backend or {"name": "default.qubit"}), "bits_per_uniform": bits_per_uniform,
                        "transform": transform, "circuit_seed": circuit_seed}
        self.bits, self.transform = bits_per_uniform, transform
        self.probs = outcome_probabilities(circuit, self.options["circuit_params"], self.options["backend"], circuit_seed)
        self.n_qubits = int(round(math.log2(self.probs.numel())))
        self._powers = 2.0 ** torch.arange(bits_per_uniform - 1, -1, -1, dtype=torch.float64)
        self._shifts = torch.arange(self.n_qubits - 1, -1, -1)  # wire 0 is the most significant bit

    def shots(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` measured outcomes, as integers in [0, 2**n_qubits)."""
        return torch.multinomial(self.probs, n, replacement=True, generator=generator)

    def bits_of(self, outcomes: torch.Tensor) -> torch.Tensor:
        """(shots,) outcomes -> (shots * n_qubits,) bits, wire 0 of each shot first."""
        return ((outcomes[:, None] >> self._shifts) & 1).flatten()

    def uniforms(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` uniforms in (0, 1), float64, each from ``bits_per_uniform`` measured bits."""
        n_bits = n * self.bits
        outcomes = self.shots(-(-n_bits // self.n_qubits), generator)
        if self.bits % self.n_qubits == 0:  # whole shots per uniform: the same bits, 3x faster
            columns = outcomes.reshape(n, self.bits // self.n_qubits).unbind(1)
            words = columns[0]
            for column in columns[1:]:
                words = (words << self.n_qubits) | column
            words = words.double()
        else:
            words = self.bits_of(outcomes)[:n_bits].reshape(n, self.bits).double() @ self._powers
        return (words + 0.5) / 2.0**self.bits

    def __call__(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        n = math.prod(shape)
        if self.transform == "inverse_cdf":
            z = torch.special.ndtri(self.uniforms(n, generator))
        else:
            u = self.uniforms(2 * -(-n // 2), generator).reshape(2, -1)
            radius = torch.sqrt(-2 * torch.log(u[0]))
            z = torch.cat([radius * torch.cos(2 * math.pi * u[1]), radius * torch.sin(2 * math.pi * u[1])])[:n]
        return z.to(torch.float32).reshape(shape)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


def outcome_probabilities(circuit: str, circuit_params: Mapping[str, Any], backend: Mapping[str, Any],
                          circuit_seed: int = 0) -> torch.Tensor:
    """The Born distribution of ``circuit`` (inputs 0, seeded weights) over its 2**n outcomes."""
    import pennylane as qml

    from qgen.quantum import build_circuit, make_executor

    spec = build_circuit(circuit, **circuit_params)
    if spec.n_qubits > MAX_OUTCOME_QUBITS:
        raise QgenError(f"noise source circuit {circuit!r} has {spec.n_qubits} qubits; its 2**n outcome "
                        f"probabilities need n <= {MAX_OUTCOME_QUBITS}. Fix circuit_params.n_qubits.")
    wires = list(range(spec.n_qubits))
    spec = replace(spec, measure=lambda: [qml.probs(wires=wires)])
    weights = torch.rand(spec.weight_shape, generator=torch.Generator().manual_seed(circuit_seed),
                         dtype=torch.float64) * 2 * math.pi
    try:
        execute = make_executor(spec, backend.get("name", "default.qubit"), **(backend.get("options") or {}))
        probs = execute(torch.zeros(1, spec.n_qubits, dtype=torch.float64), weights)
    except NotImplementedError as err:
        raise QgenError(f"noise source circuit {circuit!r}: backend {backend.get('name')!r} cannot give the joint "
                        f"probabilities of {spec.n_qubits} qubits ({err}). Fix: backend {{name: default.qubit}} "
                        f"or lightning.qubit.") from None
    probs = probs.detach().double().reshape(-1).clamp_min(0)
    return probs / probs.sum()


def noise_options(spec: str | Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """A config value (a name, ``{name, ...options}`` or None for pseudo) as (name, options)."""
    if spec is None:
        return "pseudo", {}
    if isinstance(spec, str):
        return spec, {}
    options = dict(spec)
    return options.pop("name"), options


def noise_source(spec: str | Mapping[str, Any] | None, log: Callable[[str], None] | None = print,
                 check_size: int = CHECK_SIZE) -> NoiseSource:
    """The noise source a config value names, checked before use (every source but ``pseudo``)."""
    name, options = noise_options(spec)
    source = NOISE_SOURCES.get(name)(**options)
    if name == "pseudo":
        return source
    check = check_normal(source((check_size,), torch.Generator().manual_seed(CHECK_SEED)))
    source.check = check  # type: ignore[attr-defined]
    described = ", ".join(f"{k}={v}" for k, v in source.describe().items())
    if not check.passed:
        raise NoiseCheckError(
            f"noise source ({described}) failed its normality check: {'; '.join(check.failures)} ({check.summary()}). "
            f"Its outcomes are not uniform and independent bits (a circuit whose measurement is not a fair coin per "
            f"qubit) or bits_per_uniform is too low. Fix: use circuit noise_hadamard, raise bits_per_uniform, or "
            f"noise_source: pseudo.")
    if log is not None:
        log(f"noise source ({described}): normality check passed: {check.summary()}")
    return source


def describe_source(source: NoiseSource) -> dict[str, Any]:
    """What a job records about its noise source: its options and its check."""
    out = source.describe() if hasattr(source, "describe") else {"name": type(source).__name__}
    check = getattr(source, "check", None)
    if check is not None:
        out["check"] = check.as_dict()
    return out
