"""load_split subsets (classes, n_per_class, first N), errors, and model-tensor conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from qgen.data import (
    QgenDataError,
    first_n,
    from_model_tensor,
    load_split,
    prepare_dataset,
    to_model_tensor,
)
from qgen.data.splits import stratified_split



@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_dataset("digits", root)
    return root


def test_class_subset(root: Path) -> None:
    full = load_split("digits", root, "train")
    sub = load_split("digits", root, "train", classes=[7, 3])
    assert set(sub.labels.tolist()) == {3, 7}
    assert len(sub) == int(np.sum(np.isin(full.labels, [3, 7])))
    np.testing.assert_array_equal(sub.images, full.images[sub.indices])
    assert np.all(np.diff(sub.indices) > 0)  # file order kept


def test_n_per_class_is_seeded_and_independent_of_other_classes(root: Path) -> None:
    a = load_split("digits", root, "train", classes=[1, 2], n_per_class=10, seed=3)
    b = load_split("digits", root, "train", classes=[1, 2], n_per_class=10, seed=3)
    c = load_split("digits", root, "train", classes=[1, 2], n_per_class=10, seed=4)
    only1 = load_split("digits", root, "train", classes=[1], n_per_class=10, seed=3)
    assert a.class_counts == {1: 10, 2: 10}
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    np.testing.assert_array_equal(a.indices[a.labels == 1], only1.indices)


def test_first_n_keeps_file_order(root: Path) -> None:
    full = load_split("digits", root, "train")
    head = first_n("digits", root, "train", 25)
    np.testing.assert_array_equal(head.images, full.images[:25])
    ones = first_n("digits", root, "train", 5, classes=[1])
    np.testing.assert_array_equal(ones.indices, np.flatnonzero(full.labels == 1)[:5])


def test_errors_name_the_problem(root: Path, tmp_path: Path) -> None:
    with pytest.raises(QgenDataError, match=r"\[10\] not a class of digits; valid classes: 0, 1"):
        load_split("digits", root, "train", classes=[3, 10])
    with pytest.raises(QgenDataError, match=r"n_per_class=500 .*class 0: \d+"):
        load_split("digits", root, "train", classes=[0], n_per_class=500)
    with pytest.raises(QgenDataError, match="splits: train, test"):
        load_split("digits", root, "val")
    with pytest.raises(QgenDataError, match="prepare the dataset first"):
        load_split("digits", tmp_path, "train")
    with pytest.raises(QgenDataError, match="holds"):
        first_n("digits", root, "train", 10**6)


def test_stratified_split_fraction_and_order() -> None:
    labels = np.repeat(np.arange(3), 10)
    a, b = stratified_split(labels, 0.8)
    assert np.bincount(labels[a]).tolist() == [8, 8, 8]
    np.testing.assert_array_equal(a[:8], np.arange(8))
    s1, _ = stratified_split(labels, 0.8, seed=1)
    assert np.bincount(labels[s1]).tolist() == [8, 8, 8] and not np.array_equal(s1, a)


def test_model_tensor_roundtrip() -> None:
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 3), dtype=np.uint8)
    x = to_model_tensor(images)
    assert x.shape == (4, 3, 28, 28) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1
    assert to_model_tensor(np.array([[[[0]], [[255]]]], dtype=np.uint8)).flatten().tolist() == [-1.0, 1.0]
    np.testing.assert_array_equal(from_model_tensor(x), images)
    clipped = from_model_tensor(torch.tensor([-3.0, 0.0, 2.0]).reshape(1, 1, 1, 3))
    assert clipped.dtype == np.uint8 and clipped.flatten().tolist() == [0, 128, 255]
    with pytest.raises(ValueError):
        to_model_tensor(images.astype(np.float32))


def test_null_data_seed_draws_each_runs_subset_with_its_seed(root: Path) -> None:
    from qgen.training.data import training_data

    job = {"dataset": "digits", "classes": None, "training": {"n_train_per_class": 10, "data_seed": None}}
    seed0, again, seed1 = (training_data(job, "4", root, seed=s) for s in (0, 0, 1))
    assert torch.equal(seed0.images, again.images)  # fixed by the seed
    assert not torch.equal(seed0.images, seed1.images)  # other images for another seed
    fixed = {**job, "training": {"n_train_per_class": 10, "data_seed": 0}}
    assert torch.equal(training_data(fixed, "4", root, seed=0).images, training_data(fixed, "4", root, seed=1).images)
    with pytest.raises(ValueError, match="run seed"):
        training_data(job, "4", root)
