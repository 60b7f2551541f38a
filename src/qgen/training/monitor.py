"""What the trainer records about the quantum layers: gradients per epoch, movement of weights."""

from __future__ import annotations

from typing import Any, Iterable

import torch
from torch import nn

GRAD_FIELDS = ["epoch", "parameter", "index", "mean_abs_grad", "max_abs_grad"]


def quantum_layers(module: nn.Module) -> dict[str, nn.Module]:
    """Every QuantumLayer inside ``module`` by qualified name (no import of PennyLane if none)."""
    out = {}
    for name, sub in module.named_modules():
        if type(sub).__name__ == "QuantumLayer":
            out[f"{name}.weights" if name else "weights"] = sub
    return out


class QuantumGradMonitor:
    """Per-weight |grad| of every quantum layer, aggregated per epoch.

    Shows which quantum parameters learn at all (S1's RZ weights cannot: SPEC.md).
    Only layers whose weights belong to the optimiser group just stepped are recorded, so a
    GAN's discriminator step does not re-count the generator's previous gradients.
    """

    def __init__(self, module: nn.Module) -> None:
        self.layers = quantum_layers(module)
        self._reset()

    def _reset(self) -> None:
        self._sum: dict[tuple[str, int], float] = {}
        self._max: dict[tuple[str, int], float] = {}
        self._steps: dict[str, int] = {}

    def record(self, params: Iterable[nn.Parameter]) -> None:
        group = {id(p) for p in params}
        for name, layer in self.layers.items():
            if id(layer.weights) not in group:
                continue
            grad = layer.weights.grad
            values = torch.zeros(layer.weights.numel()) if grad is None else grad.detach().abs().flatten().cpu()
            self._steps[name] = self._steps.get(name, 0) + 1
            for index, value in enumerate(values.tolist()):
                key = (name, index)
                self._sum[key] = self._sum.get(key, 0.0) + value
                self._max[key] = max(self._max.get(key, 0.0), value)

    def flush(self, epoch: int) -> list[dict[str, Any]]:
        rows = [
            {"epoch": epoch, "parameter": name, "index": index,
             "mean_abs_grad": total / self._steps[name], "max_abs_grad": self._max[(name, index)]}
            for (name, index), total in self._sum.items()
        ]
        self._reset()
        return rows


def quantum_weights(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: layer.weights.detach().cpu().clone() for name, layer in quantum_layers(module).items()}


def weight_movement(initial: dict[str, torch.Tensor], final: dict[str, torch.Tensor]) -> dict[str, dict[str, float]]:
    """How far each quantum layer's weights moved from their initial values (S2-C5)."""
    out = {}
    for name, w0 in initial.items():
        change = (final[name].to(w0.dtype) - w0).flatten()
        out[name] = {
            "n_weights": int(w0.numel()),
            "l2_change": float(change.norm()),
            "max_abs_change": float(change.abs().max()) if change.numel() else 0.0,
            "initial_l2": float(w0.norm()),
        }
    return out
