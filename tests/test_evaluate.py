"""Scoring one run: both protocols end to end on real digits, with a feature network built here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qgen.data import load_split, prepare_dataset
from qgen.evaluate import load_reference_features, score_run
from qgen.metrics.classifier import train_feature_classifier
from qgen.metrics.features import build_feature_extractor, extract_features

SCORING = {
    "protocols": ["paper", "standard"], "features": "classifier", "paper_features": "classifier",
    "paper_n_samples": 5, "paper_reals": "mixed", "paper_n_real": None, "n_real": 20,
    "reference_split": "test",
}


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("data")
    prepare_dataset("digits", root)
    train = load_split("digits", root, "train")
    weights = root / "classifier.pt"
    train_feature_classifier(train.images, train.labels, 10, seed=0, epochs=1, save_path=weights)
    return root, weights


def test_both_protocols_score_a_run_and_cached_reference_features_change_nothing(digits, tmp_path: Path) -> None:
    root, weights = digits
    generated = load_split("digits", root, "train", classes=[3]).images[:30]  # stand-in samples
    direct = score_run(SCORING, "digits", [3], 0, generated, root, {"classifier": weights}, log=lambda _: None)

    refs = load_split("digits", root, "test", classes=[3]).images
    cache = tmp_path / "refs.npz"
    np.savez(cache, features=extract_features(build_feature_extractor("classifier", weights_path=weights), refs))
    cached = score_run(SCORING, "digits", [3], 0, generated, root, {"classifier": weights}, log=lambda _: None,
                       reference_features=cache)
    assert direct == cached

    metrics = {(s["protocol"], s["metric"]) for s in direct}
    assert {("paper", "ssim"), ("paper", "fid"), ("standard", "fid"), ("standard", "kid"),
            ("standard", "ssim_random"), ("standard", "ssim_nearest"), ("standard", "precision")} <= metrics
    paper = [s for s in direct if s["protocol"] == "paper"]
    assert all(s["n_generated"] == 5 and s["n_real"] == 5 for s in paper)
    standard = [s for s in direct if s["protocol"] == "standard"]
    assert all(s["n_generated"] == 30 and s["n_real"] == 20 and s["features"] == "classifier" for s in standard)
    # Real images of the class scored against held-out images of the class: SSIM to the
    # nearest real image is well above SSIM to a random one.
    value = {s["metric"]: s["value"] for s in standard}
    assert value["ssim_nearest"] > value["ssim_random"]


def test_stale_reference_features_are_refused(tmp_path: Path) -> None:
    cache = tmp_path / "refs.npz"
    np.savez(cache, features=np.zeros((7, 4)))
    with pytest.raises(ValueError, match="delete it and rerun"):
        load_reference_features(cache, 8)


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_a_handful_of_samples_is_scored_not_crashed(digits, n: int) -> None:
    """With fewer images than a metric's neighbourhood, that metric is left out, never a crash."""
    root, weights = digits
    generated = load_split("digits", root, "train", classes=[3]).images[:n]
    scoring = {**SCORING, "paper_n_samples": 2}
    scores = score_run(scoring, "digits", [3], 0, generated, root, {"classifier": weights}, log=lambda _: None)
    metrics = {s["metric"] for s in scores if s["protocol"] == "standard"}
    assert {"fid", "kid", "ssim_nearest"} <= metrics and (("precision" in metrics) == (n >= 3))
