"""Training-time augmentation (S2: rotation +-10 degrees, translation +-2 px), per image.

torchvision's affine does the warping; the random parameters come from the trainer's seeded
generator, so augmented runs stay bit-identical for a seed and resume exactly.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as TF


class RandomAffine:
    """Rotate by U(-rotation, rotation) degrees and shift by U{-translate..translate} px each axis.

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
        n = images.shape[0]
        angles = (torch.rand(n, generator=rng) * 2 - 1) * self.rotation
        shifts = torch.randint(-self.translate, self.translate + 1, (n, 2), generator=rng)
        out = [
            TF.affine(img, angle=float(a), translate=[int(s[0]), int(s[1])], scale=1.0, shear=[0.0, 0.0],
                      interpolation=InterpolationMode.BILINEAR, fill=[-1.0] * images.shape[1])
            for img, a, s in zip(images, angles, shifts)
        ]
        return torch.stack(out)
