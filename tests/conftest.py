"""Shared fixtures: a tiny job config, and the repository's paths."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

TINY_JOB: dict[str, Any] = {
    "experiment": "test",
    "dataset": "digits",
    "model_name": "quantum",
    "model": {
        "family": "diffusion_unet",
        "quantum": {"circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 2}},
    },
    "quantum_backend": {"name": "default.qubit", "options": {}},
    "training": {
        "epochs": 2, "batch_size": 8, "lr": 3e-4, "ema_decay": 0.9, "checkpoint": "final_ema",
        "threads": 1, "quantum_grad_diagnostics": True,
    },
    "diffusion": {"timesteps": 10, "schedule": "cosine", "clip_x0": True},
}


@pytest.fixture
def tiny_job() -> dict[str, Any]:
    return copy.deepcopy(TINY_JOB)


@pytest.fixture
def repo() -> Path:
    return REPO
