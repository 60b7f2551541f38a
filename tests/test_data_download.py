"""Downloader and IDX parser: checksums, atomic writes, interrupted downloads, corrupt files."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pytest

import qgen.fetch as download
import qgen.data.prepare as prepare_mod
from qgen.data import (
    MIRROR_ENV,
    DataIntegrityError,
    DownloadError,
    MirrorFileMissingError,
    QgenDataError,
    prepare_dataset,
)
from qgen.fetch import RemoteFile as RawFile
from qgen.fetch import fetch
from qgen.data.idx import read_idx
from qgen.data.mnist import read_idx_split
from qgen.data.registry import DatasetInfo, DatasetSpec, Splits

IMAGES = "fake-images-idx3-ubyte.gz"


def fetch_raw(raw: RawFile, dest: Path, mirror: Path | None, subdir: str, files: list | None = None) -> Path:
    return fetch(raw, dest, mirror=mirror, subdir=subdir, all_files=files)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())



class FakeResponse(io.BytesIO):
    """A urlopen response that can break after some bytes, like a dropped connection."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size: int | None = -1) -> bytes:
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset mid-stream")
        limit = size if size is not None and size >= 0 else len(self.getvalue())
        if self.fail_after is not None:
            limit = min(limit, self.fail_after - self.tell())
        return super().read(limit)


def fake_web(monkeypatch: pytest.MonkeyPatch, responses: dict[str, Any]) -> list[str]:
    """Serve ``responses[url]`` (bytes, FakeResponse, or an exception); return the URLs asked."""
    asked: list[str] = []

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        url = request.full_url
        asked.append(url)
        value = responses[url]
        if isinstance(value, Exception):
            raise value
        return value if isinstance(value, FakeResponse) else FakeResponse(value)

    monkeypatch.setattr(download, "urlopen", urlopen)
    return asked


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_mirror_checksum_mismatch_keeps_nothing(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / IMAGES).write_bytes(b"not the real file")
    raw = RawFile(IMAGES, md5(b"the real file"), ())
    with pytest.raises(DataIntegrityError) as err:
        fetch_raw(raw, tmp_path / "raw", mirror, "fake")
    message = str(err.value)
    assert IMAGES in message and raw.md5 in message and md5(b"not the real file") in message
    assert str(mirror / IMAGES) in message and MIRROR_ENV in message
    assert leftovers(tmp_path / "raw") == []  # no bad file, no temp file


def test_mirror_missing_file_lists_what_it_must_hold(tmp_path: Path) -> None:
    files = [RawFile("a.gz", "0" * 32, ("https://example.invalid/a.gz",)), RawFile("b.gz", "1" * 32, ())]
    with pytest.raises(MirrorFileMissingError) as err:
        fetch_raw(files[0], tmp_path / "raw", tmp_path, "fake", files)
    message = str(err.value)
    assert str(tmp_path / "fake" / "a.gz") in message and str(tmp_path / "a.gz") in message
    assert "b.gz" in message and "1" * 32 in message


def test_download_writes_verified_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"x" * 3_000_000
    raw = RawFile(IMAGES, md5(data), ("https://a.invalid/f", "https://b.invalid/f"))
    asked = fake_web(monkeypatch, {"https://a.invalid/f": OSError("mirror down"), "https://b.invalid/f": data})
    path = fetch_raw(raw, tmp_path / "raw", None, "fake")
    assert path.read_bytes() == data and asked == list(raw.urls)
    assert leftovers(tmp_path / "raw") == [IMAGES]
    fake_web(monkeypatch, {})  # a verified existing copy is not fetched again
    assert fetch_raw(raw, tmp_path / "raw", None, "fake") == path


def test_interrupted_download_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"y" * 3_000_000
    url = "https://a.invalid/f"
    raw = RawFile(IMAGES, md5(data), (url,))
    fake_web(monkeypatch, {url: FakeResponse(data, fail_after=1_500_000)})
    with pytest.raises(DownloadError) as err:
        fetch_raw(raw, tmp_path / "raw", None, "fake")
    message = str(err.value)
    assert url in message and "ConnectionResetError" in message and MIRROR_ENV in message
    assert leftovers(tmp_path / "raw") == []


def test_download_with_wrong_checksum_is_an_integrity_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://a.invalid/f"
    raw = RawFile(IMAGES, md5(b"good"), (url,))
    fake_web(monkeypatch, {url: b"evil"})
    with pytest.raises(DataIntegrityError, match=IMAGES):
        fetch_raw(raw, tmp_path / "raw", None, "fake")
    assert leftovers(tmp_path / "raw") == []


def test_bad_cached_raw_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / IMAGES).write_bytes(b"stale")
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / IMAGES).write_bytes(b"fresh")
    path = fetch_raw(RawFile(IMAGES, md5(b"fresh"), ()), tmp_path / "raw", tmp_path / "mirror", "fake")
    assert path.read_bytes() == b"fresh"


def test_network_failure_message_names_urls_and_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    urls = ("https://a.invalid/f", "http://b.invalid/f")
    fake_web(monkeypatch, {u: OSError("Name or service not known") for u in urls})
    with pytest.raises(DownloadError) as err:
        fetch_raw(RawFile(IMAGES, "0" * 32, urls), tmp_path / "raw", None, "fake")
    assert all(u in str(err.value) for u in urls) and "mirror" in str(err.value)


def test_read_idx_roundtrip_and_validation(tmp_path: Path) -> None:
    array = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    good = tmp_path / "good.gz"
    good.write_bytes(idx_bytes(array))
    np.testing.assert_array_equal(read_idx(good, ndim=3), array)
    with pytest.raises(DataIntegrityError, match="magic number"):
        read_idx(good, ndim=1)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(gzip.decompress(good.read_bytes())[:-10]))
    with pytest.raises(DataIntegrityError, match="header says shape"):
        read_idx(short, ndim=3)


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    data = idx_bytes(np.random.default_rng(0).integers(0, 256, (50, 28, 28)))
    truncated = tmp_path / "t10k-images-idx3-ubyte.gz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataIntegrityError) as err:
        read_idx(truncated, ndim=3)
    assert str(truncated) in str(err.value) and "truncated" in str(err.value)
    assert err.value.path == truncated


class CorruptSpec(DatasetSpec):
    """A dataset whose raw file has the right MD5 but does not parse as IDX."""

    mirror_subdir = "corrupt"

    def __init__(self, content: bytes) -> None:
        self.content = content

    @property
    def info(self) -> DatasetInfo:
        return DatasetInfo("corrupt", 1, 28, 10, tuple("0123456789"), ("test",))

    @property
    def raw_files(self) -> tuple[RawFile, ...]:
        return (
            RawFile("t10k-images-idx3-ubyte.gz", md5(self.content), ()),
            RawFile("t10k-labels-idx1-ubyte.gz", md5(self.content), ()),
        )

    def convert(self, raw: Mapping[str, Path], **options: Any) -> Splits:
        return {"test": read_idx_split(raw, "t10k")}


def test_prepare_deletes_raw_file_that_fails_to_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = b"\x1f\x8b\x08\x00truncated"
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (mirror / name).write_bytes(content)
    monkeypatch.setattr(prepare_mod, "get_dataset", lambda name: CorruptSpec(content))
    with pytest.raises(DataIntegrityError) as err:
        prepare_dataset("corrupt", tmp_path / "data", mirror=mirror)
    assert "t10k-images-idx3-ubyte.gz" in str(err.value) and "deleted" in str(err.value)
    assert leftovers(tmp_path / "data" / "corrupt" / "raw") == ["t10k-labels-idx1-ubyte.gz"]
    assert not (tmp_path / "data" / "corrupt" / "test.npz").exists()


def test_unknown_dataset_and_option(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="mnist_t10k"):
        prepare_dataset("no_such_set", tmp_path)
    with pytest.raises(QgenDataError, match="train_fraction"):
        prepare_dataset("mnist_t10k", tmp_path, trian_fraction=0.5)


def test_recompressed_copy_is_accepted_by_its_content_and_says_so(tmp_path: Path, capsys) -> None:
    """Debian's dataset-fashion-mnist recompresses the canonical IDX bytes: same content, other .gz."""
    content = b"\x00\x00\x08\x01" + b"\x00\x00\x00\x04" + bytes(range(4))
    canonical = gzip.compress(content, mtime=0, compresslevel=9)
    recompressed = gzip.compress(content, mtime=12345, compresslevel=1)
    assert canonical != recompressed
    raw = RawFile(IMAGES, md5(canonical), (), content_md5=md5(content))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / IMAGES).write_bytes(recompressed)
    path = fetch_raw(raw, tmp_path / "raw", mirror, "fake")
    assert path.read_bytes() == recompressed
    assert "decompressed content" in capsys.readouterr().out
    # Other content in a valid gzip is still refused, and nothing is kept.
    (mirror / IMAGES).write_bytes(gzip.compress(content + b"x"))
    path.unlink()
    with pytest.raises(DataIntegrityError, match="decompressed content MD5"):
        fetch_raw(raw, tmp_path / "raw", mirror, "fake")
    assert leftovers(tmp_path / "raw") == []


def test_fashion_mnist_content_checksums_cover_every_file() -> None:
    from qgen.data import get_dataset

    files = get_dataset("fashion_mnist").raw_files
    assert len(files) == 4 and all(f.content_md5 for f in files)


def test_environment_mirror_overrides_the_configured_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qgen.fetch import resolve_mirror

    assert resolve_mirror(tmp_path / "config") == tmp_path / "config"
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path / "env"))
    assert resolve_mirror(tmp_path / "config") == tmp_path / "env"
    assert resolve_mirror(None) == tmp_path / "env"


def test_truncated_prepared_split_is_caught_on_load_with_the_fix(tmp_path: Path) -> None:
    from qgen.data import load_split

    prepare_dataset("digits", tmp_path)
    path = tmp_path / "digits" / "train.npz"
    assert len(load_split("digits", tmp_path, "train", classes=[1])) > 100
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataIntegrityError, match=r"train\.npz does not match the MD5.*Fix: delete"):
        load_split("digits", tmp_path, "train", classes=[1])
