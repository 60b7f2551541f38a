"""S3's latent denoiser: a small time-conditioned residual network on a latent map, with or
without quantum residual blocks (SPEC.md S3: "a DDPM in that latent space whose denoiser is
classical, classical and larger, or quantum (quantum residual blocks)").

(B, C, h, w) latents -> conv3x3 to ``width`` -> ``blocks`` residual blocks at constant size,
each GroupNorm-SiLU-conv3x3, + the time embedding, GroupNorm-SiLU-conv3x3, plus identity ->
GroupNorm-SiLU-conv3x3 back to C: the predicted noise. With ``residual`` "quantum" (or its
classical twin "twin") a :class:`~qgen.models.quantum_residual.QuantumResidualBlock` follows
each of the first ``residual_blocks`` residual blocks: pooled features -> the model's circuit
-> Linear -> added to the features. The quantum blocks are built after every other layer, so
for one seed the classical, quantum and twin denoisers share their convolutions' initial
weights. "Larger" is ``width`` (the parameter count grows as width squared): the S3 config's
larger classical denoiser is measured to have at least twice the quantum one's parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from qgen.models.embeddings import SinusoidalEmbedding

if TYPE_CHECKING:
    from qgen.families.base import QuantumSpec

RESIDUALS = ("none", "quantum", "twin")


def _norm(width: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, width), width)


class TimeResBlock(nn.Module):
    """x + conv(SiLU(norm(conv(SiLU(norm(x))) + time))): a DDPM residual block without resampling."""

    def __init__(self, width: int, time_width: int) -> None:
        super().__init__()
        self.norm1, self.conv1 = _norm(width), nn.Conv2d(width, width, 3, padding=1)
        self.time = nn.Linear(time_width, width)
        self.norm2, self.conv2 = _norm(width), nn.Conv2d(width, width, 3, padding=1)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.act(self.norm1(x))) + self.time(emb)[:, :, None, None]
        return x + self.conv2(self.act(self.norm2(h)))


class LatentDenoiser(nn.Module):
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"const": "latent_resnet"},
            "width": {"type": "integer", "minimum": 1, "description": "channels of every residual block"},
            "blocks": {"type": "integer", "minimum": 1, "description": "residual blocks"},
            "time_dim": {"type": "integer", "minimum": 4, "multipleOf": 2},
            "residual": {"enum": list(RESIDUALS), "description": "quantum residual blocks: none, quantum or twin"},
            "residual_blocks": {"type": "integer", "minimum": 1, "description": "how many (after the first blocks)"},
        },
    }

    def __init__(
        self,
        channels: int = 4,
        width: int = 64,
        blocks: int = 2,
        time_dim: int = 64,
        residual: str = "none",
        residual_blocks: int = 1,
        quantum: "QuantumSpec | None" = None,
    ) -> None:
        super().__init__()
        if residual not in RESIDUALS:
            raise ValueError(f"unknown residual {residual!r}; choose one of {RESIDUALS}")
        if residual != "none" and quantum is None:
            raise ValueError(f"residual {residual!r} needs the model's quantum block (its circuit, or the twin's sizes)")
        if residual == "none" and quantum is not None:
            raise ValueError("a latent denoiser with residual 'none' has no circuit: drop the entry's quantum block")
        if residual_blocks > blocks:
            raise ValueError(f"residual_blocks={residual_blocks} exceeds blocks={blocks}")
        time_width = 4 * width
        self.time_embed = SinusoidalEmbedding(time_dim)
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, time_width), nn.SiLU(), nn.Linear(time_width, time_width))
        self.inp = nn.Conv2d(channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(TimeResBlock(width, time_width) for _ in range(blocks))
        self.out = nn.Sequential(_norm(width), nn.SiLU(), nn.Conv2d(width, channels, 3, padding=1))
        self.quantum = nn.ModuleList()
        if residual != "none":  # built last: the classical layers start alike for one seed
            from qgen.models.quantum_residual import QuantumResidualBlock

            self.quantum.extend(QuantumResidualBlock(width, quantum, kind=residual) for _ in range(residual_blocks))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.time_mlp(self.time_embed(t))
        h = self.inp(x)
        for i, block in enumerate(self.blocks):
            h = block(h, emb)
            if i < len(self.quantum):
                h = self.quantum[i](h)
        return self.out(h)
