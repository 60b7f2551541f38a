"""Atomic file writes: a file appears complete under its final name, or not at all."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


@contextmanager
def atomic_file(dest: Path) -> Iterator[BinaryIO]:
    """Yield a handle to a hidden temp file beside ``dest``; move it into place on success.

    Any exception inside the block (an interrupted download, a failed checksum) deletes the temp
    file, so readers and reruns never see a partial file. Same folder means same filesystem, so
    ``os.replace`` is atomic.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
