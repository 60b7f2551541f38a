"""Parse gzipped IDX files (the MNIST format) with numpy, validating header and size.

Format: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then one
big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from qgen.data.errors import DataIntegrityError

_UBYTE = 0x08


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read a ``.gz`` IDX file of unsigned bytes with ``ndim`` dimensions.

    Raises DataIntegrityError naming the file if it is not gzip, is truncated, or its header
    (magic number, dimension count) or payload size is wrong.
    """
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataIntegrityError(
            f"{path} is not a readable gzip file (truncated or corrupt: {exc}). "
            f"Fix: delete {path} and rerun; or place a good copy in the mirror folder set by "
            f"data.mirror / QGEN_DATA_MIRROR.",
            path=path,
        ) from exc
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise _bad(path, f"only {len(data)} bytes, shorter than an IDX header")
    zero, type_code, dims_found = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code != _UBYTE or dims_found != ndim:
        magic = struct.unpack(">I", data[:4])[0]
        expected = (_UBYTE << 8) | ndim
        raise _bad(path, f"magic number {magic} (0x{magic:08x}), expected {expected} (0x{expected:08x})")
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    expected_bytes = int(np.prod(shape, dtype=np.int64))
    payload = len(data) - header_len
    if payload != expected_bytes:
        raise _bad(path, f"header says shape {shape} ({expected_bytes} bytes), file holds {payload}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def _bad(path: Path, what: str) -> DataIntegrityError:
    return DataIntegrityError(
        f"{path} is not a valid IDX file: {what}. Fix: delete {path} and rerun; or place a good "
        f"copy in the mirror folder set by data.mirror / QGEN_DATA_MIRROR.",
        path=path,
    )
