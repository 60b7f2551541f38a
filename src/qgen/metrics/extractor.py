"""The interface every feature network implements (FID, KID, IS, precision/recall use it)."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


class FeatureExtractor(nn.Module):
    """Base class: input preparation shared by all feature networks.

    Subclasses set `input_size` (None: the network resizes itself), `in_channels`,
    `num_features` and `num_classes`, and implement `features_and_logits` on prepared input.
    """

    input_size: Optional[int] = None
    in_channels: int = 3
    resize_mode: str = "bilinear"
    num_features: int
    num_classes: int

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Match channels (grey repeated to RGB; RGB averaged for grey networks) and size."""
        if x.ndim != 4:
            raise ValueError(f"expected (N, C, H, W) images, got shape {tuple(x.shape)}")
        c = x.shape[1]
        if c == 1 and self.in_channels == 3:
            x = x.repeat(1, 3, 1, 1)
        elif c == 3 and self.in_channels == 1:
            x = x.mean(dim=1, keepdim=True)
        elif c != self.in_channels:
            raise ValueError(f"{type(self).__name__} takes 1 or {self.in_channels} channels, got {c}")
        if self.input_size is not None and tuple(x.shape[-2:]) != (self.input_size, self.input_size):
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode=self.resize_mode, align_corners=False)
        return x

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features (N, num_features) and logits (N, num_classes) of images in [0, 1]."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(x)[0]

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(x)[1]


class LogitsView(nn.Module):
    """The logits of a FeatureExtractor as a module of its own (torchmetrics' InceptionScore wants one)."""

    def __init__(self, extractor: FeatureExtractor) -> None:
        super().__init__()
        self.extractor = extractor
        self.num_features = extractor.num_classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.extractor.logits(x)
