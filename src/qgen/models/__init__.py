"""Model families, selected by name from config."""

from __future__ import annotations

from typing import Any

from torch import nn

from qgen.models.unet import DiffusionUNet
from qgen.registry import Registry

MODEL_FAMILIES: Registry = Registry("model family")
MODEL_FAMILIES.register("diffusion_unet")(DiffusionUNet)


def build_model(model_cfg: dict[str, Any], channels: int, quantum_backend: dict[str, Any] | None = None) -> nn.Module:
    """Build a network from a model config entry.

    ``model_cfg`` = {"family": name, "quantum": null | {circuit, circuit_params, encoding,
    detach_input}, ...family kwargs}; ``quantum_backend`` = {"name", "options"} from
    config's ``quantum`` block, shared by every quantum model of a run.
    """
    cfg = dict(model_cfg)
    family = MODEL_FAMILIES.get(cfg.pop("family"))
    quantum = cfg.pop("quantum", None)
    if quantum:
        backend = quantum_backend or {"name": "default.qubit", "options": {}}
        quantum = {
            **quantum,
            "backend": backend["name"],
            "backend_options": backend.get("options") or {},
        }
    return family(channels=channels, quantum=quantum or None, **cfg)


__all__ = ["DiffusionUNet", "MODEL_FAMILIES", "build_model"]
