"""Backend options applied at sampling time: the trained circuits sampled under hardware noise.

S3-C3 samples the trained quantum models with their circuits under depolarizing and
amplitude-damping channels and with finite shots. The noise is a sampling-time setting
(``sampling.quantum`` in config: backend options such as ``noise``, ``shots``,
``noise_method``, ``n_trajectories``), never a training one: :func:`apply_backend_options`
re-builds the executor of every :class:`~qgen.quantum.QuantumLayer` of a trained family and of
the runs it requires (a latent diffusion model's quantum autoencoder) with those options merged
over the layer's own. Classical models and classical twins have no QuantumLayer: nothing
changes for them, and the record says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

SHOT_SEED_OFFSET = 7_919  # shot and trajectory streams apart from the sampling noise of the same seed


def _modules(family: nn.Module, prefix: str = "") -> list[tuple[str, nn.Module]]:
    """(qualified name, module) of a family and, under ``<role>.``, of every run it requires."""
    out = [(f"{prefix}{name}", module) for name, module in family.named_modules()]
    for role, run in (getattr(family, "required_runs", None) or {}).items():
        out += _modules(run, f"{prefix}{role}.")
    return out


def apply_backend_options(family: nn.Module, options: Mapping[str, Any] | None, seed: int = 0) -> list[dict[str, Any]]:
    """Merge ``options`` into every quantum layer's backend options; one record per layer changed.

    Layers that draw random numbers (shots, trajectories) get their own seed (``seed`` plus an
    offset per layer) unless ``options`` names one, so a run's noisy samples are reproducible.
    """
    from qgen.quantum.layer import QuantumLayer

    if not options:
        return []
    changed = []
    layers = [(name, m) for name, m in _modules(family) if isinstance(m, QuantumLayer)]
    for index, (name, layer) in enumerate(layers):
        merged = dict(options)
        merged.setdefault("seed", seed + SHOT_SEED_OFFSET + index)
        layer.set_backend_options(merged)
        path = getattr(layer._execute, "path", None)
        changed.append({"layer": name or "(family)", "circuit": layer.spec.name, "qubits": layer.spec.n_qubits,
                        "backend": layer.backend, "options": dict(layer.backend_options), "path": path})
    return changed
