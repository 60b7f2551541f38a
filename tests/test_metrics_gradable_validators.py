"""The two gradable validators, trained small on the offline stand-in: 95% of held-out reals
accepted by construction, heavily degraded images refused, determinism, save/load, sizes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from qgen.data import load_split, prepare_dataset
from qgen.metrics.gradable import (
    DEGRADATIONS,
    VALIDATORS,
    apply_degradation,
    fit_validator,
    gradable_table,
    load_validator,
    save_validator,
    train_validator,
)

# Small enough for about 10 s per validator on one loaded core; the full-size numbers
# (1080 training images, 20 epochs, width 16) are in docs/gradable_validators.md.
SMALL = {"epochs": 20, "width": 8, "batch_size": 50, "threads": 1}


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("data")
    prepare_dataset("retina_standin", root, n_train=250, n_val=100, n_test=100)
    return {split: load_split("retina_standin", root, split) for split in ("train", "val", "test")}


@pytest.fixture(scope="module")
def validators(standin: dict) -> dict:
    train = standin["train"]
    out = {}
    for name in VALIDATORS.names():
        v = train_validator(name, train.images, train.labels, 5, seed=0, dataset="retina_standin", **SMALL)
        v.calibrate(standin["val"].images, source="val")
        out[name] = v
    return out


def test_both_validators_are_registered() -> None:
    assert VALIDATORS.names() == ["grade_confidence", "quality"]


def test_each_accepts_95_percent_of_calibration_reals_by_construction(validators: dict, standin: dict) -> None:
    for name, v in validators.items():
        accepted = v.accepts(standin["val"].images)
        assert accepted.sum() == math.ceil(0.95 * len(accepted)), name  # continuous scores: no ties
        assert v.metadata["calibration"] == {"source": "val", "n": 100, "acceptance": 0.95, "accepted": 0.95}
        # Other held-out reals (the test split) pass at about the same rate.
        assert v.gradable_fraction(standin["test"].images).estimate >= 0.8, name


def test_each_refuses_heavily_degraded_images(validators: dict, standin: dict) -> None:
    reals = standin["test"].images
    for name, v in validators.items():
        accepted = {
            d: v.accepts(apply_degradation(reals, d, DEGRADATIONS.get(d).heavy, seed=1)).mean() for d in DEGRADATIONS
        }
        for d in ("noise", "occlusion", "overexposure", "underexposure"):
            assert accepted[d] <= 0.1, (name, accepted)
        assert accepted["blur"] <= 0.7 and accepted["low_contrast"] <= 0.7, (name, accepted)
        assert np.mean(list(accepted.values())) <= 0.3, (name, accepted)


def test_metadata_save_and_load(validators: dict, standin: dict, tmp_path: Path) -> None:
    images = standin["test"].images[:20]
    for name, v in validators.items():
        save_validator(v, tmp_path / f"{name}.pt")
        back = load_validator(tmp_path / f"{name}.pt")
        assert back.name == name and back.threshold == v.threshold
        assert np.array_equal(back.scores(images), v.scores(images))
        meta = back.metadata
        assert (meta["dataset"], meta["seed"], meta["epochs"]) == ("retina_standin", 0, 20)
        assert 0.5 < meta["train_accuracy"] <= 1 and set(meta["degradations"]) == set(DEGRADATIONS.names())


def test_gradable_table_puts_reals_beside_models(validators: dict, standin: dict) -> None:
    reals = standin["test"].images
    table = gradable_table(validators, {"real test": reals, "noisy": apply_degradation(reals, "noise", 40.0)})
    assert list(table.columns[:7]) == ["validator", "images", "fraction", "low", "high", "k", "n"]
    assert len(table) == 4 and (table["n"] == 100).all()
    assert (table["low"] <= table["fraction"]).all() and (table["fraction"] <= table["high"]).all()


def test_training_is_deterministic_and_leaves_the_global_rng_alone(standin: dict) -> None:
    images, labels = standin["train"].images[:60], standin["train"].labels[:60]
    state = torch.random.get_rng_state()
    a = train_validator("grade_confidence", images, labels, 5, seed=3, epochs=1, width=4, threads=1)
    b = train_validator("grade_confidence", images, labels, 5, seed=3, epochs=1, width=4, threads=1)
    c = train_validator("grade_confidence", images, labels, 5, seed=4, epochs=1, width=4, threads=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    sa, sb, sc = (v.net.state_dict() for v in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


@pytest.mark.parametrize("channels,size", [(1, 28), (3, 64)])
def test_grey_and_64_px_images(standin: dict, channels: int, size: int) -> None:
    from PIL import Image

    source = standin["train"].images[:40]
    images = np.stack([np.asarray(Image.fromarray(im).resize((size, size))) for im in source])
    if channels == 1:
        images = images.mean(axis=-1, keepdims=True).round().astype(np.uint8)
    for name in VALIDATORS.names():
        v = train_validator(name, images, standin["train"].labels[:40], 5, epochs=1, width=4, threads=1)
        v.calibrate(images[:20])
        scores = v.scores(images)
        assert scores.shape == (40,) and ((0 <= scores) & (scores <= 1)).all()
        assert v.accepts(images[:20]).mean() >= 0.95
        with pytest.raises(ValueError, match="takes"):
            v.scores(standin["train"].images[:2] if size == 64 else images[:2, :14, :14])


def test_an_uncalibrated_validator_refuses_to_judge(standin: dict) -> None:
    v = train_validator("quality", standin["train"].images[:20], epochs=1, width=4, threads=1)
    with pytest.raises(RuntimeError, match="calibrate"):
        v.accepts(standin["test"].images[:2])
    with pytest.raises(ValueError, match="labels"):
        train_validator("grade_confidence", standin["train"].images[:20], epochs=1)


def test_fit_validator_trains_calibrates_and_saves(tmp_path: Path) -> None:
    prepare_dataset("retina_standin", tmp_path, n_train=30, n_val=20, n_test=10)
    v = fit_validator("grade_confidence", "retina_standin", tmp_path, seed=1, save_path=tmp_path / "v.pt",
                      epochs=1, width=4, threads=1)  # fmt: skip
    assert v.metadata["calibration"]["source"] == "val" and v.metadata["calibration"]["n"] == 20
    assert v.net.config["n_outputs"] == 6  # five classes and "ungradable"
    assert load_validator(tmp_path / "v.pt").threshold == v.threshold
