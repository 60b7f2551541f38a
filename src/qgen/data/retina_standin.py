"""``retina_standin`` / ``retina_standin_64``: a STAND-IN for RetinaMNIST, for offline runs only.

What it is, exactly
- Source: one real colour fundus photograph, the file ``retina.jpg`` that ships inside the
  scikit-image package (``skimage.data.retina()``: "Fundus photograph of normal left eye",
  M. Haggstrom 2014, CC0 public domain; 1411 x 1411 RGB, MD5 checked below). No download.
- Images: square views of that photograph. Each view has a random centre in the fundus disc
  (uniform over a disc of radius max(R - s/2, 0.05 R), R the fundus radius, s the view's side),
  a random rotation (uniform in [0, 360) degrees) and a random horizontal flip, resampled with
  antialiasing to 28 px or 64 px. ``retina_standin`` and ``retina_standin_64`` hold the same
  views at the two sizes, as MedMNIST's 28 and 64 px files do.
- Classes (5, like RetinaMNIST's DR grades, but NOT grades): the field of view, i.e. the
  view's side s as a fraction of the fundus diameter, drawn log-uniformly within five
  geometric bins from 12.5% to 110% (class 4 shows the whole fundus with its black surround,
  as RetinaMNIST's images do; class 0 shows a few vessels close up). Ordinal and learnable
  (vessel calibre, texture, the disc's rim), which is what a five-class validator needs.
- Splits: 1080 / 120 / 400 (RetinaMNIST's sizes), the same number of views per class, drawn
  with a seeded generator (option ``seed``). All views come from ONE photograph, so views in
  different splits overlap in content: the splits are separate draws, not separate patients.
  Fine for exercising the pipeline end to end; no number from it says anything about fundus
  images in general, and every table names the dataset ``retina_standin``.
"""

from __future__ import annotations

import hashlib
import math
from functools import partial
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from qgen.fetch import RemoteFile
from qgen.data.errors import DataIntegrityError, QgenDataError
from qgen.data.registry import DATASETS, DatasetInfo, DatasetSpec, Splits

SOURCE_FILE = "retina.jpg"
SOURCE_MD5 = "5fa589edda0ab6832e3afcd92c402412"  # scikit-image 0.22-0.26
N_CLASSES = 5
FOV_EDGES = tuple(float(e) for e in np.geomspace(0.125, 1.1, N_CLASSES + 1))
SIZES = (28, 64)
SPLITS = ("train", "val", "test")
_PYRAMID = 5  # source levels at 1, 1/2, ..., 1/16 scale: each view is cut from a level near 2x its output


def class_names() -> tuple[str, ...]:
    """'fov_12-19pct' ...: the field-of-view bin of each class (module docstring)."""
    return tuple(f"fov_{100 * a:.0f}-{100 * b:.0f}pct" for a, b in zip(FOV_EDGES[:-1], FOV_EDGES[1:]))


def source_photo() -> np.ndarray:
    """The packaged fundus photograph (uint8 H x W x 3), MD5-checked."""
    try:
        import skimage.data
    except ImportError as exc:
        raise QgenDataError("retina_standin needs scikit-image: pip install scikit-image") from exc
    path = Path(skimage.data.__file__).parent / SOURCE_FILE
    if not path.is_file():
        raise QgenDataError(f"the installed scikit-image does not ship {SOURCE_FILE} (looked in {path.parent})")
    data = path.read_bytes()
    if hashlib.md5(data, usedforsecurity=False).hexdigest() != SOURCE_MD5:
        raise DataIntegrityError(
            f"{path} has MD5 {hashlib.md5(data, usedforsecurity=False).hexdigest()}, expected {SOURCE_MD5}: "
            "this scikit-image ships a different photograph; the stand-in would change silently.",
            path=path,
        )
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def fundus_disc(photo: np.ndarray, level: int = 20) -> tuple[float, float, float]:
    """(x, y, radius) of the bright disc: centroid and equal-area radius of pixels above ``level``."""
    mask = photo.max(axis=-1) > level
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean()), math.sqrt(mask.sum() / math.pi)


def draw_views(n_per_class: int, radius: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random view parameters, ``n_per_class`` of each class in random order: label, side (px),
    centre offset from the disc centre (px), angle (degrees), flip."""
    labels = rng.permutation(np.repeat(np.arange(N_CLASSES), n_per_class))
    lo, hi = np.log(FOV_EDGES[:-1])[labels], np.log(FOV_EDGES[1:])[labels]
    side = np.exp(rng.uniform(lo, hi)) * 2 * radius
    reach = np.maximum(radius - side / 2, 0.05 * radius)
    rho, phi = reach * np.sqrt(rng.uniform(size=len(labels))), rng.uniform(0, 2 * np.pi, len(labels))
    return {
        "label": labels,
        "side": side,
        "dx": rho * np.cos(phi),
        "dy": rho * np.sin(phi),
        "angle": rng.uniform(0, 360, len(labels)),
        "flip": rng.uniform(size=len(labels)) < 0.5,
    }


def render_views(photo: np.ndarray, views: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    """(N, size, size, 3) uint8: each view cut (with room to rotate), rotated and resampled."""
    from PIL import Image

    cx, cy, _ = fundus_disc(photo)
    pyramid = [Image.fromarray(photo)]
    for _ in range(_PYRAMID - 1):
        pyramid.append(pyramid[-1].reduce(2))
    work = 2 * size  # rotate at twice the output size, then reduce: antialiased edges
    out = np.empty((len(views["label"]), size, size, 3), dtype=np.uint8)
    for i in range(len(out)):
        side = float(views["side"][i])
        level = min(_PYRAMID - 1, max(0, int(math.log2(side / (2 * work))))) if side > 2 * work else 0
        scale = 2.0**level
        half = side * math.sqrt(2) / 2 / scale  # the rotated square needs the circumscribed window
        x, y = (cx + float(views["dx"][i])) / scale, (cy + float(views["dy"][i])) / scale
        box = tuple(int(round(v)) for v in (x - half, y - half, x + half, y + half))
        window = pyramid[level].crop(box)  # outside the photograph: black, as the fundus surround
        pad = math.ceil(work * math.sqrt(2))
        window = window.resize((pad, pad), Image.Resampling.LANCZOS)
        window = window.rotate(float(views["angle"][i]), resample=Image.Resampling.BICUBIC)
        start = (pad - work) // 2
        view = window.crop((start, start, start + work, start + work)).resize((size, size), Image.Resampling.LANCZOS)
        if views["flip"][i]:
            view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        out[i] = np.asarray(view)
    return out


class RetinaStandin(DatasetSpec):
    """Views of scikit-image's packaged fundus photograph (module docstring): offline, RGB, 5 classes.

    Options: ``seed`` (0) draws the views; ``n_train``, ``n_val``, ``n_test`` (1080, 120, 400,
    RetinaMNIST's sizes) are the split sizes, each a multiple of 5 (equal classes).
    """

    mirror_subdir = "retina_standin"
    default_options = {"seed": 0, "n_train": 1080, "n_val": 120, "n_test": 400}

    def __init__(self, size: int) -> None:
        if size not in SIZES:
            raise ValueError(f"retina_standin comes at {SIZES} px, not {size}")
        self.size = size

    @property
    def info(self) -> DatasetInfo:
        name = "retina_standin" if self.size == 28 else f"retina_standin_{self.size}"
        return DatasetInfo(
            name, 3, self.size, N_CLASSES, class_names(), SPLITS,
            f"STAND-IN for RetinaMNIST (not RetinaMNIST): {self.size} px views of scikit-image's one packaged "
            "fundus photograph; classes are field-of-view bins, not DR grades",
        )  # fmt: skip

    @property
    def raw_files(self) -> tuple[RemoteFile, ...]:
        return ()  # the source ships with scikit-image; source_photo() checks its MD5

    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        photo = source_photo()
        _, _, radius = fundus_disc(photo)
        splits: Splits = {}
        for index, split in enumerate(SPLITS):
            n = int(options[f"n_{split}"])
            if n <= 0 or n % N_CLASSES:
                raise QgenDataError(f"retina_standin: n_{split}={n} must be a positive multiple of {N_CLASSES}")
            # One stream per split: the test views do not change when n_train does.
            rng = np.random.default_rng([int(options["seed"]), index])
            views = draw_views(n // N_CLASSES, radius, rng)
            splits[split] = (render_views(photo, views, self.size), views["label"].astype(np.int64))
        return splits


for _size in SIZES:
    DATASETS.register("retina_standin" if _size == 28 else f"retina_standin_{_size}")(partial(RetinaStandin, _size))
