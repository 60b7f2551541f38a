"""DDPM: a noise-prediction denoiser trained and sampled under a noise schedule (S1).

The denoiser (a network from ``qgen.models.DENOISERS``), the schedule, the time-step sampler,
the noise sources and the sampler are separate pieces, as in diffusers: this family only wires
them together. The training noise source is ``diffusion.noise_source`` (the training slice); the
sampling noise source is ``sampling.noise_source`` (the sampling slice). Each is built and
checked on first use, in the job that uses it.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F

from qgen.diffusion import TIMESTEP_SAMPLERS, NoiseSchedule, ddpm_sample
from qgen.diffusion.noise import NoiseSource, describe_source, noise_source
from qgen.families import FAMILIES
from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec
from qgen.models import DENOISERS


@FAMILIES.register("ddpm")
class DDPM(Family):
    """Settings: ``denoiser: {name, ...its options}`` and the ``diffusion`` section
    (timesteps, schedule, timestep_sampling, noise_source, clip_x0); sampling reads
    ``sampling.noise_source``."""

    sections = ("diffusion",)
    sampling_options = ("noise_source",)
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["denoiser"],
        "properties": {
            "denoiser": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        },
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> list[str]:
        """The family's keys, then the chosen denoiser's own options."""
        problems = super().check_settings(settings)
        denoiser = settings.get("denoiser") or {}
        if problems or denoiser.get("name") not in DENOISERS:
            return problems or [f"denoiser.name: {denoiser.get('name')!r} is unknown; known: {', '.join(DENOISERS.names())}"]
        import jsonschema

        schema = getattr(DENOISERS.get(denoiser["name"]), "options_schema", {"type": "object"})
        return [f"denoiser: {err.message}" for err in jsonschema.Draft202012Validator(schema).iter_errors(denoiser)]

    @classmethod
    def runs_circuit(cls, settings: Mapping[str, Any], quantum: Mapping[str, Any] | None) -> bool:
        denoiser = dict(settings.get("denoiser") or {})
        network = DENOISERS.get(denoiser.get("name"))
        runs = getattr(network, "runs_circuit", None)
        return bool(quantum) and (runs(denoiser) if runs else True)

    def __init__(
        self,
        settings: Mapping[str, Any],
        data: DataSpec,
        quantum: QuantumSpec | None = None,
        requires: Mapping[str, Family] | None = None,
    ) -> None:
        super().__init__(settings, data, quantum, requires)
        options = dict(settings["denoiser"])
        denoiser = DENOISERS.get(options.pop("name"))
        self.denoiser = denoiser(channels=data.channels, quantum=quantum, **options)
        diffusion = settings["diffusion"]
        self.schedule = NoiseSchedule.from_name(diffusion["schedule"], diffusion["timesteps"])
        self.timesteps = TIMESTEP_SAMPLERS.get(diffusion.get("timestep_sampling", "uniform"))(diffusion["timesteps"])
        self.clip_x0 = bool(diffusion.get("clip_x0", True))
        self._noise_specs = {"train": diffusion.get("noise_source", "pseudo"), "sample": "pseudo"}
        self._noise: dict[str, NoiseSource] = {}

    def noise(self, use: str) -> NoiseSource:
        """The noise source of ``use`` ("train" or "sample"), built and checked on first use."""
        if use not in self._noise:
            self._noise[use] = noise_source(self._noise_specs[use])
        return self._noise[use]

    def configure_sampling(self, sampling: Mapping[str, Any]) -> None:
        spec = sampling.get("noise_source", "pseudo")
        if spec != self._noise_specs["sample"]:
            self._noise_specs["sample"] = spec
            self._noise.pop("sample", None)

    def report(self) -> dict[str, Any]:
        return {"noise_sources": {use: describe_source(source) for use, source in self._noise.items()}}

    def optimiser_groups(self) -> dict[str, list[torch.nn.Parameter]]:
        return {"denoiser": list(self.denoiser.parameters())}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        """MSE between the true and the predicted noise at a random time step (Ho et al.)."""
        x0 = batch.images
        t, weights = self.timesteps.sample(x0.shape[0], rng)
        t = t.to(x0.device)
        noise = self.noise("train")(tuple(x0.shape), rng).to(x0.device)
        predicted = self.denoiser(self.schedule.q_sample(x0, t, noise), t)
        if weights is None:
            return {"loss": F.mse_loss(predicted, noise)}
        per_image = (predicted - noise).pow(2).flatten(1).mean(1)
        if self.training:  # validation batches must not steer the sampler
            self.timesteps.update(t.cpu(), per_image.detach().cpu())
        return {"loss": (per_image * weights.to(x0.device)).mean(), "unweighted_loss": per_image.mean().detach()}

    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        return ddpm_sample(
            self.denoiser, self.schedule, (n, *self.data.shape), rng,
            device=self.device, clip_x0=self.clip_x0, noise=self.noise("sample"), progress=progress,
        )
