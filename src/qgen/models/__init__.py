"""Networks the families build: the denoisers of diffusion families, selected by name."""

from __future__ import annotations

from qgen.models.unet import DiffusionUNet
from qgen.registry import Registry

DENOISERS: Registry = Registry("denoiser")
DENOISERS.register("s1_unet")(DiffusionUNet)

__all__ = ["DENOISERS", "DiffusionUNet"]
