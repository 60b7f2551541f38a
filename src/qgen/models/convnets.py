"""S2's convolutional encoders and decoders, one parametrised definition each.

Every S2 network is a stack of 3x3 convolutions (padding 1) with a stride per stage: the VAE
encoder and the GAN discriminator (widths 32/64/128, strides 2/2/2: 28 -> 14 -> 7 -> 4), the
VQ-VAE encoder (strides 2/2/1: a 7x7 code map). Decoders mirror them with 3x3 transposed
convolutions whose output padding is chosen so that each stage restores the encoder's size
(4 -> 7 -> 14 -> 28), so any image size works, not only 28.
"""

from __future__ import annotations

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
    """(B, widths[0], sizes[0], sizes[0]) -> (B, out_channels, sizes[-1], sizes[-1]), pre-activation.

    Stage i is a 3x3 transposed convolution widths[i] -> widths[i + 1] (out_channels for the
    last) with stride strides[i], followed, except after the last, by [batch norm] and ReLU.
    ``sizes`` are the spatial sizes to produce, for example an encoder's ``conv_sizes``
    reversed.
    """

    def __init__(
        self,
        widths: Sequence[int],
        strides: Sequence[int],
        sizes: Sequence[int],
        out_channels: int,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if not (len(widths) == len(strides) == len(sizes) - 1):
            raise ValueError(f"a decoder needs one stride per width and one size more: {widths}, {strides}, {sizes}")
        layers: list[nn.Module] = []
        outs = [*widths[1:], out_channels]
        for i, (w_in, w_out, stride) in enumerate(zip(widths, outs, strides)):
            # out = (in - 1) * stride - 2 + 3 + output_padding
            output_padding = sizes[i + 1] - ((sizes[i] - 1) * stride + 1)
            if not 0 <= output_padding < max(stride, 1):
                raise ValueError(f"cannot go from {sizes[i]} to {sizes[i + 1]} px with stride {stride}")
            layers.append(nn.ConvTranspose2d(w_in, w_out, 3, stride=stride, padding=1, output_padding=output_padding))
            if i < len(widths) - 1:
                if batch_norm:
                    layers.append(nn.BatchNorm2d(w_out))
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


def count_parameters(module: nn.Module | None) -> int:
    """Trainable parameters of a module (0 for None)."""
    return 0 if module is None else sum(p.numel() for p in module.parameters() if p.requires_grad)
