"""Feature networks behind FID, KID, Inception Score and precision/recall.

Every entry of FEATURES is a factory returning a `FeatureExtractor`: an nn.Module that takes
float images (N, C, H, W) in [0, 1] with C = 1 or 3 at any size, does its own resizing and
channel repeat, and returns features (N, num_features); `.logits(x)` gives class logits for the
Inception Score. The module carries `num_features`, which torchmetrics reads when it is passed
as `feature=`.

- inception_fid: the standard FID network (TF Inception 2015-12-05, pool3 2048-d) through
  torch-fidelity; images become uint8, torch-fidelity resizes to 299 as TF 1.x did.
- inception_torchvision: torchvision's ImageNet Inception-v3 with fc replaced by identity (the
  network behind the S1 authors' FID), bilinear resize to 299, ImageNet normalisation.
- classifier: a small CNN trained on the dataset's own training split (qgen.metrics.classifier),
  the offline fallback when no Inception weights can be had.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from qgen.metrics.classifier import load_feature_classifier
from qgen.metrics.extractor import FeatureExtractor, LogitsView
from qgen.metrics.images import ImageBatch, to_float_nchw
from qgen.metrics.weights import PathLike, fetch_weights
from qgen.registry import Registry

DEFAULT_CACHE_DIR = Path("resources") / "weights"

FeatureFactory = Callable[..., "FeatureExtractor"]
FEATURES: Registry[FeatureFactory] = Registry("feature extractor")


def _import_full(module: str, name: str, feature: str) -> Any:
    """A name from the `full` extra's packages, with the fix when they are not installed."""
    import importlib

    from qgen.errors import QgenError

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, RuntimeError) as err:  # RuntimeError: a torchvision built for another torch
        raise QgenError(
            f"features {feature!r} need torchvision and torch-fidelity, which this install lacks or cannot "
            f"load ({type(err).__name__}: {err}). Fix: install the full extra (python -m pip install -e "
            f"'.[full]', with torch and torchvision as a matching pair), or score with features: classifier."
        ) from None


class InceptionFID(FeatureExtractor):
    """torch-fidelity's FeatureExtractorInceptionV3: pool3 (2048) and unbiased logits (1008)."""

    input_size = None  # torch-fidelity resizes to 299 with TF1.x-compatible bilinear interpolation
    num_features = 2048
    num_classes = 1008

    def __init__(self, weights_path: PathLike) -> None:
        super().__init__()
        FeatureExtractorInceptionV3 = _import_full("torch_fidelity.feature_extractor_inceptionv3",
                                                   "FeatureExtractorInceptionV3", "inception_fid")

        self.net = FeatureExtractorInceptionV3(
            "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(weights_path)
        )

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.prepare(x)
        x = (x.clamp(0, 1) * 255).round().to(torch.uint8)
        features, logits = self.net(x)
        return features.reshape(x.shape[0], -1), logits


class InceptionTorchvision(FeatureExtractor):
    """torchvision inception_v3 (IMAGENET1K_V1) with fc -> Identity; fc kept for logits.

    As `inception_v3(weights=...)` does, transform_input=True converts ImageNet-normalised input
    back to the [-1, 1] scaling the Google weights expect.
    """

    input_size = 299
    num_features = 2048
    num_classes = 1000

    def __init__(self, weights_path: PathLike, imagenet_normalize: bool = True, resize_mode: str = "bilinear") -> None:
        super().__init__()
        inception_v3 = _import_full("torchvision.models", "inception_v3", "inception_torchvision")

        net = inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=True)
        net.load_state_dict(torch.load(weights_path, map_location="cpu", weights_only=True))
        self.fc = net.fc
        net.fc = nn.Identity()
        self.net = net
        self.resize_mode = resize_mode
        self.imagenet_normalize = imagenet_normalize
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.prepare(x)
        if self.imagenet_normalize:
            x = (x - self.mean) / self.std
        out = self.net(x)
        features = out.logits if hasattr(out, "logits") else out  # training mode returns a namedtuple
        return features, self.fc(features)


def _finish(module: FeatureExtractor, device: Union[str, torch.device]) -> FeatureExtractor:
    return module.eval().requires_grad_(False).to(device)


@FEATURES.register("inception_fid")
def _inception_fid(
    weights_path: Optional[PathLike] = None,
    cache_dir: PathLike = DEFAULT_CACHE_DIR,
    device: Union[str, torch.device] = "cpu",
) -> FeatureExtractor:
    return _finish(InceptionFID(fetch_weights("inception_fid", cache_dir, local_path=weights_path)), device)


@FEATURES.register("inception_torchvision")
def _inception_torchvision(
    weights_path: Optional[PathLike] = None,
    cache_dir: PathLike = DEFAULT_CACHE_DIR,
    device: Union[str, torch.device] = "cpu",
    **options: Any,
) -> FeatureExtractor:
    path = fetch_weights("inception_torchvision", cache_dir, local_path=weights_path)
    return _finish(InceptionTorchvision(path, **options), device)


@FEATURES.register("classifier")
def _classifier(
    weights_path: Optional[PathLike] = None,
    cache_dir: PathLike = DEFAULT_CACHE_DIR,
    device: Union[str, torch.device] = "cpu",
) -> FeatureExtractor:
    if weights_path is None:
        raise ValueError(
            "features 'classifier' needs the state dict written by train_feature_classifier (weights_path=...)"
        )
    return _finish(load_feature_classifier(weights_path), device)


def build_feature_extractor(name: str, **kwargs: Any) -> FeatureExtractor:
    """FEATURES.get(name)(**kwargs): weights_path, cache_dir, device (and per-network options)."""
    return FEATURES.get(name)(**kwargs)


@torch.no_grad()
def extract_features(
    extractor: FeatureExtractor,
    images: ImageBatch,
    batch_size: int = 200,
    with_logits: bool = False,
    progress: bool = False,
) -> Union[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Run `extractor` over `images` in batches; float64 NumPy features (and logits if asked).

    Computing features once and reusing them (FID at many subset sizes, KID, PRDC) is far
    cheaper than passing images to each torchmetrics metric separately.
    """
    x = to_float_nchw(images)
    device = next(iter(extractor.parameters()), torch.empty(0)).device
    feats, logits = [], []
    starts = range(0, x.shape[0], batch_size)
    for start in tqdm(starts, desc=f"features of {x.shape[0]} images", disable=not progress, mininterval=5):
        f, lg = extractor.features_and_logits(x[start : start + batch_size].to(device))
        feats.append(f.double().cpu())
        if with_logits:
            logits.append(lg.double().cpu())
    dim = extractor.num_features
    features = torch.cat(feats).numpy() if feats else np.zeros((0, dim))
    if not with_logits:
        return features
    return features, (torch.cat(logits).numpy() if logits else np.zeros((0, extractor.num_classes)))
