"""Errors meant for users: each message names the problem (a key, a file) and the fix.

The CLI prints them as one line; anything else is a bug and prints its traceback only with
``--debug``.
"""

from __future__ import annotations

from pathlib import Path


class QgenError(RuntimeError):
    """A failure the user can fix; the message says how."""


class QgenDataError(QgenError):
    """A failure in fetching, converting or loading data or weight files."""


class DataIntegrityError(QgenDataError):
    """A file has the wrong checksum, is truncated, or does not parse; ``path`` names it."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class MirrorFileMissingError(QgenDataError):
    """A mirror or local copy was selected but does not hold a file that is needed."""


class DownloadError(QgenDataError):
    """Every URL for a file failed (no network, server gone, ...)."""
