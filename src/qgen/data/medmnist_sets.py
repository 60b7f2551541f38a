"""MedMNIST 2D datasets (PathMNIST, RetinaMNIST, ...) at 28 px and 64 px.

URLs, MD5s, class names and channel counts come from the installed ``medmnist`` package's INFO
table (read lazily, so importing qgen.data stays light); the ``.npz`` files are fetched with our
own downloader, like every other raw file. Registered names: ``<flag>`` (28 px) and
``<flag>_64`` (64 px), for example ``retinamnist`` and ``retinamnist_64``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from qgen.fetch import RemoteFile
from qgen.data.errors import DataIntegrityError, QgenDataError
from qgen.data.registry import DATASETS, DatasetInfo, DatasetSpec, Splits

# The 2D single-label flags of MedMNIST v2/v3. ChestMNIST is left out: it is multi-label
# (14 binary labels per image), which has no single class per image.
MEDMNIST_2D_FLAGS = (
    "pathmnist", "dermamnist", "octmnist", "pneumoniamnist", "retinamnist", "breastmnist",
    "bloodmnist", "tissuemnist", "organamnist", "organcmnist", "organsmnist",
)
SIZES = (28, 64)
SPLITS = ("train", "val", "test")


def medmnist_info(flag: str) -> dict[str, Any]:
    """The medmnist package's INFO entry for ``flag``."""
    try:
        from medmnist import INFO
    except ImportError as exc:
        raise QgenDataError(
            f"dataset {flag!r} needs the medmnist package (its table of files and checksums). Fix: "
            f"python -m pip install -e '.[full]', or on a CPU-only install python -m pip install --no-deps medmnist"
        ) from exc
    if flag not in INFO:
        raise QgenDataError(f"the installed medmnist package has no flag {flag!r}")
    return INFO[flag]


class MedMNIST(DatasetSpec):
    """One MedMNIST 2D flag at one size: a single ``<flag>[_<size>].npz`` with three splits."""

    mirror_subdir = "medmnist"

    def __init__(self, flag: str, size: int) -> None:
        self.flag = flag
        self.size = size
        self.suffix = "" if size == 28 else f"_{size}"

    @property
    def info(self) -> DatasetInfo:
        meta = medmnist_info(self.flag)
        labels = meta["label"]
        names = tuple(labels[k] for k in sorted(labels, key=int))
        return DatasetInfo(f"{self.flag}{self.suffix}", int(meta["n_channels"]), self.size, len(names),
                           names, SPLITS, f"MedMNIST {meta['python_class']} at {self.size} px")

    @property
    def raw_files(self) -> tuple[RemoteFile, ...]:
        meta = medmnist_info(self.flag)
        url_key, md5_key = f"url{self.suffix}", f"MD5{self.suffix}"
        if url_key not in meta or md5_key not in meta:
            raise QgenDataError(f"the installed medmnist lists no {self.size} px file for {self.flag}")
        return (RemoteFile(f"{self.flag}{self.suffix}.npz", meta[md5_key], (meta[url_key],)),)

    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        path = raw[f"{self.flag}{self.suffix}.npz"]
        try:
            with np.load(path) as npz:
                arrays = {key: npz[key] for key in npz.files}
        except Exception as exc:  # zipfile.BadZipFile, ValueError, EOFError, OSError
            raise DataIntegrityError(
                f"{path} is not a readable npz file ({exc}). Fix: delete {path} and rerun; or place "
                f"a good copy in the mirror folder set by data.mirror / QGEN_DATA_MIRROR.",
                path=path,
            ) from exc
        return {split: self._split(arrays, path, split) for split in SPLITS}

    def _split(self, arrays: Mapping[str, np.ndarray], path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        except KeyError as exc:
            raise DataIntegrityError(f"{path} lacks {exc.args[0]!r}; holds {sorted(arrays)}", path=path) from None
        if images.ndim == 3:  # grayscale flags store (N, H, W)
            images = images[..., None]
        if labels.ndim == 2 and labels.shape[1] != 1:
            raise DataIntegrityError(f"{path}: {split}_labels has shape {labels.shape}; expected one label per image",
                                     path=path)
        return images, labels.reshape(-1).astype(np.int64)


def _register() -> None:
    for flag in MEDMNIST_2D_FLAGS:
        for size in SIZES:
            name = flag if size == 28 else f"{flag}_{size}"
            DATASETS.register(name)(partial(MedMNIST, flag, size))


_register()
