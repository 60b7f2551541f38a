"""S3-C1's "gradable" judges: two validators trained once per dataset on real training images.

- ``quality``: a CNN trained to tell real training images (label 1) from degraded copies of
  them (label 0; :mod:`qgen.metrics.gradable.degradations`: blur, noise, low contrast, over-
  and under-exposure, occlusion, fresh copies every epoch). Score: P(real) = sigmoid(logit).
- ``grade_confidence``: a CNN trained to classify the real training images into the dataset's
  classes (DR grades for RetinaMNIST) plus one "ungradable" class, which the degraded copies
  are trained into with weight ``outlier_weight`` (default 1.0), as screening systems report
  "insufficient quality" beside a grade. Score: the top *grade* probability (softmax over all
  K + 1 outputs, maximum over the K grades), so it is low when the image looks ungradable or
  when no grade stands out. ``outlier_weight=0`` is the plain K-class classifier's confidence
  (the extra output is then only ever pushed down). The uniform-target variant (outlier
  exposure) generalised worse in a trial on the stand-in (docs/gradable_validators.md).

Calibration: the threshold is the score that accepts ``acceptance`` (95%) of a set of held-out
real images (:func:`fit_threshold`); an image is gradable when ``score >= threshold``. Both are
then held fixed and applied to every model's images. The gradable fraction of a set comes
with a binomial interval (:mod:`qgen.metrics.gradable.binomial`).

Images: uint8 (N, H, W[, C]) or float in [0, 1], grey or RGB, at the size the validator was
trained on (a model's [-1, 1] output goes through ``qgen.data.from_model_tensor`` first).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from qgen.metrics.gradable.binomial import binomial_interval
from qgen.metrics.gradable.degradations import DEGRADATIONS, degrade
from qgen.metrics.images import ImageBatch, to_float_nchw, to_uint8_nhwc
from qgen.metrics.weights import PathLike
from qgen.registry import Registry
from qgen.stats import Interval

FORMAT_VERSION = 1


class ValidatorNet(nn.Module):
    """conv16 at full size, three strided or plain conv-BN-ReLU stages to 64 channels, then the
    mean, max and standard deviation of each channel over the image, and a Linear head.

    Global pooling makes it size-agnostic (28 and 64 px). The first layer sees the raw pixels
    (no per-image normalisation), so exposure and contrast stay visible; mean pooling sees
    global properties (exposure, blur, noise), max pooling a local event (an occluder's edge),
    the standard deviation contrast. Real and degraded images pass through batch norm in one
    batch during training, so its statistics carry no label.
    """

    def __init__(self, in_channels: int, n_outputs: int, image_size: int, width: int = 16) -> None:
        super().__init__()
        self.config = dict(in_channels=in_channels, n_outputs=n_outputs, image_size=image_size, width=width)
        w = width

        def stage(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.body = nn.Sequential(
            *stage(in_channels, w, 1), *stage(w, 2 * w, 2), *stage(2 * w, 4 * w, 2), *stage(4 * w, 4 * w, 1)
        )
        self.head = nn.Linear(3 * 4 * w, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body((x - 0.5) / 0.5).flatten(2)
        return self.head(torch.cat([h.mean(dim=2), h.amax(dim=2), h.std(dim=2)], dim=1))


@dataclass(frozen=True)
class ValidatorKind:
    """What makes a validator: its outputs, its training loss, its score, what it accepts."""

    n_outputs: Callable[[int], int]  # n_classes -> logits
    # (logits of real images, their labels, logits of degraded copies or None, outlier weight)
    loss: Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None, float], torch.Tensor]
    score: Callable[[torch.Tensor], torch.Tensor]
    # (logits real, labels, logits degraded) -> training accuracy
    accuracy: Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], float]
    uses_degraded: Callable[[float], bool]
    needs_labels: bool
    accepts: str


def _quality_loss(real: torch.Tensor, labels: torch.Tensor, degraded: torch.Tensor | None, w: float) -> torch.Tensor:
    assert degraded is not None
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real[:, 0], torch.ones_like(real[:, 0]))
        + F.binary_cross_entropy_with_logits(degraded[:, 0], torch.zeros_like(degraded[:, 0]))
    )


def _quality_accuracy(real: torch.Tensor, labels: torch.Tensor, degraded: torch.Tensor | None) -> float:
    assert degraded is not None
    return float(torch.cat([real[:, 0] > 0, degraded[:, 0] <= 0]).float().mean())


def _grade_loss(real: torch.Tensor, labels: torch.Tensor, degraded: torch.Tensor | None, w: float) -> torch.Tensor:
    loss = F.cross_entropy(real, labels)
    if degraded is not None and w > 0:  # degraded copies belong to the extra "ungradable" class
        ungradable = torch.full((len(degraded),), real.shape[1] - 1, dtype=torch.long)
        loss = loss + w * F.cross_entropy(degraded, ungradable)
    return loss


def _grade_accuracy(real: torch.Tensor, labels: torch.Tensor, degraded: torch.Tensor | None) -> float:
    return float((real[:, :-1].argmax(1) == labels).float().mean())


VALIDATORS: Registry[ValidatorKind] = Registry("validator")
VALIDATORS.register("quality")(
    ValidatorKind(
        n_outputs=lambda n_classes: 1,
        loss=_quality_loss,
        score=lambda logits: torch.sigmoid(logits[:, 0]),
        accuracy=_quality_accuracy,
        uses_degraded=lambda w: True,
        needs_labels=False,
        accepts="images the CNN rates as more like the real training images than like their degraded copies",
    )
)
VALIDATORS.register("grade_confidence")(
    ValidatorKind(
        n_outputs=lambda n_classes: n_classes + 1,  # the grades, then "ungradable"
        loss=_grade_loss,
        score=lambda logits: F.softmax(logits, dim=1)[:, :-1].amax(dim=1),
        accuracy=_grade_accuracy,
        uses_degraded=lambda w: w > 0,
        needs_labels=True,
        accepts="images the grade classifier assigns to one grade with high probability (not to 'ungradable')",
    )
)


def fit_threshold(scores: np.ndarray, acceptance: float = 0.95) -> float:
    """The score that accepts ``acceptance`` of ``scores`` under the rule ``score >= threshold``.

    With n scores, m = ceil(acceptance * n) is the number to accept and the threshold is the
    m-th largest score. Then at least m scores pass; more only if scores tie with the m-th
    largest (ties are all accepted, never split). A float-rounding guard keeps 0.95 * 20 at 19.
    """
    scores = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    if scores.size == 0 or not 0 < acceptance <= 1:
        raise ValueError(f"need scores and an acceptance in (0, 1]; got {scores.size} scores, {acceptance}")
    m = max(1, math.ceil(acceptance * scores.size - 1e-9))
    return float(scores[m - 1])


@dataclass
class Validator:
    """A trained network, its kind, its threshold (NaN until :meth:`calibrate`) and metadata."""

    name: str
    net: ValidatorNet
    threshold: float = float("nan")
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> ValidatorKind:
        return VALIDATORS.get(self.name)

    def scores(self, images: ImageBatch, batch_size: int = 256) -> np.ndarray:
        """Score per image (higher is more gradable), float64 (N,)."""
        x = to_float_nchw(images)
        cfg = self.net.config
        if x.shape[1] != cfg["in_channels"] or x.shape[-1] != cfg["image_size"] or x.shape[-2] != cfg["image_size"]:
            raise ValueError(
                f"{self.name} validator takes {cfg['in_channels']} x {cfg['image_size']} x {cfg['image_size']} "
                f"images, got {tuple(x.shape[1:])}"
            )
        self.net.eval()
        with torch.no_grad():
            out = [self.kind.score(self.net(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        return torch.cat(out).double().numpy() if out else np.empty(0)

    def calibrate(self, images: ImageBatch, acceptance: float = 0.95, source: str = "val") -> float:
        """Set the threshold that accepts ``acceptance`` of these held-out real images."""
        scores = self.scores(images)
        self.threshold = fit_threshold(scores, acceptance)
        self.metadata["calibration"] = {
            "source": source,
            "n": int(scores.size),
            "acceptance": acceptance,
            "accepted": float((scores >= self.threshold).mean()),
        }
        return self.threshold

    def accepts(self, images: ImageBatch) -> np.ndarray:
        """Boolean per image: gradable (score >= threshold)."""
        if math.isnan(self.threshold):
            raise RuntimeError(f"the {self.name} validator has no threshold yet: calibrate it on held-out reals")
        return self.scores(images) >= self.threshold

    def gradable_fraction(self, images: ImageBatch, level: float = 0.95, method: str = "wilson") -> Interval:
        """Share of gradable images with its binomial interval."""
        accepted = self.accepts(images)
        return binomial_interval(int(accepted.sum()), int(accepted.size), level, method)


def _forward(net: nn.Module, real: torch.Tensor, degraded: torch.Tensor | None) -> tuple:
    """Logits of real and degraded images from one pass (one batch for batch norm)."""
    if degraded is None:
        return net(real), None
    logits = net(torch.cat([real, degraded]))
    return logits[: len(real)], logits[len(real) :]


def train_validator(
    name: str,
    images: ImageBatch,
    labels: np.ndarray | None = None,
    n_classes: int = 1,
    seed: int = 0,
    epochs: int = 20,
    batch_size: int = 64,
    lr: float = 1e-3,
    outlier_weight: float = 1.0,
    width: int = 16,
    dataset: str = "",
    threads: int | None = None,
) -> Validator:
    """Train validator ``name`` on real training images (and labels, for grade_confidence).

    CPU, deterministic for a seed, global RNG untouched (as the feature classifier). Degraded
    copies are drawn afresh each epoch from (seed, epoch). ``threads`` sets torch's CPU threads
    for the call (on a loaded 2-core machine 1 thread was 5x faster than 2). Returns an
    uncalibrated Validator.
    """
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _train(name, images, labels, n_classes, seed, epochs, batch_size, lr, outlier_weight, width, dataset)
    finally:
        torch.set_num_threads(previous)


def _train(
    name: str,
    images: ImageBatch,
    labels: np.ndarray | None,
    n_classes: int,
    seed: int,
    epochs: int,
    batch_size: int,
    lr: float,
    outlier_weight: float,
    width: int,
    dataset: str,
) -> Validator:
    kind = VALIDATORS.get(name)
    if kind.needs_labels and labels is None:
        raise ValueError(f"the {name} validator learns from labels: pass the training labels")
    uint8 = to_uint8_nhwc(images)
    x = to_float_nchw(uint8)
    y = torch.as_tensor(np.zeros(len(x)) if labels is None else np.asarray(labels), dtype=torch.long)
    if len(y) != len(x):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ValidatorNet(x.shape[1], kind.n_outputs(n_classes), x.shape[-1], width)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    use_degraded = kind.uses_degraded(outlier_weight)
    net.train()
    for epoch in range(epochs):
        xd = to_float_nchw(degrade(uint8, seed=[seed, epoch])[0]) if use_degraded else None
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            real, degraded = _forward(net, x[idx], None if xd is None else xd[idx])
            loss = kind.loss(real, y[idx], degraded, outlier_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        xd = to_float_nchw(degrade(uint8, seed=[seed, epochs])[0]) if use_degraded else None
        real, degraded = _forward(net, x, xd)
        accuracy = kind.accuracy(real, y, degraded)
    metadata = {
        "dataset": dataset,
        "seed": seed,
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "n_train": int(len(x)),
        "train_accuracy": accuracy,
        "outlier_weight": outlier_weight if name == "grade_confidence" else None,
        "degradations": {n: {"low": d.low, "high": d.high} for n, d in ((n, DEGRADATIONS.get(n)) for n in DEGRADATIONS)},
    }
    return Validator(name, net.requires_grad_(False), float("nan"), metadata)


def fit_validator(
    name: str,
    dataset: str,
    data_root: PathLike,
    seed: int = 0,
    calibration_split: str = "val",
    acceptance: float = 0.95,
    save_path: PathLike | None = None,
    **options: Any,
) -> Validator:
    """Train on a prepared dataset's ``train`` split, calibrate on ``calibration_split``, save.

    The one call a pipeline rule needs; ``options`` go to :func:`train_validator`.
    """
    from qgen.data import load_split

    train = load_split(dataset, Path(data_root), "train")
    validator = train_validator(
        name, train.images, train.labels, train.info.n_classes, seed=seed, dataset=dataset, **options
    )
    calibration = load_split(dataset, Path(data_root), calibration_split).images
    validator.calibrate(calibration, acceptance, calibration_split)
    if save_path is not None:
        save_validator(validator, save_path)
    return validator


def save_validator(validator: Validator, path: PathLike) -> None:
    """Network config and weights, kind, threshold and metadata in one torch file."""
    torch.save(
        {
            "format": FORMAT_VERSION,
            "name": validator.name,
            "config": validator.net.config,
            "state_dict": validator.net.state_dict(),
            "threshold": validator.threshold,
            "metadata": validator.metadata,
        },
        path,
    )


def load_validator(path: PathLike) -> Validator:
    """Rebuild a Validator saved by :func:`save_validator`, in eval mode."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    net = ValidatorNet(**blob["config"])
    net.load_state_dict(blob["state_dict"])
    return Validator(blob["name"], net.eval().requires_grad_(False), float(blob["threshold"]), blob["metadata"])


def gradable_table(
    validators: Mapping[str, Validator] | list[Validator],
    image_sets: Mapping[str, ImageBatch],
    level: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """One row per (validator, image set): gradable fraction, interval, k, n, threshold.

    Put the real test images in ``image_sets`` (e.g. as "real test") to report their own
    fraction beside the models'.
    """
    items = validators.values() if isinstance(validators, Mapping) else validators
    rows = []
    for v in items:
        for label, images in image_sets.items():
            iv = v.gradable_fraction(images, level, method)
            k = int(round(iv.estimate * iv.n)) if iv.n else 0
            rows.append(
                {"validator": v.name, "images": label, "fraction": iv.estimate, "low": iv.low, "high": iv.high,
                 "k": k, "n": iv.n, "level": level, "method": method, "threshold": v.threshold}
            )  # fmt: skip
    return pd.DataFrame(rows)
