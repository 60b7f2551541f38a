"""Every file qgen downloads (datasets, metric weights) goes through here: checksum-verified,
written atomically, from a mirror folder, a local copy or the web.

The bytes are streamed into a hidden temporary file beside the destination, hashed on the way,
and moved into place only once a checksum matches, so an interrupted or bad transfer never
leaves a file under the final name. Two checks can accept a file:

- ``file``: the digest of the file's bytes equals the published one (MD5 or SHA256);
- ``content``: for gzip files, the MD5 of the decompressed bytes equals the known content MD5.
  This accepts a recompressed copy of the same data (Debian's ``dataset-fashion-mnist`` ships
  Fashion-MNIST's canonical IDX content in other ``.gz`` bytes) and refuses everything else.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.request import Request, urlopen

from tqdm import tqdm

from qgen.atomic import atomic_file
from qgen.errors import DataIntegrityError, DownloadError, MirrorFileMissingError

log = logging.getLogger(__name__)

MIRROR_ENV = "QGEN_DATA_MIRROR"
_CHUNK = 1 << 20
_TIMEOUT_S = 60
_USER_AGENT = "Mozilla/5.0 (qgen fetcher)"


@dataclass(frozen=True)
class RemoteFile:
    """A published file: its name, digest (``algorithm``), URLs to try in order, and for gzip
    files optionally the MD5 of the decompressed content."""

    filename: str
    checksum: str
    urls: tuple[str, ...] = ()
    algorithm: str = "md5"
    content_md5: str | None = None

    @property
    def md5(self) -> str:  # the datasets' published digests are MD5s
        return self.checksum


def file_checksum(path: Path | str, algorithm: str = "md5") -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm, usedforsecurity=False) if algorithm == "md5" else hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def md5_file(path: Path | str) -> str:
    return file_checksum(path, "md5")


def content_md5(path: Path | str) -> str | None:
    """MD5 of a gzip file's decompressed bytes (None if it is not a readable gzip file)."""
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with gzip.open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def accepted_by(path: Path, remote: RemoteFile, file_digest: str | None = None) -> str | None:
    """Which check accepts ``path`` as ``remote`` ('file' or 'content'), or None."""
    if (file_digest or file_checksum(path, remote.algorithm)) == remote.checksum:
        return "file"
    if remote.content_md5 and content_md5(path) == remote.content_md5:
        return "content"
    return None


def _describe(remote: RemoteFile) -> str:
    extra = f" or decompressed content MD5 {remote.content_md5}" if remote.content_md5 else ""
    return f"{remote.algorithm.upper()} {remote.checksum}{extra}"


def _copy_verified(source: BinaryIO, dest: Path, remote: RemoteFile, origin: str, fix: str,
                   total: int | None = None) -> str:
    """Stream ``source`` into ``dest`` atomically; return the check that passed, or raise
    (keeping nothing) when none does."""
    with atomic_file(dest) as out:
        digest = hashlib.new(remote.algorithm)
        with tqdm(total=total, unit="B", unit_scale=True, desc=remote.filename, disable=total is None,
                  mininterval=5) as bar:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
        out.flush()
        check = accepted_by(Path(out.name), remote, digest.hexdigest())
        if check is None:
            raise DataIntegrityError(
                f"checksum mismatch for {remote.filename} (from {origin}): expected {_describe(remote)}, "
                f"got {remote.algorithm.upper()} {digest.hexdigest()}. The bad copy was not kept (nothing "
                f"written to {dest}). Fix: {fix}.",
                path=dest,
            )
    return check


def resolve_mirror(mirror: Path | str | None) -> Path | None:
    """The mirror folder to use: ``$QGEN_DATA_MIRROR`` (set on cluster nodes, it overrides the
    config), else the argument (``data.mirror``), else none (download)."""
    env = os.environ.get(MIRROR_ENV, "")
    if env:
        return Path(env)
    if mirror is not None and str(mirror) != "":
        return Path(mirror)
    return None


def mirror_candidates(mirror: Path, subdir: str, filename: str) -> list[Path]:
    """Where a mirror may hold a file: ``<mirror>/<subdir>/<file>`` first, then ``<mirror>/<file>``.

    The per-dataset subfolder lets one mirror hold datasets whose files share names
    (MNIST and Fashion-MNIST both publish ``train-images-idx3-ubyte.gz``).
    """
    return [mirror / subdir / filename, mirror / filename] if subdir else [mirror / filename]


def _mirror_fix(subdir: str, remote: RemoteFile) -> str:
    where = f"<mirror>/{subdir}/{remote.filename} or " if subdir else ""
    return (f"rerun to download {remote.filename} again; or place a good copy ({_describe(remote)}) in the "
            f"mirror folder set by data.mirror / {MIRROR_ENV}, as {where}<mirror>/{remote.filename}")


def _from_file(remote: RemoteFile, dest: Path, source: Path, fix: str) -> str:
    with open(source, "rb") as src:
        return _copy_verified(src, dest, remote, str(source), fix)


def _from_mirror(remote: RemoteFile, dest: Path, mirror: Path, subdir: str, all_files: list[RemoteFile]) -> str:
    candidates = mirror_candidates(mirror, subdir, remote.filename)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        listing = "\n".join(f"  {f.filename}  ({_describe(f)})" for f in all_files)
        raise MirrorFileMissingError(
            f"{remote.filename} is not in the data mirror {mirror}: looked for "
            f"{' and '.join(str(p) for p in candidates)}. The mirror must hold:\n{listing}\n"
            f"Copy the missing file there, or unset data.mirror / {MIRROR_ENV} to download it "
            f"from {', '.join(remote.urls) or '(no public URL)'}."
        )
    fix = f"replace {found} in the mirror folder (set by data.mirror / {MIRROR_ENV}) with a good copy"
    return _from_file(remote, dest, found, fix)


def _download(remote: RemoteFile, url: str, dest: Path, fix: str) -> str:
    request = Request(url, headers={"User-Agent": _USER_AGENT})
    with urlopen(request, timeout=_TIMEOUT_S) as response:
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        return _copy_verified(response, dest, remote, url, fix, total=int(length) if length else None)


def _from_web(remote: RemoteFile, dest: Path, fix: str, manual: str) -> str:
    failures: list[str] = []
    mismatch: DataIntegrityError | None = None
    for url in remote.urls:
        try:
            return _download(remote, url, dest, fix)
        except DataIntegrityError as exc:
            mismatch = exc
            failures.append(f"{url} (wrong checksum)")
        except Exception as exc:  # URLError, socket timeouts, SSL, HTTP errors, broken streams
            failures.append(f"{url} ({type(exc).__name__}: {exc})")
    if mismatch is not None:
        raise mismatch
    tried = "\n  ".join(failures) or "(no URL known)"
    raise DownloadError(
        f"download of {remote.filename} failed; URLs tried:\n  {tried}\n"
        f"This machine may have no internet access. Fix: {manual}"
    )


def fetch(
    remote: RemoteFile,
    dest_dir: Path,
    *,
    mirror: Path | None = None,
    subdir: str = "",
    all_files: list[RemoteFile] | None = None,
    local: Path | None = None,
    manual_fix: str | None = None,
) -> Path:
    """Make ``dest_dir/remote.filename`` exist and pass a check; return its path.

    A verified existing copy is kept; a bad one is deleted and fetched again: from ``local`` (a
    file the user named), else from ``mirror`` (never falling back to the web, so offline runs
    fail loudly), else from the URLs. ``manual_fix`` tells the user how to get the file by hand.
    """
    dest = Path(dest_dir) / remote.filename
    manual = manual_fix or (
        f"download {remote.filename} ({_describe(remote)}) elsewhere, put it in a mirror folder as "
        f"{'<mirror>/' + subdir + '/' + remote.filename + ' or ' if subdir else ''}<mirror>/{remote.filename}, "
        f"and set data.mirror in the config or {MIRROR_ENV}=<mirror>."
    )
    if dest.is_file():
        check = accepted_by(dest, remote)
        if check is not None:
            return dest
        log.warning("%s fails its checksum: deleting it and fetching again", dest)
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    if local is not None:
        local = Path(local)
        if not local.is_file():
            raise MirrorFileMissingError(f"{remote.filename}: the local file {local} does not exist. Fix: {manual}")
        check = _from_file(remote, dest, local, f"replace {local} with a good copy; {manual}")
    elif mirror is not None:
        check = _from_mirror(remote, dest, mirror, subdir, all_files or [remote])
    else:
        check = _from_web(remote, dest, _mirror_fix(subdir, remote), manual)
    how = "its file checksum" if check == "file" else "its decompressed content's MD5 (a recompressed copy)"
    log.info("fetched %s: accepted by %s", dest, how)
    print(f"{dest}: accepted by {how}", flush=True)
    return dest
