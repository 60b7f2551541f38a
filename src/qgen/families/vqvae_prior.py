"""The prior of a trained VQ-VAE: a small gated PixelCNN over its code maps (VQ-VAE paper, sec. 4).

A run of this family requires a trained ``vqvae`` run (role ``vqvae``), which arrives frozen.
Training encodes each batch with that VQ-VAE into code maps and minimises the cross-entropy of
each code given the codes before it (``loss``, nats per code; ``bits_per_code`` logged).
Sampling draws a code map position by position from the PixelCNN (``temperature`` divides the
logits) and decodes it with the VQ-VAE's decoder: this is how the VQ-VAE generates images.

Settings (defaults): channels (64), layers (8 gated layers), kernel (3), first_kernel (7: the
first, masked layer sees three rows above and three codes to the left), temperature (1.0).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from qgen.families import FAMILIES
from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec
from qgen.families.options import resolve_options
from qgen.models.convnets import count_parameters
from qgen.models.pixelcnn import GatedPixelCNN


@FAMILIES.register("vqvae_prior")
class VQVAEPrior(Family):
    """See the module docstring."""

    requires_roles = ("vqvae",)
    takes_quantum = False  # no circuit of its own
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "channels": {"type": "integer", "minimum": 1, "default": 64},
            "layers": {"type": "integer", "minimum": 1, "default": 8},
            "kernel": {"type": "integer", "minimum": 1, "default": 3},
            "first_kernel": {"type": "integer", "minimum": 1, "default": 7},
            "temperature": {"type": "number", "exclusiveMinimum": 0, "default": 1.0},
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
        self.options = opts = resolve_options("vqvae_prior", self.options_schema, settings)
        vqvae = self.required("vqvae")
        if not all(hasattr(vqvae, a) for a in ("encode_codes", "decode_codes", "code_shape", "codebook_size")):
            raise ValueError(f"the 'vqvae' run given to a vqvae_prior is a {type(vqvae).__name__}, not a VQ-VAE")
        self.pixelcnn = GatedPixelCNN(
            vqvae.codebook_size, opts["channels"], opts["layers"], opts["kernel"], opts["first_kernel"]
        )

    @property
    def vqvae(self) -> Family:
        return self.required("vqvae")

    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"prior": list(self.pixelcnn.parameters())}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            codes = self.vqvae.encode_codes(batch.images)
        nats = F.cross_entropy(self.pixelcnn(codes), codes)
        return {"loss": nats, "bits_per_code": nats.detach() / math.log(2)}

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        codes = self.pixelcnn.sample(n, tuple(self.vqvae.code_shape), rng, self.options["temperature"], progress)
        return self.vqvae.decode_codes(codes)

    # The VQ-VAE as a whole model (autoencoder + prior): its reconstructions and codebook use
    # are the frozen VQ-VAE's, so the measurements of this run report them.
    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] -> the VQ-VAE's reconstructions through its code map."""
        return self.vqvae.reconstruct(images)

    def codebook_usage(self, images: torch.Tensor, batch_size: int = 256) -> dict[str, float]:
        """The VQ-VAE's codebook use over these images (see VQVAE.codebook_usage)."""
        return self.vqvae.codebook_usage(images, batch_size)

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters of the prior (the frozen VQ-VAE's are not counted)."""
        return {"pixelcnn": count_parameters(self.pixelcnn), "total": count_parameters(self)}
