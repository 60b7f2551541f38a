"""Real MNIST test files through the mirror route: mnist_t10k, mnist's missing-file error, env mirror."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qgen.data import (
    MIRROR_ENV,
    MirrorFileMissingError,
    dataset_info,
    load_split,
    md5_file,
    prepare_dataset,
)
from qgen.data.idx import read_idx
from qgen.data.mnist import MNIST_MD5
from qgen.data.splits import stratified_split

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
pytestmark = pytest.mark.skipif(
    not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file(), reason="shared MNIST test files absent"
)



@pytest.fixture(scope="module")
def t10k_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_dataset("mnist_t10k", root, mirror=SHARED_MNIST)
    return root


def test_shared_md5sums_match_hardcoded() -> None:
    for line in (SHARED_MNIST / "MD5SUMS").read_text().splitlines():
        md5, name = line.split()
        assert MNIST_MD5[name] == md5


def test_mnist_t10k_from_mirror(t10k_root: Path) -> None:
    out = t10k_root / "mnist_t10k"
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert md5_file(out / "raw" / name) == MNIST_MD5[name]
    train = load_split("mnist_t10k", t10k_root, "train")
    test = load_split("mnist_t10k", t10k_root, "test")
    assert train.images.shape == (8000, 28, 28, 1) and test.images.shape == (2000, 28, 28, 1)
    assert train.images.dtype == np.uint8 and train.labels.dtype == np.int64
    full = np.bincount(np.concatenate([train.labels, test.labels]), minlength=10)
    assert full.sum() == 10_000 and all(850 <= n <= 1150 for n in full)  # about 1000 per digit
    # stratified 80/20 per digit
    assert np.all(np.abs(np.bincount(train.labels) - 0.8 * full) <= 1)
    # the split partitions the real test set: same pixels, nothing lost or duplicated
    images = read_idx(out / "raw" / "t10k-images-idx3-ubyte.gz", ndim=3)
    labels = read_idx(out / "raw" / "t10k-labels-idx1-ubyte.gz", ndim=1)
    train_idx, test_idx = stratified_split(labels, 0.8)
    assert sorted(np.concatenate([train_idx, test_idx]).tolist()) == list(range(10_000))
    np.testing.assert_array_equal(images[train_idx], train.images[..., 0])
    np.testing.assert_array_equal(labels[test_idx], test.labels)
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first MNIST test digits
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["options"] == {"train_fraction": 0.8}
    assert dataset_info("mnist_t10k").splits == ("train", "test")


def test_prepare_is_idempotent_and_repairs(t10k_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(t10k_root, root)
    train = root / "mnist_t10k" / "train.npz"
    before = train.stat().st_mtime_ns
    prepare_dataset("mnist_t10k", root, mirror=tmp_path / "empty-mirror-unused")
    assert train.stat().st_mtime_ns == before  # nothing refetched or rewritten
    train.write_bytes(b"garbage")
    prepare_dataset("mnist_t10k", root, mirror=SHARED_MNIST)
    assert load_split("mnist_t10k", root, "train").images.shape == (8000, 28, 28, 1)
    paths = prepare_dataset("mnist_t10k", root, mirror=SHARED_MNIST, train_fraction=0.5)
    assert len(load_split("mnist_t10k", root, "train")) == 5000
    assert set(paths) == {"train", "test"}


def test_full_mnist_from_mirror_names_missing_training_images(tmp_path: Path) -> None:
    with pytest.raises(MirrorFileMissingError) as err:
        prepare_dataset("mnist", tmp_path, mirror=SHARED_MNIST)
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message and str(SHARED_MNIST) in message
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in message  # tells what the mirror must hold
    assert not (tmp_path / "mnist" / "train.npz").exists()
    assert list((tmp_path / "mnist" / "raw").iterdir()) == []


def test_env_var_mirror_with_dataset_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "mnist").mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(SHARED_MNIST / name, mirror / "mnist" / name)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    paths = prepare_dataset("mnist_t10k", tmp_path / "data")
    assert paths["test"].is_file()
    assert len(load_split("mnist_t10k", tmp_path / "data", "test")) == 2000
