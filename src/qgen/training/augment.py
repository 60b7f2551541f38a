"""Training-time augmentation (S2: rotation +-10 degrees, translation +-2 px), per image.

The warp is torchvision's affine transform (rotation about the image centre and a translation,
bilinear, uncovered pixels filled), computed with torch's own ``affine_grid`` and
``grid_sample`` for the whole batch at once. It does not import torchvision: the CPU install
route has no torchvision that loads against the CPU build of torch, and one implementation for
every install keeps a seed's augmented images the same everywhere. The random parameters come
from the trainer's seeded generator, so augmented runs are bit-identical for a seed and resume
exactly.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F


class RandomAffine:
    """Rotate by U(-rotation, rotation) degrees and shift by U{-translate..translate} px per axis.

    Images are in [-1, 1]; uncovered pixels are filled with -1 (the background).
    """

    def __init__(self, rotation: float = 0.0, translate: int = 0) -> None:
        self.rotation, self.translate = float(rotation), int(translate)

    @classmethod
    def from_config(cls, augment: Mapping[str, Any] | None) -> "RandomAffine | None":
        if not augment or not (augment.get("rotation") or augment.get("translate")):
            return None
        return cls(augment.get("rotation", 0.0), augment.get("translate", 0))

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        n, _, height, width = images.shape
        angles = (torch.rand(n, generator=rng) * 2 - 1) * self.rotation
        shifts = torch.randint(-self.translate, self.translate + 1, (n, 2), generator=rng)
        return warp(images, angles, shifts.to(images.dtype))


def warp(images: torch.Tensor, degrees: torch.Tensor, shifts: torch.Tensor, fill: float = -1.0) -> torch.Tensor:
    """Rotate each image by ``degrees`` (counter-clockwise on screen) about its centre, then shift
    it by ``shifts`` = (dx, dy) pixels (right, down); bilinear, ``fill`` where nothing maps.

    ``affine_grid`` maps each output pixel to the input pixel it samples, so the matrix is the
    inverse of the forward warp, in the normalised coordinates of ``align_corners=False``.
    """
    n, _, height, width = images.shape
    theta = torch.deg2rad(degrees.to(images.dtype))
    cos, sin = torch.cos(theta), torch.sin(theta)
    # The inverse rotation, written in pixel axes (x right, y down).
    a = torch.stack([torch.stack([cos, sin * height / width], -1),
                     torch.stack([-sin * width / height, cos], -1)], -2)
    t = torch.stack([2 * shifts[:, 0] / width, 2 * shifts[:, 1] / height], -1)
    b = -(a @ t.unsqueeze(-1)).squeeze(-1)
    matrix = torch.cat([a, b.unsqueeze(-1)], -1).to(images.device)
    grid = F.affine_grid(matrix, list(images.shape), align_corners=False)
    # As torchvision fills: sample the image and a mask of ones (zero padding), then blend each
    # pixel towards fill by how much of it the mask covers.
    mask = torch.ones_like(images[:, :1])
    sampled = F.grid_sample(torch.cat([images, mask], 1), grid, mode="bilinear", padding_mode="zeros",
                            align_corners=False)
    out, covered = sampled[:, :-1], sampled[:, -1:]
    return (out - fill) * covered + fill


__all__ = ["RandomAffine", "warp"]
