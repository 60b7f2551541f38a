"""Atomic file writes: a file appears complete under its final name, or not at all.

A killed job, an interrupted download or a failed checksum leaves no partial file behind, so
Snakemake reruns and readers never see one. The temporary file sits beside the destination
(same filesystem, so ``os.replace`` is atomic) and keeps its suffix, for writers that infer
the format from it (``np.savez``, ``savefig``).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Files are created as the umask allows (mkstemp alone would make every output 0600, unreadable
# by the rest of a group on a shared cluster filesystem).
FILE_MODE = 0o666 & ~_umask()


@contextmanager
def atomic_path(dest: Path | str) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``dest``; move it into place if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.stem}.", suffix=f".part{dest.suffix}")
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, FILE_MODE)
    try:
        yield tmp
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_file(dest: Path | str) -> Iterator[BinaryIO]:
    """Yield a binary handle whose content replaces ``dest`` once the block succeeds (fsynced)."""
    with atomic_path(dest) as tmp, open(tmp, "wb") as out:
        yield out
        out.flush()
        os.fsync(out.fileno())


def atomic_write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
