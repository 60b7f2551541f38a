"""MNIST-format datasets from the published IDX files: MNIST, Fashion-MNIST, and an MNIST
fallback built from the test split alone (this environment has MNIST's test files only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from qgen.fetch import RemoteFile
from qgen.data.errors import DataIntegrityError
from qgen.data.idx import read_idx
from qgen.data.registry import DATASETS, DatasetInfo, DatasetSpec, Splits
from qgen.data.splits import stratified_split

# Same mirrors, in the same order, as torchvision.datasets.MNIST.
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
FASHION_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
# MD5 of the decompressed IDX bytes, which a recompressed copy keeps (qgen.fetch accepts it):
# Fashion-MNIST's from Debian's dataset-fashion-mnist (the canonical IDX content in other .gz
# bytes), MNIST's from the canonical files where this machine has them (../shared/data/mnist).
MNIST_CONTENT_MD5 = {
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}
FASHION_CONTENT_MD5 = {
    "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
}
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
# IDX file prefix of each published split.
_PREFIX = {"train": "train", "test": "t10k"}


def _files(prefixes: tuple[str, ...], md5: Mapping[str, str], mirrors: tuple[str, ...],
           content_md5: Mapping[str, str]) -> tuple[RemoteFile, ...]:
    names = [f"{p}-{kind}-idx{n}-ubyte.gz" for p in prefixes for kind, n in (("images", 3), ("labels", 1))]
    return tuple(RemoteFile(name, md5[name], tuple(m + name for m in mirrors), content_md5=content_md5.get(name))
                 for name in names)


def read_idx_split(raw: Mapping[str, Path], prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28, 1) uint8 and labels (N,) int64 of one published IDX split."""
    images_path = raw[f"{prefix}-images-idx3-ubyte.gz"]
    labels_path = raw[f"{prefix}-labels-idx1-ubyte.gz"]
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1).astype(np.int64)
    if images.shape[1:] != (28, 28):
        raise DataIntegrityError(f"{images_path} holds {images.shape[1:]} images, expected 28x28", path=images_path)
    if len(images) != len(labels):
        raise DataIntegrityError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels",
            path=images_path,
        )
    return images[..., None], labels


class IdxDataset(DatasetSpec):
    """A dataset published as MNIST-style IDX files with ``train`` and ``test`` splits."""

    def __init__(self, name: str, class_names: tuple[str, ...], md5: Mapping[str, str],
                 mirrors: tuple[str, ...], mirror_subdir: str, description: str,
                 content_md5: Mapping[str, str]) -> None:
        self._info = DatasetInfo(name, 1, 28, len(class_names), class_names, ("train", "test"), description)
        self._files = _files(tuple(_PREFIX.values()), md5, mirrors, content_md5)
        self.mirror_subdir = mirror_subdir

    @property
    def info(self) -> DatasetInfo:
        return self._info

    @property
    def raw_files(self) -> tuple[RemoteFile, ...]:
        return self._files

    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        return {split: read_idx_split(raw, prefix) for split, prefix in _PREFIX.items()}


class MnistT10k(DatasetSpec):
    """MNIST's real test split (10,000 images) cut into our own ``train`` and ``test`` parts.

    An environment fallback: this machine holds MNIST's t10k files but not its training images.
    ``train`` is the first ``train_fraction`` (default 80%) of each digit in file order, ``test``
    the rest: deterministic, stratified, about 800/200 per digit. Results on it are not comparable
    to models trained on MNIST's 60,000 training images.
    """

    mirror_subdir = "mnist"
    default_options = {"train_fraction": 0.8}

    @property
    def info(self) -> DatasetInfo:
        return DatasetInfo("mnist_t10k", 1, 28, 10, tuple(str(d) for d in range(10)), ("train", "test"),
                           "MNIST test split divided 80/20 per digit (fallback: no MNIST training images here)")

    @property
    def raw_files(self) -> tuple[RemoteFile, ...]:
        return _files(("t10k",), MNIST_MD5, MNIST_MIRRORS, MNIST_CONTENT_MD5)

    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        images, labels = read_idx_split(raw, "t10k")
        train, test = stratified_split(labels, float(options["train_fraction"]))
        return {"train": (images[train], labels[train]), "test": (images[test], labels[test])}


@DATASETS.register("mnist")
def mnist() -> DatasetSpec:
    """MNIST, 60,000 training and 10,000 test digits."""
    return IdxDataset("mnist", tuple(str(d) for d in range(10)), MNIST_MD5, MNIST_MIRRORS, "mnist",
                      "MNIST handwritten digits (LeCun et al.)", MNIST_CONTENT_MD5)


@DATASETS.register("fashion_mnist")
def fashion_mnist() -> DatasetSpec:
    """Fashion-MNIST: same format and sizes as MNIST, ten clothing classes."""
    return IdxDataset("fashion_mnist", FASHION_CLASSES, FASHION_MD5, FASHION_MIRRORS, "fashion_mnist",
                      "Fashion-MNIST (Zalando Research)", FASHION_CONTENT_MD5)


@DATASETS.register("mnist_t10k")
def mnist_t10k() -> DatasetSpec:
    """Fallback MNIST built from the test split only; see :class:`MnistT10k`."""
    return MnistT10k()
