"""scikit-learn digits in an MNIST frame: shapes, range, class balance, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qgen.data import dataset_info, load_split, prepare_dataset
from qgen.data.digits import upscale_digits



def test_digits_prepare_shapes_range_counts(tmp_path: Path) -> None:
    paths = prepare_dataset("digits", tmp_path)
    assert set(paths) == {"train", "test"}
    train = load_split("digits", tmp_path, "train")
    test = load_split("digits", tmp_path, "test")
    assert len(train) + len(test) == 1797
    assert train.images.shape[1:] == (28, 28, 1) and train.images.dtype == np.uint8
    assert train.labels.dtype == np.int64
    assert train.images.max() > 200 and train.images.min() == 0
    # MNIST framing: a 4-px empty border around a 20x20 digit
    border = np.concatenate([train.images[:, :4], train.images[:, -4:]], axis=1)
    assert border.max() == 0 and train.images[:, :, :4].max() == 0
    # stratified 80/20: every class appears in both parts at about the same ratio
    counts_train, counts_test = np.bincount(train.labels, minlength=10), np.bincount(test.labels, minlength=10)
    ratio = counts_test / (counts_train + counts_test)
    assert np.all(np.abs(ratio - 0.2) < 0.01)
    assert dataset_info("digits").n_classes == 10


def test_digits_deterministic_and_seeded(tmp_path: Path) -> None:
    prepare_dataset("digits", tmp_path / "a")
    prepare_dataset("digits", tmp_path / "b")
    prepare_dataset("digits", tmp_path / "c", seed=1)
    a, b, c = (load_split("digits", tmp_path / x, "test") for x in "abc")
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.images, c.images)


def test_upscale_keeps_blank_and_full_values() -> None:
    images = np.zeros((2, 8, 8))
    images[1] = 16
    out = upscale_digits(images)
    assert out.shape == (2, 28, 28, 1)
    assert out[0].max() == 0 and out[1, 4:24, 4:24].min() == 255 and out[1, :4].max() == 0
