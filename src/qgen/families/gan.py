"""S2's GAN family: the classical GAN, the quantum GAN and its classical twin.

One definition; the ``noise_map`` setting selects the model:

- ``none``: the report's GAN. Generator: noise z ~ N(0, I) of ``noise_dim`` (100) -> Linear to
  128 x 7 x 7, batch norm (over the 128 channels), ReLU -> three transposed convolutions 128 ->
  64 -> 32 -> C with strides 2/2/1 (7 -> 14 -> 28 -> 28 px; 4x4 kernels at stride 2, as
  DCGAN) with batch norm and ReLU between -> tanh. Discriminator: three 3x3
  convolutions 32/64/128 with stride 2, each followed by LeakyReLU(``leaky_slope``) and
  Dropout(``dropout``) -> Linear to one logit.
- ``quantum``: the report's quantum generator, "an 8-qubit circuit turns noise into the latent
  code that a classical decoder turns into an image"
  (:class:`qgen.models.circuit_blocks.NoiseMap`): z (noise_dim) -> Linear -> n_qubits angles ->
  the model's circuit -> <Z_i> -> Linear -> batch norm without parameters (``latent_norm``) ->
  latent code (noise_dim) -> the classical generator above, unchanged. The generator's
  randomness thus passes through n_qubits numbers.
- ``twin``: the same with the circuit replaced by its classical twin (same sizes, exactly as
  many trainable parameters), read from the entry's ``quantum`` block and never simulated.

Training: two optimiser groups stepped in this order on each batch, ``discriminator`` (BCE of
real images against 1 and of generated images, detached, against 0) then ``generator`` (the
non-saturating loss: BCE of D(G(z)) against 1; the noise map belongs to this group).
Logged besides ``loss``: ``d_real`` and ``d_fake``, the discriminator's mean probability on
real and generated images. Images are in [-1, 1] throughout (tanh).

The noise map is built after the generator and the discriminator, so for one seed the three
models start from the same generator and discriminator.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from qgen.families import FAMILIES
from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec
from qgen.families.options import positive_ints, resolve_options
from qgen.models.circuit_blocks import NoiseMap, build_core, core_parameter_count
from qgen.models.convnets import ConvDecoder, ConvEncoder, conv_sizes, count_parameters, decoder_start

NOISE_MAPS = ("none", "quantum", "twin")


class Generator(nn.Module):
    """Latent code (B, D) -> images (B, C, H, W) in [-1, 1]."""

    def __init__(self, latent_dim: int, widths: list[int], strides: list[int], size: int, channels: int) -> None:
        super().__init__()
        start = decoder_start(size, strides)
        self.shape = (widths[0], start, start)
        self.project = nn.Linear(latent_dim, math.prod(self.shape))
        # Batch norm over the channels of the reshaped map (as DCGAN), which also works on a
        # last batch of one image.
        self.norm = nn.Sequential(nn.BatchNorm2d(widths[0]), nn.ReLU())
        self.decoder = ConvDecoder(widths, strides, channels, batch_norm=True)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.decoder(self.norm(self.project(z).view(-1, *self.shape))))


@FAMILIES.register("gan")
class GAN(Family):
    """Settings (defaults): noise_dim (100), generator_widths ([128, 64, 32]),
    generator_strides ([2, 2, 1]), discriminator_widths ([32, 64, 128]),
    discriminator_strides ([2, 2, 2]), dropout (0.3), leaky_slope (0.2),
    noise_map ("none" | "quantum" | "twin"), latent_norm (true: the noise map's latent code is
    standardised over the batch, see :class:`qgen.models.circuit_blocks.NoiseMap`).
    See the module docstring."""

    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "noise_dim": {"type": "integer", "minimum": 1, "default": 100},
            "generator_widths": positive_ints([128, 64, 32]),
            "generator_strides": positive_ints([2, 2, 1]),
            "discriminator_widths": positive_ints([32, 64, 128]),
            "discriminator_strides": positive_ints([2, 2, 2]),
            "dropout": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.3},
            "leaky_slope": {"type": "number", "minimum": 0, "default": 0.2},
            "noise_map": {"enum": list(NOISE_MAPS), "default": "none"},
            "latent_norm": {"type": "boolean", "default": True},
        },
    }

    def __init__(
        self,
        settings: Mapping[str, Any],
        data: DataSpec,
        quantum: QuantumSpec | None = None,
        requires: Mapping[str, Family] | None = None,
    ) -> None:
        super().__init__(settings, data, quantum, requires)
        self.options = opts = resolve_options("gan", self.options_schema, settings)
        if opts["noise_map"] == "none" and quantum is not None:
            raise ValueError("a GAN with noise_map 'none' has no circuit: drop the entry's quantum block")
        d_widths, d_strides = opts["discriminator_widths"], opts["discriminator_strides"]
        side = conv_sizes(data.size, d_strides)[-1]
        self.noise_dim = opts["noise_dim"]
        self.generator = Generator(self.noise_dim, opts["generator_widths"], opts["generator_strides"], data.size,
                                   data.channels)
        self.discriminator = nn.Sequential(
            ConvEncoder(data.channels, d_widths, d_strides, "leaky_relu", opts["leaky_slope"], dropout=opts["dropout"]),
            nn.Flatten(),
            nn.Linear(d_widths[-1] * side * side, 1),
        )
        self.noise_map: NoiseMap | None = None
        if opts["noise_map"] != "none":  # built last: the shared networks start alike
            self.noise_map = NoiseMap(self.noise_dim, build_core(opts["noise_map"], quantum), opts["latent_norm"])

    @classmethod
    def runs_circuit(cls, settings: Mapping[str, Any], quantum: Mapping[str, Any] | None) -> bool:
        return bool(quantum) and settings.get("noise_map", "none") == "quantum"

    def generate(self, noise: torch.Tensor) -> torch.Tensor:
        """Noise (B, noise_dim) -> images in [-1, 1], through the noise map where there is one."""
        return self.generator(noise if self.noise_map is None else self.noise_map(noise))

    def _noise(self, n: int, rng: torch.Generator) -> torch.Tensor:
        return torch.randn((n, self.noise_dim), generator=rng).to(self.device)

    # ---------------------------------------------------------------- family contract

    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        generator = list(self.generator.parameters())
        if self.noise_map is not None:
            generator += list(self.noise_map.parameters())
        return {"discriminator": list(self.discriminator.parameters()), "generator": generator}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        n = batch.images.shape[0]
        if group == "discriminator":
            with torch.no_grad():
                fake = self.generate(self._noise(n, rng))
            real_logits, fake_logits = self.discriminator(batch.images), self.discriminator(fake)
            loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            return {"loss": loss, "d_real": torch.sigmoid(real_logits).mean().detach(),
                    "d_fake": torch.sigmoid(fake_logits).mean().detach()}
        if group == "generator":
            logits = self.discriminator(self.generate(self._noise(n, rng)))
            loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))  # non-saturating
            return {"loss": loss, "d_fake": torch.sigmoid(logits).mean().detach()}
        raise KeyError(f"unknown GAN optimiser group {group!r}")

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        return self.generate(self._noise(n, rng))

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters per block (measured); ``core`` is the circuit's weights or the twin's."""
        nm = self.noise_map
        return {
            "generator": count_parameters(self.generator),
            "noise_map_linear": count_parameters(nm) - core_parameter_count(nm.core) if nm else 0,
            "core": core_parameter_count(nm.core if nm else None),
            "discriminator": count_parameters(self.discriminator),
            "total": count_parameters(self),
        }
