"""Scoring one run's samples under the configured protocols (SPEC.md, "Two evaluation protocols").

``paper``: what S1's Tables I and II are made of: a few samples saved side by side in one PNG and
cut apart again, SSIM paired by index against the first N training images, FID on a handful of
images. ``standard``: many samples, references of the same class from the held-out split, FID,
KID, Inception Score, precision/recall/density/coverage and two SSIM pairings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from qgen.data import first_n, load_split
from qgen.metrics.features import FeatureExtractor, build_feature_extractor, extract_features
from qgen.metrics.torchmetrics_path import torchmetrics_fid_from_features
from qgen.metrics.paper_protocol import score_paper_protocol
from qgen.metrics.scores import adaptive_subset_size, inception_score_from_logits, kid_from_features, prdc_from_features
from qgen.metrics.ssim import ssim_nearest, ssim_random_pairs

Score = dict[str, Any]


def _score(protocol: str, metric: str, value: float, **extra: Any) -> Score:
    return {"protocol": protocol, "metric": metric, "value": float(value), **extra}


def paper_protocol(
    generated: np.ndarray,
    reals: np.ndarray,
    extractor: FeatureExtractor,
    features: str,
) -> list[Score]:
    """S1's procedure: strip PNG round trip, SSIM by index (data_range 255), few-image FID."""
    with tempfile.TemporaryDirectory() as tmp:
        out = score_paper_protocol(generated, reals, extractor, strip_path=Path(tmp) / "strip.png")
    extra = {"features": features, "n_generated": out["n_pieces"], "n_real": out["n_real"]}
    return [_score("paper", "ssim", out["ssim"], **extra), _score("paper", "fid", out["fid"], **extra)]


def standard_protocol(
    generated: np.ndarray,
    references: np.ndarray,
    extractor: FeatureExtractor,
    features: str,
    seed: int,
    real_features: np.ndarray | None = None,
    nearest: bool = True,
) -> list[Score]:
    """Many samples against held-out images of the same class.

    ``real_features``: the references' features, when already extracted (they are shared by
    every model and seed of a class, so the pipeline extracts them once). ``nearest``: also the
    nearest-real SSIM (exhaustive over the references: N x M SSIMs).
    """
    extra = {"features": features, "n_generated": len(generated), "n_real": len(references)}
    real_f = extract_features(extractor, references) if real_features is None else real_features
    fake_f, fake_logits = extract_features(extractor, generated, with_logits=True)
    # FID through torchmetrics (on the features extracted once above).
    scores = [_score("standard", "fid", torchmetrics_fid_from_features(real_f, fake_f), **extra)]
    kid = kid_from_features(real_f, fake_f, subset_size=adaptive_subset_size(len(real_f), len(fake_f)), seed=seed)
    scores.append(_score("standard", "kid", kid.mean, kid_std=kid.std, kid_subset_size=kid.subset_size, **extra))
    is_mean, is_std = inception_score_from_logits(fake_logits, seed=seed)
    scores.append(_score("standard", "inception_score", is_mean, is_std=is_std, **extra))
    # PRDC's k-NN radius is the (k+1)-th smallest distance including the point itself: k <= n - 2.
    k = min(5, min(len(real_f), len(fake_f)) - 2)
    if k >= 1:
        for name, value in prdc_from_features(real_f, fake_f, nearest_k=k).items():
            scores.append(_score("standard", name, value, nearest_k=k, **extra))
    scores.append(_score("standard", "ssim_random", ssim_random_pairs(generated, references, seed=seed).mean(), **extra))
    if nearest:
        best, _ = ssim_nearest(generated, references)
        scores.append(_score("standard", "ssim_nearest", best.mean(), **extra))
    return scores


def gradable_protocol(generated: np.ndarray, validators: Mapping[str, Path], level: float = 0.95) -> list[Score]:
    """S3-C1: the share of ``generated`` each fixed validator judges gradable, as metric
    ``gradable_<validator>`` (protocol ``standard``) with its counts (``n_gradable`` of
    ``n_generated``), its Wilson interval, the threshold, and the real held-out images' own
    fraction measured when the validator was fitted (``real_*``: docs/gradable_validators.md)."""
    from qgen.metrics.gradable import binomial_interval, load_validator
    from qgen.provenance import read_json

    scores = []
    for name, path in validators.items():
        validator = load_validator(path)
        accepted = validator.accepts(generated)
        interval = binomial_interval(int(accepted.sum()), int(accepted.size), level, "wilson")
        real = read_json(Path(path).with_suffix(".json"))["real"]
        scores.append(_score(
            "standard", f"gradable_{name}", interval.estimate, validator=name, n_gradable=int(accepted.sum()),
            n_generated=int(accepted.size), binomial_low=interval.low, binomial_high=interval.high,
            binomial_method="wilson", threshold=validator.threshold, real_fraction=real["fraction"],
            real_low=real["low"], real_high=real["high"], real_n=real["n"], real_split=real["split"],
        ))
    return scores


def run_facts(train_record: Mapping[str, Any], samples_record: Mapping[str, Any] | None) -> list[Score]:
    """What a run cost, measured (protocol ``run``): trainable parameters (total, quantum
    weights), mean wall time per training epoch, and wall time per generated image."""
    parameters = train_record.get("parameters") or {}
    epochs = train_record.get("seconds_per_epoch") or []
    facts = {
        "parameters": parameters.get("total"),
        "parameters_quantum": parameters.get("quantum"),
        "seconds_per_epoch": float(np.mean(epochs)) if epochs else None,
        "seconds_per_image": (samples_record or {}).get("seconds_per_image"),
    }
    return [_score("run", k, v) for k, v in facts.items() if v is not None]


def load_reference_features(path: Path, n_references: int) -> np.ndarray:
    """Features written by ``qgen reference-features``, checked against the reference count."""
    features = np.load(path)["features"]
    if len(features) != n_references:
        raise ValueError(
            f"{path} holds features of {len(features)} images but the reference split has "
            f"{n_references}: the data changed since it was written; delete it and rerun"
        )
    return features


def score_run(
    scoring: Mapping[str, Any],
    dataset: str,
    classes: Sequence[int],
    seed: int,
    generated: np.ndarray,
    data_root: Path,
    feature_weights: Mapping[str, Path],
    device: str = "cpu",
    log: Callable[[str], None] = print,
    reference_features: Path | None = None,
    validators: Mapping[str, Path] | None = None,
) -> list[Score]:
    """All configured protocols for one run's samples (uint8, N x H x W x C).

    ``classes``: the classes the run was trained on (one class, or all of an experiment's).
    ``reference_features``: the standard protocol's reference features, extracted once per
    unit (else extracted here). ``validators``: the fitted validator of each name in
    ``scoring.gradable`` (S3-C1).
    """
    extractors: dict[str, FeatureExtractor] = {}

    def extractor(name: str) -> FeatureExtractor:
        if name not in extractors:
            extractors[name] = build_feature_extractor(name, weights_path=feature_weights[name], device=device)
        return extractors[name]

    scores: list[Score] = []
    if "paper" in scoring["protocols"]:
        n = min(scoring["paper_n_samples"], len(generated))
        n_real = scoring.get("paper_n_real") or n
        # S1 compares MNIST samples with the first N training images of all digits mixed,
        # PathMNIST samples with the first N of the same class (SPEC.md).
        chosen = list(classes) if scoring.get("paper_reals") == "same_class" else None
        reals = first_n(dataset, data_root, "train", n_real, classes=chosen).images
        log(f"paper protocol: {n} samples against the first {len(reals)} training images")
        scores += paper_protocol(generated[:n], reals, extractor(scoring["paper_features"]), scoring["paper_features"])
    if "standard" in scoring["protocols"]:
        refs = load_split(dataset, data_root, scoring["reference_split"], classes=list(classes)).images
        ref_f = load_reference_features(reference_features, len(refs)) if reference_features else None
        if scoring.get("n_real") and scoring["n_real"] < len(refs):
            keep = np.random.default_rng(seed).choice(len(refs), scoring["n_real"], replace=False)
            refs, ref_f = refs[keep], (ref_f[keep] if ref_f is not None else None)
        log(f"standard protocol: {len(generated)} samples against {len(refs)} held-out images of classes {list(classes)}")
        scores += standard_protocol(generated, refs, extractor(scoring["features"]), scoring["features"], seed, ref_f,
                                    nearest=scoring.get("ssim_nearest", True))
    wanted = list(scoring.get("gradable") or [])
    if wanted:
        missing = [n for n in wanted if n not in (validators or {})]
        if missing:
            raise ValueError(f"scoring.gradable names {missing} but no fitted validator file was given for them")
        log(f"gradable: {len(generated)} samples judged by {', '.join(wanted)}")
        scores += gradable_protocol(generated, {n: Path(validators[n]) for n in wanted})  # type: ignore[index]
    return scores
