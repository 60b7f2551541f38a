"""Diagnostics of the quantum layers' training: per-parameter gradient magnitudes."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from qgen.quantum.layer import QuantumLayer


def quantum_weight_grad_norms(module: nn.Module) -> dict[str, torch.Tensor]:
    """|d loss / d w| for every weight of every QuantumLayer in ``module``, after a backward pass.

    Keys are the parameters' qualified names (e.g. ``"bottleneck.layer.weights"``); values are
    detached CPU tensors of the weights' shape. A layer whose weights got no gradient (no
    backward yet, or a frozen layer) reports zeros, so a CSV column is never missing.
    For the S1 paper circuit these are exactly 0 on the torch backend (SPEC.md).
    """
    out: dict[str, torch.Tensor] = {}
    for name, sub in module.named_modules():
        if isinstance(sub, QuantumLayer):
            key = f"{name}.weights" if name else "weights"
            grad = sub.weights.grad
            out[key] = torch.zeros_like(sub.weights, device="cpu") if grad is None else grad.detach().abs().cpu()
    return out


def flatten_grad_norms(norms: dict[str, torch.Tensor]) -> dict[str, float]:
    """One float per weight, keyed ``name[i,j,k]``: a row for a per-step CSV."""
    row: dict[str, float] = {}
    for key, value in norms.items():
        for index in np.ndindex(*value.shape):
            row[f"{key}[{','.join(map(str, index))}]"] = float(value[index])
    return row
