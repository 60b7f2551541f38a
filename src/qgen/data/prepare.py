"""Fetch a dataset's raw files and write its standard splits: ``<root>/<name>/<split>.npz``.

Layout under ``root/<name>/``: ``raw/`` (the published files, MD5-verified), one ``<split>.npz``
per split (``images`` uint8 NHWC, ``labels`` int64), and ``manifest.json`` (options, source
checksums, and the MD5 of each split file), written last. A complete, matching manifest makes
:func:`prepare_dataset` a no-op.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from qgen.atomic import atomic_file
from qgen.fetch import fetch, md5_file, resolve_mirror
from qgen.data.errors import DataIntegrityError
from qgen.data.registry import DatasetSpec, check_standard, get_dataset

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def split_path(root: Path, name: str, split: str) -> Path:
    """Where the standard file of one split lives."""
    return Path(root) / name / f"{split}.npz"


def prepare_dataset(name: str, root: Path, mirror: Path | None = None, **options: Any) -> dict[str, Path]:
    """Make the standard split files of dataset ``name`` exist under ``root``; return them by split.

    Raw files come from ``mirror`` (a local folder with the published file names, directly or in
    a per-dataset subfolder), else from ``$QGEN_DATA_MIRROR``, else from the canonical URLs; each
    is MD5-checked. ``options`` are dataset-specific (e.g. ``train_fraction`` for mnist_t10k).
    Idempotent, and every file is written atomically.
    """
    spec = get_dataset(name)
    opts = spec.resolve_options(options)
    out_dir = Path(root) / name
    paths = {split: split_path(root, name, split) for split in spec.info.splits}
    if _is_current(out_dir / MANIFEST, paths, opts):
        log.info("%s is already prepared in %s", name, out_dir)
        return paths
    raw = _fetch_all(spec, out_dir / "raw", resolve_mirror(mirror))
    try:
        splits = spec.convert(raw, **opts)
    except DataIntegrityError as exc:
        _drop_bad_raw(exc, out_dir / "raw")
        raise
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "dataset": name,
        "options": opts,
        "raw": {f.filename: f.md5 for f in spec.raw_files},
        "splits": {},
    }
    for split, path in paths.items():
        images, labels = splits[split]
        check_standard(spec.info, split, images, labels)
        with atomic_file(path) as out:
            np.savez(out, images=images, labels=labels)
        manifest["splits"][split] = {"file": path.name, "n": int(len(labels)), "md5": md5_file(path)}
    with atomic_file(out_dir / MANIFEST) as out:
        out.write(json.dumps(manifest, indent=2, sort_keys=True).encode())
    log.info("prepared %s in %s: %s", name, out_dir,
             ", ".join(f"{s} {v['n']}" for s, v in manifest["splits"].items()))
    return paths


def _fetch_all(spec: DatasetSpec, raw_dir: Path, mirror: Path | None) -> dict[str, Path]:
    files = list(spec.raw_files)
    return {f.filename: fetch(f, raw_dir, mirror=mirror, subdir=spec.mirror_subdir, all_files=files) for f in files}


def _drop_bad_raw(exc: DataIntegrityError, raw_dir: Path) -> None:
    """A raw file that passed its MD5 but fails to parse cannot be fixed by rerunning as is."""
    if exc.path is not None and exc.path.parent == raw_dir and exc.path.exists():
        exc.path.unlink()
        exc.args = (f"{exc.args[0]} ({exc.path} has been deleted.)",)


def _is_current(manifest_path: Path, paths: dict[str, Path], options: dict[str, Any]) -> bool:
    """True if a manifest of this format and these options vouches for every split file."""
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return False
    if manifest.get("format") != FORMAT_VERSION or manifest.get("options") != json.loads(json.dumps(options)):
        return False
    recorded = manifest.get("splits", {})
    for split, path in paths.items():
        entry = recorded.get(split)
        if entry is None or not path.is_file() or md5_file(path) != entry.get("md5"):
            log.warning("%s is missing or differs from %s: preparing again", path, manifest_path)
            return False
    return True
