"""The metric networks' weight files: downloaded once (or copied from a local file), SHA256-checked.

Machines without internet pass ``local_path`` (config ``metrics.weights.<name>``); the file is
copied into the cache folder only after its checksum matches. The fetching itself is
:func:`qgen.fetch.fetch`, shared with the datasets.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from qgen.fetch import RemoteFile, fetch

PathLike = Union[str, os.PathLike]

# Full SHA256s; the 8-hex prefixes in the file names are torch.hub's check on the same digest.
WEIGHT_SPECS: dict[str, RemoteFile] = {
    # torch-fidelity's port of the TF FID Inception (pt_inception-2015-12-05), URL_INCEPTION_V3 in
    # torch_fidelity/feature_extractor_inceptionv3.py; identical to pytorch-fid's pt_inception file.
    "inception_fid": RemoteFile(
        "weights-inception-2015-12-05-6726825d.pth",
        "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
        ("https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth",),
        algorithm="sha256",
    ),
    # torchvision Inception_V3_Weights.IMAGENET1K_V1 (what the S1 authors used).
    "inception_torchvision": RemoteFile(
        "inception_v3_google-0cc3c7bd.pth",
        "0cc3c7bd75056d25e46cba549dc184522069b81e9787eff6df84f397bd52a5ef",
        ("https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth",),
        algorithm="sha256",
    ),
}


def fetch_weights(name: str, dest_dir: PathLike, local_path: Optional[PathLike] = None) -> Path:
    """The verified weight file for ``name`` inside ``dest_dir``: a verified copy already there,
    else a copy of ``local_path`` (when given), else one download from the canonical URL."""
    if name not in WEIGHT_SPECS:
        raise KeyError(f"no weight file known for {name!r}; known: {', '.join(sorted(WEIGHT_SPECS))}")
    spec = WEIGHT_SPECS[name]
    manual = (f"download it by hand from {spec.urls[0]} and set metrics.weights.{name} in the config to its "
              f"path, or score with features: classifier.")
    return fetch(spec, Path(dest_dir), local=Path(local_path) if local_path is not None else None, manual_fix=manual)
