"""The VAE family: S2's VAE, quantum attention VAE and twin; S3's latent-map VAEs with a quantum
residual block and its twin.

One definition; the ``attention`` setting selects S2's model:

- ``none``: the report's VAE. Encoder: 3x3 convolutions 32/64/128 with stride 2 and ReLU
  (28 -> 14 -> 7 -> 4 px), flattened (2048 features), Linear to mu and to log sigma^2 (latent 32).
  Decoder: Linear(latent, 128 x 7 x 7) and ReLU, then three transposed convolutions 128 -> 64
  -> 32 -> C with strides 2/2/1 (7 -> 14 -> 28 -> 28 px, ReLU between; see
  :class:`qgen.models.convnets.ConvDecoder`) giving Bernoulli logits.
- ``quantum``: the same VAE with quantum attention between encoder and latent
  (:class:`qgen.models.circuit_blocks.FeatureAttention`): features -> Linear -> n_qubits angles
  -> the model's circuit (``s2_attention``: Hadamards, RY encoding, layers of RY, RZ and CNOTs)
  -> attention weights rescaling groups of the features before the projections to mu and log
  sigma^2.
- ``twin``: the same with the circuit replaced by its classical twin (same sizes, exactly as
  many trainable parameters); it reads the circuit's sizes from the entry's ``quantum`` block
  and never simulates it.

``attention_weighting`` chooses how the core's outputs become weights: ``expval`` (SPEC.md:
<Z_i> -> ``attention_activation`` softmax or sigmoid -> weights on n_qubits groups) or
``probs`` (the 2**n_qubits basis-state probabilities as weights on as many groups).

Images: the family models pixels in [0, 1] with a Bernoulli likelihood; batches in [-1, 1] are
mapped to [0, 1] on the way in and decoded images back to [-1, 1] on the way out.
Loss (the negative ELBO per image, nats): BCE summed over pixels + ``kl_weight`` * KL(q(z|x) ||
N(0, I)) summed over latent dimensions, both averaged over the batch. Logged: ``reconstruction``
and ``kl``.

S3's autoencoders (SPEC.md S3) are the same definition with two more settings:

- ``latent``: ``vector`` (S2: Linear maps to a ``latent_dim`` vector) or ``map``: 1x1
  convolutions from the encoder's last feature map to mu and log sigma^2 of a small latent map
  of ``latent_channels`` channels (4 x 7 x 7 at 28 px with strides 2/2/1; 4 x 8 x 8 at 64 px
  with strides 2/2/2), and a 3x3 convolution and ReLU from that map back to the decoder's
  first feature map. A latent diffusion model (``latent_diffusion``) trains in this map.
- ``residual``: ``none``, ``quantum`` or ``twin``: a
  :class:`~qgen.models.quantum_residual.QuantumResidualBlock` (pooled features -> circuit ->
  Linear -> added to the features) at each place in ``residual_at``: ``encoder`` (its last
  feature map, before the projections to the posterior) and ``decoder`` (its first feature
  map). The decoder's block runs whenever the VAE generates, so its circuit acts when the
  quantum VAE samples on its own and when it decodes a latent diffusion model's latents.

One circuit block per model: ``attention`` and ``residual`` cannot both be set.

The attention and residual blocks are built after every other network, so for one seed the
plain VAE, the quantum VAE and its twin start from the same encoder, projections and decoder.
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
from qgen.models.circuit_blocks import (
    ATTENTION_ACTIVATIONS,
    MEASUREMENTS,
    FeatureAttention,
    build_core,
    core_parameter_count,
)
from qgen.models.quantum_residual import QuantumResidualBlock
from qgen.models.convnets import ConvDecoder, ConvEncoder, conv_sizes, count_parameters, decoder_start

ATTENTIONS = ("none", "quantum", "twin")
LATENTS = ("vector", "map")
RESIDUALS = ("none", "quantum", "twin")
RESIDUAL_PLACES = ("encoder", "decoder")


@FAMILIES.register("vae")
class VAE(Family):
    """Settings (defaults): latent_dim (32), widths ([32, 64, 128]; the decoder runs them in
    reverse), strides ([2, 2, 2]; the encoder's), decoder_strides ([2, 2, 1]), kl_weight (1.0),
    attention ("none" | "quantum" | "twin"), attention_weighting ("expval" | "probs"),
    attention_activation ("softmax" | "sigmoid"; expval only), latent ("vector" | "map"),
    latent_channels (4; map only), residual ("none" | "quantum" | "twin"), residual_at
    (["encoder", "decoder"]). See the module docstring."""

    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "latent_dim": {"type": "integer", "minimum": 1, "default": 32},
            "widths": positive_ints([32, 64, 128]),
            "strides": positive_ints([2, 2, 2]),
            "decoder_strides": positive_ints([2, 2, 1]),
            "kl_weight": {"type": "number", "minimum": 0, "default": 1.0},
            "attention": {"enum": list(ATTENTIONS), "default": "none"},
            "attention_weighting": {"enum": list(MEASUREMENTS), "default": "expval"},
            "attention_activation": {"enum": list(ATTENTION_ACTIVATIONS), "default": "softmax"},
            "latent": {"enum": list(LATENTS), "default": "vector"},
            "latent_channels": {"type": "integer", "minimum": 1, "default": 4},
            "residual": {"enum": list(RESIDUALS), "default": "none"},
            "residual_at": {"type": "array", "items": {"enum": list(RESIDUAL_PLACES)}, "minItems": 1,
                            "uniqueItems": True, "default": list(RESIDUAL_PLACES)},
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
        self.options = opts = resolve_options("vae", self.options_schema, settings)
        circuit_blocks = [k for k in ("attention", "residual") if opts[k] != "none"]
        if not circuit_blocks and quantum is not None:
            raise ValueError("a VAE with attention 'none' and residual 'none' has no circuit: drop the entry's quantum block")
        if len(circuit_blocks) > 1:
            raise ValueError("a VAE takes one circuit block: set attention or residual, not both")
        widths, strides = opts["widths"], opts["strides"]
        side = conv_sizes(data.size, strides)[-1]
        n_features = widths[-1] * side * side
        start = decoder_start(data.size, opts["decoder_strides"])
        self.decoder_shape = (widths[-1], start, start)
        self.map_latent = opts["latent"] == "map"
        self.encoder = ConvEncoder(data.channels, widths, strides)
        if self.map_latent:
            if side != start:
                raise ValueError(
                    f"latent 'map': the encoder's strides {strides} give a {side}x{side} map but the decoder's "
                    f"strides {opts['decoder_strides']} start from {start}x{start}; make them agree"
                )
            channels = opts["latent_channels"]
            self.latent_shape: tuple[int, ...] = (channels, side, side)
            self.to_mu = nn.Conv2d(widths[-1], channels, 1)
            self.to_logvar = nn.Conv2d(widths[-1], channels, 1)
            self.from_latent: nn.Module = nn.Conv2d(channels, widths[-1], 3, padding=1)
        else:
            self.latent_shape = (opts["latent_dim"],)
            self.to_mu = nn.Linear(n_features, opts["latent_dim"])
            self.to_logvar = nn.Linear(n_features, opts["latent_dim"])
            self.from_latent = nn.Linear(opts["latent_dim"], math.prod(self.decoder_shape))
        self.decoder = ConvDecoder(widths[::-1], opts["decoder_strides"], data.channels)
        self.attention: FeatureAttention | None = None
        if opts["attention"] != "none":  # built last: the shared networks start alike
            core = build_core(opts["attention"], quantum, opts["attention_weighting"])
            self.attention = FeatureAttention(
                n_features, core, opts["attention_weighting"], opts["attention_activation"]
            )
        self.residual = nn.ModuleDict()
        if opts["residual"] != "none":
            if quantum is None:
                what = "the circuit its twin stands in for" if opts["residual"] == "twin" else "its circuit"
                raise ValueError(f"residual {opts['residual']!r} needs the model's 'quantum' block ({what})")
            for place in RESIDUAL_PLACES:  # a fixed order: the same seed builds the same blocks
                if place in opts["residual_at"]:
                    self.residual[place] = QuantumResidualBlock(widths[-1], quantum, kind=opts["residual"])
        self.kl_weight = float(opts["kl_weight"])

    @classmethod
    def runs_circuit(cls, settings: Mapping[str, Any], quantum: Mapping[str, Any] | None) -> bool:
        return bool(quantum) and "quantum" in (settings.get("attention", "none"), settings.get("residual", "none"))

    # ---------------------------------------------------------------- networks

    def _block(self, place: str, h: torch.Tensor) -> torch.Tensor:
        return self.residual[place](h) if place in self.residual else h

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> encoder features: (B, F) after attention where there is one, or
        the (B, C, h, w) map for a latent map; after the encoder's residual block if any."""
        h = self._block("encoder", self.encoder((images + 1) / 2))
        if self.map_latent:
            return h
        h = h.flatten(1)
        return h if self.attention is None else self.attention(h)

    def posterior(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """mu and log sigma^2 of q(z | x), each (B, *latent_shape)."""
        h = self.features(images)
        return self.to_mu(h), self.to_logvar(h)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> posterior means (B, *latent_shape) (interpolations, latent diffusion)."""
        return self.posterior(images)[0]

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.from_latent(z)).view(-1, *self.decoder_shape)
        return self.decoder(self._block("decoder", h))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent codes (B, *latent_shape) -> images in [-1, 1] (Bernoulli means, rescaled)."""
        return torch.sigmoid(self.decode_logits(z)) * 2 - 1

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> reconstructions in [-1, 1], decoded from the posterior mean."""
        return self.decode(self.encode(images))

    def attention_weights(self, images: torch.Tensor) -> torch.Tensor:
        """(B, n_groups) attention weights of these images (mean 1 for uniform attention)."""
        if self.attention is None:
            raise ValueError("this VAE has no attention block (attention 'none')")
        return self.attention.weights(self.encoder((images + 1) / 2).flatten(1))

    # ---------------------------------------------------------------- family contract

    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"vae": list(self.parameters())}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        """Negative ELBO per image: BCE summed over pixels + kl_weight * KL, batch mean."""
        target = ((batch.images + 1) / 2).clamp(0, 1)
        mu, logvar = self.posterior(batch.images)
        eps = torch.randn(mu.shape, generator=rng).to(mu.device)
        z = mu + torch.exp(0.5 * logvar) * eps
        n = batch.images.shape[0]
        reconstruction = F.binary_cross_entropy_with_logits(self.decode_logits(z), target, reduction="sum") / n
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n  # summed over every latent entry
        loss = reconstruction + self.kl_weight * kl
        return {"loss": loss, "reconstruction": reconstruction.detach(), "kl": kl.detach()}

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        """Decode z ~ N(0, I)."""
        z = torch.randn((n, *self.latent_shape), generator=rng).to(self.device)
        return self.decode(z)

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters per block (measured); ``core`` is the circuit's weights or the twin's
        (attention or residual blocks), ``residual_io`` the residual blocks' Linear maps."""
        attention = self.attention
        blocks = {
            "encoder": count_parameters(self.encoder),
            "attention_in": count_parameters(attention.to_angles) if attention else 0,
            "core": core_parameter_count(attention.core if attention else None),
            "latent": count_parameters(self.to_mu) + count_parameters(self.to_logvar),
            "decoder": count_parameters(self.from_latent) + count_parameters(self.decoder),
            "total": count_parameters(self),
        }
        if len(self.residual):  # S2's models keep exactly S2's blocks
            cores = sum(core_parameter_count(b.inner) for b in self.residual.values())
            blocks["core"] += cores
            blocks["residual_io"] = sum(count_parameters(b) for b in self.residual.values()) - cores
        return blocks
