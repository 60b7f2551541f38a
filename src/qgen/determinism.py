"""One place that makes a job reproducible: seeds, thread count, deterministic kernels."""

from __future__ import annotations

import torch


def set_determinism(seed: int, threads: int) -> None:
    """Same seed, config and machine give bit-identical results."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
