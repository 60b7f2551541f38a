"""Model families, selected by name from config (``models.<name>.family``).

A family is one file that registers a :class:`Family` subclass here; config then selects it.
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec, Reconstructs
from qgen.registry import Registry

FAMILIES: Registry[type[Family]] = Registry("model family")

# The shipped families; each module registers itself on import.
_MODULES = (
    "qgen.families.ddpm",
    "qgen.families.vae",
    "qgen.families.gan",
    "qgen.families.vqvae",
    "qgen.families.vqvae_prior",
    "qgen.families.router",
    "qgen.families.latent_diffusion",
)
for _module in _MODULES:
    importlib.import_module(_module)


def family_class(name: str) -> type[Family]:
    return FAMILIES.get(name)


def build_family(
    model: Mapping[str, Any],
    data: DataSpec,
    requires: Mapping[str, Family] | None = None,
) -> Family:
    """The family a resolved model entry (``job["model"]``) describes, freshly initialised."""
    cls = family_class(model["family"])
    return cls(model.get("settings") or {}, data, QuantumSpec.from_config(model.get("quantum")), requires)


__all__ = [
    "FAMILIES",
    "Batch",
    "DataSpec",
    "Family",
    "Progress",
    "QuantumSpec",
    "Reconstructs",
    "build_family",
    "family_class",
]
