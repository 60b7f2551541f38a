"""Shared pieces of the S2 family tests: real small data, model entries, jobs, a few Adam steps."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import torch

from qgen.families import Batch, DataSpec, Family, build_family

# The machines running these tests are small and shared: one thread, as the trainer uses.
torch.set_num_threads(1)

DATA = DataSpec(channels=1, size=28, n_classes=10)
# The report's circuit, small enough for tests: 4 qubits, 2 layers (16 weights).
QUANTUM = {"circuit": "s2_attention", "circuit_params": {"n_qubits": 4, "n_layers": 2, "entanglement": "linear"}}
QUANTUM_8 = {"circuit": "s2_attention", "circuit_params": {"n_qubits": 8, "n_layers": 3, "entanglement": "linear"}}


@lru_cache(maxsize=None)
def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    from qgen.data import to_model_tensor
    from qgen.data.digits import upscale_digits

    bunch = load_digits()
    return to_model_tensor(upscale_digits(bunch.images)), torch.as_tensor(bunch.target, dtype=torch.long)


def digits(n: int = 200, offset: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n real handwritten digits (scikit-learn's, in an MNIST 28x28 frame), in [-1, 1], all classes."""
    images, labels = _digits()
    return images[offset:offset + n].clone(), labels[offset:offset + n].clone()


def entry(family: str, settings: dict | None = None, quantum: dict | None = None, name: str = "m") -> dict[str, Any]:
    return {"name": name, "family": family, "settings": copy.deepcopy(settings or {}),
            "quantum": copy.deepcopy(quantum), "requires": {}}


def build(family: str, settings: dict | None = None, quantum: dict | None = None, seed: int = 0,
          requires: dict[str, Family] | None = None) -> Family:
    torch.manual_seed(seed)
    return build_family(entry(family, settings, quantum), DATA, requires)


def fixed_losses(family: Family, images: torch.Tensor, seed: int = 99) -> dict[str, dict[str, float]]:
    """Every group's losses on one fixed batch with a fixed noise stream, in eval mode."""
    family.eval()
    with torch.no_grad():
        out = {}
        for group in family.optimiser_groups():
            rng = torch.Generator().manual_seed(seed)
            out[group] = {k: float(v) for k, v in family.losses(group, Batch(images, torch.zeros(len(images))), rng).items()}
    family.train()
    return out


def adam_steps(family: Family, images: torch.Tensor, steps: int, lr: float | dict[str, float], batch_size: int = 32,
               seed: int = 0, clip: float | None = None) -> list[dict[str, float]]:
    """``steps`` Adam steps of every group in order (as the trainer does), on batches cycling
    through ``images``; returns each step's losses per group."""
    groups = family.optimiser_groups()
    rates = lr if isinstance(lr, dict) else {g: lr for g in groups}
    optimisers = {g: torch.optim.Adam(p, lr=rates[g]) for g, p in groups.items()}
    rng = torch.Generator().manual_seed(seed)
    family.train()
    history = []
    for step in range(steps):
        start = (step * batch_size) % len(images)
        batch = Batch(images[start:start + batch_size], torch.zeros(batch_size, dtype=torch.long))
        row = {}
        for group, params in groups.items():
            losses = family.losses(group, batch, rng)
            optimisers[group].zero_grad(set_to_none=True)
            losses["loss"].backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(params, clip)
            optimisers[group].step()
            row[group] = float(losses["loss"].detach())
        history.append(row)
    return history


def job(family: str, settings: dict | None = None, quantum: dict | None = None, requires: dict | None = None,
        **training: Any) -> dict[str, Any]:
    """A hand-written job slice as the generic trainer reads it."""
    cfg = {"epochs": 2, "batch_size": 32, "lr": 1e-3, "ema_decay": None, "checkpoint": "final_ema",
           "grad_clip": None, "lr_schedule": "constant", "groups": {}, "augment": None}
    cfg.update(training)
    model = entry(family, settings, quantum)
    model["requires"] = dict(requires or {})
    return {"experiment": "test_s2", "dataset": "digits", "model_name": "m", "model": model, "training": cfg}


def states_equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
