"""Fetch raw files from a local mirror or the web, MD5-checked and written atomically.

Every raw file goes through :func:`fetch_raw`: the bytes are streamed into a hidden temp file in
the destination folder, hashed on the way, and moved into place only once the MD5 matches. An
interrupted or bad transfer therefore never leaves a file under the final name.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.request import Request, urlopen

from qgen.atomic import atomic_file
from qgen.data.errors import DataIntegrityError, DownloadError, MirrorFileMissingError

log = logging.getLogger(__name__)

MIRROR_ENV = "QGEN_DATA_MIRROR"
_CHUNK = 1 << 20
_TIMEOUT_S = 60
_USER_AGENT = "Mozilla/5.0 (qgen data fetcher)"


@dataclass(frozen=True)
class RawFile:
    """One published file of a dataset: its name, canonical MD5 and URLs to try in order."""

    filename: str
    md5: str
    urls: tuple[str, ...]


def md5_file(path: Path) -> str:
    """MD5 hex digest of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_mirror(mirror: Path | str | None) -> Path | None:
    """The mirror folder to use: the argument, else ``$QGEN_DATA_MIRROR``, else none (download)."""
    if mirror is not None and str(mirror) != "":
        return Path(mirror)
    env = os.environ.get(MIRROR_ENV, "")
    return Path(env) if env else None


def mirror_candidates(mirror: Path, subdir: str, filename: str) -> list[Path]:
    """Where a mirror may hold a file: ``<mirror>/<subdir>/<file>`` first, then ``<mirror>/<file>``.

    The per-dataset subfolder lets one mirror hold datasets whose files share names
    (MNIST and Fashion-MNIST both publish ``train-images-idx3-ubyte.gz``).
    """
    return [mirror / subdir / filename, mirror / filename]


def _copy_verified(source: BinaryIO, dest: Path, raw: RawFile, origin: str, fix: str) -> None:
    """Stream ``source`` into ``dest`` atomically; raise (keeping nothing) if the MD5 differs."""
    with atomic_file(dest) as out:
        digest = hashlib.md5(usedforsecurity=False)
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
        actual = digest.hexdigest()
        if actual != raw.md5:
            raise DataIntegrityError(
                f"checksum mismatch for {raw.filename} (from {origin}): expected MD5 {raw.md5}, "
                f"got {actual}. The bad copy was not kept (nothing written to {dest}). "
                f"Fix: {fix}.",
                path=dest,
            )


def _mirror_fix(subdir: str, raw: RawFile) -> str:
    return (
        f"rerun to download {raw.filename} again; or place a good copy "
        f"(MD5 {raw.md5}) in the mirror folder set by data.mirror / {MIRROR_ENV}, "
        f"as <mirror>/{subdir}/{raw.filename} or <mirror>/{raw.filename}"
    )


def _from_mirror(raw: RawFile, dest: Path, mirror: Path, subdir: str, all_files: list[RawFile]) -> None:
    candidates = mirror_candidates(mirror, subdir, raw.filename)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        listing = "\n".join(f"  {f.filename}  (MD5 {f.md5})" for f in all_files)
        raise MirrorFileMissingError(
            f"{raw.filename} is not in the data mirror {mirror}: looked for "
            f"{' and '.join(str(p) for p in candidates)}. For this dataset the mirror "
            f"({mirror}/{subdir}/ or {mirror}/) must hold:\n{listing}\n"
            f"Copy the missing file there, or unset data.mirror / {MIRROR_ENV} to download it "
            f"from {', '.join(raw.urls) or '(no public URL)'}."
        )
    with open(found, "rb") as src:
        fix = f"replace {found} in the mirror folder (set by data.mirror / {MIRROR_ENV}) with a good copy"
        _copy_verified(src, dest, raw, str(found), fix)


def _from_web(raw: RawFile, dest: Path, subdir: str) -> None:
    failures: list[str] = []
    mismatch: DataIntegrityError | None = None
    fix = _mirror_fix(subdir, raw)
    for url in raw.urls:
        try:
            request = Request(url, headers={"User-Agent": _USER_AGENT})
            with urlopen(request, timeout=_TIMEOUT_S) as response:
                _copy_verified(response, dest, raw, url, fix)
            return
        except DataIntegrityError as exc:
            mismatch = exc
            failures.append(f"{url} (wrong MD5)")
        except Exception as exc:  # URLError, socket timeouts, SSL, HTTP errors, broken streams
            failures.append(f"{url} ({type(exc).__name__}: {exc})")
    if mismatch is not None:
        raise mismatch
    tried = "\n  ".join(failures) or "(no URL known)"
    raise DownloadError(
        f"download of {raw.filename} failed; URLs tried:\n  {tried}\n"
        f"This machine may have no internet access. Fix: download {raw.filename} "
        f"(MD5 {raw.md5}) elsewhere, put it in a mirror folder as <mirror>/{subdir}/{raw.filename} "
        f"or <mirror>/{raw.filename}, and set data.mirror in the config or {MIRROR_ENV}=<mirror>."
    )


def fetch_raw(
    raw: RawFile,
    dest_dir: Path,
    mirror: Path | None,
    subdir: str,
    all_files: list[RawFile] | None = None,
) -> Path:
    """Make ``dest_dir/raw.filename`` exist with the right MD5; return its path.

    A verified existing copy is kept; a bad one is deleted and fetched again: from ``mirror`` if
    given (never falling back to the web, so offline runs fail loudly), else from the URLs.
    ``subdir`` is the dataset's folder inside a mirror; ``all_files`` lists what a mirror must hold.
    """
    dest = dest_dir / raw.filename
    if dest.is_file():
        actual = md5_file(dest)
        if actual == raw.md5:
            return dest
        log.warning("%s has MD5 %s, expected %s: deleting it and fetching again", dest, actual, raw.md5)
        dest.unlink()
    dest_dir.mkdir(parents=True, exist_ok=True)
    if mirror is not None:
        _from_mirror(raw, dest, mirror, subdir, all_files or [raw])
    else:
        _from_web(raw, dest, subdir)
    log.info("fetched %s (MD5 %s verified)", dest, raw.md5)
    return dest
