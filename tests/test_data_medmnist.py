"""MedMNIST through our downloader, with a fake .npz made here (no network, no real files)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qgen.fetch as download
from qgen.data import DataIntegrityError, dataset_info, load_split, prepare_dataset

medmnist = pytest.importorskip("medmnist")

N = {"train": 12, "val": 4, "test": 6}



def fake_npz(size: int, channels: int, n_classes: int) -> bytes:
    rng = np.random.default_rng(0)
    arrays: dict[str, np.ndarray] = {}
    for split, n in N.items():
        shape = (n, size, size, channels) if channels == 3 else (n, size, size)
        arrays[f"{split}_images"] = rng.integers(0, 256, shape, dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % n_classes).reshape(n, 1).astype(np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def install_fake(monkeypatch: pytest.MonkeyPatch, mirror: Path, flag: str, suffix: str, data: bytes) -> None:
    (mirror / "medmnist").mkdir(parents=True, exist_ok=True)
    (mirror / "medmnist" / f"{flag}{suffix}.npz").write_bytes(data)
    monkeypatch.setitem(medmnist.INFO[flag], f"MD5{suffix}", hashlib.md5(data).hexdigest())


@pytest.mark.parametrize("flag,suffix,size,channels", [
    ("retinamnist", "", 28, 3),
    ("retinamnist", "_64", 64, 3),
    ("pneumoniamnist", "", 28, 1),
])
def test_fake_medmnist_loads_into_standard_splits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str, suffix: str, size: int, channels: int
) -> None:
    name = f"{flag}{suffix}"
    info = dataset_info(name)
    assert (info.channels, info.size, info.splits) == (channels, size, ("train", "val", "test"))
    install_fake(monkeypatch, tmp_path / "mirror", flag, suffix, fake_npz(size, channels, info.n_classes))
    paths = prepare_dataset(name, tmp_path / "data", mirror=tmp_path / "mirror")
    assert set(paths) == {"train", "val", "test"}
    for split, n in N.items():
        images = load_split(name, tmp_path / "data", split)
        assert images.images.shape == (n, size, size, channels) and images.images.dtype == np.uint8
        assert images.labels.shape == (n,) and images.labels.dtype == np.int64
    one = load_split(name, tmp_path / "data", "train", classes=[1])
    assert set(one.labels.tolist()) == {1}


def test_medmnist_download_route_uses_info_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = fake_npz(28, 3, 9)
    monkeypatch.setitem(medmnist.INFO["pathmnist"], "MD5", hashlib.md5(data).hexdigest())
    asked: list[str] = []

    def urlopen(request: Any, timeout: float) -> io.BytesIO:
        asked.append(request.full_url)
        return io.BytesIO(data)

    monkeypatch.setattr(download, "urlopen", urlopen)
    prepare_dataset("pathmnist", tmp_path)
    assert asked == [medmnist.INFO["pathmnist"]["url"]]
    assert load_split("pathmnist", tmp_path, "test").images.shape == (6, 28, 28, 3)


def test_medmnist_real_checksum_rejects_fake(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "retinamnist.npz").write_bytes(fake_npz(28, 3, 5))
    with pytest.raises(DataIntegrityError) as err:
        prepare_dataset("retinamnist", tmp_path / "data", mirror=tmp_path / "mirror")
    assert "retinamnist.npz" in str(err.value) and medmnist.INFO["retinamnist"]["MD5"] in str(err.value)
    assert list((tmp_path / "data" / "retinamnist" / "raw").iterdir()) == []


def test_corrupt_npz_with_matching_md5_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake(monkeypatch, tmp_path / "mirror", "retinamnist", "", b"PK\x03\x04 not really a zip")
    with pytest.raises(DataIntegrityError, match="retinamnist.npz"):
        prepare_dataset("retinamnist", tmp_path / "data", mirror=tmp_path / "mirror")
    assert not (tmp_path / "data" / "retinamnist" / "raw" / "retinamnist.npz").exists()
