"""S1's lightweight noise-prediction U-Net, with or without a gate at its bottleneck."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from qgen.models.embeddings import SinusoidalEmbedding

if TYPE_CHECKING:
    from qgen.families.base import QuantumSpec

# "none": the plain U-Net; otherwise S1's channel gate with that core (circuit_blocks.CORES).
BOTTLENECKS = ("none", "quantum", "twin", "closed_form")


class ResidualBlock(nn.Module):
    """conv3x3-ReLU-conv3x3 plus identity, then ReLU."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.conv2(self.act(self.conv1(x))))


class DiffusionUNet(nn.Module):
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"const": "s1_unet"},
            "widths": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 3, "maxItems": 3},
            "time_dim": {"type": "integer", "minimum": 4, "multipleOf": 2},
            "time_embedding": {"enum": ["paper", "authors"]},
            "bottleneck": {"enum": list(BOTTLENECKS)},
            "encoding": {"enum": ["angle", "pi_sigmoid_pooled"]},
            "detach_input": {"type": "boolean"},
        },
    }

    """Shapes for C x 28 x 28 inputs, as SPEC.md S1 gives them.

    enc1 32@28 -> enc2 64@14 -> enc3 128@7 (+ time embedding) -> residual bottleneck
    [-> channel gate] -> dec1 64@14 -> dec2 32@28 -> concat enc1 -> conv to C.

    ``bottleneck="quantum"`` adds S1's quantum channel gate (its circuit from ``quantum``);
    ``"twin"`` the same gate with the circuit's classical twin, ``"closed_form"`` with the
    product of cosines the circuit computes (both read the circuit from ``quantum``).
    ``encoding`` and ``detach_input`` are the gate's options (see ChannelGate).
    """

    @staticmethod
    def runs_circuit(options: dict) -> bool:
        """Only the quantum gate executes the circuit; the twin and the closed form stand in for it."""
        return options.get("bottleneck", "none") == "quantum"

    def __init__(
        self,
        channels: int = 1,
        widths: tuple[int, int, int] = (32, 64, 128),
        time_dim: int = 128,
        time_embedding: str = "paper",
        bottleneck: str = "none",
        quantum: "QuantumSpec | None" = None,
        encoding: str = "angle",
        detach_input: bool = False,
    ) -> None:
        super().__init__()
        if bottleneck not in BOTTLENECKS:
            raise ValueError(f"unknown bottleneck {bottleneck!r}; choose one of {BOTTLENECKS}")
        w1, w2, w3 = widths
        self.enc1 = nn.Sequential(nn.Conv2d(channels, w1, 3, padding=1), nn.ReLU())
        self.enc2 = nn.Sequential(nn.Conv2d(w1, w2, 3, stride=2, padding=1), nn.ReLU())
        self.enc3 = nn.Sequential(nn.Conv2d(w2, w3, 3, stride=2, padding=1), nn.ReLU())
        self.time_embed = SinusoidalEmbedding(time_dim, time_embedding)
        self.time_proj = nn.Linear(time_dim, w3)
        self.bottleneck = ResidualBlock(w3)
        self.gate = None
        if bottleneck != "none":
            if quantum is None:
                raise ValueError(f"bottleneck {bottleneck!r} needs the model's quantum block (the circuit it runs "
                                 f"or stands in for)")
            # Imported here so classical jobs never pay for importing PennyLane.
            from qgen.models.quantum_bottleneck import ChannelGate

            self.gate = ChannelGate(w3, quantum, core=bottleneck, encoding=encoding, detach_input=detach_input)
        self.dec1 = nn.Sequential(nn.ConvTranspose2d(w3, w2, 2, stride=2), nn.ReLU())
        self.dec2 = nn.Sequential(nn.ConvTranspose2d(w2, w1, 2, stride=2), nn.ReLU())
        self.out = nn.Conv2d(2 * w1, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h1 = self.enc1(x)
        h = self.enc3(self.enc2(h1))
        h = h + self.time_proj(self.time_embed(t))[:, :, None, None]
        h = self.bottleneck(h)
        if self.gate is not None:
            h = self.gate(h)
        h = self.dec2(self.dec1(h))
        return self.out(torch.cat([h, h1], dim=1))
