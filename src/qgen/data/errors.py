"""Data errors (defined with every user-facing error in :mod:`qgen.errors`)."""

from qgen.errors import DataIntegrityError, DownloadError, MirrorFileMissingError, QgenDataError

__all__ = ["DataIntegrityError", "DownloadError", "MirrorFileMissingError", "QgenDataError"]
