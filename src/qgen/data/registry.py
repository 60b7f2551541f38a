"""The dataset registry: what each dataset is, which raw files it needs, how to standardise them.

A dataset is a :class:`DatasetSpec` registered by name in ``DATASETS`` (a factory returning the
spec). The standard form every spec converts to is, per split, ``images`` uint8 (N, H, W, C) and
``labels`` int64 (N,), so everything downstream treats MNIST, digits and MedMNIST alike.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from qgen.fetch import RemoteFile
from qgen.data.errors import QgenDataError
from qgen.registry import Registry

Splits = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class DatasetInfo:
    """What a model or metric needs to know about a dataset before touching its files."""

    name: str
    channels: int
    size: int
    n_classes: int
    class_names: tuple[str, ...]
    splits: tuple[str, ...]
    description: str = ""


class DatasetSpec(abc.ABC):
    """One dataset: its metadata, raw files, and the conversion to standard splits.

    ``mirror_subdir`` is the folder inside a data mirror that holds its raw files;
    ``default_options`` are the keyword options :meth:`convert` accepts (they change the output,
    so they are recorded next to it).
    """

    mirror_subdir: str = ""
    default_options: Mapping[str, Any] = {}

    @property
    @abc.abstractmethod
    def info(self) -> DatasetInfo:
        """Metadata: channels, size, classes, splits."""

    @property
    @abc.abstractmethod
    def raw_files(self) -> tuple[RemoteFile, ...]:
        """The published files to fetch (may be empty for datasets shipped with a package)."""

    @abc.abstractmethod
    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        """Turn verified raw files (by file name) into ``{split: (images, labels)}``."""

    def resolve_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults updated with ``options``; unknown names fail with the valid ones."""
        unknown = sorted(set(options) - set(self.default_options))
        if unknown:
            valid = ", ".join(sorted(self.default_options)) or "(none)"
            raise QgenDataError(
                f"dataset {self.info.name!r} has no option(s) {', '.join(unknown)}; valid options: {valid}"
            )
        return {**self.default_options, **options}


DATASETS: Registry[Callable[[], DatasetSpec]] = Registry("dataset")


def get_dataset(name: str) -> DatasetSpec:
    """The spec registered under ``name`` (KeyError listing the known names otherwise)."""
    return DATASETS.get(name)()


def dataset_info(name: str) -> DatasetInfo:
    """Metadata of a registered dataset, without touching any file."""
    return get_dataset(name).info


def check_standard(info: DatasetInfo, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Fail loudly if converted arrays are not in the standard form for ``info``."""
    expected = (info.size, info.size, info.channels)
    problems = []
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != expected:
        problems.append(f"images {images.dtype} {images.shape}, expected uint8 (N, {', '.join(map(str, expected))})")
    if labels.dtype != np.int64 or labels.shape != (images.shape[0],):
        problems.append(f"labels {labels.dtype} {labels.shape}, expected int64 ({images.shape[0]},)")
    elif labels.size and (labels.min() < 0 or labels.max() >= info.n_classes):
        problems.append(f"labels span {labels.min()}..{labels.max()}, expected 0..{info.n_classes - 1}")
    if problems:
        raise QgenDataError(f"{info.name} split {split!r} is not in standard form: " + "; ".join(problems))
