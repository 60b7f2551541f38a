"""Networks the families build: the denoisers of diffusion families, selected by name."""

from __future__ import annotations

from qgen.models.latent_denoiser import LatentDenoiser
from qgen.models.unet import DiffusionUNet
from qgen.registry import Registry

DENOISERS: Registry = Registry("denoiser")
DENOISERS.register("s1_unet")(DiffusionUNet)
DENOISERS.register("latent_resnet")(LatentDenoiser)



def denoiser_problems(options: dict) -> list[str]:
    """Problems with a ``denoiser: {name, ...}`` entry: an unknown name, or options its schema refuses."""
    import jsonschema

    if options.get("name") not in DENOISERS:
        return [f"denoiser.name: {options.get('name')!r} is unknown; known: {', '.join(DENOISERS.names())}"]
    schema = getattr(DENOISERS.get(options["name"]), "options_schema", {"type": "object"})
    return [f"denoiser: {err.message}" for err in jsonschema.Draft202012Validator(schema).iter_errors(options)]


__all__ = ["DENOISERS", "DiffusionUNet", "LatentDenoiser", "denoiser_problems"]
