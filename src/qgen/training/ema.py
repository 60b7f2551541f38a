"""Exponential moving average of a module's weights."""

from __future__ import annotations

import torch
from torch import nn


class EMA:
    """theta_ema <- d * theta_ema + (1 - d) * theta, on parameters and floating buffers
    (integer buffers, such as batch-norm counters, are copied)."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for key, value in model.state_dict().items():
            if value.dtype.is_floating_point:
                self.state[key].lerp_(value, 1 - self.decay)
            else:
                self.state[key].copy_(value)
