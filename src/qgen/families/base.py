"""A model family is a process, not a network.

As denoising-diffusion-pytorch's ``GaussianDiffusion`` or a diffusers pipeline, a family builds
its networks from its config slice, says which parameters each optimiser updates, returns named
losses for a batch, and samples images. The generic trainer (:mod:`qgen.train`) and sampler
(:mod:`qgen.sample`) drive every family through this interface and never name one.

Contract
- Images go in and come out as float tensors (N, C, H, W) in [-1, 1]; a family that models
  another range (a VAE's Bernoulli decoder in [0, 1]) converts inside.
- ``optimiser_groups()`` maps an optimiser name to its parameters, in the order the trainer
  steps them on each batch (one group for most families; "discriminator" then "generator"
  for a GAN).
- ``losses(group, batch, rng)`` returns named scalar losses for one step of ``group``; the
  entry ``"loss"`` is minimised, the others are logged. All randomness comes from ``rng`` (a
  CPU ``torch.Generator``) so a run is bit-identical for a seed and resumable.
- ``sample(n, rng)`` draws ``n`` images in [-1, 1] with the family's networks in eval mode.
- A family reads the config sections it names in ``sections`` (for example ``diffusion``);
  they arrive inside ``settings`` under their names, merged as every other setting.
- ``requires`` names the roles of other runs it needs (an autoencoder, a router's members);
  they arrive trained and frozen in ``requires``.
- Sampling settings a family reads (``sampling_options``, e.g. DDPM's ``noise_source``, a latent
  diffusion model's number of sampling ``steps``) reach it through ``configure_sampling(sampling)``
  before ``sample``: they are the sampling job's slice, not the training job's, so changing them
  reruns sampling only.
- ``report()`` returns what the family checked or chose during the job (e.g. a noise source's
  normality check); the trainer and sampler write it into the job's record.
- ``data_init(images)`` (optional) sets data-dependent buffers once before the first step of a
  fresh run (a latent diffusion model's latent scale); they are saved with the weights.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping, NamedTuple, Protocol, runtime_checkable

import torch
from torch import nn

Progress = Callable[[range], Any]


class Batch(NamedTuple):
    """One training batch: images (B, C, H, W) in [-1, 1] and integer labels (B,)."""

    images: torch.Tensor
    labels: torch.Tensor


@dataclass(frozen=True)
class DataSpec:
    """What a family needs to know about its images before seeing any."""

    channels: int
    size: int
    n_classes: int

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.size, self.size)


@dataclass(frozen=True)
class QuantumSpec:
    """A model's quantum block, resolved once in config: circuit, its sizes, and what runs it."""

    circuit: str
    circuit_params: Mapping[str, Any] = field(default_factory=dict)
    backend: str = "torch"
    backend_options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, block: Mapping[str, Any] | None) -> "QuantumSpec | None":
        """``{circuit, circuit_params, backend: {name, options}}`` (as a job slice holds it) or None."""
        if not block:
            return None
        backend = block.get("backend") or {}
        return cls(
            circuit=block["circuit"],
            circuit_params=dict(block.get("circuit_params") or {}),
            backend=backend.get("name", "torch"),
            backend_options=dict(backend.get("options") or {}),
        )

    def layer(self) -> nn.Module:
        """A fresh :class:`qgen.quantum.QuantumLayer` running this circuit on this backend."""
        from qgen.quantum import QuantumLayer  # PennyLane is imported only by quantum models

        return QuantumLayer(self.circuit, dict(self.circuit_params), self.backend, dict(self.backend_options))


class Family(nn.Module, abc.ABC):
    """Base class of every model family (see the module docstring for the contract)."""

    #: config sections (besides ``training``) this family reads, e.g. ("diffusion",)
    sections: ClassVar[tuple[str, ...]] = ()
    #: roles of the runs it requires, e.g. ("autoencoder",)
    requires_roles: ClassVar[tuple[str, ...]] = ()
    #: JSON schema (a dict) of the family's own keys in a model entry; checked before any job
    options_schema: ClassVar[Mapping[str, Any]] = {"type": "object"}
    #: keys of the ``sampling`` section the family reads besides n_samples and batch_size
    sampling_options: ClassVar[tuple[str, ...]] = ()
    #: whether a model entry may carry a ``quantum`` block (False: the family runs no circuit)
    takes_quantum: ClassVar[bool] = True

    def __init__(
        self,
        settings: Mapping[str, Any],
        data: DataSpec,
        quantum: QuantumSpec | None = None,
        requires: Mapping[str, "Family"] | None = None,
    ) -> None:
        super().__init__()
        self.settings = dict(settings)
        self.data = data
        self.quantum_spec = quantum
        if quantum is not None and not self.takes_quantum:
            raise ValueError(f"{type(self).__name__} runs no circuit of its own: drop the entry's quantum block")
        missing = [r for r in self.requires_roles if r not in (requires or {})]
        if missing:
            raise ValueError(f"{type(self).__name__} requires trained run(s) for role(s) {missing}")
        # Required runs are frozen and kept out of this family's parameters and state dict.
        self._required = {k: v.eval().requires_grad_(False) for k, v in (requires or {}).items()}

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> list[str]:
        """Problems with a resolved model's settings (its options and sections), before any job runs."""
        import jsonschema

        schema = {**cls.options_schema, "properties": {**cls.options_schema.get("properties", {}),
                                                       **{s: {"type": "object"} for s in cls.sections}}}
        problems = []
        for err in jsonschema.Draft202012Validator(schema).iter_errors(dict(settings)):
            key = ".".join(str(p) for p in err.absolute_path)
            if err.validator == "additionalProperties":
                extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
                known = ", ".join(sorted(err.schema.get("properties", {})))
                problems.append(f"{key or 'options'}: unknown key(s) {', '.join(map(repr, extra))}; known: {known}")
            else:
                problems.append(f"{key + ': ' if key else ''}{err.message}")
        return problems

    def required(self, role: str) -> "Family":
        """The trained run given for ``role``."""
        return self._required[role]

    @property
    def required_runs(self) -> dict[str, "Family"]:
        """Every required run by role (frozen; not among this family's modules)."""
        return dict(self._required)

    def data_init(self, images: torch.Tensor) -> None:
        """Data-dependent initialisation before the first step of a fresh run (default: none)."""

    @abc.abstractmethod
    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        """Optimiser name -> its parameters, in the order they are stepped on each batch."""

    @abc.abstractmethod
    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        """Named scalar losses of one step of ``group``; ``"loss"`` is the one minimised."""

    @abc.abstractmethod
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        """``n`` images (n, C, H, W) in [-1, 1]."""

    @classmethod
    def runs_circuit(cls, settings: Mapping[str, Any], quantum: Mapping[str, Any] | None) -> bool:
        """Does a model with these settings execute its quantum block's circuit? (A classical twin
        or a closed form keeps the block to know the circuit it stands in for, but runs none.)"""
        return bool(quantum)

    def configure_sampling(self, sampling: Mapping[str, Any]) -> None:
        """Take the sampling job's settings (its ``sampling_options``) before ``sample`` (default: none)."""

    def report(self) -> dict[str, Any]:
        """What the family checked or chose in this job, for the job's record."""
        return {}

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters per block, measured (families name their blocks; by default the
        top-level modules). A quantum model and its classical twin report matching blocks."""
        blocks = {name: sum(p.numel() for p in child.parameters() if p.requires_grad)
                  for name, child in self.named_children()}
        blocks["total"] = sum(p.numel() for p in self.parameters() if p.requires_grad)
        return blocks

    @property
    def device(self) -> torch.device:
        return next(iter(self.parameters()), torch.empty(0)).device

    def to(self, *args: Any, **kwargs: Any) -> "Family":  # required runs move with the family
        for run in self._required.values():
            run.to(*args, **kwargs)
        return super().to(*args, **kwargs)


@runtime_checkable
class Reconstructs(Protocol):
    """Families with an encoder and a decoder (the VAE family): reconstruction metrics use it."""

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> their reconstructions in [-1, 1]."""
        ...
