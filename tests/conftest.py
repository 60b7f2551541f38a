"""Shared fixtures: no network for any test, a tiny job slice, the repository's paths."""

from __future__ import annotations

import copy
import socket
from pathlib import Path
from typing import Any

import pytest

import qgen.fetch as fetch
from qgen.fetch import MIRROR_ENV

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# What the Snakefile reads: the shared settings, then each study's file.
SHIPPED_CONFIGS = [REPO / "config" / "config.yaml", *sorted((REPO / "config").glob("s[0-9].yaml"))]

DIFFUSION = {"timesteps": 10, "schedule": "cosine", "timestep_sampling": "uniform", "clip_x0": True}
QUANTUM_4 = {"circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 2},
             "backend": {"name": "torch", "options": {}}}
TINY_JOB: dict[str, Any] = {
    "experiment": "test",
    "dataset": "digits",
    "train_on": "class",
    "classes": None,
    "model": {
        "name": "quantum",
        "family": "ddpm",
        "settings": {"denoiser": {"name": "s1_unet", "bottleneck": "quantum"}, "diffusion": DIFFUSION},
        "quantum": QUANTUM_4,
        "requires": {},
    },
    "training": {
        "epochs": 2, "batch_size": 8, "lr": 3e-4, "ema_decay": 0.9, "checkpoint": "final_ema",
        "quantum_grad_diagnostics": True,
    },
}


@pytest.fixture
def tiny_job() -> dict[str, Any]:
    return copy.deepcopy(TINY_JOB)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs as on a machine without internet: downloads and IP sockets fail."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            refuse()
        return real_connect(self, address)

    monkeypatch.setattr(fetch, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.delenv(MIRROR_ENV, raising=False)
