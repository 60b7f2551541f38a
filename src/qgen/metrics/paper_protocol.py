"""The S1 authors' evaluation (`paper` protocol), step by step, so its numbers can be rebuilt.

The authors saved five EMA samples side by side in one PNG, cut the strip apart again at
blank columns, resized each piece to 28x28 (bicubic), and scored the pieces: SSIM of piece i
against real image i (the first N training images), FID between the pieces and N reals.

Layout: `stitch_strip` reproduces torchvision.utils.make_grid(nrow=n, padding=2, pad_value=0)
for one row: a `padding`-wide border around and between the images.

Cutting (`cut_strip`): the `padding` border rows are removed, a column is blank when every
pixel in it is background (within `tol`), and each maximal run of non-blank columns is one
piece. Consequences, all part of what the published numbers are made of:
- images whose outer columns are blank (MNIST digits have empty margins) lose those columns,
  so the 28x28 resize stretches them horizontally; with no blank outer columns the round trip
  is exact;
- an image with an all-blank column inside it splits into two pieces, and an all-blank image
  vanishes. Given `n_expected`, a wrong count is repaired: by the known layout when the strip
  width fits it (exact), else by merging pieces across the narrowest gaps (too many pieces);
  too few pieces without a fitting layout raise an error. A warning reports each repair.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image

from qgen.metrics.features import FeatureExtractor, extract_features
from qgen.metrics.frechet import fid_from_features
from qgen.metrics.images import ImageBatch, to_uint8_nhwc
from qgen.metrics.ssim import ssim_paired
from qgen.metrics.weights import PathLike


def stitch_strip(images: ImageBatch, padding: int = 2, pad_value: int = 0) -> np.ndarray:
    """Images side by side in one uint8 array (H + 2p, n (W + p) + p[, C]), grey as 2-d."""
    imgs = to_uint8_nhwc(images)
    n, h, w, c = imgs.shape
    strip = np.full((h + 2 * padding, n * (w + padding) + padding, c), pad_value, dtype=np.uint8)
    for i, img in enumerate(imgs):
        x0 = padding + i * (w + padding)
        strip[padding : padding + h, x0 : x0 + w] = img
    return strip[..., 0] if c == 1 else strip


def save_png(strip: np.ndarray, path: PathLike) -> Path:
    """Write a uint8 strip (2-d grey or H x W x 3) as PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(strip, dtype=np.uint8)).save(path)
    return path


def load_png(path: PathLike, mode: Optional[str] = None) -> np.ndarray:
    """Read a PNG as uint8; mode "L" turns an RGB strip of grey images (as torchvision saves
    them) back into exactly the grey values, "RGB" forces three channels."""
    img = Image.open(path)
    return np.asarray(img.convert(mode) if mode else img)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a 1-d boolean mask."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _layout_runs(width: int, n: int, padding: int) -> Optional[list[tuple[int, int]]]:
    w, rem = divmod(width - padding, n)
    w -= padding
    if rem or w <= 0:
        return None
    return [(padding + i * (w + padding), padding + i * (w + padding) + w) for i in range(n)]


def _merge_narrowest(runs: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    runs = list(runs)
    while len(runs) > n:
        gaps = [runs[i + 1][0] - runs[i][1] for i in range(len(runs) - 1)]
        i = int(np.argmin(gaps))
        runs[i : i + 2] = [(runs[i][0], runs[i + 1][1])]
    return runs


def cut_strip(
    strip: np.ndarray,
    size: int = 28,
    n_expected: Optional[int] = None,
    padding: int = 2,
    background: int = 0,
    tol: int = 0,
    method: str = "blank_columns",
) -> list[np.ndarray]:
    """Cut a strip into pieces resized to size x size (PIL bicubic); see the module docstring.

    method "blank_columns" is the authors' procedure; "layout" cuts at the known positions
    of `stitch_strip` (needs `n_expected`).
    """
    strip = np.asarray(strip, dtype=np.uint8)
    body = strip[padding : strip.shape[0] - padding] if padding > 0 else strip
    width = body.shape[1]
    if method == "layout":
        if n_expected is None or (runs := _layout_runs(width, n_expected, padding)) is None:
            raise ValueError(f"strip width {width} does not fit {n_expected} images with padding {padding}")
    elif method == "blank_columns":
        diff = np.abs(body.astype(np.int16) - background)
        blank = (diff.reshape(body.shape[0], width, -1) <= tol).all(axis=(0, 2))
        runs = _runs(~blank)
        if n_expected is not None and len(runs) != n_expected:
            layout = _layout_runs(width, n_expected, padding)
            if layout is not None:
                how = "cut by the known layout instead"
                runs = layout
            elif len(runs) > n_expected:
                how = "merged across the narrowest gaps"
                runs = _merge_narrowest(runs, n_expected)
            else:
                raise ValueError(
                    f"found {len(runs)} pieces at blank columns, expected {n_expected}, and the strip "
                    f"width {width} fits no layout with padding {padding}"
                )
            warnings.warn(f"blank-column cut gave a different piece count than {n_expected}; {how}", stacklevel=2)
    else:
        raise ValueError(f"unknown cut method {method!r}; use 'blank_columns' or 'layout'")
    pieces = []
    for start, end in runs:
        piece = body[:, start:end]
        if piece.shape[:2] != (size, size):
            piece = np.asarray(Image.fromarray(piece).resize((size, size), Image.BICUBIC))
        pieces.append(piece)
    return pieces


def score_paper_protocol(
    generated: ImageBatch,
    reals: ImageBatch,
    extractor: Optional[FeatureExtractor] = None,
    padding: int = 2,
    strip_path: Optional[PathLike] = None,
) -> dict:
    """The whole paper protocol for one model: stitch, (save, reload,) cut, SSIM and FID.

    `reals` are the first N training images as the authors took them (the caller selects
    them); SSIM pairs piece i with real i; FID (when an extractor is given) compares all
    pieces with all N reals. Returns ssim (mean), ssim_values, fid, n_pieces, n_real.
    """
    gen = to_uint8_nhwc(generated)
    strip = stitch_strip(gen, padding=padding)
    if strip_path is not None:
        save_png(strip, strip_path)
        strip = load_png(strip_path, mode="L" if gen.shape[-1] == 1 else "RGB")
    pieces = np.stack(cut_strip(strip, size=gen.shape[1], n_expected=len(gen), padding=padding))
    values = ssim_paired(pieces, reals)
    out = dict(ssim=float(values.mean()), ssim_values=values, fid=float("nan"), n_pieces=len(pieces), n_real=len(reals))
    if extractor is not None:
        out["fid"] = fid_from_features(extract_features(extractor, pieces), extract_features(extractor, reals))
    return out
