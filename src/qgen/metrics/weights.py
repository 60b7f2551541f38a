"""Download-once, checksum-verified weight files for the metric networks.

Machines without internet pass `local_path` (config `metrics.weights.<name>`); the file is
copied into the cache folder only after its checksum matches, so a corrupt or wrong file never
reaches a metric. Downloads go to a temporary file that is verified, then renamed atomically.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from qgen.atomic import atomic_path

PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class WeightSpec:
    """Where a weight file lives and what its checksum must be (algorithm: sha256 or md5)."""

    url: str
    checksum: str
    algorithm: str = "sha256"

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


# Full SHA256s; the 8-hex prefixes in the file names are torch.hub's check on the same digest.
WEIGHT_SPECS: dict[str, WeightSpec] = {
    # torch-fidelity's port of the TF FID Inception (pt_inception-2015-12-05), URL_INCEPTION_V3 in
    # torch_fidelity/feature_extractor_inceptionv3.py; identical to pytorch-fid's pt_inception file.
    "inception_fid": WeightSpec(
        url="https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
        "weights-inception-2015-12-05-6726825d.pth",
        checksum="6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
    ),
    # torchvision Inception_V3_Weights.IMAGENET1K_V1 (what the S1 authors used).
    "inception_torchvision": WeightSpec(
        url="https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth",
        checksum="0cc3c7bd75056d25e46cba549dc184522069b81e9787eff6df84f397bd52a5ef",
    ),
}


class WeightsError(RuntimeError):
    """A metric network's weights are missing, unreachable or fail their checksum."""


def file_checksum(path: PathLike, algorithm: str = "sha256", chunk: int = 1 << 20) -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _fix_hint(name: str, spec: WeightSpec) -> str:
    return (
        f"Fix: download it by hand from {spec.url} and set metrics.weights.{name} in the config, "
        f"or use features: classifier."
    )


def _download(url: str, dest: Path) -> None:
    """Fetch `url` into `dest` (a single attempt; tests replace this function)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as fh:
        shutil.copyfileobj(response, fh)


def _verify(path: Path, name: str, spec: WeightSpec, source: str) -> None:
    actual = file_checksum(path, spec.algorithm)
    if actual != spec.checksum:
        path.unlink(missing_ok=True)
        raise WeightsError(
            f"checksum mismatch for {spec.filename} ({name} weights, {source}): expected {spec.algorithm} "
            f"{spec.checksum}, got {actual}; the file was deleted. {_fix_hint(name, spec)}"
        )


def fetch_weights(name: str, dest_dir: PathLike, local_path: Optional[PathLike] = None) -> Path:
    """Return the verified weight file for `name` inside `dest_dir`.

    Order: a verified copy already in `dest_dir`; else a copy of `local_path` (when given);
    else one download from the canonical URL. Every new file is written to a temporary name,
    verified, then renamed, so `dest_dir` only ever holds good files.
    """
    if name not in WEIGHT_SPECS:
        raise KeyError(f"no weight file known for {name!r}; known: {', '.join(sorted(WEIGHT_SPECS))}")
    spec = WEIGHT_SPECS[name]
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / spec.filename
    if target.exists():
        if file_checksum(target, spec.algorithm) == spec.checksum:
            return target
        target.unlink()  # stale or corrupt cache: replace it below
    with atomic_path(target) as tmp:  # a file that fails below is deleted, never renamed
        if local_path is not None:
            local = Path(local_path)
            if not local.is_file():
                raise WeightsError(
                    f"{name} weights: local file {local} does not exist. {_fix_hint(name, spec)}"
                )
            shutil.copyfile(local, tmp)
            source = f"copied from {local}"
        else:
            try:
                _download(spec.url, tmp)
            except Exception as exc:  # network errors come in many types
                raise WeightsError(
                    f"could not download {name} weights from {spec.url} ({type(exc).__name__}: {exc}). "
                    f"{_fix_hint(name, spec)}"
                ) from exc
            source = f"downloaded from {spec.url}"
        _verify(tmp, name, spec, source)
    return target
