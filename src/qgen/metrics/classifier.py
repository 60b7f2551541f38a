"""A small CNN trained on the dataset's own training split: FID-like features without Inception.

Its penultimate layer (`feat_dim`, default 128) gives the features; its logits give an
Inception-Score analogue. Numbers from it are comparable between models scored with the same
saved classifier only, never with published Inception FIDs.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from qgen.metrics.extractor import FeatureExtractor
from qgen.metrics.images import ImageBatch, to_float_nchw
from qgen.metrics.weights import PathLike


class FeatureClassifier(FeatureExtractor):
    """conv32-pool-conv64-pool-fc(feat_dim)-ReLU -> features; Linear(feat_dim, n_classes) -> logits."""

    def __init__(self, in_channels: int = 1, n_classes: int = 10, image_size: int = 28, feat_dim: int = 128) -> None:
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4, got {image_size}")
        self.config = dict(in_channels=in_channels, n_classes=n_classes, image_size=image_size, feat_dim=feat_dim)
        self.in_channels = in_channels
        self.input_size = image_size
        self.num_features = feat_dim
        self.num_classes = n_classes
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * (image_size // 4) ** 2, feat_dim),
            nn.ReLU(),
        )
        self.head = nn.Linear(feat_dim, n_classes)

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body((self.prepare(x) - 0.5) / 0.5)
        return features, self.head(features)


def save_feature_classifier(model: FeatureClassifier, path: PathLike, **metadata: Any) -> None:
    """Save config + state dict (+ metadata such as training accuracy) to `path`."""
    from qgen.atomic import atomic_path

    with atomic_path(path) as tmp:
        torch.save({"config": model.config, "state_dict": model.state_dict(), "metadata": metadata}, tmp)


def load_feature_classifier(path: PathLike, map_location: Union[str, torch.device] = "cpu") -> FeatureClassifier:
    """Rebuild a FeatureClassifier saved by `save_feature_classifier`, in eval mode."""
    blob = torch.load(path, map_location=map_location, weights_only=True)
    model = FeatureClassifier(**blob["config"])
    model.load_state_dict(blob["state_dict"])
    return model.eval()


def train_feature_classifier(
    images: ImageBatch,
    labels: Union[np.ndarray, torch.Tensor],
    n_classes: int,
    seed: int = 0,
    epochs: int = 5,
    batch_size: int = 128,
    lr: float = 1e-3,
    image_size: int = 28,
    feat_dim: int = 128,
    save_path: Optional[PathLike] = None,
    progress: bool = False,
) -> FeatureClassifier:
    """Train the feature classifier on (N, H, W[, C]) uint8 images; deterministic for a given seed.

    Runs on the CPU with the global torch RNG left untouched (a forked RNG and a private
    generator drive initialisation and shuffling). Returns the model in eval mode; with
    `save_path` the state dict is saved there, with the final training accuracy as metadata.
    """
    x = to_float_nchw(images)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x.shape[0]} images but {y.shape[0]} labels")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = FeatureClassifier(x.shape[1], n_classes, image_size, feat_dim)
    x = model.prepare(x)  # resize once, not every epoch
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in tqdm(range(epochs), desc="feature classifier epochs", disable=not progress):
        order = torch.randperm(x.shape[0], generator=gen)
        for start in range(0, x.shape[0], batch_size):
            idx = order[start : start + batch_size]
            _, logits = model.features_and_logits(x[idx])
            loss = loss_fn(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        correct = sum(
            int((model.logits(x[i : i + 1000]).argmax(1) == y[i : i + 1000]).sum()) for i in range(0, len(x), 1000)
        )
    accuracy = correct / max(len(x), 1)
    model.train_accuracy = accuracy
    if save_path is not None:
        save_feature_classifier(model, save_path, train_accuracy=accuracy, seed=seed, epochs=epochs)
    return model.requires_grad_(False)
