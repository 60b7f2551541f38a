"""FID, KID and Inception Score computed by torchmetrics with a qgen feature network.

The `standard` protocol asks for FID "through torchmetrics": these wrappers pass a
FeatureExtractor as `feature=` (torchmetrics reads its `num_features`), feed float images in
[0, 1] (with a custom network torchmetrics does not rescale them), and return plain floats.
The feature-level functions in qgen.metrics.frechet/scores give the same numbers from
precomputed features (tested), which is cheaper when several metrics share one extraction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import torch
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance

from qgen.metrics.features import FeatureExtractor, LogitsView
from qgen.metrics.images import ImageBatch, to_float_nchw
from qgen.metrics.scores import KIDResult, adaptive_subset_size

if TYPE_CHECKING:
    import numpy as np


def _feed(metric, images: ImageBatch, batch_size: int, **kwargs) -> None:
    x = to_float_nchw(images)
    for start in range(0, x.shape[0], batch_size):
        metric.update(x[start : start + batch_size], **kwargs)


@torch.no_grad()
def torchmetrics_fid(
    extractor: FeatureExtractor, real: ImageBatch, fake: ImageBatch, batch_size: int = 200
) -> float:
    """FID between real and generated images with torchmetrics' FrechetInceptionDistance."""
    metric = FrechetInceptionDistance(feature=extractor, reset_real_features=True)
    _feed(metric, real, batch_size, real=True)
    _feed(metric, fake, batch_size, real=False)
    return float(metric.compute())


class _PrecomputedFeatures(torch.nn.Module):
    """Lets torchmetrics' FID consume features extracted once (its 'images' are the features)."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


@torch.no_grad()
def torchmetrics_fid_from_features(real: "np.ndarray", fake: "np.ndarray") -> float:
    """torchmetrics' FrechetInceptionDistance on features already extracted (float64)."""
    real_t = torch.as_tensor(real, dtype=torch.float64)
    fake_t = torch.as_tensor(fake, dtype=torch.float64)
    metric = FrechetInceptionDistance(feature=_PrecomputedFeatures(real_t.shape[1]), reset_real_features=True)
    metric.update(real_t, real=True)
    metric.update(fake_t, real=False)
    return float(metric.compute())


@torch.no_grad()
def torchmetrics_kid(
    extractor: FeatureExtractor,
    real: ImageBatch,
    fake: ImageBatch,
    subsets: int = 100,
    subset_size: Optional[int] = None,
    seed: int = 0,
    batch_size: int = 200,
) -> KIDResult:
    """KID with torchmetrics; subset_size defaults to min(1000, n_real, n_fake) and is returned."""
    size = adaptive_subset_size(len(real), len(fake)) if subset_size is None else int(subset_size)
    metric = KernelInceptionDistance(feature=extractor, subsets=subsets, subset_size=size)
    _feed(metric, real, batch_size, real=True)
    _feed(metric, fake, batch_size, real=False)
    with torch.random.fork_rng(devices=[]):  # torchmetrics draws subsets from the global RNG
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return KIDResult(float(mean), float(std), size, subsets)


@torch.no_grad()
def torchmetrics_inception_score(
    extractor: FeatureExtractor, images: ImageBatch, splits: int = 10, seed: int = 0, batch_size: int = 200
) -> tuple[float, float]:
    """Inception Score (mean, sd over splits) from the extractor's logits with torchmetrics."""
    metric = InceptionScore(feature=LogitsView(extractor), splits=min(splits, len(images)))
    _feed(metric, images, batch_size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std)
