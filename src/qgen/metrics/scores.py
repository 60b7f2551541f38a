"""KID, Inception Score and precision/recall/density/coverage from precomputed features.

Working on features lets one extraction pass feed every metric. KID uses torchmetrics' own
polynomial-kernel MMD (`poly_mmd`), so this and the torchmetrics route compute the same
estimator; only the random subsets differ (here they come from a seeded generator).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np
import torch
from torchmetrics.image.kid import poly_mmd


@dataclass(frozen=True)
class KIDResult:
    """KID mean and (population) sd over random subsets, with the subset design used."""

    mean: float
    std: float
    subset_size: int
    subsets: int

    def as_dict(self) -> dict:
        return asdict(self)


def adaptive_subset_size(n_real: int, n_fake: int, max_size: int = 1000) -> int:
    """Largest KID subset size allowed by both sets (torchmetrics needs subset_size <= n), capped."""
    size = min(int(max_size), int(n_real), int(n_fake))
    if size < 2:
        raise ValueError(f"KID needs at least 2 real and 2 generated samples, got {n_real} and {n_fake}")
    return size


def kid_from_features(
    real: np.ndarray,
    fake: np.ndarray,
    subsets: int = 100,
    subset_size: Optional[int] = None,
    degree: int = 3,
    gamma: Optional[float] = None,
    coef: float = 1.0,
    seed: int = 0,
) -> KIDResult:
    """Kernel Inception Distance (unbiased MMD^2, cubic polynomial kernel) over random subsets."""
    fr = torch.as_tensor(np.asarray(real), dtype=torch.float64)
    ff = torch.as_tensor(np.asarray(fake), dtype=torch.float64)
    size = adaptive_subset_size(len(fr), len(ff)) if subset_size is None else int(subset_size)
    if size > min(len(fr), len(ff)):
        raise ValueError(f"subset_size {size} exceeds the sample sizes ({len(fr)} real, {len(ff)} generated)")
    gen = torch.Generator().manual_seed(seed)
    values = torch.stack(
        [
            poly_mmd(
                fr[torch.randperm(len(fr), generator=gen)[:size]],
                ff[torch.randperm(len(ff), generator=gen)[:size]],
                degree,
                gamma,
                coef,
            )
            for _ in range(subsets)
        ]
    )
    return KIDResult(float(values.mean()), float(values.std(unbiased=False)), size, subsets)


def inception_score_from_logits(logits: np.ndarray, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    """Inception Score exp(E KL(p(y|x) || p(y))) per split; mean and sd over splits.

    Same estimator as torchmetrics' InceptionScore (random order, `splits` chunks); `splits`
    is reduced to the number of samples when there are fewer.
    """
    lg = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    lg = lg[torch.randperm(len(lg), generator=torch.Generator().manual_seed(seed))]
    scores = []
    for chunk in lg.chunk(min(splits, len(lg)), dim=0):
        log_p = chunk.log_softmax(dim=1)
        log_marginal = torch.logsumexp(log_p, dim=0) - np.log(len(chunk))
        scores.append(torch.exp((log_p.exp() * (log_p - log_marginal)).sum(dim=1).mean()))
    s = torch.stack(scores)
    return float(s.mean()), float(s.std()) if len(s) > 1 else float("nan")


def prdc_from_features(real: np.ndarray, fake: np.ndarray, nearest_k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage (Naeem et al. 2020) via the `prdc` package."""
    from prdc import compute_prdc

    n = min(len(real), len(fake))
    if nearest_k + 1 >= n:
        raise ValueError(f"nearest_k ({nearest_k}) must be at most the smaller sample size minus 2 ({n - 2})")
    with contextlib.redirect_stdout(io.StringIO()):  # compute_prdc prints the sample sizes
        out = compute_prdc(np.asarray(real, np.float32), np.asarray(fake, np.float32), nearest_k=nearest_k)
    return {k: float(v) for k, v in out.items()}
