"""Optimisers and learning-rate schedules from the training config, one per family group."""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
from torch import nn

from qgen.registry import Registry

LR_SCHEDULES: Registry = Registry("learning-rate schedule")


@LR_SCHEDULES.register("constant")
def constant(total_steps: int) -> Any:
    return lambda step: 1.0


@LR_SCHEDULES.register("cosine")
def cosine(total_steps: int) -> Any:
    """Cosine annealing from the configured rate to 0 over the run, stepped per batch."""
    return lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / max(total_steps, 1)))


def group_setting(training: Mapping[str, Any], group: str, key: str) -> Any:
    """``training.groups.<group>.<key>`` if set, else ``training.<key>`` (e.g. a GAN's two rates)."""
    return ((training.get("groups") or {}).get(group) or {}).get(key, training.get(key))


def build_optimisers(
    groups: Mapping[str, list[nn.Parameter]], training: Mapping[str, Any], total_steps: int
) -> tuple[dict[str, torch.optim.Optimizer], dict[str, torch.optim.lr_scheduler.LambdaLR]]:
    """Adam per group (rate and betas per group if configured) and its learning-rate schedule."""
    optimisers, schedulers = {}, {}
    for name, params in groups.items():
        betas = tuple(group_setting(training, name, "betas") or (0.9, 0.999))
        optimisers[name] = torch.optim.Adam(
            params, lr=group_setting(training, name, "lr"), betas=betas,
            weight_decay=group_setting(training, name, "weight_decay") or 0.0,
        )
        schedule = LR_SCHEDULES.get(group_setting(training, name, "lr_schedule") or "constant")(total_steps)
        schedulers[name] = torch.optim.lr_scheduler.LambdaLR(optimisers[name], schedule)
    return optimisers, schedulers
