"""Deterministic stratified partitions of a labelled split."""

from __future__ import annotations

import numpy as np


def stratified_split(
    labels: np.ndarray, fraction: float, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a per-class ``fraction`` and of the rest, both in ascending (file) order.

    With ``seed=None`` each class contributes its first ``round(fraction * n_c)`` images in file
    order (no randomness at all); with a seed, a seeded permutation of each class decides.
    Stratifying keeps the class balance of both parts equal to the source's.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction}")
    labels = np.asarray(labels)
    first: list[np.ndarray] = []
    rest: list[np.ndarray] = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        if seed is not None:
            idx = np.random.default_rng([seed, int(cls)]).permutation(idx)
        k = int(round(fraction * len(idx)))
        first.append(idx[:k])
        rest.append(idx[k:])
    return np.sort(np.concatenate(first)), np.sort(np.concatenate(rest))
