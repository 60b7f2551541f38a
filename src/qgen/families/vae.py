"""S2's VAE family: the classical VAE, the quantum attention VAE and its classical twin.

One definition; the ``attention`` setting selects the model:

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

The attention block is built after every other network, so for one seed the plain VAE, the
quantum VAE and its twin start from the same encoder, projections and decoder.
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
from qgen.models.convnets import ConvDecoder, ConvEncoder, conv_sizes, count_parameters, decoder_start

ATTENTIONS = ("none", "quantum", "twin")


@FAMILIES.register("vae")
class VAE(Family):
    """Settings (defaults): latent_dim (32), widths ([32, 64, 128]; the decoder runs them in
    reverse), strides ([2, 2, 2]; the encoder's), decoder_strides ([2, 2, 1]), kl_weight (1.0),
    attention ("none" | "quantum" | "twin"), attention_weighting ("expval" | "probs"),
    attention_activation ("softmax" | "sigmoid"; expval only). See the module docstring."""

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
        if opts["attention"] == "none" and quantum is not None:
            raise ValueError("a VAE with attention 'none' has no circuit: drop the entry's quantum block")
        widths, strides = opts["widths"], opts["strides"]
        side = conv_sizes(data.size, strides)[-1]
        n_features = widths[-1] * side * side
        start = decoder_start(data.size, opts["decoder_strides"])
        self.decoder_shape = (widths[-1], start, start)
        latent = opts["latent_dim"]
        self.encoder = ConvEncoder(data.channels, widths, strides)
        self.to_mu = nn.Linear(n_features, latent)
        self.to_logvar = nn.Linear(n_features, latent)
        self.from_latent = nn.Linear(latent, math.prod(self.decoder_shape))
        self.decoder = ConvDecoder(widths[::-1], opts["decoder_strides"], data.channels)
        self.attention: FeatureAttention | None = None
        if opts["attention"] != "none":  # built last: the shared networks start alike
            core = build_core(opts["attention"], quantum, opts["attention_weighting"])
            self.attention = FeatureAttention(
                n_features, core, opts["attention_weighting"], opts["attention_activation"]
            )
        self.kl_weight = float(opts["kl_weight"])

    @classmethod
    def runs_circuit(cls, settings: Mapping[str, Any], quantum: Mapping[str, Any] | None) -> bool:
        return bool(quantum) and settings.get("attention", "none") == "quantum"

    # ---------------------------------------------------------------- networks

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> encoder features (B, F), after attention where there is one."""
        h = self.encoder((images + 1) / 2).flatten(1)
        return h if self.attention is None else self.attention(h)

    def posterior(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """mu and log sigma^2 of q(z | x), each (B, latent_dim)."""
        h = self.features(images)
        return self.to_mu(h), self.to_logvar(h)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> posterior means (B, latent_dim) (for interpolation figures)."""
        return self.posterior(images)[0]

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.from_latent(z)).view(-1, *self.decoder_shape)
        return self.decoder(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent codes (B, latent_dim) -> images in [-1, 1] (Bernoulli means, rescaled)."""
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
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
        loss = reconstruction + self.kl_weight * kl
        return {"loss": loss, "reconstruction": reconstruction.detach(), "kl": kl.detach()}

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        """Decode z ~ N(0, I)."""
        z = torch.randn((n, self.options["latent_dim"]), generator=rng).to(self.device)
        return self.decode(z)

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters per block (measured); ``core`` is the circuit's weights or the twin's."""
        attention = self.attention
        return {
            "encoder": count_parameters(self.encoder),
            "attention_in": count_parameters(attention.to_angles) if attention else 0,
            "core": core_parameter_count(attention.core if attention else None),
            "latent": count_parameters(self.to_mu) + count_parameters(self.to_logvar),
            "decoder": count_parameters(self.from_latent) + count_parameters(self.decoder),
            "total": count_parameters(self),
        }
