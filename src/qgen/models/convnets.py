"""S2's convolutional encoders and decoders, one parametrised definition each.

Encoders are stacks of 3x3 convolutions (padding 1) with a stride per stage: the VAE encoder
and the GAN discriminator (widths 32/64/128, strides 2/2/2: 28 -> 14 -> 7 -> 4 px), the VQ-VAE
encoder (strides 2/2/1: a 7x7 code map). Decoders are stacks of transposed convolutions that
double the size at stride 2 and keep it at stride 1: the VAE decoder, the GAN generator and
the VQ-VAE decoder all run 128 -> 64 -> 32 -> C with strides 2/2/1 from a 7x7 map
(7 -> 14 -> 28 -> 28 px).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

ACTIVATIONS = ("relu", "leaky_relu")


def conv_sizes(size: int, strides: Sequence[int]) -> list[int]:
    """Spatial sizes before and after each 3x3 (padding 1) convolution: [size, s1, s2, ...]."""
    sizes = [size]
    for stride in strides:
        sizes.append((sizes[-1] - 1) // stride + 1)
    return sizes


def _activation(name: str, slope: float) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(slope)
    raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATIONS}")


class ConvEncoder(nn.Module):
    """(B, C, H, W) -> (B, widths[-1], h, w): per stage conv 3x3 (stride), [batch norm],
    activation, [dropout]."""

    def __init__(
        self,
        channels: int,
        widths: Sequence[int],
        strides: Sequence[int],
        activation: str = "relu",
        slope: float = 0.2,
        batch_norm: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if len(widths) != len(strides):
            raise ValueError(f"widths {list(widths)} and strides {list(strides)} differ in length")
        layers: list[nn.Module] = []
        previous = channels
        for width, stride in zip(widths, strides):
            layers.append(nn.Conv2d(previous, width, 3, stride=stride, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(_activation(activation, slope))
            if dropout:
                layers.append(nn.Dropout(dropout))
            previous = width
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ConvDecoder(nn.Module):
    """(B, widths[0], s, s) -> (B, out_channels, s * prod(strides), ...), pre-activation.

    Stage i is a transposed convolution widths[i] -> widths[i + 1] (out_channels for the last):
    with stride 2 a 4x4 kernel, padding 1 (the size doubles exactly and every output pixel has
    the same number of taps, so no checkerboard from uneven overlap, as in DCGAN); with stride
    1 a 3x3 kernel, padding 1. Every stage but the last is followed by [batch norm] and ReLU.
    """

    def __init__(self, widths: Sequence[int], strides: Sequence[int], out_channels: int, batch_norm: bool = False) -> None:
        super().__init__()
        if len(widths) != len(strides):
            raise ValueError(f"widths {list(widths)} and strides {list(strides)} differ in length")
        if any(s not in (1, 2) for s in strides):
            raise ValueError(f"decoder strides are 1 or 2, got {list(strides)}")
        layers: list[nn.Module] = []
        outs = [*widths[1:], out_channels]
        for i, (w_in, w_out, stride) in enumerate(zip(widths, outs, strides)):
            kernel = 4 if stride == 2 else 3
            layers.append(nn.ConvTranspose2d(w_in, w_out, kernel, stride=stride, padding=1))
            if i < len(widths) - 1:
                if batch_norm:
                    layers.append(nn.BatchNorm2d(w_out))
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


def decoder_start(size: int, strides: Sequence[int]) -> int:
    """The map size a decoder with these strides starts from to produce ``size`` px."""
    scale = math.prod(strides)
    if size % scale:
        raise ValueError(f"a decoder with strides {list(strides)} cannot produce {size} px (not a multiple of {scale})")
    return size // scale


def count_parameters(module: nn.Module | None) -> int:
    """Trainable parameters of a module (0 for None)."""
    return 0 if module is None else sum(p.numel() for p in module.parameters() if p.requires_grad)
