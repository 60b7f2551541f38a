"""Image measurements of a run: reconstructions of held-out images, and mode coverage of samples.

``reconstruction`` (families that reconstruct: the VAE family, the VQ-VAE through its prior's
run, the router): every image of the held-out ``split`` (the run's classes; the first
``n_images`` if set) is reconstructed in batches; ``ssim`` is the mean SSIM of reconstruction i
against image i (scikit-image's definition on uint8, data_range 255), ``mse`` the mean squared
error in [0, 1] pixel units, ``seconds_per_image`` the wall time. Families that report codebook
use add ``codebook_used``, ``codebook_usage`` (fraction of K) and ``codebook_perplexity``.

``mode_coverage``: the feature classifier (trained on the dataset's training split) labels
every sample; ``classes_covered`` counts the classes given at least ``min_share`` of the
uniform share (0.2: 2% of the samples for ten classes), ``kl_uniform`` is KL(histogram ||
uniform) in nats (0: every class equally often; log K: one class only). The histogram is kept
in the row.
"""

from __future__ import annotations

import json
import time
from typing import Any, Mapping

import numpy as np
import torch

from qgen.measures import MEASURES, Measure, MeasureContext, Score, score_row


def reconstruct_all(family: Any, images: np.ndarray, batch_size: int, device: str = "cpu") -> tuple[np.ndarray, float]:
    """uint8 reconstructions of uint8 images, and the seconds it took."""
    from qgen.data import from_model_tensor, to_model_tensor

    out = []
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            x = to_model_tensor(images[i:i + batch_size]).to(device)
            out.append(from_model_tensor(family.reconstruct(x)))
    return np.concatenate(out), time.perf_counter() - start


def image_errors(recon: np.ndarray, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-image SSIM (data_range 255) and MSE in [0, 1] units of uint8 image pairs."""
    from qgen.metrics.ssim import ssim_values

    mse = ((recon.astype(np.float64) - images.astype(np.float64)) / 255.0) ** 2
    return ssim_values(recon, images), mse.reshape(len(images), -1).mean(axis=1)


def _reconstructs(family: type) -> str | None:
    return None if callable(getattr(family, "reconstruct", None)) else "its family does not reconstruct images"


def _reconstruction(ctx: MeasureContext, settings: Mapping[str, Any]) -> list[Score]:
    from qgen.data import to_model_tensor

    family = ctx.family()
    split = settings.get("split", "test")
    images = ctx.images(split, settings.get("n_images"))
    recon, seconds = reconstruct_all(family, images, int(settings.get("batch_size", 500)), ctx.device)
    ssim, mse = image_errors(recon, images)
    extra = {"split": split, "n_images": len(images)}
    rows = [score_row("reconstruction", "ssim", ssim.mean(), **extra),
            score_row("reconstruction", "mse", mse.mean(), **extra),
            score_row("reconstruction", "seconds_per_image", seconds / len(images), **extra)]
    if callable(getattr(family, "codebook_usage", None)):
        usage = family.codebook_usage(to_model_tensor(images))
        rows += [score_row("reconstruction", "codebook_used", usage["n_used"], **extra),
                 score_row("reconstruction", "codebook_usage", usage["usage"], **extra),
                 score_row("reconstruction", "codebook_perplexity", usage["perplexity"], **extra)]
    return rows


def class_histogram(labels: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(labels, minlength=n_classes).astype(float) / max(len(labels), 1)


def coverage(histogram: np.ndarray, min_share: float) -> tuple[int, float]:
    """(classes given at least min_share of the uniform share, KL(histogram || uniform) in nats)."""
    k = len(histogram)
    covered = int((histogram >= min_share / k).sum())
    nonzero = histogram[histogram > 0]
    return covered, float((nonzero * np.log(nonzero * k)).sum())


def _mode_coverage(ctx: MeasureContext, settings: Mapping[str, Any]) -> list[Score]:
    from qgen.data import dataset_info
    from qgen.metrics.features import build_feature_extractor, extract_features

    if "classifier" not in ctx.feature_weights:
        raise ValueError("mode coverage needs the feature classifier's weights (--features classifier=...)")
    classifier = build_feature_extractor("classifier", weights_path=ctx.feature_weights["classifier"], device=ctx.device)
    _, logits = extract_features(classifier, ctx.samples, with_logits=True)
    n_classes = dataset_info(ctx.dataset).n_classes
    histogram = class_histogram(logits.argmax(axis=1), n_classes)
    min_share = float(settings.get("min_share", 0.2))
    covered, kl = coverage(histogram, min_share)
    extra = {"features": "classifier", "n_generated": len(ctx.samples),
             "histogram": json.dumps([round(float(h), 4) for h in histogram])}
    return [score_row("mode_coverage", "classes_covered", covered, min_share=min_share, **extra),
            score_row("mode_coverage", "kl_uniform", kl, **extra)]


MEASURES.register("reconstruction")(Measure("reconstruction", _reconstruction, applies=_reconstructs))
MEASURES.register("mode_coverage")(Measure("mode_coverage", _mode_coverage, needs_classifier=True))
