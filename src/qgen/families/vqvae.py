"""S2's VQ-VAE (van den Oord et al. 2017): an autoencoder with a discrete code map.

Encoder: 3x3 convolutions 32/64/128 with strides 2/2/1 and ReLU (28 -> 14 -> 7 -> 7 px), then a
1x1 convolution to ``embedding_dim`` (64): a 7 x 7 map of vectors, each replaced by its nearest
entry of a codebook of ``codebook_size`` K = 512 vectors (straight-through gradients).
Decoder: 3x3 convolution embedding_dim -> 128 and ReLU, then transposed convolutions
128 -> 64 -> 32 -> C with strides 2/2/1 (7 -> 14 -> 28 -> 28 px; as the VAE's decoder), output
in [-1, 1] after clamping.

Loss: reconstruction (MSE on [-1, 1] images) + codebook (||sg[z_e] - e||^2) +
``commitment_cost`` (0.25) * commitment (||z_e - sg[e]||^2). With ``ema_codebook`` the codebook
follows exponential moving averages (decay ``codebook_decay``) instead of the codebook loss,
which is then logged only. ``dead_code_threshold`` > 0 restarts codes whose moving average
use per batch falls below it on encoder outputs of the batch (Jukebox's random restarts; off by
default, as in the paper). Logged besides ``loss``: ``reconstruction``, ``codebook``,
``commitment``, and the batch's codebook use, ``perplexity`` and ``codebook_usage`` (fraction of
the K codes used); :meth:`VQVAE.codebook_usage` measures them over a whole image set.

The VQ-VAE alone does not generate: its prior over code maps is a separate run, the
``vqvae_prior`` family, which requires a trained VQ-VAE.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from qgen.errors import QgenError
from qgen.families import FAMILIES
from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec
from qgen.families.options import positive_ints, resolve_options
from qgen.models.convnets import ConvDecoder, ConvEncoder, conv_sizes, count_parameters, decoder_start
from qgen.models.vector_quantizer import VectorQuantizer, code_statistics


@FAMILIES.register("vqvae")
class VQVAE(Family):
    """Settings (defaults): widths ([32, 64, 128]; the decoder runs them in reverse), strides
    ([2, 2, 1]; the encoder's), decoder_strides ([2, 2, 1]), embedding_dim (64),
    codebook_size (512), commitment_cost (0.25), ema_codebook (false), codebook_decay (0.99),
    codebook_epsilon (1e-5), dead_code_threshold (0: off). See the module docstring."""

    takes_quantum = False  # no circuit of its own
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "widths": positive_ints([32, 64, 128]),
            "strides": positive_ints([2, 2, 1]),
            "decoder_strides": positive_ints([2, 2, 1]),
            "embedding_dim": {"type": "integer", "minimum": 1, "default": 64},
            "codebook_size": {"type": "integer", "minimum": 2, "default": 512},
            "commitment_cost": {"type": "number", "minimum": 0, "default": 0.25},
            "ema_codebook": {"type": "boolean", "default": False},
            "codebook_decay": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.99},
            "codebook_epsilon": {"type": "number", "exclusiveMinimum": 0, "default": 1e-5},
            "dead_code_threshold": {"type": "number", "minimum": 0, "default": 0.0},
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
        self.options = opts = resolve_options("vqvae", self.options_schema, settings)
        widths, strides, dim = opts["widths"], opts["strides"], opts["embedding_dim"]
        side = conv_sizes(data.size, strides)[-1]
        if decoder_start(data.size, opts["decoder_strides"]) != side:
            raise ValueError(f"decoder_strides {opts['decoder_strides']} do not lead from the {side}x{side} code map "
                             f"back to {data.size} px")
        self.code_shape = (side, side)
        self.codebook_size = opts["codebook_size"]
        self.encoder = nn.Sequential(ConvEncoder(data.channels, widths, strides), nn.Conv2d(widths[-1], dim, 1))
        self.quantizer = VectorQuantizer(
            self.codebook_size, dim, opts["ema_codebook"], opts["codebook_decay"], opts["codebook_epsilon"],
            opts["dead_code_threshold"],
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(dim, widths[-1], 3, padding=1),
            nn.ReLU(),
            ConvDecoder(widths[::-1], opts["decoder_strides"], data.channels),
        )
        self.commitment_cost = float(opts["commitment_cost"])

    # ---------------------------------------------------------------- networks

    def encode_codes(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> code map (B, h, w) of codebook indices."""
        return self.quantizer.codes(self.encoder(images))

    def decode_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Code map (B, h, w) -> images in [-1, 1]."""
        return self.decoder(self.quantizer.lookup(codes)).clamp(-1, 1)

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> reconstructions through the quantised code map, in [-1, 1]."""
        return self.decode_codes(self.encode_codes(images))

    @torch.no_grad()
    def codebook_usage(self, images: torch.Tensor, batch_size: int = 256) -> dict[str, float]:
        """Codebook use over these images: n_used, usage (fraction of K) and perplexity."""
        codes = torch.cat([self.encode_codes(images[i:i + batch_size].to(self.device)).cpu()
                           for i in range(0, len(images), batch_size)])
        return code_statistics(codes, self.codebook_size)

    # ---------------------------------------------------------------- family contract

    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"vqvae": [p for p in self.parameters() if p.requires_grad]}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        quantised, codes, vq = self.quantizer(self.encoder(batch.images), rng)
        reconstruction = F.mse_loss(self.decoder(quantised), batch.images)
        loss = reconstruction + self.commitment_cost * vq["commitment"]
        if not self.quantizer.ema:
            loss = loss + vq["codebook"]
        stats = code_statistics(codes.detach(), self.codebook_size)
        return {
            "loss": loss,
            "reconstruction": reconstruction.detach(),
            "codebook": vq["codebook"].detach(),
            "commitment": vq["commitment"].detach(),
            "perplexity": torch.tensor(stats["perplexity"]),
            "codebook_usage": torch.tensor(stats["usage"]),
        }

    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        raise QgenError(
            "a VQ-VAE has no prior to sample from. Fix: sample the 'vqvae_prior' run that requires this VQ-VAE."
        )

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters per block (measured)."""
        return {
            "encoder": count_parameters(self.encoder),
            "codebook": count_parameters(self.quantizer),
            "decoder": count_parameters(self.decoder),
            "total": count_parameters(self),
        }
