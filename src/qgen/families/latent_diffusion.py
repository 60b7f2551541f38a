"""Latent diffusion (S3): S1's noise schedule and ancestral sampler in an autoencoder's latent map.

A run of this family requires a trained autoencoder run (role ``autoencoder``: a ``vae`` run
with ``latent: map``), which arrives frozen. Training encodes each batch with it (the mean of
the posterior, times ``latent_scale``) and trains a noise-prediction denoiser from
``qgen.models.DENOISERS`` in that space with the ``diffusion`` section's schedule and time-step
sampler (MSE, as :class:`qgen.families.ddpm.DDPM`). Sampling runs :func:`qgen.diffusion.ddpm_sample`
on latents, on all T steps or, with ``sampling.steps``, on a respaced subsequence of them
(:mod:`qgen.diffusion.respace`), then decodes the latents with the autoencoder.

``latent_scale`` (Rombach et al. 2022): "auto" sets it once, before the first step, to 1 / the
standard deviation of the first ``scale_images`` training images' latents, so the diffused
latents have about unit variance as the schedule assumes; it is saved with the weights. A
number fixes it. ``diffusion.clip_x0`` keeps its pixel meaning, "clip the predicted x0 to the
data's range": here the range of those same training latents (scaled), ``latent_bound``,
measured once beside the scale and saved with the weights. Without it a briefly trained
denoiser's x0 estimates diverge at the cosine schedule's first steps (beta near 0.999).

Settings (defaults): ``denoiser: {name, ...its options}``, latent_scale ("auto"), scale_images
(512); sections ``diffusion``; sampling key ``steps`` (null: all T).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from qgen.diffusion import TIMESTEP_SAMPLERS, NoiseSchedule, RespacedModel, ddpm_sample, respace
from qgen.families import FAMILIES
from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec
from qgen.families.options import resolve_options
from qgen.models import DENOISERS, denoiser_problems
from qgen.models.convnets import count_parameters


@FAMILIES.register("latent_diffusion")
class LatentDiffusion(Family):
    """See the module docstring."""

    sections = ("diffusion",)
    requires_roles = ("autoencoder",)
    sampling_options = ("steps",)
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["denoiser"],
        "properties": {
            "denoiser": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
            "latent_scale": {"oneOf": [{"const": "auto"}, {"type": "number", "exclusiveMinimum": 0}],
                             "default": "auto"},
            "scale_images": {"type": "integer", "minimum": 2, "default": 512},
            "diffusion": {"type": "object"},
        },
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> list[str]:
        """The family's keys, then the chosen denoiser's own options."""
        return super().check_settings(settings) or denoiser_problems(settings.get("denoiser") or {})

    @classmethod
    def runs_circuit(cls, settings: Mapping[str, Any], quantum: Mapping[str, Any] | None) -> bool:
        return bool(quantum) and (settings.get("denoiser") or {}).get("residual", "none") == "quantum"

    def __init__(
        self,
        settings: Mapping[str, Any],
        data: DataSpec,
        quantum: QuantumSpec | None = None,
        requires: Mapping[str, Family] | None = None,
    ) -> None:
        super().__init__(settings, data, quantum, requires)
        self.options = opts = resolve_options("latent_diffusion", self.options_schema, settings)
        autoencoder = self.required("autoencoder")
        shape = tuple(getattr(autoencoder, "latent_shape", ()))
        if not all(callable(getattr(autoencoder, a, None)) for a in ("encode", "decode")) or len(shape) != 3:
            raise ValueError(
                f"the 'autoencoder' run given to a latent_diffusion model is a {type(autoencoder).__name__} with "
                f"latent shape {shape or 'unknown'}: it needs a VAE with a latent map (vae family, latent: map)"
            )
        self.latent_shape: tuple[int, int, int] = shape  # type: ignore[assignment]
        denoiser = dict(opts["denoiser"])
        self.denoiser = DENOISERS.get(denoiser.pop("name"))(channels=shape[0], quantum=quantum, **denoiser)
        diffusion = settings["diffusion"]
        self.schedule = NoiseSchedule.from_name(diffusion["schedule"], diffusion["timesteps"])
        self.timesteps = TIMESTEP_SAMPLERS.get(diffusion.get("timestep_sampling", "uniform"))(diffusion["timesteps"])
        self.clip_x0 = bool(diffusion.get("clip_x0", True))
        fixed = opts["latent_scale"] != "auto"
        self.register_buffer("latent_scale", torch.tensor(float(opts["latent_scale"]) if fixed else math.nan))
        self.register_buffer("latent_bound", torch.tensor(math.nan))  # max |scaled training latent|
        self.sample_steps: int | None = None

    @property
    def autoencoder(self) -> Family:
        return self.required("autoencoder")

    def data_init(self, images: torch.Tensor) -> None:
        """From the first ``scale_images`` training images' latents: latent_scale "auto" (1 / their
        std) and latent_bound (the largest |latent| after scaling: the clip range of x0)."""
        with torch.no_grad():
            z = self.autoencoder.encode(images[: self.options["scale_images"]].to(self.latent_scale.device))
        if self.options["latent_scale"] == "auto":
            self.latent_scale.fill_(1.0 / float(z.std()))
        self.latent_bound.fill_(float((z * self.latent_scale).abs().max()))

    def latents(self, images: torch.Tensor) -> torch.Tensor:
        """Scaled posterior means of ``images`` under the frozen autoencoder."""
        if torch.isnan(self.latent_scale):
            raise RuntimeError("latent_scale is not set: data_init(images) runs before training (the trainer calls it)")
        with torch.no_grad():
            return self.autoencoder.encode(images) * self.latent_scale

    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"denoiser": list(self.denoiser.parameters())}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        """MSE between the true and the predicted noise of a latent at a random time step."""
        z0 = self.latents(batch.images)
        t, weights = self.timesteps.sample(z0.shape[0], rng)
        t = t.to(z0.device)
        noise = torch.randn(z0.shape, generator=rng).to(z0.device)
        predicted = self.denoiser(self.schedule.q_sample(z0, t, noise), t)
        if weights is None:
            return {"loss": F.mse_loss(predicted, noise)}
        per_latent = (predicted - noise).pow(2).flatten(1).mean(1)
        if self.training:  # validation batches must not steer the sampler
            self.timesteps.update(t.cpu(), per_latent.detach().cpu())
        return {"loss": (per_latent * weights.to(z0.device)).mean(), "unweighted_loss": per_latent.mean().detach()}

    def configure_sampling(self, sampling: Mapping[str, Any]) -> None:
        self.sample_steps = sampling.get("steps")

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        """Latents by ancestral DDPM (all steps, or ``sampling.steps`` respaced), decoded."""
        model, schedule = self.denoiser, self.schedule
        if self.sample_steps is not None and self.sample_steps != schedule.timesteps:
            schedule, kept = respace(schedule, self.sample_steps)
            model = RespacedModel(self.denoiser, kept)
        if self.clip_x0 and not torch.isfinite(self.latent_bound):
            raise RuntimeError("latent_bound is not set: data_init(images) runs before training (the trainer calls it)")
        z = ddpm_sample(model, schedule, (n, *self.latent_shape), rng, device=self.device,
                        clip_x0=float(self.latent_bound) if self.clip_x0 else False, progress=progress)
        return self.autoencoder.decode(z / self.latent_scale).clamp(-1, 1)

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters of the denoiser (the frozen autoencoder's are not counted):
        ``core`` is the circuits' weights or their twins', ``residual_io`` the blocks' Linear maps."""
        blocks = list(getattr(self.denoiser, "quantum", None) or [])
        core = sum(count_parameters(b.inner) for b in blocks)
        return {
            "denoiser_classical": count_parameters(self.denoiser) - sum(count_parameters(b) for b in blocks),
            "residual_io": sum(count_parameters(b) for b in blocks) - core,
            "core": core,
            "total": count_parameters(self),
        }
