"""Read standard split files into an :class:`ImageSet`, with class and size subsets."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from qgen.fetch import md5_file
from qgen.data.errors import DataIntegrityError, QgenDataError
from qgen.data.prepare import MANIFEST, split_path
from qgen.data.registry import DatasetInfo, dataset_info


@dataclass(frozen=True)
class ImageSet:
    """Images uint8 (N, H, W, C) and labels int64 (N,), with where they came from.

    ``indices`` are the positions of the images in the split file, so any subset can be traced
    back and reproduced.
    """

    images: np.ndarray
    labels: np.ndarray
    indices: np.ndarray
    info: DatasetInfo
    split: str

    def __len__(self) -> int:
        return int(len(self.labels))

    @property
    def class_counts(self) -> dict[int, int]:
        """Number of images per class present."""
        values, counts = np.unique(self.labels, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}


def load_split(
    name: str,
    root: Path,
    split: str,
    classes: Sequence[int] | None = None,
    n_per_class: int | None = None,
    seed: int = 0,
    *,
    first: int | None = None,
) -> ImageSet:
    """A prepared split, optionally restricted to ``classes`` and subsampled.

    ``n_per_class`` draws that many images of each class without replacement, seeded per
    (seed, class) so a class's subset does not depend on which other classes are asked for (S1's
    low-data runs). ``first`` keeps the first N selected images in file order instead (the S1
    paper protocol compares against the first N training images). Results keep file order.
    """
    info = dataset_info(name)
    if split not in info.splits:
        raise QgenDataError(f"dataset {name!r} has no split {split!r}; its splits: {', '.join(info.splits)}")
    if n_per_class is not None and first is not None:
        raise QgenDataError("give n_per_class or first, not both")
    path = split_path(root, name, split)
    if not path.is_file():
        raise QgenDataError(
            f"{path} does not exist: prepare the dataset first "
            f"(qgen.data.prepare_dataset({name!r}, {str(root)!r}) or the pipeline's data rule)"
        )
    verify_split(root, name, split)
    with np.load(path) as npz:
        images, labels = npz["images"], npz["labels"]
    wanted = _check_classes(info, classes)
    indices = np.flatnonzero(np.isin(labels, wanted))
    if n_per_class is not None:
        indices = _per_class_sample(labels, indices, wanted, n_per_class, seed, f"{name}/{split}")
    elif first is not None:
        if not 0 <= first <= len(indices):
            raise QgenDataError(f"asked for the first {first} images of {name}/{split} (classes {wanted}), "
                                f"which holds {len(indices)}")
        indices = indices[:first]
    return ImageSet(images[indices], labels[indices], indices, info, split)


@functools.lru_cache(maxsize=64)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> bool:
    return md5_file(Path(path)) == expected


def verify_split(root: Path, name: str, split: str) -> None:
    """Check a split file against the MD5 its manifest recorded; a truncated or edited file fails
    here, naming the file and the fix, instead of deep inside a job."""
    path = split_path(root, name, split)
    folder = Path(root) / name
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        expected = manifest["splits"][split]["md5"]
    except (OSError, ValueError, KeyError):
        raise QgenDataError(
            f"{folder / MANIFEST} is missing or does not list split {split!r}: the prepared data is incomplete. "
            f"Fix: delete {folder} and rerun (snakemake prepares it again)."
        ) from None
    stat = path.stat()
    if not _verified(str(path), stat.st_size, stat.st_mtime_ns, expected):
        raise DataIntegrityError(
            f"{path} does not match the MD5 its manifest recorded ({expected}): the file is truncated or was "
            f"changed after preparation. Fix: delete {folder} and rerun (snakemake prepares it again).",
            path=path,
        )


def first_n(name: str, root: Path, split: str, n: int, classes: Sequence[int] | None = None) -> ImageSet:
    """The first ``n`` images of a split in file order, all classes mixed unless ``classes`` given."""
    return load_split(name, root, split, classes=classes, first=n)


def _check_classes(info: DatasetInfo, classes: Sequence[int] | None) -> list[int]:
    valid = range(info.n_classes)
    if classes is None:
        return list(valid)
    listing = ", ".join(f"{i} ({n})" if n != str(i) else str(i) for i, n in enumerate(info.class_names))
    bad = [c for c in classes if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c not in valid]
    if bad:
        raise QgenDataError(f"{bad} not a class of {info.name}; valid classes: {listing}")
    return sorted({int(c) for c in classes})


def _per_class_sample(
    labels: np.ndarray, indices: np.ndarray, classes: list[int], n: int, seed: int, where: str
) -> np.ndarray:
    if n < 1:
        raise QgenDataError(f"n_per_class must be at least 1, got {n}")
    by_class = {c: indices[labels[indices] == c] for c in classes}
    short = {c: len(idx) for c, idx in by_class.items() if len(idx) < n}
    if short:
        counts = ", ".join(f"class {c}: {len(idx)}" for c, idx in by_class.items())
        raise QgenDataError(f"n_per_class={n} exceeds what {where} holds for classes {sorted(short)} "
                            f"(available: {counts})")
    picked = [np.random.default_rng([seed, c]).choice(idx, size=n, replace=False) for c, idx in by_class.items()]
    return np.sort(np.concatenate(picked))
