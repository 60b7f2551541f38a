"""scikit-learn's 1797 real 8x8 handwritten digits, framed like MNIST: always available offline.

Each 8x8 image (values 0..16) is scaled to 0..255, resized to 20x20 (bicubic) and padded by
4 px to 28x28, as MNIST centres its 20x20 digits in a 28x28 frame. The train/test split is
stratified and seeded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from qgen.fetch import RemoteFile
from qgen.data.registry import DATASETS, DatasetInfo, DatasetSpec, Splits
from qgen.data.splits import stratified_split

_INNER = 20
_PAD = 4


def upscale_digits(images8: np.ndarray) -> np.ndarray:
    """(N, 8, 8) values 0..16 -> (N, 28, 28, 1) uint8: scale, bicubic resize to 20x20, pad 4 px."""
    from PIL import Image

    scaled = np.clip(np.rint(np.asarray(images8, dtype=np.float64) * (255.0 / 16.0)), 0, 255).astype(np.uint8)
    out = np.zeros((len(scaled), _INNER + 2 * _PAD, _INNER + 2 * _PAD, 1), dtype=np.uint8)
    for i, img in enumerate(scaled):
        big = Image.fromarray(img).resize((_INNER, _INNER), Image.Resampling.BICUBIC)
        out[i, _PAD:_PAD + _INNER, _PAD:_PAD + _INNER, 0] = np.asarray(big)
    return out


class SklearnDigits(DatasetSpec):
    """The digits dataset; options ``test_fraction`` (0.2) and ``seed`` (0) fix the split."""

    mirror_subdir = "digits"
    default_options = {"test_fraction": 0.2, "seed": 0}

    @property
    def info(self) -> DatasetInfo:
        return DatasetInfo("digits", 1, 28, 10, tuple(str(d) for d in range(10)), ("train", "test"),
                           "scikit-learn load_digits (1797 real 8x8 digits) upscaled to 28x28 MNIST framing")

    @property
    def raw_files(self) -> tuple[RemoteFile, ...]:
        return ()

    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images = upscale_digits(bunch.images)
        labels = np.asarray(bunch.target, dtype=np.int64)
        test, train = stratified_split(labels, float(options["test_fraction"]), seed=int(options["seed"]))
        return {"train": (images[train], labels[train]), "test": (images[test], labels[test])}


@DATASETS.register("digits")
def digits() -> DatasetSpec:
    """Offline real handwritten digits; see :class:`SklearnDigits`."""
    return SklearnDigits()
