"""RetinaMNIST's offline stand-in (views of scikit-image's fundus photograph), and RetinaMNIST's
five grades from a file in MedMNIST's .npz layout placed in a mirror (no network)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import qgen.data.retina_standin as standin
from qgen.data import DataIntegrityError, QgenDataError, dataset_info, load_split, prepare_dataset

SMALL = {"n_train": 20, "n_val": 10, "n_test": 10}


def test_registered_as_a_named_stand_in() -> None:
    for name, size in (("retina_standin", 28), ("retina_standin_64", 64)):
        info = dataset_info(name)
        assert (info.channels, info.size, info.n_classes, info.splits) == (3, size, 5, ("train", "val", "test"))
        assert "STAND-IN" in info.description and "not RetinaMNIST" in info.description
        assert info.class_names[0] == "fov_12-19pct" and info.class_names[-1] == "fov_71-110pct"


def test_prepares_offline_balanced_and_deterministic(tmp_path: Path) -> None:
    prepare_dataset("retina_standin", tmp_path / "a", **SMALL)
    prepare_dataset("retina_standin", tmp_path / "b", **SMALL)
    prepare_dataset("retina_standin", tmp_path / "c", seed=1, **SMALL)
    for split, n in (("train", 20), ("val", 10), ("test", 10)):
        a = load_split("retina_standin", tmp_path / "a", split)
        assert a.images.shape == (n, 28, 28, 3) and a.images.dtype == np.uint8
        assert a.class_counts == {k: n // 5 for k in range(5)}
        assert np.array_equal(a.images, load_split("retina_standin", tmp_path / "b", split).images)
        assert not np.array_equal(a.images, load_split("retina_standin", tmp_path / "c", split).images)
    test = load_split("retina_standin", tmp_path / "a", "test").images
    assert 40 < test.mean() < 200 and test[..., 0].mean() > test[..., 2].mean()  # a red fundus, not noise


def test_both_sizes_show_the_same_views(tmp_path: Path) -> None:
    prepare_dataset("retina_standin", tmp_path, **SMALL)
    prepare_dataset("retina_standin_64", tmp_path, **SMALL)
    small = load_split("retina_standin", tmp_path, "val").images.astype(float)
    big = load_split("retina_standin_64", tmp_path, "val").images
    shrunk = np.stack([np.asarray(Image.fromarray(b).resize((28, 28), Image.Resampling.LANCZOS)) for b in big])
    same = np.abs(small - shrunk).mean(axis=(1, 2, 3))
    other = np.abs(small - np.roll(shrunk, 1, axis=0)).mean(axis=(1, 2, 3))
    assert same.max() < 6 and (same < other).all()


def test_split_sizes_must_keep_classes_equal(tmp_path: Path) -> None:
    with pytest.raises(QgenDataError, match="multiple of 5"):
        prepare_dataset("retina_standin", tmp_path, n_train=12)


def test_a_different_packaged_photograph_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standin, "SOURCE_MD5", "0" * 32)
    with pytest.raises(DataIntegrityError, match="different photograph"):
        prepare_dataset("retina_standin", tmp_path, **SMALL)


@pytest.mark.parametrize("name,suffix,size", [("retinamnist", "", 28), ("retinamnist_64", "_64", 64)])
def test_retinamnist_keeps_all_five_grades_from_a_mirror_npz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, suffix: str, size: int
) -> None:
    from test_data_medmnist import N, fake_npz, install_fake

    medmnist = pytest.importorskip("medmnist")
    info = dataset_info(name)
    grades = medmnist.INFO["retinamnist"]["label"]
    assert info.n_classes == 5 and info.class_names == tuple(grades[str(k)] for k in range(5))
    install_fake(monkeypatch, tmp_path / "mirror", "retinamnist", suffix, fake_npz(size, 3, 5))
    prepare_dataset(name, tmp_path / "data", mirror=tmp_path / "mirror")
    for split, n in N.items():
        images = load_split(name, tmp_path / "data", split)  # all grades together: no class filter
        assert len(images) == n and images.images.shape[1:] == (size, size, 3)
        assert set(images.labels.tolist()) == set(range(min(n, 5)))
