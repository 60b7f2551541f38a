"""Data errors that tell the user which file is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path

from qgen.errors import QgenError


class QgenDataError(QgenError):
    """Base class for every failure in fetching, converting or loading a dataset."""


class DataIntegrityError(QgenDataError):
    """A file has the wrong checksum, is truncated, or does not parse; ``path`` names it."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class MirrorFileMissingError(QgenDataError):
    """A data mirror was selected but does not hold a file the dataset needs."""


class DownloadError(QgenDataError):
    """Every URL for a raw file failed (no network, server gone, ...)."""
